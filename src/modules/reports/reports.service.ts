import { ForbiddenException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository, SelectQueryBuilder } from 'typeorm';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { Page, toPage } from '../../common/http/pagination.dto';
import { Verdict } from '../../engine/types';
import { AuditTrail } from '../audit/audit-trail';
import { SamplesService } from '../../storage/samples.service';
import { User } from '../users/user.entity';
import { ExtractedFileDto, ReportSummaryDto, TagCountDto } from './dtos/report.dto';
import { FrequentTagsQueryDto, ListReportsQueryDto, MostInterestingQueryDto } from './dtos/report-query.dto';
import type { ReportDocument } from './report-document';
import { applyReportFilter } from './report-filter';
import { canSee, whereVisible } from './report-visibility';
import { Report } from './report.entity';

/** The columns a summary needs: lists never load the report JSON. */
export const SUMMARY_COLUMNS = [
  'id',
  'flowId',
  'parentId',
  'depth',
  'fileName',
  'sha256',
  'fileType',
  'fileKind',
  'size',
  'verdict',
  'threatLevel',
  'tags',
  'createdAt',
  'isPrivate',
  'ownerId',
  'accessGroupId',
] as const satisfies readonly (keyof Report)[];

/** Verdicts worth a look on the dashboard, most severe first. */
const INTERESTING: Verdict[] = [Verdict.Malicious, Verdict.LikelyMalicious, Verdict.Suspicious];

const isAdmin = (p: Principal) => p.kind === 'user' && p.groups.includes(UserGroup.Admin);

@Injectable()
export class ReportsService {
  private readonly logger = new Logger(ReportsService.name);

  constructor(
    @InjectRepository(Report) private readonly reports: Repository<Report>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly samples: SamplesService,
  ) {}

  /** A query over report summaries (no JSON), aliased `r`. */
  summaries(): SelectQueryBuilder<Report> {
    return this.reports.createQueryBuilder('r').select(SUMMARY_COLUMNS.map((c) => `r.${c}`));
  }

  /** One page of summaries, newest first unless `sort` says otherwise; the id breaks ties so pages never overlap. */
  async page(
    qb: SelectQueryBuilder<Report>,
    query: { page: number; limit: number },
    sort: { by: string; order: 'ASC' | 'DESC' } = { by: 'r.createdAt', order: 'DESC' },
  ): Promise<Page<ReportSummaryDto>> {
    const [rows, total] = await qb
      .orderBy(sort.by, sort.order)
      .addOrderBy('r.id', sort.order)
      .offset((query.page - 1) * query.limit)
      .limit(query.limit)
      .getManyAndCount();
    return toPage(rows.map(ReportSummaryDto.from), total, query);
  }

  /** Submitted files (not their extracted children), with the list filters applied. */
  private submissions(query: ListReportsQueryDto): SelectQueryBuilder<Report> {
    const qb = this.summaries().where('r.depth = 0');
    if (query.verdict?.length) qb.andWhere('r.verdict IN (:...verdicts)', { verdicts: query.verdict });
    if (query.type) qb.andWhere('(r.fileKind = :typeKey OR lower(r.fileType) = :typeKey)', { typeKey: query.type.toLowerCase() });
    if (query.tag) qb.andWhere('r.tags @> ARRAY[:tag]::text[]', { tag: query.tag });
    return qb;
  }

  /** Every submission the caller may see: public ones, plus their own and their access group's private ones. */
  listVisible(principal: Principal, query: ListReportsQueryDto): Promise<Page<ReportSummaryDto>> {
    return this.page(whereVisible(this.submissions(query), 'r', principal), query);
  }

  listOwn(user: UserPrincipal, query: ListReportsQueryDto): Promise<Page<ReportSummaryDto>> {
    return this.page(this.submissions(query).andWhere('r.ownerId = :owner', { owner: user.id }), query);
  }

  /** Admin panel: a user's submissions, private ones included. */
  async listOfUser(userId: string, query: ListReportsQueryDto): Promise<Page<ReportSummaryDto>> {
    if (!(await this.users.existsBy({ id: userId }))) throw new NotFoundException('User not found');
    return this.page(this.submissions(query).andWhere('r.ownerId = :owner', { owner: userId }), query);
  }

  /** The report's summary when the caller may see it; 404 otherwise (a private report's existence is not revealed). */
  async findVisible(principal: Principal, id: string): Promise<Report> {
    const report = await this.summaries().where('r.id = :id', { id }).getOne();
    if (!report || !canSee(principal, report)) throw new NotFoundException('Report not found');
    return report;
  }

  /** The report document when `fileHash` is the file's SHA-256, reduced to the `filter` selection. */
  async getDocument(principal: Principal, id: string, fileHash: string, filter: string[] | undefined): Promise<Partial<ReportDocument>> {
    const report = await this.reports
      .createQueryBuilder('r')
      .select(['r.id', 'r.sha256', 'r.isPrivate', 'r.ownerId', 'r.accessGroupId', 'r.data'])
      .where('r.id = :id', { id })
      .getOne();
    if (!report || !canSee(principal, report) || report.sha256 !== fileHash.toLowerCase()) throw new NotFoundException('Report not found');
    return applyReportFilter(report.data as unknown as ReportDocument, filter);
  }

  /**
   * Every file extracted from the report, at any depth, in the order the engine found them. The
   * whole tree of a flow is bounded by the engine's file limit, so it is read by flow (indexed) and
   * walked here.
   */
  async listFiles(principal: Principal, id: string): Promise<ExtractedFileDto[]> {
    const report = await this.findVisible(principal, id);
    const rows: (Report & { relation: string | null; originPath: string | null })[] = await this.summaries()
      .addSelect(`r.data->>'relation'`, 'relation')
      .addSelect(`r.data->>'originPath'`, 'originPath')
      .where('r.flowId = :flow', { flow: report.flowId })
      .orderBy('r.fileIndex', 'ASC')
      .getRawAndEntities()
      .then(({ entities, raw }) => entities.map((e, i) => Object.assign(e, { relation: raw[i].relation, originPath: raw[i].originPath })));
    const below = descendants(rows, report.id);
    return rows
      .filter((r) => below.has(r.id) && canSee(principal, r))
      .map((r) => ({ ...ReportSummaryDto.from(r), relation: r.relation, origin_path: r.originPath ?? r.fileName }));
  }

  /**
   * Deletes a report with every file extracted from it (the whole flow when it is the submitted
   * file), their IOC rows (foreign key cascade), and the stored samples nothing refers to any more.
   * Owners delete their own reports, admins any; someone else's visible report is 403, an invisible one 404.
   */
  async remove(actor: UserPrincipal, id: string): Promise<void> {
    const report = await this.findVisible(actor, id);
    if (!isAdmin(actor) && report.ownerId !== actor.id) throw new ForbiddenException('You can only delete your own reports');
    const before = ReportSummaryDto.from(report);

    const { removed, flowDeleted, flowSample } = await this.db.transaction(async (em) => {
      // Lock the flow: a concurrent deletion of a parent or child waits and then finds less to do.
      const flows: { sample_sha256: string | null }[] = await em.query('SELECT sample_sha256 FROM flows WHERE id = $1 FOR UPDATE', [report.flowId]);
      const tree: { id: string; parentId: string | null; sha256: string | null }[] = await em.query(
        'SELECT id, parent_id AS "parentId", sha256 FROM reports WHERE flow_id = $1',
        [report.flowId],
      );
      const self = tree.find((r) => r.id === id);
      if (!self) throw new NotFoundException('Report not found'); // deleted meanwhile
      if (report.parentId === null) {
        await em.query('DELETE FROM flows WHERE id = $1', [report.flowId]); // cascades to its reports and their IOCs
        return { removed: tree, flowDeleted: true, flowSample: flows[0]?.sample_sha256 ?? null };
      }
      const ids = new Set([id, ...descendants(tree, id)]);
      await em.query('DELETE FROM reports WHERE id = ANY($1::uuid[])', [[...ids]]);
      // The parent's document no longer lists the deleted file among its extracted files.
      await em.query(
        `UPDATE reports SET data = jsonb_set(data, '{extractedFiles}', COALESCE(
            (SELECT jsonb_agg(e) FROM jsonb_array_elements(data->'extractedFiles') e WHERE e->>'reportId' <> $2), '[]'::jsonb))
          WHERE id = $1 AND jsonb_typeof(data->'extractedFiles') = 'array'`,
        [report.parentId, id],
      );
      return { removed: tree.filter((r) => ids.has(r.id)), flowDeleted: false, flowSample: null };
    });

    const hashes = new Set(removed.map((r) => r.sha256).filter((h): h is string => !!h));
    if (flowSample) hashes.add(flowSample);
    const removedSamples: string[] = [];
    for (const sha256 of hashes) {
      try {
        if (await this.samples.removeIfUnreferenced(sha256)) removedSamples.push(sha256);
      } catch (err) {
        // The report is gone either way; a sample left behind is only storage, and is retried on the next deletion.
        this.logger.warn({ err, sha256 }, 'Could not remove an unreferenced sample');
      }
    }
    AuditTrail.describe({
      targetType: 'report',
      targetId: id,
      before,
      details: { deletedReports: removed.map((r) => r.id), flowDeleted, removedSamples },
    });
  }

  /** The caller's most used tags in the period, with how many of their reports carry each. */
  async frequentTags(user: UserPrincipal, query: FrequentTagsQueryDto): Promise<TagCountDto[]> {
    // IDX_reports_owner (owner_id, created_at) bounds the rows read to the caller's recent reports.
    const rows: { tag: string; count: number }[] = await this.db.query(
      `SELECT t.tag, count(*)::int AS count
         FROM reports r CROSS JOIN LATERAL unnest(r.tags) AS t(tag)
        WHERE r.owner_id = $1 AND r.created_at >= now() - make_interval(days => $2)
        GROUP BY t.tag
        ORDER BY count DESC, t.tag ASC
        LIMIT $3`,
      [user.id, query.days, query.limit],
    );
    return rows;
  }

  /** Recent reports the caller may see with the highest threat level (suspicious and worse). */
  async mostInteresting(principal: Principal, query: MostInterestingQueryDto): Promise<ReportSummaryDto[]> {
    // IDX_reports_verdict (verdict, created_at): one range per interesting verdict, then a small sort.
    const qb = this.summaries()
      .where('r.verdict IN (:...verdicts)', { verdicts: INTERESTING })
      .andWhere(`r.createdAt >= now() - make_interval(days => :days)`, { days: query.days });
    const rows = await whereVisible(qb, 'r', principal)
      .orderBy('r.threatLevel', 'DESC')
      .addOrderBy('r.createdAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(query.limit)
      .getMany();
    return rows.map(ReportSummaryDto.from);
  }
}

/** Ids of every report below `rootId` in a flow's tree. */
export function descendants(tree: readonly { id: string; parentId: string | null }[], rootId: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const r of tree) if (r.parentId) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r.id]);
  const found = new Set<string>();
  const stack = [...(children.get(rootId) ?? [])];
  while (stack.length) {
    const next = stack.pop()!;
    if (found.has(next) || next === rootId) continue; // a malformed tree must not loop
    found.add(next);
    stack.push(...(children.get(next) ?? []));
  }
  return found;
}
