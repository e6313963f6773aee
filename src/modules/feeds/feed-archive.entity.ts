import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum ArchiveKind {
  Yara = 'yara',
  Samples = 'samples',
}

/** Who a samples archive is for: samples of public reports, or of private ones (administrators only). */
export enum ArchivePublicity {
  Public = 'public',
  Private = 'private',
}

/**
 * What a samples archive holds, by the verdict of that day's reports of the sample. Only samples
 * worth sharing as threat intelligence are archived: clean files are never bundled for download.
 */
export enum SampleArchiveType {
  Malicious = 'malicious',
  Suspicious = 'suspicious',
}

/** The type recorded for YARA archives (one per day, public reports only). */
export const YARA_ARCHIVE_TYPE = 'rules';

/**
 * One daily archive built by the `feeds.archives` job: at most one per (kind, publicity, type, UTC
 * day), the unique index keeps a re-run from adding a second. The file lives in the archive store
 * under DATA_DIR, addressed by `sha256`.
 */
@Entity('feed_archives')
@Index('UQ_feed_archives_day', ['kind', 'publicity', 'type', 'day'], { unique: true })
export class FeedArchive {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_feed_archives' })
  id: string;

  /** UTC day, `YYYY-MM-DD`. */
  @Column({ type: 'date' })
  day: string;

  @Column({ type: 'text' })
  kind: ArchiveKind;

  @Column({ type: 'text' })
  publicity: ArchivePublicity;

  @Column({ type: 'text' })
  type: string;

  /** Name offered to the downloader. */
  @Column({ name: 'file_name', type: 'text' })
  fileName: string;

  @Column({ type: 'bigint' })
  size: string;

  @Column({ type: 'text' })
  sha256: string;

  /** Samples, or YARA rules, in the archive. */
  @Column({ type: 'integer' })
  count: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
