import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Report } from '../reports/report.entity';

/**
 * The ssdeep candidate index: one row per (block size, 7-gram) of a report's ssdeep hash (part 1 at
 * the block size, part 2 at twice it, runs cut to three). ssdeep scores two hashes above 0 only when
 * they share such a pair, so a lookup by the query hash's pairs finds every candidate.
 * Written by the `reports` triggers (migration ThreatIntelAndStats), never by the application.
 */
@Entity('report_ssdeep_grams')
@Index('IDX_report_ssdeep_grams_gram', ['blockSize', 'gram'])
export class ReportSsdeepGram {
  @PrimaryColumn({ name: 'report_id', type: 'uuid', primaryKeyConstraintName: 'PK_report_ssdeep_grams' })
  reportId: string;

  @ManyToOne(() => Report, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id', foreignKeyConstraintName: 'FK_report_ssdeep_grams_report' })
  report?: Report;

  @PrimaryColumn({ name: 'block_size', type: 'bigint', primaryKeyConstraintName: 'PK_report_ssdeep_grams' })
  blockSize: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_report_ssdeep_grams' })
  gram: string;
}

/**
 * The TLSH candidate index: the 16 two-byte groups of a report's TLSH body, each as
 * `group << 16 | bytes`. Written by the `reports` triggers.
 */
@Entity('report_tlsh_grams')
@Index('IDX_report_tlsh_grams_key', ['key'])
export class ReportTlshGram {
  @PrimaryColumn({ name: 'report_id', type: 'uuid', primaryKeyConstraintName: 'PK_report_tlsh_grams' })
  reportId: string;

  @ManyToOne(() => Report, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id', foreignKeyConstraintName: 'FK_report_tlsh_grams_report' })
  report?: Report;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_report_tlsh_grams' })
  key: number;
}
