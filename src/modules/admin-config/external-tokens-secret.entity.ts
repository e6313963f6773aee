import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The secret that encrypts tokens handed to external auth services: one row (id 1), replaced on
 * every generation. Stored sealed (AES-256-GCM under a key derived from APP_SECRET), shown once.
 */
@Entity('external_tokens_secrets')
export class ExternalTokensSecret {
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_external_tokens_secrets' })
  id: number;

  @Column({ name: 'sealed_secret', type: 'text' })
  sealedSecret: string;

  /** First 16 hex digits of the secret's SHA-256: tells which secret is in use without revealing it. */
  @Column({ type: 'text' })
  fingerprint: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;
}
