import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { ValidationFailedException } from '../../common/errors/validation';
import { Page, toPage } from '../../common/http/pagination.dto';
import { validateYaraSource } from '../../engine/yara/yara-compiler';
import { AuditTrail } from '../audit/audit-trail';
import { isUniqueViolation } from '../users/users.service';
import { ListYaraRuleSetsQueryDto, SavedYaraRuleSetDto, SaveYaraRuleSetDto, YaraRuleSetDetailDto, YaraRuleSetDto } from './dtos/yara-rule.dto';
import { YaraRuleSet } from './yara-rule.entity';

/** Columns of a listed set: the source only as its hash and size, computed by PostgreSQL. */
const LISTED = `id, name, enabled, author, rule_names, created_by, created_at, updated_at,
  encode(sha256(convert_to(source, 'UTF8')), 'hex') AS source_sha256, octet_length(source) AS source_size`;

interface ListedRow {
  id: string;
  name: string;
  enabled: boolean;
  author: string;
  rule_names: string[];
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  source_sha256: string;
  source_size: number;
}

const listed = (r: ListedRow): YaraRuleSetDto => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled,
  author: r.author,
  ruleNames: r.rule_names,
  sourceSha256: r.source_sha256,
  sourceSize: Number(r.source_size),
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const detailed = (set: YaraRuleSet): YaraRuleSetDetailDto => ({
  id: set.id,
  name: set.name,
  enabled: set.enabled,
  author: set.author,
  ruleNames: set.ruleNames,
  sourceSha256: createHash('sha256').update(set.source, 'utf8').digest('hex'),
  sourceSize: Buffer.byteLength(set.source, 'utf8'),
  createdBy: set.createdBy,
  createdAt: set.createdAt,
  updatedAt: set.updatedAt,
  source: set.source,
});

/** What the audit log keeps of a set: everything but the source, which its hash identifies. */
const auditView = ({ source: _source, ...rest }: YaraRuleSetDetailDto) => rest;

const message = (e: unknown) => (typeof e === 'string' ? e : ((e as { message?: string })?.message ?? JSON.stringify(e)));

/** YARA rule sets uploaded by administrators; the engine scans with the enabled ones besides its bundled rules. */
@Injectable()
export class YaraRulesService {
  constructor(
    @InjectRepository(YaraRuleSet) private readonly sets: Repository<YaraRuleSet>,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async list(query: ListYaraRuleSetsQueryDto): Promise<Page<YaraRuleSetDto>> {
    const rows: ListedRow[] = await this.db.query(`SELECT ${LISTED} FROM yara_rules ORDER BY name ASC, id ASC OFFSET $1 LIMIT $2`, [
      (query.page - 1) * query.limit,
      query.limit,
    ]);
    const [{ total }] = await this.db.query('SELECT count(*)::int AS total FROM yara_rules');
    return toPage(rows.map(listed), total, query);
  }

  async get(id: string): Promise<YaraRuleSetDetailDto> {
    const set = await this.sets.findOneBy({ id });
    if (!set) throw new NotFoundException('YARA rule set not found');
    return detailed(set);
  }

  /** The enabled sets, for the engine to compile with its bundled rules. */
  async enabledSources(): Promise<{ name: string; source: string }[]> {
    return this.sets.find({ select: { name: true, source: true }, where: { enabled: true }, order: { name: 'ASC' } });
  }

  /**
   * Creates a set, or edits the set `dto.id`. A new source must compile (422 with the compiler's
   * errors otherwise); the rule names it defines are stored with it. Names are unique (409).
   */
  async save(actor: UserPrincipal, dto: SaveYaraRuleSetDto): Promise<SavedYaraRuleSetDto> {
    const before = dto.id ? await this.get(dto.id) : undefined;
    if (!before && dto.source === undefined) {
      throw new ValidationFailedException([{ field: 'source', messages: ['source is required to create a rule set'] }]);
    }
    let warnings: string[] = [];
    let ruleNames: string[] | undefined;
    if (dto.source !== undefined) {
      const result = await validateYaraSource(dto.source);
      if (!result.valid) {
        const errors = result.errors.map(message);
        throw new ValidationFailedException(
          [{ field: 'source', messages: errors.length ? errors : ['the YARA source does not compile'] }],
          'The YARA source does not compile',
        );
      }
      warnings = result.warnings.map(message);
      ruleNames = result.ruleNames;
    }

    let id = dto.id;
    try {
      if (id) {
        const changes: Partial<YaraRuleSet> = { name: dto.name };
        if (dto.source !== undefined) Object.assign(changes, { source: dto.source, ruleNames });
        if (dto.enabled !== undefined) changes.enabled = dto.enabled;
        if (dto.author !== undefined) changes.author = dto.author;
        const { affected } = await this.sets.update({ id }, changes);
        if (!affected) throw new NotFoundException('YARA rule set not found'); // removed meanwhile
      } else {
        const { identifiers } = await this.sets.insert({
          name: dto.name,
          source: dto.source!,
          ruleNames: ruleNames ?? [],
          enabled: dto.enabled ?? true,
          author: dto.author ?? '',
          createdBy: actor.id,
        });
        id = identifiers[0].id as string;
      }
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`A YARA rule set named "${dto.name}" already exists`);
      throw err;
    }
    const after = await this.get(id);
    AuditTrail.describe({
      targetType: 'yara-rule-set',
      targetId: id,
      before: before && auditView(before),
      after: auditView(after),
      details: { created: !before, sourceChanged: !!before && before.sourceSha256 !== after.sourceSha256, warnings: warnings.length },
    });
    return { ...after, warnings };
  }

  async remove(id: string): Promise<void> {
    const before = await this.get(id);
    const { affected } = await this.sets.delete({ id });
    if (!affected) throw new NotFoundException('YARA rule set not found');
    AuditTrail.describe({ targetType: 'yara-rule-set', targetId: id, before: auditView(before) });
  }
}
