import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { QueueService } from '../../queue/queue.service';
import { ANALYSIS_QUEUE, AnalysisJob } from './analysis-job';
import { analysisJobExpirySeconds, analysisJobOptions } from './analysis-queue';

/** Flows looked at per sweep. */
const BATCH = 50;

/**
 * Brings back analyses whose worker died. pg-boss does retry an expired job, but only when its
 * maintenance runs (every two minutes), and not at all once the job's retries are spent; a flow
 * must never stay `running` for ever. Every few seconds the watchdog (worker and `all` roles)
 * looks for flows running for longer than a job may live whose advisory lock nobody holds (the
 * processor holds it for the whole analysis, and a dead process's lock goes with its connection),
 * and queues their analysis again. The processor then retries it, or fails the flow with a report
 * when its attempts are used up. Sweeps of several processes do not queue one flow twice: the flow
 * is claimed under its lock by moving its `started_at`.
 */
@Injectable()
export class AnalysisWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AnalysisWatchdog.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<unknown>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queue: QueueService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** A flow is stale when it has been running this long (a job's lifetime, and a little). */
  get staleAfterSeconds(): number {
    return analysisJobExpirySeconds(this.config) + 10;
  }

  onApplicationBootstrap(): void {
    if (!this.queue.consumes) return;
    const everySeconds = Math.max(5, Math.min(60, Math.floor(this.staleAfterSeconds / 3)));
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.sweep()
        .catch((err: unknown) => this.logger.warn({ err }, 'Watchdog sweep failed'))
        .finally(() => (this.sweeping = undefined));
    }, everySeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** Queues again the analysis of every stale, unattended flow; returns their ids. */
  async sweep(): Promise<string[]> {
    const stale: { id: string; priority: number }[] = await this.db.query(
      `SELECT id, priority FROM flows WHERE state = 'running' AND started_at < now() - make_interval(secs => $1) ORDER BY started_at LIMIT ${BATCH}`,
      [this.staleAfterSeconds],
    );
    const requeued: string[] = [];
    for (const flow of stale) {
      const runner = this.db.createQueryRunner();
      await runner.connect();
      try {
        const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock(hashtextextended('flow:' || $1, 0)) AS locked`, [flow.id]);
        if (!locked) continue; // a live process is analysing it
        try {
          // TypeORM answers an UPDATE with [rows, count].
          const [claimed] = await runner.query(
            `UPDATE flows SET started_at = now(), progress_message = 'the worker analysing this flow stopped: analysis queued again'
              WHERE id = $1 AND state = 'running' AND started_at < now() - make_interval(secs => $2) RETURNING id`,
            [flow.id, this.staleAfterSeconds],
          );
          if (!claimed.length) continue;
          await this.queue.send<AnalysisJob>(ANALYSIS_QUEUE, { flowId: flow.id }, analysisJobOptions(this.config, flow.priority));
          requeued.push(flow.id);
          this.logger.warn(`Flow ${flow.id} was left running by a worker that stopped: analysis queued again`);
        } finally {
          await runner.query(`SELECT pg_advisory_unlock(hashtextextended('flow:' || $1, 0))`, [flow.id]);
        }
      } finally {
        await runner.release();
      }
    }
    return requeued;
  }
}
