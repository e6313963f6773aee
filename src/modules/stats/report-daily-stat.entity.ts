import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** What a roll-up row counts. */
export enum StatKind {
  /** key: verdict; reports and submissions (depth 0). */
  Verdict = 'verdict',
  /** key: file kind (pe, pdf ...). */
  FileKind = 'file_kind',
  /** key: IOC type; occurrences = IOC rows, reports = reports with one (the files' own digests excluded). */
  IocType = 'ioc_type',
  /** key: an IP address seen in a MALICIOUS or LIKELY_MALICIOUS report; reports = such reports. */
  MaliciousIp = 'malicious_ip',
  /** key: YARA rule name; reports = reports it matched. */
  Yara = 'yara',
  /** key: ATT&CK technique id; reports = reports with a signal mapped to it. */
  Mitre = 'mitre',
}

/**
 * The statistics roll-up: per UTC day, owner, access group and privacy, counts by `kind` and `key`.
 * Rebuilt per day by the `stats.rollup` job; `/api/users/stat*` sum it, never the reports.
 */
@Entity('report_daily_stats')
@Index('IDX_report_daily_stats_kind_day', ['kind', 'day'])
@Index('IDX_report_daily_stats_day', ['day'])
export class ReportDailyStat {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_report_daily_stats' })
  id: string;

  /** `YYYY-MM-DD` (UTC). */
  @Column({ type: 'date' })
  day: string;

  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId: string | null;

  @Column({ name: 'access_group_id', type: 'uuid', nullable: true })
  accessGroupId: string | null;

  @Column({ name: 'is_private', type: 'boolean' })
  isPrivate: boolean;

  @Column({ type: 'text' })
  kind: StatKind;

  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'integer', default: 0 })
  reports: number;

  @Column({ type: 'integer', default: 0 })
  submissions: number;

  @Column({ type: 'integer', default: 0 })
  occurrences: number;
}

/** UTC days whose reports changed since their roll-up; the `reports` triggers mark them, the job clears them. */
@Entity('report_stats_dirty_days')
export class ReportStatsDirtyDay {
  @PrimaryColumn({ type: 'date', primaryKeyConstraintName: 'PK_report_stats_dirty_days' })
  day: string;

  @Column({ name: 'marked_at', type: 'timestamptz', default: () => 'now()' })
  markedAt: Date;
}
