import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum JobRunState {
  Running = 'running',
  /** Still running past the job's timeoutMs. */
  Overrun = 'overrun',
  Succeeded = 'succeeded',
  Failed = 'failed',
  Stopped = 'stopped',
}

export enum JobTrigger {
  Schedule = 'schedule',
  Manual = 'manual',
}

export interface JobLogLine {
  at: string;
  message: string;
}

/** One run of a scheduled job, in whichever process ran it. */
@Entity('job_runs')
@Index('IDX_job_runs_slot', ['job', 'slot'], { unique: true })
@Index('IDX_job_runs_job_started', ['job', 'startedAt'])
@Index('IDX_job_runs_state', ['state'])
export class JobRun {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_job_runs' })
  id: string;

  @Column({ type: 'text' })
  job: string;

  /** The scheduled occurrence this run serves; null for manual runs. */
  @Column({ type: 'timestamptz', nullable: true })
  slot: Date | null;

  @Column({ type: 'text' })
  trigger: JobTrigger;

  @Column({ type: 'text' })
  state: JobRunState;

  /** `hostname:pid` of the process that ran it. */
  @Column({ type: 'text' })
  host: string;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  /** Refreshed while the run goes on; a running row whose heartbeat stopped belongs to a process that died. */
  @Column({ name: 'heartbeat_at', type: 'timestamptz', default: () => 'now()' })
  heartbeatAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs: number | null;

  @Column({ type: 'text', nullable: true })
  summary: string | null;

  @Column({ type: 'jsonb', nullable: true })
  counts: Record<string, number> | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Highest resident set size of the running process seen during the run, bytes. */
  @Column({ name: 'peak_rss', type: 'bigint', nullable: true })
  peakRss: string | null;

  @Column({ name: 'peak_heap_used', type: 'bigint', nullable: true })
  peakHeapUsed: string | null;

  /** The run's log lines, at most MAX_LOG_LINES; the rest are counted in logDropped. */
  @Column({ type: 'jsonb', default: () => `'[]'` })
  log: JobLogLine[];

  @Column({ name: 'log_dropped', type: 'integer', default: 0 })
  logDropped: number;

  /** Set by an administrator's stop; the process running it aborts the run's signal when it sees it. */
  @Column({ name: 'stop_requested', type: 'boolean', default: false })
  stopRequested: boolean;
}
