import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum ErrorSource {
  Server = 'server',
  Client = 'client',
}

/**
 * One group of identical errors: same source, error class, normalised message and top frame of our
 * own code (the fingerprint). Each occurrence bumps `count` and `last_seen` instead of adding a row.
 */
@Entity('app_errors')
@Index('IDX_app_errors_last_seen', ['lastSeen'])
export class AppError {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_app_errors' })
  id: string;

  @Index('UQ_app_errors_fingerprint', { unique: true })
  @Column({ type: 'text' })
  fingerprint: string;

  @Column({ type: 'text' })
  source: ErrorSource;

  @Column({ name: 'error_class', type: 'text' })
  errorClass: string;

  /** The latest occurrence's message, secrets removed. */
  @Column({ type: 'text' })
  message: string;

  /** The latest occurrence's stack, bounded, secrets removed. */
  @Column({ type: 'text', nullable: true })
  stack: string | null;

  @Column({ name: 'top_frame', type: 'text', nullable: true })
  topFrame: string | null;

  @Column({ type: 'integer', default: 1 })
  count: number;

  @Column({ name: 'first_seen', type: 'timestamptz', default: () => 'now()' })
  firstSeen: Date;

  @Column({ name: 'last_seen', type: 'timestamptz', default: () => 'now()' })
  lastSeen: Date;

  @Column({ name: 'last_correlation_id', type: 'text', nullable: true })
  lastCorrelationId: string | null;

  /** Where it happened: method and path of the request, page URL and browser of a client error, component of background work. */
  @Column({ type: 'jsonb', nullable: true })
  context: Record<string, unknown> | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;
}
