import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum HealthStatus {
  Ok = 'ok',
  Down = 'down',
}

export enum HealthCheckName {
  Database = 'database',
  Queue = 'queue',
  Storage = 'storage',
}

/** The outcome of one dependency check. */
export interface HealthCheckResult {
  name: HealthCheckName;
  status: HealthStatus;
  latencyMs: number;
  /** Why the check failed; null when it passed. Shown to administrators only. */
  error: string | null;
}

/** One recorded health check (the scheduled job writes one per HEALTHCHECK_INTERVAL across all processes). */
@Entity('healthchecks')
export class Healthcheck {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Database time of the recording transaction. */
  @Index('IDX_healthchecks_checked_at')
  @CreateDateColumn({ name: 'checked_at', type: 'timestamptz' })
  checkedAt: Date;

  @Column({ type: 'text' })
  status: HealthStatus;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ type: 'jsonb' })
  checks: HealthCheckResult[];

  /** host:pid of the process that ran the check. */
  @Column({ type: 'text' })
  host: string;
}
