import { Injectable, Logger } from '@nestjs/common';
import { JobContext, JobOutcome, ScheduledJob } from '../jobs/scheduled-job.decorator';
import { RateCounterService } from './rate-counter.service';

/** Counter windows are at most a day long; two days keeps every live one and a margin. */
const KEEP_MS = 2 * 86_400_000;

/**
 * Drops rate-counter windows that ended long ago, hourly. A single indexed DELETE: cheap enough to
 * run in the scheduling process rather than through the queue; the jobs module runs it once per hour across processes.
 */
@Injectable()
export class RateCounterPruneJob {
  private readonly logger = new Logger(RateCounterPruneJob.name);

  constructor(private readonly counters: RateCounterService) {}

  @ScheduledJob({ name: 'rate-counters.prune', description: 'Deletes API rate-counter windows that ended more than two days ago', cron: '0 * * * *' })
  async prune(ctx: JobContext): Promise<JobOutcome> {
    const pruned = await this.counters.prune(new Date(Date.now() - KEEP_MS));
    ctx.log(`Pruned ${pruned} expired rate-counter windows`);
    return { summary: `Pruned ${pruned} expired rate-counter windows`, counts: { pruned } };
  }

  /** Prunes now, outside the jobs module; never throws. */
  async run(): Promise<number> {
    try {
      const pruned = await this.counters.prune(new Date(Date.now() - KEEP_MS));
      if (pruned) this.logger.log(`Pruned ${pruned} expired rate-counter windows`);
      return pruned;
    } catch (err) {
      this.logger.warn({ err }, 'Could not prune rate counters');
      return 0;
    }
  }
}
