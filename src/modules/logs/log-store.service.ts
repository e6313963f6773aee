import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LogRecordBuffer } from '../../common/logging/log-record-buffer';
import { logRecordBufferOf } from '../../common/logging/logger';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ErrorSource } from '../errors/app-error.entity';
import { redactSecrets } from '../errors/error-fingerprint';
import { ErrorRecorder } from '../errors/error-recorder.service';

const FLUSH_INTERVAL_MS = 1_000;
const BATCH = 500;
const MAX_MESSAGE = 4_000;
const MAX_DATA = 8_000;
const PRUNE_INTERVAL_MS = 3_600_000;
const LEVEL_NAMES: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields every record has, or that get their own column: not repeated in `data`. */
const OWN_FIELDS = new Set(['level', 'time', 'msg', 'key', 'correlationId', 'service', 'pid', 'hostname', 'relatedUrl']);

export interface ParsedLogRecord {
  createdAt: string;
  level: string;
  levelValue: number;
  key: string;
  message: string;
  relatedUrl: string | null;
  correlationId: string | null;
  data: Record<string, unknown> | null;
  err?: { type?: string; message?: string; stack?: string };
}

/** One serialized pino line → a row, bounded and with secrets removed; null when it is not a JSON object. */
export function parseLogLine(line: string): ParsedLogRecord | null {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    record = parsed as Record<string, unknown>;
  } catch {
    // A line cut by the buffer (over 32 KB): keep its level, time and start rather than lose it.
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 40);
    const time = /"time":"([^"]+)"/.exec(line)?.[1];
    return {
      createdAt: time && !Number.isNaN(Date.parse(time)) ? time : new Date().toISOString(),
      level: LEVEL_NAMES[level] ?? 'warn',
      levelValue: LEVEL_NAMES[level] ? level : 40,
      key: (/"(?:key|context|component)":"([^"]{1,200})"/.exec(line)?.[1] ?? 'app'),
      message: redactSecrets(/"msg":"((?:[^"\\]|\\.){0,4000})/.exec(line)?.[1] ?? 'log record too large to store whole'),
      relatedUrl: null,
      correlationId: /"correlationId":"([^"]{1,100})"/.exec(line)?.[1] ?? null,
      data: { truncated: true, preview: redactSecrets(line.slice(0, MAX_DATA)) },
    };
  }
  const levelValue = typeof record.level === 'number' ? record.level : 40;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const time = str(record.time);
  const err = record.err && typeof record.err === 'object' ? (record.err as ParsedLogRecord['err']) : undefined;
  const method = str(record.method);
  const url = str(record.relatedUrl) ?? str(record.url);
  const rest = Object.fromEntries(Object.entries(record).filter(([k]) => !OWN_FIELDS.has(k)));
  return {
    createdAt: time && !Number.isNaN(Date.parse(time)) ? time : new Date().toISOString(),
    level: LEVEL_NAMES[levelValue] ?? (levelValue > 60 ? 'fatal' : 'warn'),
    levelValue,
    key: (str(record.key) ?? str(record.context) ?? str(record.component) ?? 'app').slice(0, 200),
    message: redactSecrets(str(record.msg) ?? err?.message ?? '').slice(0, MAX_MESSAGE),
    relatedUrl: url ? redactSecrets(method ? `${method} ${url}` : url).slice(0, 2_000) : null,
    correlationId: str(record.correlationId)?.slice(0, 100) ?? null,
    data: Object.keys(rest).length ? boundedData(rest) : null,
    err,
  };
}

function boundedData(data: Record<string, unknown>): Record<string, unknown> {
  const text = redactSecrets(JSON.stringify(data));
  if (text.length <= MAX_DATA) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* redaction cut through an escaped quote: keep the text */
    }
  }
  return { truncated: true, preview: text.slice(0, MAX_DATA) };
}

/**
 * Moves the warn+ records the logger buffered (see LogRecordBuffer) into the `logs` table, in
 * batches, off the request path; errors logged by background work (outside any request, with an
 * `err`) are also handed to the error recorder. Deletes records older than LOGS_RETENTION_DAYS.
 */
@Injectable()
export class LogStore implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('LogStore');
  private buffer?: LogRecordBuffer;
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private lastPrune = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly errors: ErrorRecorder,
  ) {}

  onApplicationBootstrap(): void {
    const instance = this.adapterHost.httpAdapter?.getInstance() as { log?: Parameters<typeof logRecordBufferOf>[0] } | undefined;
    this.buffer = instance?.log ? logRecordBufferOf(instance.log) : undefined;
    if (!this.buffer) return;
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stores what is buffered now (all of it, in batches). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.buffer) return;
    this.flushing = this.drain().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async drain(): Promise<void> {
    const buffer = this.buffer!;
    for (;;) {
      const { lines, dropped } = buffer.drain(BATCH);
      const records = lines.map(parseLogLine).filter((r): r is ParsedLogRecord => r !== null);
      if (dropped) {
        records.push({
          createdAt: new Date().toISOString(), level: 'warn', levelValue: 40, key: LogRecordBuffer.SELF_KEY, relatedUrl: null, correlationId: null, data: { dropped },
          message: `${dropped} log records were not stored: more were logged than could be written`,
        });
      }
      for (const r of records) {
        if (r.levelValue >= 50 && r.err?.stack && !r.correlationId) {
          // Background work (jobs, timers): requests' errors are recorded by the error filter instead.
          this.errors.add({ source: ErrorSource.Server, errorClass: r.err.type ?? 'Error', message: r.err.message ?? r.message, stack: r.err.stack, context: { component: r.key, log: r.message } });
        }
      }
      if (records.length) await this.insert(records);
      if (lines.length < BATCH) break;
    }
    await this.pruneNow();
  }

  private async insert(records: ParsedLogRecord[]): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO logs (created_at, level, level_value, key, message, related_url, correlation_id, data)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[])`,
        [
          records.map((r) => r.createdAt),
          records.map((r) => r.level),
          records.map((r) => r.levelValue),
          records.map((r) => r.key),
          records.map((r) => r.message),
          records.map((r) => r.relatedUrl),
          records.map((r) => r.correlationId),
          records.map((r) => (r.data ? JSON.stringify(r.data) : null)),
        ],
      );
    } catch (err) {
      this.logger.warn({ key: LogRecordBuffer.SELF_KEY, err, records: records.length }, 'Could not store log records; this batch is dropped');
    }
  }

  private async pruneNow(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_INTERVAL_MS) return;
    this.lastPrune = Date.now();
    try {
      await this.db.query(`DELETE FROM logs WHERE created_at < now() - make_interval(days => $1)`, [this.config.logs.retentionDays]);
    } catch (err) {
      this.logger.warn({ key: LogRecordBuffer.SELF_KEY, err }, 'Could not delete old log records');
    }
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => undefined);
  }
}
