import { SetMetadata } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';

export const SCHEDULED_JOB = 'jobs:scheduled';

/** How a job is declared: its name (stable, used in `/api/admin/jobs/{job_name}`), what it does and when it runs. */
export interface ScheduledJobOptions {
  /** Dotted, stable name, e.g. `reports.retention`. */
  name: string;
  /** One sentence for the admin panel. */
  description: string;
  /** Default schedule: a cron expression (5 or 6 fields, `@nestjs/schedule`'s CronExpression values work). */
  cron: string;
  /** Whether it runs on its schedule on a fresh install (default true). Admins can change it. */
  enabled?: boolean;
  /** A run still going after this long is reported as overrunning (default 10 minutes). */
  timeoutMs?: number;
  /**
   * For periods the configuration sets: seconds between runs, read once at start, replacing `cron`
   * (slots are wall-clock multiples of the period; 0 leaves the job unscheduled). An administrator's cron override still wins.
   */
  intervalSeconds?: (config: AppConfig) => number;
}

/** What a job's method receives on each run. */
export interface JobContext {
  /** Why it runs: its schedule, or an administrator's `POST /api/admin/jobs/{job_name}`. */
  trigger: 'schedule' | 'manual';
  /** Aborted when the platform shuts down or an administrator stops the job: stop between units of work. */
  signal: AbortSignal;
  /** A line for the run's log (`GET /api/admin/jobs/{job_name}/log`). */
  log(message: string): void;
}

/** What a run may report back: a one-line summary and counts for the admin panel. */
export interface JobOutcome {
  summary?: string;
  counts?: Record<string, number>;
}

/**
 * Marks a provider method as a scheduled job. The jobs module discovers every marked method, runs it
 * on its schedule exactly once across all the platform's processes (a lock in PostgreSQL), records
 * each run, and lets administrators list, trigger, stop and re-enable it.
 *
 * ```ts
 * @ScheduledJob({ name: 'reports.retention', description: 'Removes reports older than the retention age', cron: '0 3 * * *' })
 * async removeExpired(ctx: JobContext): Promise<JobOutcome> { ... }
 * ```
 *
 * The method must be safe to run again after a crash (idempotent), and should check `ctx.signal`.
 */
export const ScheduledJob = (options: ScheduledJobOptions): MethodDecorator => SetMetadata(SCHEDULED_JOB, options);
