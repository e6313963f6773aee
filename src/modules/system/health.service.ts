import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { Page, toPage } from '../../common/http/pagination.dto';
import { SampleStore } from '../../storage/sample-store';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { QueueService } from '../../queue/queue.service';
import { JobContext, JobOutcome, ScheduledJob } from '../jobs/scheduled-job.decorator';
import { HealthcheckQueryDto, HealthcheckRecordDto, HealthcheckSummaryDto, HealthReportDto } from './dtos/health.dto';
import { HealthCheckName, HealthCheckResult, Healthcheck, HealthStatus } from './healthcheck.entity';

/** A check that has not answered by then counts as down: a stopped or unreachable server must not hang the answer. */
export const CHECK_TIMEOUT_MS = 2_000;
const JOB_NAME = 'system.healthcheck';
/** pg_try_advisory_xact_lock key of the recording job (the migration lock is 7_349_000). */
export const RECORD_LOCK = 7_349_001;
const MAX_ERROR_LENGTH = 500;

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_LENGTH);

/**
 * Checks the platform's dependencies (database, job queue, storage) on demand, and records one check
 * per HEALTHCHECK_INTERVAL through the jobs module (one run per interval across processes); an advisory
 * lock and a look for a record in the current slot still guard direct calls of recordScheduledCheck().
 */
@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthService.name);
  private readonly host = `${hostname()}:${process.pid}`;
  private recording?: Promise<Healthcheck | null>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Healthcheck) private readonly records: Repository<Healthcheck>,
    private readonly queue: QueueService,
    private readonly samples: SampleStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.recording; // let a running record finish while the database is still open
  }

  /** The scheduled job; its period is HEALTHCHECK_INTERVAL (0: not scheduled). */
  @ScheduledJob({
    name: JOB_NAME,
    description: 'Records a health check of the database, job queue and storage; deletes records past HEALTHCHECK_RETENTION_DAYS',
    cron: '* * * * *',
    intervalSeconds: (config) => config.health.interval,
  })
  async scheduledCheck(ctx: JobContext): Promise<JobOutcome> {
    const row = await this.recordScheduledCheck();
    const summary = row ? `Recorded: ${row.status}` : 'Nothing recorded: already recorded in this interval, or the database was unreachable';
    ctx.log(summary);
    return { summary };
  }

  /** Runs every check now, in parallel, each bounded by CHECK_TIMEOUT_MS. */
  async check(): Promise<HealthReportDto> {
    const checkedAt = new Date();
    const started = performance.now();
    const checks = await Promise.all([
      this.probe(HealthCheckName.Database, () => this.db.query('SELECT 1')),
      this.probe(HealthCheckName.Queue, () => this.queue.queueHealth()),
      this.probe(HealthCheckName.Storage, () => this.samples.probe()),
    ]);
    return {
      status: checks.every((c) => c.status === HealthStatus.Ok) ? HealthStatus.Ok : HealthStatus.Down,
      checkedAt,
      durationMs: Math.round(performance.now() - started),
      checks,
    };
  }

  /**
   * The scheduled job: records one check per interval-long slot of wall-clock time, unless another
   * process already did (checked before and, under the advisory lock, again before writing), and
   * deletes records older than HEALTHCHECK_RETENTION_DAYS.
   * Returns the record written, or null. Never throws (an unreachable database is logged).
   */
  recordScheduledCheck(): Promise<Healthcheck | null> {
    // A slow run (checks time out after 2 s) is never overlapped by the next tick.
    this.recording ??= this.record().finally(() => (this.recording = undefined));
    return this.recording;
  }

  async listFull(query: HealthcheckQueryDto): Promise<Page<HealthcheckRecordDto>> {
    const [rows, total] = await this.query(query);
    return toPage(
      rows.map((r) => ({ id: r.id, checkedAt: r.checkedAt, status: r.status, durationMs: r.durationMs, host: r.host, checks: r.checks })),
      total,
      query,
    );
  }

  /** Past checks for anyone: the overall status only, no component names, errors or hosts. */
  async listSanitized(query: HealthcheckQueryDto): Promise<Page<HealthcheckSummaryDto>> {
    const [rows, total] = await this.query(query);
    return toPage(rows.map((r) => ({ checkedAt: r.checkedAt, status: r.status })), total, query);
  }

  private query(query: HealthcheckQueryDto): Promise<[Healthcheck[], number]> {
    const qb = this.records.createQueryBuilder('h').orderBy('h.checkedAt', 'DESC').addOrderBy('h.id', 'DESC');
    if (query.from) qb.andWhere('h.checkedAt >= :from', { from: new Date(query.from) });
    if (query.to) qb.andWhere('h.checkedAt < :to', { to: new Date(query.to) });
    return qb.skip(query.offset).take(query.limit).getManyAndCount();
  }

  private async record(): Promise<Healthcheck | null> {
    // Wall-clock slots of one interval (database time): every process ticks once per slot, one of them records.
    const slotSeconds = this.config.health.interval || 60;
    try {
      if (await this.recordedInSlot(this.db.manager, slotSeconds)) return null; // another process was first
      // Checked before the transaction, so no connection or lock is held while a check waits for its timeout.
      const report = await this.check();
      return await this.db.transaction(async (tx) => {
        const [{ locked }] = await tx.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RECORD_LOCK]);
        if (!locked || (await this.recordedInSlot(tx, slotSeconds))) return null;
        const row = tx.create(Healthcheck, { status: report.status, durationMs: report.durationMs, checks: report.checks, host: this.host });
        await tx.insert(Healthcheck, row);
        await tx.query('DELETE FROM healthchecks WHERE checked_at < now() - make_interval(days => $1)', [this.config.health.retentionDays]);
        if (report.status !== HealthStatus.Ok) {
          const down = report.checks.filter((c) => c.status !== HealthStatus.Ok).map((c) => `${c.name}: ${c.error}`);
          this.logger.warn({ checks: report.checks }, `Health check: down (${down.join('; ')})`);
        }
        return row;
      });
    } catch (err) {
      this.logger.warn({ err }, `Could not record the health check: ${errorMessage(err)}`);
      return null;
    }
  }

  private async recordedInSlot(db: EntityManager, slotSeconds: number): Promise<boolean> {
    const [{ recorded }] = await db.query(
      `SELECT EXISTS (
         SELECT 1 FROM healthchecks WHERE checked_at >= to_timestamp(floor(extract(epoch FROM now()) / $1) * $1)
       ) AS recorded`,
      [slotSeconds],
    );
    return recorded;
  }

  private async probe(name: HealthCheckName, run: () => Promise<unknown>): Promise<HealthCheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
    });
    try {
      await Promise.race([run(), timeout]);
      return { name, status: HealthStatus.Ok, latencyMs: Math.round(performance.now() - started), error: null };
    } catch (err) {
      return { name, status: HealthStatus.Down, latencyMs: Math.round(performance.now() - started), error: errorMessage(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}
