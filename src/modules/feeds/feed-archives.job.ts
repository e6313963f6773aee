import { Injectable } from '@nestjs/common';
import { JobContext, JobOutcome, ScheduledJob } from '../jobs/scheduled-job.decorator';
import { FeedArchivesService } from './feed-archives.service';

/** Days rebuilt on each run, ending yesterday: catches a missed night and verdicts changed since. */
export const ARCHIVE_DAYS_PER_RUN = 3;
const DAY_MS = 86_400_000;

/** The days a run at `now` builds, oldest first: the last complete UTC days (never today, still open). */
export function daysToBuild(now: Date, count = ARCHIVE_DAYS_PER_RUN): string[] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: count }, (_, i) => new Date(today - (count - i) * DAY_MS).toISOString().slice(0, 10));
}

@Injectable()
export class FeedArchivesJob {
  constructor(private readonly archives: FeedArchivesService) {}

  @ScheduledJob({
    name: 'feeds.archives',
    description: 'Builds the daily YARA and samples archives of the last complete UTC days',
    // Past midnight UTC plus a margin, so that the previous day's reports have settled.
    cron: '20 0 * * *',
    timeoutMs: 60 * 60_000,
  })
  async run(ctx: JobContext): Promise<JobOutcome> {
    const counts = { days: 0, archives: 0, removed: 0, samples: 0, rules: 0, missing: 0 };
    for (const day of daysToBuild(new Date())) {
      ctx.signal.throwIfAborted();
      const outcome = await this.archives.buildDay(day, ctx.signal, (m) => ctx.log(m));
      counts.days++;
      counts.archives += outcome.archives;
      counts.removed += outcome.removed;
      counts.samples += outcome.samples;
      counts.rules += outcome.rules;
      counts.missing += outcome.missing;
    }
    return { summary: `${counts.archives} archives over ${counts.days} days (${counts.samples} samples, ${counts.rules} YARA rules)`, counts };
  }
}
