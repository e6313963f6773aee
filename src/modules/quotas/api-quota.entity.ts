import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export enum QuotaScope {
  UserGroup = 'user_group',
  AccessGroup = 'access_group',
  User = 'user',
}

/** What a quota counts. `api` counts every call; the others count calls to routes marked with that resource. */
export enum QuotaResource {
  Api = 'api',
  Scan = 'scan',
  Search = 'search',
  Download = 'download',
}

export enum QuotaPeriod {
  Minute = 'minute',
  Hour = 'hour',
  Day = 'day',
}

@Entity('api_quotas')
@Index('UQ_api_quotas_rule', ['scope', 'scopeId', 'resource', 'period'], { unique: true })
export class ApiQuota {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  scope: QuotaScope;

  /** The user group name, access group id or user id the quota applies to. */
  @Column({ name: 'scope_id', type: 'text' })
  scopeId: string;

  @Column({ type: 'text' })
  resource: QuotaResource;

  @Column({ type: 'text' })
  period: QuotaPeriod;

  @Column({ type: 'integer' })
  limit: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
