import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { User } from '../users/user.entity';

export enum ScanSourceType {
  Directory = 'directory',
  S3 = 's3',
}

/** What every file of a source is submitted with: scan option switches, tags, privacy. */
export interface SourceScanSettings {
  options: Record<string, boolean>;
  tags: string[];
  is_private: boolean;
}

/** A place the platform pulls files from on a schedule: a watched directory or an S3-compatible bucket. */
@Entity('scan_sources')
export class ScanSource {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_scan_sources' })
  id: string;

  @Index('UQ_scan_sources_name', { unique: true })
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: ScanSourceType;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Real path (symlinks resolved) inside one of SCAN_SOURCE_ROOTS. */
  @Column({ name: 'directory_path', type: 'text', nullable: true })
  directoryPath: string | null;

  @Column({ name: 's3_endpoint', type: 'text', nullable: true })
  s3Endpoint: string | null;

  @Column({ name: 's3_region', type: 'text', nullable: true })
  s3Region: string | null;

  @Column({ name: 's3_bucket', type: 'text', nullable: true })
  s3Bucket: string | null;

  @Column({ name: 's3_prefix', type: 'text', default: '' })
  s3Prefix: string;

  @Column({ name: 's3_access_key_id', type: 'text', nullable: true })
  s3AccessKeyId: string | null;

  /** The secret access key, AES-256-GCM under a key derived from the app secret; never answered. */
  @Column({ name: 's3_secret', type: 'text', nullable: true, select: false })
  s3Secret: string | null;

  @Column({ name: 's3_force_path_style', type: 'boolean', default: true })
  s3ForcePathStyle: boolean;

  @Column({ name: 'scan_settings', type: 'jsonb', default: () => `'{}'` })
  scanSettings: SourceScanSettings;

  /** Most files submitted per poll (further ones wait for the next poll); at most SCAN_SOURCE_MAX_FILES. */
  @Column({ name: 'max_files_per_poll', type: 'integer', default: 100 })
  maxFilesPerPoll: number;

  /** Seconds between scheduled polls. */
  @Column({ name: 'poll_interval', type: 'integer', default: 300 })
  pollInterval: number;

  /** The administrator the files are submitted as (their groups set priority and visibility). */
  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'owner_id', foreignKeyConstraintName: 'FK_scan_sources_owner' })
  owner?: User | null;

  /** A poll holds the source until then, so overlapping runs never list and submit it twice. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'last_polled_at', type: 'timestamptz', nullable: true })
  lastPolledAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export enum SubjobState {
  Running = 'running',
  Finished = 'finished',
  Failed = 'failed',
}

export enum SourceFileState {
  /** Seen, not yet stable (directory file still changing): looked at again next poll. */
  Waiting = 'waiting',
  Submitted = 'submitted',
  Skipped = 'skipped',
  Failed = 'failed',
}

/** What one poll did with one file. */
export interface SubjobItem {
  path: string;
  size: number;
  state: SourceFileState;
  reason: string | null;
  flow_id: string | null;
}

/** One poll of one source. */
@Entity('scan_source_subjobs')
@Index('IDX_scan_source_subjobs_source', ['sourceId', 'startedAt'])
export class ScanSourceSubjob {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_scan_source_subjobs' })
  id: string;

  @Column({ name: 'source_id', type: 'uuid' })
  sourceId: string;

  @ManyToOne(() => ScanSource, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_id', foreignKeyConstraintName: 'FK_scan_source_subjobs_source' })
  source?: ScanSource;

  @Column({ type: 'text' })
  trigger: string;

  @Column({ type: 'text', default: SubjobState.Running })
  state: SubjobState;

  @Column({ type: 'integer', default: 0 })
  found: number;

  @Column({ type: 'integer', default: 0 })
  submitted: number;

  @Column({ type: 'integer', default: 0 })
  skipped: number;

  @Column({ type: 'integer', default: 0 })
  failed: number;

  @Column({ type: 'integer', default: 0 })
  waiting: number;

  /** Why the whole poll failed (source unreachable ...). */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Per file: what happened and why (only files this poll acted on). */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  items: SubjobItem[];

  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}

/** A file seen in a source, by path; size and version (mtime or ETag) tell a new version from one already handled. */
@Entity('scan_source_files')
@Index('UQ_scan_source_files_path', ['sourceId', 'path'], { unique: true })
export class ScanSourceFile {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_scan_source_files' })
  id: string;

  @Column({ name: 'source_id', type: 'uuid' })
  sourceId: string;

  @ManyToOne(() => ScanSource, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'source_id', foreignKeyConstraintName: 'FK_scan_source_files_source' })
  source?: ScanSource;

  /** Relative to the directory, or the object key. Never used to open anything outside the source. */
  @Column({ type: 'text' })
  path: string;

  @Column({ type: 'bigint' })
  size: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ type: 'text' })
  state: SourceFileState;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'flow_id', type: 'uuid', nullable: true })
  flowId: string | null;

  @Column({ name: 'subjob_id', type: 'uuid', nullable: true })
  subjobId: string | null;

  @CreateDateColumn({ name: 'first_seen_at', type: 'timestamptz' })
  firstSeenAt: Date;

  @Index('IDX_scan_source_files_updated')
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
