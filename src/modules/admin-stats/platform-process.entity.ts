import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A running platform process (API, worker or both), refreshed by its heartbeat: how the admin panel knows the workers. */
@Entity('platform_processes')
export class PlatformProcess {
  /** `hostname:pid:start-time`, unique per process lifetime. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_platform_processes' })
  id: string;

  @Column({ type: 'text' })
  host: string;

  @Column({ type: 'integer' })
  pid: number;

  @Column({ type: 'text' })
  role: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Index('IDX_platform_processes_seen')
  @Column({ name: 'seen_at', type: 'timestamptz', default: () => 'now()' })
  seenAt: Date;
}
