import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Flow } from '../scan/flow.entity';

/**
 * One analysed file of a flow: the submitted file (depth 0) or one the engine extracted from it.
 * Searchable facts are columns with indexes; the full MetaDefender-style report is `data`.
 */
@Entity('reports')
@Index('IDX_reports_flow', ['flowId', 'fileIndex'], { unique: true })
@Index('IDX_reports_sha256', ['sha256'])
@Index('IDX_reports_created', ['createdAt'])
@Index('IDX_reports_verdict', ['verdict', 'createdAt'])
@Index('IDX_reports_owner', ['ownerId', 'createdAt'])
@Index('IDX_reports_imphash', ['imphash'])
@Index('IDX_reports_authentihash', ['authentihash'])
@Index('IDX_reports_kind', ['fileKind', 'createdAt'])
@Index('IDX_reports_ssdeep', ['ssdeep'])
// The SIEM feed (src/modules/feeds): public submitted files by (created_at, id).
@Index('IDX_reports_feed', ['createdAt', 'id'], { where: '"is_private" = false AND "depth" = 0' })
// Maintained by the migration (TypeORM cannot express them): trigram search on file names.
@Index('IDX_reports_file_name_trgm', { synchronize: false })
export class Report {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId: string;

  @ManyToOne(() => Flow, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'flow_id', foreignKeyConstraintName: 'FK_reports_flow' })
  flow?: Flow;

  /** Position in the flow's file tree: 0 for the submitted file. */
  @Column({ name: 'file_index', type: 'integer' })
  fileIndex: number;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  @Column({ type: 'integer', default: 0 })
  depth: number;

  /** Copied from the flow so that visibility is decided without a join. */
  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId: string | null;

  @Column({ name: 'access_group_id', type: 'uuid', nullable: true })
  accessGroupId: string | null;

  @Column({ name: 'is_private', type: 'boolean', default: false })
  isPrivate: boolean;

  /** Null for a URL that could not be fetched. */
  @Column({ type: 'text', nullable: true })
  sha256: string | null;

  @Column({ name: 'file_name', type: 'text' })
  fileName: string;

  @Column({ name: 'file_type', type: 'text' })
  fileType: string;

  @Column({ name: 'file_kind', type: 'text' })
  fileKind: string;

  @Column({ type: 'text' })
  mime: string;

  @Column({ type: 'bigint', default: 0 })
  size: string;

  @Column({ type: 'text' })
  verdict: string;

  @Column({ name: 'threat_level', type: 'real' })
  threatLevel: number;

  @Column({ type: 'real', default: 0 })
  confidence: number;

  @Index('IDX_reports_tags', { synchronize: false })
  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags: string[];

  @Index('IDX_reports_yara', { synchronize: false })
  @Column({ name: 'yara_rules', type: 'text', array: true, default: () => `'{}'` })
  yaraRules: string[];

  @Column({ type: 'text', nullable: true })
  imphash: string | null;

  @Column({ type: 'text', nullable: true })
  authentihash: string | null;

  @Column({ type: 'text', nullable: true })
  ssdeep: string | null;

  @Column({ type: 'text', nullable: true })
  tlsh: string | null;

  /** The report body (finalVerdict, allTags, allSignalGroups, iocs, resources, ...). */
  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
