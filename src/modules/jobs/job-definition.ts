import { CronTime } from 'cron';
import type { JobContext, JobOutcome, ScheduledJobOptions } from './scheduled-job.decorator';

export const DEFAULT_JOB_TIMEOUT_MS = 10 * 60_000;

/** A discovered (or registered) job, ready to run. */
export interface JobDefinition {
  name: string;
  description: string;
  /** The declared cron expression (UTC). */
  cron: string;
  /** Seconds between runs when the job's period comes from the configuration; replaces `cron`. 0: unscheduled. */
  intervalSeconds: number | null;
  defaultEnabled: boolean;
  timeoutMs: number;
  handler: (ctx: JobContext) => Promise<JobOutcome | void> | JobOutcome | void;
}

/** When a job runs: a cron expression (UTC), or a fixed period in seconds, or not at all. */
export type JobSchedule = { kind: 'cron'; cron: string } | { kind: 'interval'; seconds: number } | { kind: 'none' };

export function definitionFrom(options: ScheduledJobOptions, intervalSeconds: number | null, handler: JobDefinition['handler']): JobDefinition {
  return {
    name: options.name,
    description: options.description,
    cron: options.cron,
    intervalSeconds,
    defaultEnabled: options.enabled ?? true,
    timeoutMs: options.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
    handler,
  };
}

/** The schedule in force: an administrator's cron override, else the configured period, else the declared cron. */
export function effectiveSchedule(def: JobDefinition, cronOverride: string | null | undefined): JobSchedule {
  if (cronOverride) return { kind: 'cron', cron: cronOverride };
  if (def.intervalSeconds !== null) return def.intervalSeconds > 0 ? { kind: 'interval', seconds: def.intervalSeconds } : { kind: 'none' };
  return { kind: 'cron', cron: def.cron };
}

export const describeSchedule = (s: JobSchedule) => (s.kind === 'cron' ? s.cron : s.kind === 'interval' ? `every ${s.seconds} s` : 'not scheduled');

/** The slot (wall-clock multiple of the period) `at` falls in: the same in every process whatever its timer's phase. */
export const intervalSlot = (seconds: number, at = Date.now()) => new Date(Math.floor(at / (seconds * 1000)) * seconds * 1000);

/** The next occurrence after now, or null when unscheduled. */
export function nextOccurrence(schedule: JobSchedule, now = Date.now()): Date | null {
  if (schedule.kind === 'none') return null;
  if (schedule.kind === 'interval') return new Date(intervalSlot(schedule.seconds, now).getTime() + schedule.seconds * 1000);
  try {
    return new CronTime(schedule.cron, 'UTC').sendAt().toJSDate();
  } catch {
    return null;
  }
}

/** Why a cron expression is refused, or null when it is a valid 5- or 6-field expression. */
export function cronProblem(expr: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || expr.trim().startsWith('@')) return 'cron must be a cron expression of 5 or 6 fields';
  try {
    new CronTime(expr, 'UTC');
    return null;
  } catch (err) {
    return `cron is not a valid cron expression (${err instanceof Error ? err.message : String(err)})`;
  }
}
