import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum AuthServiceType {
  Oidc = 'oidc',
  Ldap = 'ldap',
}

/**
 * An external identity provider's configuration. Non-secret settings are plain JSON; the secrets
 * (OIDC client secret, LDAP bind password) are one AES-256-GCM sealed JSON object bound to the row's
 * name (see SecretBox), never returned by the API.
 */
@Entity('auth_services')
export class AuthServiceConfig {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_auth_services' })
  id: string;

  /** The `{service}` of the API paths: a short slug chosen by the administrator. */
  @Index('UQ_auth_services_name', { unique: true })
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: AuthServiceType;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ type: 'jsonb' })
  settings: Record<string, unknown>;

  @Column({ name: 'sealed_secrets', type: 'text', nullable: true })
  sealedSecrets: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
