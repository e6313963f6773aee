import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** One saved settings group; a group never saved has no row and reads as its defaults. */
@Entity('settings')
export class SettingRecord {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_settings' })
  group: string;

  @Column({ type: 'jsonb' })
  value: Record<string, unknown>;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;
}
