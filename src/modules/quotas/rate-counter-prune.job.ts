import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { RateCounterService } from './rate-counter.service';

/** Counter windows are at most a day long; two days keeps every live one and a margin. */
const KEEP_MS = 2 * 86_400_000;

/**
 * Drops rate-counter windows that ended long ago, hourly. A single indexed DELETE: cheap enough to
 * run here rather than through the queue, and harmless when several processes run it at once.
 */
@Injectable()
export class RateCounterPruneJob {
  private readonly logger = new Logger(RateCounterPruneJob.name);

  constructor(private readonly counters: RateCounterService) {}

  @Cron(CronExpression.EVERY_HOUR, { name: 'rate-counters.prune' })
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
