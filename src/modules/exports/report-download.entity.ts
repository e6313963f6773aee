import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Report } from '../reports/report.entity';
import { User } from '../users/user.entity';

export enum ExportFormat {
  Html = 'html',
  Pdf = 'pdf',
  Misp = 'misp',
  Stix = 'stix',
}

/** Formats generated in the background (`/download/start`) and kept; MISP and STIX are made on each download. */
export const GENERATED_FORMATS: readonly ExportFormat[] = [ExportFormat.Html, ExportFormat.Pdf];

export enum DownloadState {
  /** Queued for the worker. */
  Pending = 'pending',
  /** A worker is rendering it. */
  Processing = 'processing',
  Ready = 'ready',
  Failed = 'failed',
}

/**
 * One user's export of one report in one format: its generation (html, pdf) and its downloads. A
 * user has at most one per report and format; starting again regenerates it in place.
 * Generated files live in the sample store (content-addressed, like samples), so they survive
 * restarts and are served by whichever API process is asked.
 */
@Entity('report_downloads')
@Index('IDX_report_downloads_unique', ['reportId', 'userId', 'format'], { unique: true })
@Index('IDX_report_downloads_user', ['userId', 'requestedAt'])
@Index('IDX_report_downloads_file', ['fileSha256'])
export class ReportDownload {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null once the report is deleted: the row stays until the cleanup job has removed its file. */
  @Column({ name: 'report_id', type: 'uuid', nullable: true })
  reportId: string | null;

  @ManyToOne(() => Report, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'report_id', foreignKeyConstraintName: 'FK_report_downloads_report' })
  report?: Report;

  /** Null once the user is deleted (same cleanup). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_report_downloads_user' })
  user?: User;

  @Column({ type: 'text' })
  format: ExportFormat;

  @Column({ type: 'text' })
  state: DownloadState;

  /** Bumped on every (re)start: a job of an older generation finds it changed and does nothing. */
  @Column({ type: 'integer', default: 0 })
  generation: number;

  /** SHA-256 of the generated file in the sample store (html, pdf). */
  @Column({ name: 'file_sha256', type: 'text', nullable: true })
  fileSha256: string | null;

  /** Bytes of the generated file (or of the last MISP/STIX document served). */
  @Column({ type: 'bigint', nullable: true })
  size: string | null;

  /** Why the generation failed. */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** `timeout` when the rendering ran out of time, `error` otherwise. */
  @Column({ name: 'error_kind', type: 'text', nullable: true })
  errorKind: 'timeout' | 'error' | null;

  @Column({ name: 'download_count', type: 'integer', default: 0 })
  downloadCount: number;

  @Column({ name: 'requested_at', type: 'timestamptz', default: () => 'now()' })
  requestedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'ready_at', type: 'timestamptz', nullable: true })
  readyAt: Date | null;

  @Column({ name: 'last_downloaded_at', type: 'timestamptz', nullable: true })
  lastDownloadedAt: Date | null;
}
