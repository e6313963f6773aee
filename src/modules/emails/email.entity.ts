import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { UserGroup } from '../../common/access/user-group';

export enum EmailAudienceKind {
  AllUsers = 'all_users',
  UserGroup = 'user_group',
  AccessGroup = 'access_group',
  Users = 'users',
}

/** Whom a message was addressed to, as the administrator chose it (the resolved addresses are the deliveries). */
export interface EmailAudience {
  recipients: EmailAudienceKind;
  user_group?: UserGroup;
  access_group_id?: string;
  user_ids?: string[];
}

export enum DeliveryState {
  Queued = 'queued',
  Sent = 'sent',
  Failed = 'failed',
}

/** One mass e-mail: a built-in template with the administrator's variables, sent to a set of platform users. */
@Entity('emails')
export class Email {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_emails' })
  id: string;

  @Column({ type: 'text' })
  template: string;

  /** Rendered subject (subjects take no per-recipient variables). */
  @Column({ type: 'text' })
  subject: string;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  variables: Record<string, string>;

  @Column({ type: 'jsonb' })
  audience: EmailAudience;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Index('IDX_emails_created')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @OneToMany(() => EmailDelivery, (d) => d.email)
  deliveries?: EmailDelivery[];
}

/** One recipient of a message: its own state, attempts and last error, so one bad address fails alone. */
@Entity('email_deliveries')
export class EmailDelivery {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_email_deliveries' })
  id: string;

  @Index('IDX_email_deliveries_email')
  @Column({ name: 'email_id', type: 'uuid' })
  emailId: string;

  @ManyToOne(() => Email, (e) => e.deliveries, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'email_id', foreignKeyConstraintName: 'FK_email_deliveries_email' })
  email?: Email;

  /** The platform user it went to (null once that user is removed; the address stays for the record). */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  @Column({ type: 'text' })
  address: string;

  @Column({ name: 'recipient_name', type: 'text', default: '' })
  recipientName: string;

  @Column({ type: 'text', default: DeliveryState.Queued })
  state: DeliveryState;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
