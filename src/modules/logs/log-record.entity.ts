import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One stored application log record: every warn, error and fatal line the platform logs (API and
 * worker), with its correlation id, so administrators can trace a problem without shell access.
 */
@Entity('logs')
@Index('IDX_logs_created_at', ['createdAt'])
@Index('IDX_logs_level_created_at', ['levelValue', 'createdAt'])
export class LogRecord {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_logs' })
  id: string;

  /** When it was logged (the process's clock). */
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** warn, error or fatal. */
  @Column({ type: 'text' })
  level: string;

  /** pino's numeric level (40, 50, 60), for "this level and above". */
  @Column({ name: 'level_value', type: 'integer' })
  levelValue: number;

  /** What kind of event: the `key` the code logged, else its component (e.g. `JobQueue`). */
  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  message: string;

  /** The request (method and path) or the URL the record is about, when there is one. */
  @Column({ name: 'related_url', type: 'text', nullable: true })
  relatedUrl: string | null;

  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId: string | null;

  /** The record's other fields (bounded, secrets removed). */
  @Column({ type: 'jsonb', nullable: true })
  data: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;
}
