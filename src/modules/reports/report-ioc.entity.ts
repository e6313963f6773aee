import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Report } from './report.entity';

/** One IOC of one report: the index that search, prevalence and feeds query (never the report JSON). */
@Entity('report_iocs')
@Index('IDX_report_iocs_type_value', ['type', 'value'])
@Index('IDX_report_iocs_value', ['value'])
export class ReportIoc {
  @PrimaryColumn({ name: 'report_id', type: 'uuid' })
  reportId: string;

  @ManyToOne(() => Report, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id', foreignKeyConstraintName: 'FK_report_iocs_report' })
  report?: Report;

  @PrimaryColumn({ type: 'text' })
  type: string;

  @PrimaryColumn({ type: 'text' })
  value: string;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  origins: string[];
}
