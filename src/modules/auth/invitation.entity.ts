import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { UserGroup } from '../../common/access/user-group';

/** A single-use invitation to register; only a keyed hash of its token is stored. */
@Entity('invitations')
export class Invitation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_invitations_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'text', select: false })
  tokenHash: string;

  @Column({ type: 'text' })
  email: string;

  @Column({ type: 'text', array: true, default: () => `'{user}'` })
  groups: UserGroup[];

  @Column({ name: 'access_group_id', type: 'uuid', nullable: true })
  accessGroupId: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'used_at', type: 'timestamptz', nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
