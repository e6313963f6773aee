import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { FinalVerdict } from '../../engine/types';

export enum FlowKind {
  File = 'file',
  Url = 'url',
}

export enum FlowState {
  Queued = 'queued',
  Running = 'running',
  Finished = 'finished',
  Failed = 'failed',
}

/** One submission (a file or a URL) and its analysis; its reports are one per analysed file. */
@Entity('flows')
@Index('IDX_flows_owner_created', ['ownerId', 'createdAt'])
@Index('IDX_flows_state', ['state'])
@Index('IDX_flows_sample', ['sampleSha256'])
export class Flow {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  kind: FlowKind;

  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId: string | null;

  /** The owner's access group at submission: its members may see a private flow. */
  @Column({ name: 'access_group_id', type: 'uuid', nullable: true })
  accessGroupId: string | null;

  @Column({ name: 'is_private', type: 'boolean', default: false })
  isPrivate: boolean;

  /** SHA-256 of the submitted file (null for URL flows until the URL is fetched). */
  @Column({ name: 'sample_sha256', type: 'text', nullable: true })
  sampleSha256: string | null;

  @Column({ name: 'file_name', type: 'text', nullable: true })
  fileName: string | null;

  @Column({ name: 'file_size', type: 'bigint', nullable: true })
  fileSize: string | null;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags: string[];

  /** The submitted options as the report's `scanOptions` shows them. */
  @Column({ name: 'scan_options', type: 'jsonb', default: () => `'{}'` })
  scanOptions: Record<string, unknown>;

  /** Archive password given with the submission; cleared once the analysis ends. */
  @Column({ type: 'text', nullable: true, select: false })
  password: string | null;

  @Column({ type: 'integer', default: 0 })
  priority: number;

  @Column({ type: 'text', default: FlowState.Queued })
  state: FlowState;

  /** 0..100 while running. */
  @Column({ type: 'integer', default: 0 })
  progress: number;

  @Column({ name: 'progress_message', type: 'text', nullable: true })
  progressMessage: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'final_verdict', type: 'jsonb', nullable: true })
  finalVerdict: FinalVerdict | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
