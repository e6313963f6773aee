import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * An administrator's changes to a discovered job. No row (or a null column) means the default from
 * the job's @ScheduledJob declaration, so a changed default in the code applies to installs that never touched it.
 */
@Entity('scheduled_jobs')
export class ScheduledJobRecord {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'PK_scheduled_jobs' })
  name: string;

  @Column({ type: 'boolean', nullable: true })
  enabled: boolean | null;

  /** Cron expression replacing the declared schedule. */
  @Column({ type: 'text', nullable: true })
  cron: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;
}
