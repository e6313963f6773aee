import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, MoreThan, Repository } from 'typeorm';
import { Principal } from '../../common/access/principal';
import type { ReportDocument } from '../reports/report-document';
import { canSee, whereVisible } from '../reports/report-visibility';
import { Report } from '../reports/report.entity';
import type { TaxiiPosition } from './taxii-cursor';

export interface CollectionReport {
  id: string;
  flowId: string;
  /** created_at as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (microseconds kept: the paging key and the TAXII date_added). */
  at: string;
  isPrivate: boolean;
  data: ReportDocument;
}

export interface CollectionQuery {
  isPrivate: boolean;
  /** Resume here (the report at `from` included unless `from.index` is -1). */
  from?: TaxiiPosition;
  /** Only reports created strictly after this timestamp (TAXII added_after, kept to the microsecond). */
  addedAfter?: string;
  /** Only this report (an object lookup by a report id). */
  reportId?: string;
  /** Reports younger than this many seconds are not served yet (their writer's transaction may still be open). */
  settleSeconds: number;
  limit: number;
}

const AT_SQL = `to_char("r"."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Reads for the TAXII collections: root reports in (created_at, id) order, never more than one page at a time. */
@Injectable()
export class TaxiiRepository {
  constructor(@InjectRepository(Report) private readonly reports: Repository<Report>) {}

  async rootReports(principal: Principal, q: CollectionQuery): Promise<CollectionReport[]> {
    const qb = this.reports
      .createQueryBuilder('r')
      .select('"r"."id"', 'id')
      .addSelect('"r"."flow_id"', 'flowId')
      .addSelect(AT_SQL, 'at')
      .addSelect('"r"."is_private"', 'isPrivate')
      .addSelect('"r"."data"', 'data')
      .where('"r"."depth" = 0')
      // A literal, not a parameter: the public collection must match IDX_reports_feed's predicate (is_private = false AND depth = 0).
      .andWhere(q.isPrivate ? '"r"."is_private" = true' : '"r"."is_private" = false')
      .andWhere(`"r"."created_at" <= now() - make_interval(secs => :settle)`, { settle: q.settleSeconds });
    whereVisible(qb, 'r', principal);
    if (q.reportId) qb.andWhere('"r"."id" = :reportId', { reportId: q.reportId });
    if (q.addedAfter) qb.andWhere('"r"."created_at" > CAST(:addedAfter AS timestamptz)', { addedAfter: q.addedAfter });
    if (q.from) {
      const op = q.from.index < 0 ? '>' : '>=';
      qb.andWhere(
        new Brackets((w) =>
          w.where(`("r"."created_at", "r"."id") ${op} (CAST(:fromAt AS timestamptz), CAST(:fromId AS uuid))`, { fromAt: q.from!.at, fromId: q.from!.id }),
        ),
      );
    }
    const rows: CollectionReport[] = await qb.orderBy('"r"."created_at"', 'ASC').addOrderBy('"r"."id"', 'ASC').limit(q.limit).getRawMany();
    return rows;
  }

  /** The reports of the files extracted in these flows that `principal` may see, in file-index order. */
  async descendants(principal: Principal, flowIds: string[]): Promise<Map<string, ReportDocument[]>> {
    const byFlow = new Map<string, ReportDocument[]>();
    if (!flowIds.length) return byFlow;
    const rows = await this.reports.find({
      select: { id: true, flowId: true, fileIndex: true, isPrivate: true, ownerId: true, accessGroupId: true, data: true },
      where: { flowId: In(flowIds), depth: MoreThan(0) },
      order: { flowId: 'ASC', fileIndex: 'ASC' },
    });
    for (const row of rows) {
      if (!canSee(principal, row)) continue;
      const list = byFlow.get(row.flowId) ?? [];
      list.push(row.data as unknown as ReportDocument);
      byFlow.set(row.flowId, list);
    }
    return byFlow;
  }
}
