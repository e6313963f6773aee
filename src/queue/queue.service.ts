import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { APP_CONFIG, AppConfig, AppRole } from '../config/app-config';

/** pg-boss keeps its tables in this schema, outside the TypeORM migrations (pg-boss migrates it itself). */
export const QUEUE_SCHEMA = 'pgboss';

export type QueueJob<T extends object = object> = PgBoss.Job<T>;
export type QueueSendOptions = PgBoss.SendOptions;
export type QueueOptions = Omit<PgBoss.Queue, 'name'>;

export interface QueueWorkOptions {
  /** Jobs of this queue run at once in this process; default WORKER_CONCURRENCY. */
  concurrency?: number;
  /** How often an idle consumer looks for new jobs; default 2 s. */
  pollingIntervalSeconds?: number;
}

export interface QueueDepth {
  name: string;
  /** Jobs waiting to run (created or waiting for a retry), including those scheduled for later. */
  waiting: number;
  active: number;
  failed: number;
  /** Age in seconds of the oldest job that could run now but has not started; null when none. */
  oldestWaitingSeconds: number | null;
}

export interface QueueStats {
  waiting: number;
  active: number;
  failed: number;
  oldestWaitingSeconds: number | null;
  queues: QueueDepth[];
}

/** One error line per this many ms at most while the database is unreachable (workers poll every 2 s). */
const ERROR_LOG_INTERVAL_MS = 30_000;

/**
 * The durable job queue: pg-boss on the application's PostgreSQL database.
 *
 * Every role starts it (the API enqueues, the worker consumes); `work()` registers consumers only in
 * the `worker` and `all` roles, so feature modules may call it unconditionally. pg-boss runs on a
 * small pool of its own, so polling workers never take connections from HTTP requests, and every
 * error of that pool is handled: an unreachable database is logged, it does not end the process.
 */
@Injectable()
export class QueueService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Queue');
  private pool?: Pool;
  private boss?: PgBoss;
  private state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  private stopping?: Promise<void>;
  private readonly created = new Set<string>();
  private lastErrorLog = 0;
  private suppressedErrors = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** True in the roles that run jobs (`worker`, `all`). */
  get consumes(): boolean {
    return this.config.role !== AppRole.Api;
  }

  async onModuleInit(): Promise<void> {
    const url = this.config.database.url;
    if (!url) throw new Error('QueueService needs a database URL');
    const pool = new Pool({
      connectionString: url,
      // Consumers each poll on their own; maintenance and the cron clock need one or two more.
      max: this.consumes ? Math.min(this.config.worker.concurrency + 3, 20) : 3,
      application_name: 'sandbox-platform:queue',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    });
    pool.on('error', (err) => this.onError(err));
    this.pool = pool;
    const boss = new PgBoss({
      db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
      schema: QUEUE_SCHEMA,
      migrate: true,
      // Maintenance (expiring, archiving, deleting old jobs) and cron schedules run where jobs run.
      // pg-boss coordinates them through the database, so many worker processes are fine.
      supervise: this.consumes,
      schedule: this.consumes,
    });
    boss.on('error', (err) => this.onError(err));
    try {
      await boss.start();
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    this.boss = boss;
    this.state = 'started';
    this.logger.log(`pg-boss started (${this.consumes ? 'enqueue and consume' : 'enqueue only'})`);
  }

  /** Stops taking jobs and lets running ones finish (up to WORKER_SHUTDOWN_TIMEOUT), while the database is still open. */
  beforeApplicationShutdown(): Promise<void> {
    if (!this.boss || this.state !== 'started') return this.stopping ?? Promise.resolve();
    this.state = 'stopping';
    this.stopping = this.boss
      .stop({ graceful: true, wait: true, close: false, timeout: this.config.worker.shutdownTimeout * 1000 })
      .catch((err: unknown) => this.logger.warn({ err }, 'pg-boss did not stop cleanly'));
    return this.stopping;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.beforeApplicationShutdown();
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    await this.pool?.end().catch(() => undefined);
  }

  /** Creates the queue when it does not exist yet (idempotent; remembered per process). */
  async createQueue(name: string, options: QueueOptions = {}): Promise<void> {
    if (this.created.has(name)) return;
    await this.running().createQueue(name, { ...options, name });
    this.created.add(name);
  }

  /** Enqueues a job; the queue is created on first use. Returns the job id (null when a singleton/throttle option suppressed it). */
  async send<T extends object>(queue: string, data: T, options: QueueSendOptions = {}): Promise<string | null> {
    await this.createQueue(queue);
    return this.running().send(queue, data, options);
  }

  /**
   * Runs `handler` for each job of `queue`, `concurrency` jobs at once. A handler that throws fails
   * the job (pg-boss retries it by the queue's retry policy). In the `api` role this registers
   * nothing and returns an empty list. Call it from onApplicationBootstrap (the queue starts in onModuleInit).
   */
  async work<T extends object>(queue: string, handler: (job: QueueJob<T>) => Promise<unknown>, options: QueueWorkOptions = {}): Promise<string[]> {
    if (!this.consumes) {
      this.logger.debug(`Not consuming ${queue}: role ${this.config.role}`);
      return [];
    }
    await this.createQueue(queue);
    const concurrency = options.concurrency ?? this.config.worker.concurrency;
    const workOptions: PgBoss.WorkOptions = { batchSize: 1 };
    if (options.pollingIntervalSeconds) workOptions.pollingIntervalSeconds = options.pollingIntervalSeconds;
    const ids: string[] = [];
    // pg-boss 10 has no per-worker concurrency: each registration is one polling loop taking one job at a time.
    for (let i = 0; i < concurrency; i++) {
      let workerId = '';
      workerId = await this.running().work<T>(queue, workOptions, async ([job]) => {
        try {
          return await handler(job);
        } catch (err) {
          this.logger.warn({ err, queue, jobId: job.id }, `Job ${job.id} of ${queue} failed`);
          throw err;
        } finally {
          // pg-boss otherwise waits a whole polling interval after each job, even with a backlog.
          this.boss?.notifyWorker(workerId);
        }
      });
      ids.push(workerId);
    }
    this.logger.log(`Consuming ${queue} (${concurrency} at once)`);
    return ids;
  }

  /** Health probe: pg-boss runs and its schema answers. Throws with the reason otherwise. */
  async queueHealth(): Promise<void> {
    const boss = this.running();
    const version = await boss.schemaVersion();
    if (!version) throw new Error('pg-boss schema is not installed');
  }

  /** Queue depth per queue and in total, with the age of the oldest job waiting to start (pg-boss internal queues left out). */
  async stats(): Promise<QueueStats> {
    this.running();
    const { rows } = await this.pool!.query<{
      name: string;
      waiting: number;
      active: number;
      failed: number;
      oldest_waiting_seconds: number | null;
    }>(
      `SELECT q.name,
              count(j.id) FILTER (WHERE j.state IN ('created', 'retry'))::int AS waiting,
              count(j.id) FILTER (WHERE j.state = 'active')::int AS active,
              count(j.id) FILTER (WHERE j.state = 'failed')::int AS failed,
              EXTRACT(EPOCH FROM now() - min(j.created_on) FILTER (WHERE j.state IN ('created', 'retry') AND j.start_after <= now()))::float8 AS oldest_waiting_seconds
         FROM ${QUEUE_SCHEMA}.queue q
         LEFT JOIN ${QUEUE_SCHEMA}.job j ON j.name = q.name
        WHERE q.name NOT LIKE '\\_\\_pgboss\\_\\_%'
        GROUP BY q.name
        ORDER BY q.name`,
    );
    const queues: QueueDepth[] = rows.map((r) => ({
      name: r.name,
      waiting: r.waiting,
      active: r.active,
      failed: r.failed,
      oldestWaitingSeconds: r.oldest_waiting_seconds === null ? null : Math.max(0, Math.round(r.oldest_waiting_seconds)),
    }));
    const ages = queues.map((q) => q.oldestWaitingSeconds).filter((a): a is number => a !== null);
    return {
      waiting: queues.reduce((n, q) => n + q.waiting, 0),
      active: queues.reduce((n, q) => n + q.active, 0),
      failed: queues.reduce((n, q) => n + q.failed, 0),
      oldestWaitingSeconds: ages.length ? Math.max(...ages) : null,
      queues,
    };
  }

  private running(): PgBoss {
    if (this.state === 'new' || !this.boss) {
      throw new Error('The job queue is not started yet: send jobs and register consumers from onApplicationBootstrap or later');
    }
    if (this.state === 'stopped') throw new Error('The job queue is stopped');
    return this.boss;
  }

  /** Errors of the pool or of pg-boss's loops (e.g. the database went away): logged, throttled, never thrown. */
  private onError(err: unknown): void {
    if (this.state === 'stopped') return;
    const now = Date.now();
    if (now - this.lastErrorLog < ERROR_LOG_INTERVAL_MS) {
      this.suppressedErrors++;
      return;
    }
    const suppressed = this.suppressedErrors;
    this.lastErrorLog = now;
    this.suppressedErrors = 0;
    const message = err instanceof Error || (err && typeof err === 'object' && 'message' in err) ? String((err as { message: unknown }).message) : String(err);
    this.logger.error({ err, suppressed }, `Job queue error: ${message}${suppressed ? ` (${suppressed} similar errors not logged)` : ''}`);
  }
}
