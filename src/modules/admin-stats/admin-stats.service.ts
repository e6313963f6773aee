import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig, AppRole } from '../../config/app-config';
import { Verdict } from '../../engine/types';
import { QUEUE_SCHEMA, QueueService } from '../../queue/queue.service';
import { HealthService } from '../system/health.service';
import { HealthCheckName, HealthStatus } from '../system/healthcheck.entity';
import {
  AdminStatDto,
  AdminDailyStatDto,
  DailyStatQueryDto,
  ScanHealthDto,
  ScanStatesDto,
  ScanStatesQueryDto,
  ServicesStatDto,
  ServiceStatus,
  StatRangeQueryDto,
} from './dtos/admin-stats.dto';
import { ProcessRegistryService } from './process-registry.service';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
const MAX_DAILY_DAYS = 366;
const MAX_RANGE_DAYS = 3_660;

/**
 * Platform-wide figures for administrators, counted live from indexed columns (flows.created_at,
 * reports.created_at, flows.state) and from pg-boss's tables; per-user statistics and their daily
 * roll-up belong to the stats module.
 */
@Injectable()
export class AdminStatsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: QueueService,
    private readonly health: HealthService,
    private readonly registry: ProcessRegistryService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async stat(query: StatRangeQueryDto): Promise<AdminStatDto> {
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_DAYS * DAY_MS);
    if (from >= to) throw new BadRequestException('from must be before to');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) throw new BadRequestException(`The period may span at most ${MAX_RANGE_DAYS} days`);
    const [[flows], [reports], verdictRows, [samples], [users]] = await Promise.all([
      this.db.query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE kind = 'file')::int AS files, count(*) FILTER (WHERE kind = 'url')::int AS urls,
                count(*) FILTER (WHERE state = 'failed')::int AS failed
           FROM flows WHERE created_at >= $1 AND created_at < $2`,
        [from, to],
      ),
      this.db.query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE depth = 0)::int AS submitted, count(*) FILTER (WHERE depth > 0)::int AS extracted
           FROM reports WHERE created_at >= $1 AND created_at < $2`,
        [from, to],
      ),
      this.db.query(
        `SELECT verdict, count(*)::int AS count FROM reports WHERE depth = 0 AND created_at >= $1 AND created_at < $2 GROUP BY verdict`,
        [from, to],
      ) as Promise<{ verdict: string; count: number }[]>,
      this.db.query(`SELECT count(*)::int AS count, coalesce(sum(size), 0)::bigint AS bytes FROM samples`),
      this.db.query(`SELECT count(*)::int AS total, count(*) FILTER (WHERE is_active)::int AS active FROM users`),
    ]);
    const verdicts = Object.fromEntries(Object.values(Verdict).map((v) => [v, 0])) as Record<Verdict, number>;
    for (const row of verdictRows) if (row.verdict in verdicts) verdicts[row.verdict as Verdict] = row.count;
    return {
      from,
      to,
      submissions: flows,
      reports,
      verdicts,
      samples: { count: samples.count, bytes: Number(samples.bytes) },
      users,
    };
  }

  /** One row per UTC day of the period, days without activity included. */
  async daily(query: DailyStatQueryDto): Promise<AdminDailyStatDto[]> {
    const today = new Date().toISOString().slice(0, 10);
    const to = query.to ?? today;
    const from = query.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS + 1;
    if (days < 1) throw new BadRequestException('from must not be after to');
    if (days > MAX_DAILY_DAYS) throw new BadRequestException(`The period may span at most ${MAX_DAILY_DAYS} days`);
    // Day boundaries in UTC; each count is a range scan of an indexed created_at.
    const rows: AdminDailyStatDto[] = await this.db.query(
      `WITH days AS (SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS d),
            f AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS submissions, count(*) FILTER (WHERE state = 'failed')::int AS failed
                    FROM flows WHERE created_at >= ($1::date AT TIME ZONE 'UTC') AND created_at < (($2::date + 1) AT TIME ZONE 'UTC') GROUP BY 1),
            r AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*)::int AS reports,
                         count(*) FILTER (WHERE depth = 0 AND verdict IN ('MALICIOUS', 'LIKELY_MALICIOUS'))::int AS malicious,
                         count(*) FILTER (WHERE depth = 0 AND verdict = 'SUSPICIOUS')::int AS suspicious
                    FROM reports WHERE created_at >= ($1::date AT TIME ZONE 'UTC') AND created_at < (($2::date + 1) AT TIME ZONE 'UTC') GROUP BY 1)
       SELECT to_char(days.day, 'YYYY-MM-DD') AS date, coalesce(f.submissions, 0) AS submissions, coalesce(r.reports, 0) AS reports,
              coalesce(r.malicious, 0) AS malicious, coalesce(r.suspicious, 0) AS suspicious, coalesce(f.failed, 0) AS failed
         FROM days LEFT JOIN f ON f.day = days.day LEFT JOIN r ON r.day = days.day
        ORDER BY days.day`,
      [from, to],
    );
    return rows;
  }

  async services(): Promise<ServicesStatDto> {
    const [report, processes] = await Promise.all([this.health.check(), this.registry.alive()]);
    const probe = (name: HealthCheckName, detail: string | null) => {
      const check = report.checks.find((c) => c.name === name);
      const up = check?.status === HealthStatus.Ok;
      return { name, status: up ? ServiceStatus.Up : ServiceStatus.Down, instances: null, latency_ms: check?.latencyMs ?? null, detail: up ? detail : (check?.error ?? 'not checked') };
    };
    const serving = (roles: string[]) => processes.filter((p) => roles.includes(p.role)).length;
    const role = (name: string, roles: AppRole[]) => {
      const instances = serving(roles);
      return { name, status: instances ? ServiceStatus.Up : ServiceStatus.Down, instances, latency_ms: null, detail: instances ? null : `no live process in the ${roles.join(' or ')} role` };
    };
    let version: string | null = null;
    try {
      version = ((await this.db.query('SHOW server_version')) as { server_version: string }[])[0].server_version;
    } catch {
      // the database probe above reports it down
    }
    return {
      checked_at: report.checkedAt,
      services: [
        role('api', [AppRole.Api, AppRole.All]),
        role('worker', [AppRole.Worker, AppRole.All]),
        probe(HealthCheckName.Database, version ? `PostgreSQL ${version}` : null),
        probe(HealthCheckName.Queue, 'pg-boss'),
        probe(HealthCheckName.Storage, this.config.storage.driver),
      ],
      processes: processes.map((p) => ({ host: p.host, pid: p.pid, role: p.role, version: p.version, started_at: p.startedAt, seen_at: p.seenAt })),
    };
  }

  async scanHealth(): Promise<ScanHealthDto> {
    const [stats, [jobs], [flows]] = await Promise.all([
      this.queue.stats(),
      // Final failures (after their retries), in live and archived jobs; pg-boss's own queues left out.
      this.db.query(
        `SELECT count(*) FILTER (WHERE completed_on >= now() - interval '1 hour')::int AS hour, count(*)::int AS day
           FROM (SELECT name, completed_on FROM ${QUEUE_SCHEMA}.job WHERE state = 'failed' AND completed_on >= now() - interval '1 day'
                 UNION ALL
                 SELECT name, completed_on FROM ${QUEUE_SCHEMA}.archive WHERE state = 'failed' AND completed_on >= now() - interval '1 day') j
          WHERE name NOT LIKE '\\_\\_pgboss\\_\\_%'`,
      ),
      this.db.query(
        `SELECT count(*) FILTER (WHERE state = 'failed' AND finished_at >= now() - interval '1 hour')::int AS failed_hour,
                count(*) FILTER (WHERE state = 'failed')::int AS failed_day,
                count(*) FILTER (WHERE state = 'finished' AND finished_at >= now() - interval '1 hour')::int AS finished_hour
           FROM flows WHERE finished_at >= now() - interval '1 day'`,
      ),
    ]);
    return {
      waiting: stats.waiting,
      active: stats.active,
      oldest_waiting_seconds: stats.oldestWaitingSeconds,
      failed_jobs_last_hour: jobs.hour,
      failed_jobs_last_day: jobs.day,
      failed_flows_last_hour: flows.failed_hour,
      failed_flows_last_day: flows.failed_day,
      finished_flows_last_hour: flows.finished_hour,
      queues: stats.queues.map((q) => ({ name: q.name, waiting: q.waiting, active: q.active, failed: q.failed, oldest_waiting_seconds: q.oldestWaitingSeconds })),
    };
  }

  async scanStates(query: ScanStatesQueryDto): Promise<ScanStatesDto> {
    const from = query.from ? new Date(query.from) : null;
    const to = query.to ? new Date(query.to) : null;
    if (from && to && from >= to) throw new BadRequestException('from must be before to');
    // IDX_flows_state serves the whole-table count; with a period, the created_at range bounds it.
    const [row] = await this.db.query(
      `SELECT count(*) FILTER (WHERE state = 'queued')::int AS queued, count(*) FILTER (WHERE state = 'running')::int AS running,
              count(*) FILTER (WHERE state = 'finished')::int AS finished, count(*) FILTER (WHERE state = 'failed')::int AS failed,
              count(*)::int AS total
         FROM flows WHERE ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2)`,
      [from, to],
    );
    return row;
  }
}
