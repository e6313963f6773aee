import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { UserGroup } from '../../common/access/user-group';
import { AccessGroup } from '../access-groups/access-group.entity';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; unique. */
  @Index('UQ_users_email', { unique: true })
  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text', default: '' })
  name: string;

  /** argon2id hash; null for accounts that can only sign in through an external identity provider. */
  @Column({ name: 'password_hash', type: 'text', nullable: true, select: false })
  passwordHash: string | null;

  @Column({ type: 'text', array: true, default: () => `'{user}'` })
  groups: UserGroup[];

  @Column({ name: 'access_group_id', type: 'uuid', nullable: true })
  accessGroupId: string | null;

  @ManyToOne(() => AccessGroup, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'access_group_id', foreignKeyConstraintName: 'FK_users_access_group' })
  accessGroup?: AccessGroup | null;

  @Column({ type: 'text', nullable: true })
  timezone: string | null;

  @Column({ type: 'text', nullable: true })
  locale: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  /** Bumped on password change or deactivation; JWTs carrying an older version are refused. */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion: number;

  /** HMAC-SHA256 of the API key under the server secret: looked up in one indexed query. */
  @Index('UQ_users_api_key_hash', { unique: true })
  @Column({ name: 'api_key_hash', type: 'text', nullable: true, select: false })
  apiKeyHash: string | null;

  /** First characters of the key, so a person can tell which key is set. */
  @Column({ name: 'api_key_prefix', type: 'text', nullable: true })
  apiKeyPrefix: string | null;

  @Column({ name: 'api_key_created_at', type: 'timestamptz', nullable: true })
  apiKeyCreatedAt: Date | null;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
