import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum AuditOutcome {
  Success = 'success',
  Failure = 'failure',
}

/**
 * Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE). Each row carries an HMAC over its
 * content and the previous row's hash, so a row changed behind the application's back breaks the chain.
 */
@Entity('audit_logs')
@Index('IDX_audit_logs_created_at', ['createdAt'])
@Index('IDX_audit_logs_action', ['action'])
@Index('IDX_audit_logs_actor_id', ['actorId'])
export class AuditLog {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'actor_email', type: 'text', nullable: true })
  actorEmail: string | null;

  @Column({ name: 'actor_ip', type: 'text', nullable: true })
  actorIp: string | null;

  @Column({ type: 'text' })
  action: string;

  @Column({ type: 'text' })
  outcome: AuditOutcome;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  before: unknown;

  @Column({ type: 'jsonb', nullable: true })
  after: unknown;

  @Column({ type: 'jsonb', nullable: true })
  details: unknown;

  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId: string | null;

  @Column({ name: 'prev_hash', type: 'text' })
  prevHash: string;

  @Column({ type: 'text' })
  hash: string;
}
