import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Principal } from '../../common/access/principal';
import { canSee } from '../reports/report-visibility';
import { FlowReportDto, FlowReportQueryDto } from './dtos/flow-report.dto';
import { Flow, FlowState } from './flow.entity';
import { REPORT_FIELDS } from '../reports/report-filter';
import { orderBy, selectedFields } from './flow-report-filter';

const KNOWN_FIELDS = new Set<string>(REPORT_FIELDS);

/** Seconds a client should wait before polling again, by state. */
export const POLL_PAUSE: Record<FlowState, number> = {
  [FlowState.Queued]: 5,
  [FlowState.Running]: 2,
  [FlowState.Finished]: 0,
  [FlowState.Failed]: 0,
};

/** `GET /api/scan/{flow_id}/report`: the flow's state and its reports, as far as written. */
@Injectable()
export class FlowReportService {
  constructor(@InjectRepository(Flow) private readonly flows: Repository<Flow>) {}

  /** The flow when the caller may see it; 404 otherwise (private flows of others do not exist for them). */
  async visibleFlow(principal: Principal, id: string): Promise<Flow> {
    const flow = await this.flows.findOneBy({ id });
    if (!flow || !canSee(principal, flow)) throw new NotFoundException('Flow not found');
    return flow;
  }

  async report(principal: Principal, id: string, query: FlowReportQueryDto): Promise<FlowReportDto> {
    const flow = await this.visibleFlow(principal, id);
    const fields = selectedFields(query.filter);
    // Only the selected keys leave the database: heavy sections stay there unless asked for.
    const rows: { id: string; data: Record<string, unknown> }[] = await this.flows.query(
      `SELECT r.id,
              ${fields === null ? 'r.data' : `(SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) FROM jsonb_each(r.data) e WHERE e.key = ANY($2::text[]))`} AS data
         FROM reports r
        WHERE r.flow_id = $1
        ORDER BY ${orderBy(query.sorting)}`,
      fields === null ? [flow.id] : [flow.id, fields],
    );
    const reports: Record<string, Record<string, unknown>> = {};
    for (const row of rows) {
      // Keys in the document's order (jsonb keeps its own); with f:all, fields unknown here follow.
      const keys = fields ?? [...REPORT_FIELDS, ...Object.keys(row.data).filter((k) => !KNOWN_FIELDS.has(k))];
      reports[row.id] = Object.fromEntries(keys.filter((k) => k in row.data).map((k) => [k, row.data[k]]));
    }
    const fileSize = flow.fileSize === null ? null : Number(flow.fileSize);
    const finished = flow.state === FlowState.Finished || flow.state === FlowState.Failed;
    return {
      flowId: flow.id,
      allFinished: finished,
      reportsAmount: rows.length,
      priority: flow.priority,
      pollPause: POLL_PAUSE[flow.state] ?? 5,
      fileSize,
      fileReadProgressBytes: fileSize === null ? 0 : finished ? fileSize : Math.floor((fileSize * flow.progress) / 100),
      estimated_progress: flow.progress,
      state: flow.state,
      error: flow.state === FlowState.Failed ? (flow.error ?? 'analysis failed') : null,
      finalVerdict: flow.state === FlowState.Finished ? flow.finalVerdict : null,
      reports,
    };
  }
}
