import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ServerErrorContext, ServerErrorRecorder } from '../../common/errors/server-error-recorder';
import { LogRecordBuffer } from '../../common/logging/log-record-buffer';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ErrorSource } from './app-error.entity';
import { boundedStack, describeThrown, fingerprintOf, MAX_MESSAGE_LENGTH, redactSecrets, topOwnFrame } from './error-fingerprint';

/** One occurrence to record, before grouping. */
export interface ErrorOccurrence {
  source: ErrorSource;
  errorClass: string;
  message: string;
  stack: string | null;
  correlationId?: string | null;
  context?: Record<string, unknown>;
}

interface PendingGroup {
  fingerprint: string;
  source: ErrorSource;
  errorClass: string;
  message: string;
  stack: string | null;
  topFrame: string | null;
  count: number;
  firstSeen: Date;
  lastSeen: Date;
  correlationId: string | null;
  context: Record<string, unknown> | null;
}

/** Distinct groups held in memory between two writes; occurrences of further groups are dropped (and counted). */
const MAX_PENDING_GROUPS = 500;
const FLUSH_INTERVAL_MS = 1_000;
/** Pending groups that trigger a write before the interval is up. */
const FLUSH_EARLY_AT = 100;

/**
 * Records errors grouped by fingerprint. record() only updates an in-memory map (bounded); a timer
 * writes the map to `app_errors` in one upsert, so answering a failing request never waits on, or
 * fails because of, the database. A write that fails drops that batch: errors are diagnostics and
 * must not pile up in memory while the database is away.
 */
@Injectable()
export class ErrorRecorder implements ServerErrorRecorder, OnModuleDestroy {
  private readonly logger = new Logger('ErrorRecorder');
  private pending = new Map<string, PendingGroup>();
  private dropped = 0;
  private flushing?: Promise<void>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** A 5xx answered by the error filter. */
  record(error: unknown, context: ServerErrorContext): void {
    const { errorClass, message, stack } = describeThrown(error);
    this.add({
      source: ErrorSource.Server,
      errorClass,
      message,
      stack,
      correlationId: context.correlationId,
      context: { method: context.method, path: redactSecrets(context.url), status: context.status },
    });
  }

  add(occurrence: ErrorOccurrence): void {
    const message = redactSecrets(occurrence.message).slice(0, MAX_MESSAGE_LENGTH);
    const stack = boundedStack(occurrence.stack);
    const topFrame = topOwnFrame(stack);
    const fingerprint = fingerprintOf(occurrence.source, occurrence.errorClass, message, topFrame);
    const now = new Date();
    const group = this.pending.get(fingerprint);
    if (group) {
      group.count++;
      group.lastSeen = now;
      group.message = message;
      group.stack = stack ?? group.stack;
      group.correlationId = occurrence.correlationId ?? group.correlationId;
      group.context = occurrence.context ?? group.context;
    } else if (this.pending.size >= MAX_PENDING_GROUPS) {
      this.dropped++;
      return;
    } else {
      this.pending.set(fingerprint, {
        fingerprint,
        source: occurrence.source,
        errorClass: occurrence.errorClass.slice(0, 200),
        message,
        stack,
        topFrame,
        count: 1,
        firstSeen: now,
        lastSeen: now,
        correlationId: occurrence.correlationId ?? null,
        context: occurrence.context ?? null,
      });
      if (this.pending.size === FLUSH_EARLY_AT) setImmediate(() => void this.flush());
    }
  }

  /** Writes what is pending; concurrent callers share the write in progress and then write what came meanwhile. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.pending.size) return;
    const groups = [...this.pending.values()];
    this.pending = new Map();
    this.flushing = this.write(groups).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async write(groups: PendingGroup[]): Promise<void> {
    try {
      await this.db.query(
        `WITH u AS (
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[], $10::text[], $11::jsonb[]) WITH ORDINALITY
                  AS u(fingerprint, source, error_class, message, stack, top_frame, count, first_seen, last_seen, last_correlation_id, context, arrival)
         ), classified AS (
           SELECT u.*, (u.source = 'client' AND NOT EXISTS (SELECT 1 FROM app_errors e WHERE e.fingerprint = u.fingerprint)) AS new_client
             FROM u
         ), ranked AS (
           SELECT c.*, row_number() OVER (PARTITION BY c.new_client ORDER BY c.arrival) AS rank FROM classified c
         )
         INSERT INTO app_errors (fingerprint, source, error_class, message, stack, top_frame, count, first_seen, last_seen, last_correlation_id, context)
         SELECT fingerprint, source, error_class, message, stack, top_frame, count, first_seen, last_seen, last_correlation_id, context
           FROM ranked
          -- Client reports cannot grow the table without bound: past the cap only known groups are counted.
          WHERE NOT new_client OR rank <= $12 - (SELECT count(*) FROM app_errors e WHERE e.source = 'client')
         ON CONFLICT (fingerprint) DO UPDATE SET
           count = LEAST(app_errors.count::bigint + EXCLUDED.count, 2147483647)::int,
           last_seen = GREATEST(app_errors.last_seen, EXCLUDED.last_seen),
           message = EXCLUDED.message,
           stack = COALESCE(EXCLUDED.stack, app_errors.stack),
           last_correlation_id = COALESCE(EXCLUDED.last_correlation_id, app_errors.last_correlation_id),
           context = COALESCE(EXCLUDED.context, app_errors.context)`,
        [
          groups.map((g) => g.fingerprint),
          groups.map((g) => g.source),
          groups.map((g) => g.errorClass),
          groups.map((g) => g.message),
          groups.map((g) => g.stack),
          groups.map((g) => g.topFrame),
          groups.map((g) => g.count),
          groups.map((g) => g.firstSeen.toISOString()),
          groups.map((g) => g.lastSeen.toISOString()),
          groups.map((g) => g.correlationId),
          groups.map((g) => (g.context ? JSON.stringify(g.context) : null)),
          this.config.errors.maxClientGroups,
        ],
      );
    } catch (err) {
      // Tagged so the log store skips it: a database that is away must not feed its own failures back in.
      this.logger.warn({ key: LogRecordBuffer.SELF_KEY, err, groups: groups.length }, 'Could not record errors; this batch is dropped');
    }
    if (this.dropped) {
      this.logger.warn({ dropped: this.dropped }, 'Errors not recorded: too many distinct errors at once');
      this.dropped = 0;
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
