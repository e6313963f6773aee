import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { mostSevere, verdictOf } from '../../engine/signals/scoring';
import { FinalVerdict, Verdict } from '../../engine/types';
import { AuditTrail } from '../audit/audit-trail';
import { canSee } from '../reports/report-visibility';
import { ModifyVerdictDto, VerdictChangeDto } from './dtos/threatintel.dto';

interface LockedReport {
  id: string;
  flow_id: string;
  parent_id: string | null;
  verdict: string;
  threat_level: number;
  confidence: number;
  isPrivate: boolean;
  ownerId: string | null;
  accessGroupId: string | null;
}

/**
 * An analyst's verdict replaces the engine's everywhere it shows: the report's indexed columns
 * (search, lists, feeds, statistics), its document's `finalVerdict`, the parent's `extractedFiles`
 * entry, and the flow's verdict (the most severe of its files, as the pipeline computes it), which
 * the scan poll serves. The change is recorded (who, when, from what, why) in
 * `report_verdict_changes` and in the document's `finalVerdict.override`, and audited.
 */
@Injectable()
export class VerdictService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async modify(actor: UserPrincipal, dto: ModifyVerdictDto): Promise<VerdictChangeDto> {
    const verdict = verdictOf(dto.verdict, 1); // an analyst's decision: full confidence
    const result = await this.db.transaction(async (em) => {
      const [found]: { flow_id: string }[] = await em.query('SELECT flow_id FROM reports WHERE id = $1', [dto.report_id]);
      if (!found) throw new NotFoundException('Report not found');
      // The flow first, as the report writer locks it: a re-delivered analysis rewriting the flow waits, or is waited for.
      const [flow]: { state: string; final_verdict: FinalVerdict | null }[] = await em.query(
        'SELECT state, final_verdict FROM flows WHERE id = $1 FOR UPDATE',
        [found.flow_id],
      );
      const [report]: LockedReport[] = await em.query(
        `SELECT id, flow_id, parent_id, verdict, threat_level, confidence, is_private AS "isPrivate", owner_id AS "ownerId",
                access_group_id AS "accessGroupId"
           FROM reports WHERE id = $1 FOR UPDATE`,
        [dto.report_id],
      );
      if (!flow || !report || !canSee(actor, report)) throw new NotFoundException('Report not found');

      const [change]: { id: string; created_at: Date }[] = await em.query(
        `INSERT INTO report_verdict_changes (report_id, flow_id, previous_verdict, verdict, reason, changed_by, changed_by_email)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
        [report.id, report.flow_id, report.verdict, verdict.verdict, dto.reason, actor.id, actor.email],
      );
      const override = {
        previousVerdict: report.verdict,
        reason: dto.reason,
        changedBy: actor.email,
        changedAt: change.created_at.toISOString(),
      };
      await em.query(
        `UPDATE reports
            SET verdict = $2, threat_level = $3, confidence = $4,
                data = jsonb_set(data, '{finalVerdict}', $5::jsonb)
          WHERE id = $1`,
        [report.id, verdict.verdict, verdict.threatLevel, verdict.confidence, JSON.stringify({ ...verdict, override })],
      );
      if (report.parent_id) {
        await em.query(
          `UPDATE reports SET data = jsonb_set(data, '{extractedFiles}', (
              SELECT coalesce(jsonb_agg(CASE WHEN e->>'reportId' = $2 THEN jsonb_set(e, '{verdict}', to_jsonb($3::text)) ELSE e END ORDER BY n), '[]'::jsonb)
                FROM jsonb_array_elements(data->'extractedFiles') WITH ORDINALITY AS x(e, n)))
            WHERE id = $1 AND jsonb_typeof(data->'extractedFiles') = 'array'`,
          [report.parent_id, report.id, verdict.verdict],
        );
      }

      // A finished flow's verdict is the most severe of its files' (scoring.ts, rule 6): recompute it.
      let flowVerdict: FinalVerdict | null = flow.final_verdict;
      if (flow.final_verdict) {
        const files: { verdict: Verdict; threatLevel: number; confidence: number }[] = await em.query(
          'SELECT verdict, threat_level AS "threatLevel", confidence FROM reports WHERE flow_id = $1',
          [report.flow_id],
        );
        flowVerdict = mostSevere(files.map((f) => ({ verdict: f.verdict, threatLevel: f.threatLevel, confidence: Math.round(f.confidence * 100) / 100 })));
        await em.query('UPDATE flows SET final_verdict = $2::jsonb WHERE id = $1', [report.flow_id, JSON.stringify(flowVerdict)]);
      }
      return { report, change, flowBefore: flow.final_verdict, flowVerdict };
    });

    const { report, change, flowBefore, flowVerdict } = result;
    AuditTrail.describe({
      targetType: 'report',
      targetId: report.id,
      before: { verdict: report.verdict, threat_level: report.threat_level, flow_verdict: flowBefore?.verdict ?? null },
      after: { verdict: verdict.verdict, threat_level: verdict.threatLevel, flow_verdict: flowVerdict?.verdict ?? null },
      details: { reason: dto.reason, flowId: report.flow_id, changeId: change.id },
    });
    return {
      id: change.id,
      report_id: report.id,
      flow_id: report.flow_id,
      previous_verdict: report.verdict,
      verdict: verdict.verdict,
      threat_level: verdict.threatLevel,
      flow_verdict: flowVerdict?.verdict ?? null,
      reason: dto.reason,
      changed_by: actor.email,
      changed_at: change.created_at,
    };
  }
}
