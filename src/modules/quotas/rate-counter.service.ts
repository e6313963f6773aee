import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface CounterState {
  /** Count in the current window after this call. */
  count: number;
  /** False when the call was refused because the window had reached its limit (and was not counted). */
  allowed: boolean;
  /** When the current window started: pass it to release() to undo a hit in the same window. */
  windowStart: Date;
  /** When the current window ends. */
  resetAt: Date;
}

const NO_LIMIT = 2 ** 31 - 1;

/**
 * Fixed-window counters in PostgreSQL. One statement increments and checks, so the count is exact
 * under any concurrency and across any number of API processes: a refused call is never counted.
 */
@Injectable()
export class RateCounterService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  static window(windowSeconds: number, now = Date.now()): { start: Date; end: Date } {
    const size = windowSeconds * 1000;
    const start = Math.floor(now / size) * size;
    return { start: new Date(start), end: new Date(start + size) };
  }

  async hit(bucket: string, windowSeconds: number, limit = NO_LIMIT): Promise<CounterState> {
    const { start, end } = RateCounterService.window(windowSeconds);
    if (limit <= 0) return { count: 0, allowed: false, windowStart: start, resetAt: end };
    const rows: { count: number }[] = await this.db.query(
      `INSERT INTO rate_counters (bucket, window_start, count) VALUES ($1, $2, 1)
       ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1
       WHERE rate_counters.count < $3
       RETURNING count`,
      [bucket, start, limit],
    );
    return rows.length
      ? { count: rows[0].count, allowed: true, windowStart: start, resetAt: end }
      : { count: limit, allowed: false, windowStart: start, resetAt: end };
  }

  /**
   * Takes back one hit counted in the window that started at `windowStart` (the `windowStart` hit()
   * returned, so a window that rolled over in between is still the right one). Used when a call
   * counted by one counter is then refused by another.
   */
  async release(bucket: string, windowStart: Date): Promise<void> {
    await this.db.query('UPDATE rate_counters SET count = count - 1 WHERE bucket = $1 AND window_start = $2 AND count > 0', [bucket, windowStart]);
  }

  async peek(bucket: string, windowSeconds: number): Promise<CounterState> {
    const { start, end } = RateCounterService.window(windowSeconds);
    const rows: { count: number }[] = await this.db.query('SELECT count FROM rate_counters WHERE bucket = $1 AND window_start = $2', [bucket, start]);
    return { count: rows[0]?.count ?? 0, allowed: true, windowStart: start, resetAt: end };
  }

  async reset(bucket: string): Promise<void> {
    await this.db.query('DELETE FROM rate_counters WHERE bucket = $1', [bucket]);
  }

  /** Drops windows that ended before `olderThan`; run by a scheduled job. */
  async prune(olderThan: Date): Promise<number> {
    const [, count] = await this.db.query('DELETE FROM rate_counters WHERE window_start < $1', [olderThan]);
    return count ?? 0;
  }
}
