import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Report } from '../reports/report.entity';
import { User } from '../users/user.entity';

/** An analyst's change of a report's verdict: who, when, from what to what, and why. */
@Entity('report_verdict_changes')
@Index('IDX_report_verdict_changes_report', ['reportId', 'createdAt'])
export class ReportVerdictChange {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_report_verdict_changes' })
  id: string;

  @Column({ name: 'report_id', type: 'uuid' })
  reportId: string;

  @ManyToOne(() => Report, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'report_id', foreignKeyConstraintName: 'FK_report_verdict_changes_report' })
  report?: Report;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId: string;

  @Column({ name: 'previous_verdict', type: 'text' })
  previousVerdict: string;

  @Column({ type: 'text' })
  verdict: string;

  @Column({ type: 'text' })
  reason: string;

  /** Null once the user is deleted; the e-mail stays. */
  @Column({ name: 'changed_by', type: 'uuid', nullable: true })
  changedBy: string | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'changed_by', foreignKeyConstraintName: 'FK_report_verdict_changes_user' })
  changedByUser?: User;

  @Column({ name: 'changed_by_email', type: 'text' })
  changedByEmail: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
