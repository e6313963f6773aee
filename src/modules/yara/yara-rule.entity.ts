import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A YARA rule set an administrator uploaded; scanned with the bundled rules when enabled. */
@Entity('yara_rules')
@Index('UQ_yara_rules_name', ['name'], { unique: true })
export class YaraRuleSet {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Rule names the source defines, for listing and search. */
  @Column({ name: 'rule_names', type: 'text', array: true, default: () => `'{}'` })
  ruleNames: string[];

  @Column({ type: 'text', default: '' })
  author: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
