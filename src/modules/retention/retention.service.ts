import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SamplesService } from '../../storage/samples.service';
import { JobContext, JobOutcome, ScheduledJob } from '../jobs/scheduled-job.decorator';
import { SettingsService } from '../settings/settings.service';
import { RetentionCalculationDto, RetentionCalculationQueryDto } from './dtos/retention.dto';

/** Flows removed per transaction: bounded locks and WAL per step, and a stop is honoured between batches. */
export const RETENTION_BATCH = 200;
/** Only analyses that ended are removed; queued and running ones are left alone whatever their age. */
const ENDED = `state IN ('finished', 'failed')`;

export interface RetentionPolicy {
  reportMaxAgeDays: number;
  sampleMaxAgeDays: number;
}

interface Cutoffs {
  reportCutoff: Date | null;
  sampleCutoff: Date | null;
}

/**
 * Applies the `retention` settings: removes submissions (flows with every report of their file tree
 * and the reports' IOC rows) older than report_max_age_days, then the stored files nothing refers to
 * any more, the same way DELETE /api/reports/{id} does (SamplesService.removeIfUnreferenced re-checks
 * every reference under the sample's lock, so a file another flow or report still uses is never removed).
 * The calculation runs the same selection as a count, so it predicts exactly what a run removes.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger(RetentionService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly samples: SamplesService,
    private readonly settings: SettingsService,
  ) {}

  async calculate(query: RetentionCalculationQueryDto): Promise<RetentionCalculationDto> {
    const saved = await this.settings.get('retention');
    const policy: RetentionPolicy = {
      reportMaxAgeDays: query.report_max_age_days ?? saved.report_max_age_days,
      sampleMaxAgeDays: query.sample_max_age_days ?? saved.sample_max_age_days,
    };
    const { reportCutoff, sampleCutoff } = await this.cutoffs(policy);
    const [row] = await this.db.query(
      `WITH doomed AS (SELECT id, sample_sha256 FROM flows WHERE $1::timestamptz IS NOT NULL AND created_at < $1 AND ${ENDED}),
            doomed_reports AS (SELECT r.sha256 FROM reports r JOIN doomed d ON d.id = r.flow_id),
            freed AS (
              SELECT h.sha256 FROM (SELECT sample_sha256 AS sha256 FROM doomed UNION SELECT sha256 FROM doomed_reports) h
               WHERE h.sha256 IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM flows f WHERE f.sample_sha256 = h.sha256 AND NOT EXISTS (SELECT 1 FROM doomed d WHERE d.id = f.id))
                 AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.sha256 = h.sha256 AND NOT EXISTS (SELECT 1 FROM doomed d WHERE d.id = r.flow_id))),
            orphans AS (
              SELECT s.sha256 FROM samples s
               WHERE $2::timestamptz IS NOT NULL AND s.first_seen < $2
                 AND NOT EXISTS (SELECT 1 FROM flows f WHERE f.sample_sha256 = s.sha256)
                 AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.sha256 = s.sha256))
       SELECT (SELECT count(*) FROM doomed)::int AS flows,
              (SELECT count(*) FROM doomed_reports)::int AS reports,
              (SELECT count(*) FROM samples s WHERE s.sha256 IN (SELECT sha256 FROM freed UNION SELECT sha256 FROM orphans))::int AS samples`,
      [reportCutoff, sampleCutoff],
    );
    return {
      report_max_age_days: policy.reportMaxAgeDays,
      sample_max_age_days: policy.sampleMaxAgeDays,
      report_cutoff: reportCutoff,
      sample_cutoff: sampleCutoff,
      flows: row.flows,
      reports: row.reports,
      samples: row.samples,
    };
  }

  @ScheduledJob({
    name: 'reports.retention',
    description: 'Removes submissions, their reports and stored files older than the retention settings',
    cron: '0 3 * * *',
    timeoutMs: 60 * 60_000,
  })
  async applyRetention(ctx: JobContext): Promise<JobOutcome> {
    const saved = await this.settings.get('retention');
    const policy = { reportMaxAgeDays: saved.report_max_age_days, sampleMaxAgeDays: saved.sample_max_age_days };
    const { reportCutoff, sampleCutoff } = await this.cutoffs(policy);
    ctx.log(`Report age ${policy.reportMaxAgeDays || 'forever'}, unreferenced file age ${policy.sampleMaxAgeDays || 'forever'}`);
    const counts = { flows: 0, reports: 0, samples: 0 };
    if (reportCutoff) {
      for (let batch = 1; !ctx.signal.aborted; batch++) {
        const removed = await this.removeFlowBatch(reportCutoff);
        if (!removed.flows) break;
        counts.flows += removed.flows;
        counts.reports += removed.reports;
        counts.samples += await this.removeSamples(removed.hashes);
        ctx.log(`Batch ${batch}: ${removed.flows} flows, ${removed.reports} reports`);
      }
    }
    if (sampleCutoff && !ctx.signal.aborted) {
      let after = '';
      for (;;) {
        if (ctx.signal.aborted) break;
        // Keyset pages over unreferenced old files (removeIfUnreferenced checks again under the lock).
        const rows: { sha256: string }[] = await this.db.query(
          `SELECT s.sha256 FROM samples s
            WHERE s.first_seen < $1 AND s.sha256 > $2
              AND NOT EXISTS (SELECT 1 FROM flows f WHERE f.sample_sha256 = s.sha256)
              AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.sha256 = s.sha256)
            ORDER BY s.sha256 LIMIT $3`,
          [sampleCutoff, after, RETENTION_BATCH],
        );
        if (!rows.length) break;
        after = rows[rows.length - 1].sha256;
        counts.samples += await this.removeSamples(rows.map((r) => r.sha256));
      }
    }
    const summary = `Removed ${counts.flows} flows, ${counts.reports} reports, ${counts.samples} samples${ctx.signal.aborted ? ' (stopped)' : ''}`;
    ctx.log(summary);
    return { summary, counts };
  }

  /** Database-time cutoffs, so every process and the calculation agree whatever their clocks. */
  private async cutoffs(policy: RetentionPolicy): Promise<Cutoffs> {
    const [row] = await this.db.query(
      `SELECT CASE WHEN $1::int > 0 THEN now() - make_interval(days => $1::int) END AS report_cutoff,
              CASE WHEN $2::int > 0 THEN now() - make_interval(days => $2::int) END AS sample_cutoff`,
      [policy.reportMaxAgeDays, policy.sampleMaxAgeDays],
    );
    return { reportCutoff: row.report_cutoff, sampleCutoff: row.sample_cutoff };
  }

  /** Deletes up to RETENTION_BATCH ended flows created before the cutoff (their reports and IOC rows cascade). */
  private async removeFlowBatch(cutoff: Date): Promise<{ flows: number; reports: number; hashes: string[] }> {
    return this.db.transaction(async (em) => {
      // SKIP LOCKED: a flow someone is deleting by hand right now is left to them.
      const flows: { id: string; sample_sha256: string | null }[] = await em.query(
        `SELECT id, sample_sha256 FROM flows WHERE created_at < $1 AND ${ENDED} ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [cutoff, RETENTION_BATCH],
      );
      if (!flows.length) return { flows: 0, reports: 0, hashes: [] };
      const ids = flows.map((f) => f.id);
      const reports: { sha256: string | null }[] = await em.query('SELECT sha256 FROM reports WHERE flow_id = ANY($1::uuid[])', [ids]);
      await em.query('DELETE FROM flows WHERE id = ANY($1::uuid[])', [ids]);
      const hashes = new Set([...flows.map((f) => f.sample_sha256), ...reports.map((r) => r.sha256)].filter((h): h is string => !!h));
      return { flows: flows.length, reports: reports.length, hashes: [...hashes] };
    });
  }

  /** Removes the stored files among `hashes` that nothing refers to any more; returns how many. */
  private async removeSamples(hashes: string[]): Promise<number> {
    if (!hashes.length) return 0;
    // Only files actually stored count (a URL flow that was never fetched, or a file stored elsewhere, has no row).
    const stored: { sha256: string }[] = await this.db.query('SELECT sha256 FROM samples WHERE sha256 = ANY($1::text[])', [hashes]);
    let removed = 0;
    for (const { sha256 } of stored) {
      try {
        if (await this.samples.removeIfUnreferenced(sha256)) removed++;
      } catch (err) {
        // The reports are gone either way; the file is retried by the next run's unreferenced-file pass.
        this.logger.warn({ err, sha256 }, 'Could not remove an unreferenced sample');
      }
    }
    return removed;
  }
}
