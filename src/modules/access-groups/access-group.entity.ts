import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A team: members see each other's private reports and may share a quota. */
@Entity('access_groups')
export class AccessGroup {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_access_groups_name', { unique: true })
  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
