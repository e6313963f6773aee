import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export enum ActivationMethod {
  Online = 'online',
  Offline = 'offline',
}

/**
 * A license activated on this platform. Activating another one or deactivating ends it
 * (`deactivated_at`); ended rows stay as history. At most one row is active (partial unique index).
 */
@Entity('licenses')
@Index('UQ_licenses_active', ['deploymentId'], { unique: true, where: '"deactivated_at" IS NULL' })
export class License {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_licenses' })
  id: string;

  /** The vendor's license id (`payload.licenseId`). */
  @Column({ name: 'license_id', type: 'text' })
  licenseId: string;

  @Column({ type: 'text' })
  customer: string;

  @Column({ name: 'deployment_id', type: 'text' })
  deploymentId: string;

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  features: string[];

  /** null: unlimited. */
  @Column({ name: 'scans_per_day', type: 'integer', nullable: true })
  scansPerDay: number | null;

  /** null: unlimited. */
  @Column({ name: 'max_users', type: 'integer', nullable: true })
  maxUsers: number | null;

  /** The signed license file as activated; re-verified whenever it is loaded, so an edited row is refused. */
  @Column({ type: 'jsonb' })
  document: unknown;

  @Column({ name: 'activation_method', type: 'text' })
  activationMethod: ActivationMethod;

  @Column({ name: 'activated_by', type: 'uuid', nullable: true })
  activatedBy: string | null;

  @Column({ name: 'activated_at', type: 'timestamptz', default: () => 'now()' })
  activatedAt: Date;

  @Column({ name: 'deactivated_at', type: 'timestamptz', nullable: true })
  deactivatedAt: Date | null;

  @Column({ name: 'deactivated_by', type: 'uuid', nullable: true })
  deactivatedBy: string | null;
}
