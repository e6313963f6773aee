import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { JobContext, JobOutcome, ScheduledJob } from '../jobs/scheduled-job.decorator';
import { StatKind } from './report-daily-stat.entity';

/** Days recomputed per run at most; the rest wait for the next run. */
const MAX_DAYS_PER_RUN = 400;

const DAY_START = `(($1::date)::timestamp AT TIME ZONE 'UTC')`;
const DAY_END = `((($1::date) + 1)::timestamp AT TIME ZONE 'UTC')`;
const MALICIOUS = `('MALICIOUS', 'LIKELY_MALICIOUS')`;
const arrayOrEmpty = (expr: string) => `CASE WHEN jsonb_typeof(${expr}) = 'array' THEN ${expr} ELSE '[]'::jsonb END`;
const DIMENSIONS = 'r.owner_id, r.access_group_id, r.is_private';

/**
 * One UTC day's statistics, recomputed whole from the day's reports (IDX_reports_created) and their
 * IOC rows; the ATT&CK techniques come from the day's report documents. Idempotent: the day's rows
 * are replaced.
 */
const ROLL_UP_DAY = `
  WITH r AS MATERIALIZED (
    SELECT id, owner_id, access_group_id, is_private, verdict, file_kind, depth, yara_rules
      FROM reports WHERE created_at >= ${DAY_START} AND created_at < ${DAY_END})
  INSERT INTO report_daily_stats (day, owner_id, access_group_id, is_private, kind, key, reports, submissions, occurrences)
  SELECT $1::date, ${DIMENSIONS}, '${StatKind.Verdict}', r.verdict, count(*), count(*) FILTER (WHERE r.depth = 0), 0
    FROM r GROUP BY ${DIMENSIONS}, r.verdict
  UNION ALL
  SELECT $1::date, ${DIMENSIONS}, '${StatKind.FileKind}', r.file_kind, count(*), count(*) FILTER (WHERE r.depth = 0), 0
    FROM r GROUP BY ${DIMENSIONS}, r.file_kind
  UNION ALL
  SELECT $1::date, ${DIMENSIONS}, '${StatKind.Yara}', y.rule, count(DISTINCT r.id), count(DISTINCT r.id) FILTER (WHERE r.depth = 0), 0
    FROM r CROSS JOIN LATERAL unnest(r.yara_rules) AS y(rule) GROUP BY ${DIMENSIONS}, y.rule
  UNION ALL
  SELECT $1::date, ${DIMENSIONS}, '${StatKind.IocType}', i.type, count(DISTINCT r.id), count(DISTINCT r.id) FILTER (WHERE r.depth = 0), count(*)
    FROM r JOIN report_iocs i ON i.report_id = r.id WHERE i.origins <> '{file}' GROUP BY ${DIMENSIONS}, i.type
  UNION ALL
  SELECT $1::date, ${DIMENSIONS}, '${StatKind.MaliciousIp}', i.value, count(DISTINCT r.id), count(DISTINCT r.id) FILTER (WHERE r.depth = 0), count(*)
    FROM r JOIN report_iocs i ON i.report_id = r.id WHERE i.type = 'ip' AND r.verdict IN ${MALICIOUS} GROUP BY ${DIMENSIONS}, i.value
  UNION ALL
  SELECT $1::date, ${DIMENSIONS}, '${StatKind.Mitre}', m.id, count(*), count(*) FILTER (WHERE r.depth = 0), 0
    FROM r JOIN reports d ON d.id = r.id
    CROSS JOIN LATERAL (
      SELECT DISTINCT t->>'ID' AS id
        FROM jsonb_array_elements(${arrayOrEmpty(`d.data->'allSignalGroups'`)}) g
        CROSS JOIN LATERAL jsonb_array_elements(${arrayOrEmpty(`g->'allMitreTechniques'`)}) t) m
   WHERE m.id IS NOT NULL
   GROUP BY ${DIMENSIONS}, m.id`;

/**
 * Keeps `report_daily_stats` in step with the reports. Triggers on `reports` mark every UTC day whose
 * reports were inserted, changed or deleted (`report_stats_dirty_days`); each run recomputes the marked
 * days, one transaction per day: lock the mark (skipping days a report writer still holds), delete it,
 * replace the day's rows. A writer committing during that transaction waits for it and marks the day
 * again, so no report is ever left out of the statistics for longer than one run.
 */
@Injectable()
export class StatsRollupJob {
  private readonly logger = new Logger(StatsRollupJob.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @ScheduledJob({
    name: 'stats.rollup',
    description: 'Recomputes the daily report statistics (/api/users/stat*) of the days whose reports changed',
    cron: '*/5 * * * *',
  })
  async rollUp(ctx: JobContext): Promise<JobOutcome> {
    const days: string[] = [];
    while (days.length < MAX_DAYS_PER_RUN && !ctx.signal.aborted) {
      const day = await this.db.transaction(async (em) => {
        // TypeORM answers a DELETE ... RETURNING with [rows, affected].
        const [[mark]]: [{ day: string }[], number] = await em.query(
          `DELETE FROM report_stats_dirty_days WHERE day = (
             SELECT day FROM report_stats_dirty_days ORDER BY day LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING to_char(day, 'YYYY-MM-DD') AS day`,
        );
        if (!mark) return null;
        await em.query('DELETE FROM report_daily_stats WHERE day = $1::date', [mark.day]);
        await em.query(ROLL_UP_DAY, [mark.day]);
        return mark.day;
      });
      if (!day) break;
      days.push(day);
    }
    if (days.length) {
      ctx.log(`recomputed ${days.length} day(s): ${days[0]}${days.length > 1 ? ` .. ${days[days.length - 1]}` : ''}`);
      this.logger.debug(`Statistics recomputed for ${days.length} day(s)`);
    }
    return { summary: `${days.length} day(s) recomputed`, counts: { days: days.length } };
  }
}
