import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit-trail';
import { JobContext, JobOutcome, ScheduledJob } from '../jobs/scheduled-job.decorator';
import { ScanSourcePoller } from './scan-source-poller.service';

/** Polls the scan sources whose interval has passed (all enabled ones when run by hand), one after the other. */
@Injectable()
export class ScanSourcesPollJob {
  constructor(private readonly poller: ScanSourcePoller) {}

  @ScheduledJob({
    name: 'scan-sources.poll',
    description: 'Pulls new files from the enabled scan sources (watched directories, S3 buckets) and submits them for analysis',
    cron: '* * * * *',
    timeoutMs: 30 * 60_000,
  })
  async run(ctx: JobContext): Promise<JobOutcome> {
    const totals = { sources: 0, found: 0, submitted: 0, skipped: 0, failed: 0, waiting: 0, errors: 0 };
    for (const id of await this.poller.dueSources(ctx.trigger === 'manual')) {
      if (ctx.signal.aborted) break;
      // Its own audit scope: the submissions must not rewrite the record of an administrator's manual run.
      const outcome = await AuditTrail.run({}, () => this.poller.poll(id, ctx.trigger, ctx.signal));
      if (!outcome) continue;
      totals.sources++;
      totals.found += outcome.found;
      totals.submitted += outcome.submitted;
      totals.skipped += outcome.skipped;
      totals.failed += outcome.failed;
      totals.waiting += outcome.waiting;
      if (outcome.error) totals.errors++;
      ctx.log(
        `source ${id}: ${outcome.error ? `failed: ${outcome.error}` : `${outcome.found} found, ${outcome.submitted} submitted, ${outcome.skipped} skipped, ${outcome.failed} failed, ${outcome.waiting} waiting`} (subjob ${outcome.subjobId})`,
      );
    }
    return { summary: `${totals.sources} source(s) polled, ${totals.submitted} file(s) submitted`, counts: totals };
  }
}
