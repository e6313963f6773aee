import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FeedPosition } from './feed-cursor';

/** A report as the feed reads it: indexed columns only, never the report JSON. */
export interface FeedRow {
  id: string;
  flow_id: string;
  sha256: string | null;
  file_name: string;
  file_type: string;
  file_kind: string;
  size: string;
  verdict: string;
  threat_level: number;
  tags: string[];
  created_at: Date;
  /** created_at in UTC with microseconds, for the cursor. */
  at: string;
}

/** A report's created_at as a FeedPosition `at` (UTC, microseconds). */
export const POSITION_AT_SQL = `to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
const COLUMNS = `r.id, r.flow_id, r.sha256, r.file_name, r.file_type, r.file_kind, r.size, r.verdict, r.threat_level, r.tags, r.created_at,
  ${POSITION_AT_SQL} AS at`;
/** The feed's rows, matching IDX_reports_feed's predicate. */
const FEED = `r.is_private = false AND r.depth = 0`;

/** Reads for the reports feed. Every query walks IDX_reports_feed (created_at, id) WHERE public and submitted. */
@Injectable()
export class FeedReportsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The settled horizon: a time before which no report can still appear. A report becomes visible
   * when its writer commits, and its created_at is taken shortly before the writer's transaction
   * starts, so: before the start of the oldest transaction still open in this database (or now),
   * minus `settleSeconds` for the writer's own delay and clock differences between hosts.
   */
  async horizon(settleSeconds: number): Promise<{ horizon: Date; at: string }> {
    const [row] = await this.db.query(
      `WITH h AS (
         SELECT LEAST(now(), COALESCE((SELECT min(xact_start) FROM pg_stat_activity
                                       WHERE datname = current_database() AND backend_type = 'client backend'
                                         AND pid <> pg_backend_pid() AND xact_start IS NOT NULL), now()))
                - make_interval(secs => $1) AS horizon)
       SELECT horizon, to_char(horizon AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM h`,
      [settleSeconds],
    );
    return { horizon: row.horizon, at: row.at };
  }

  /** Newest first, strictly before `before` (when given), created before `horizon`. `limit + 1` rows tell whether more follow. */
  olderThan(horizonAt: string, before: FeedPosition | null, limit: number): Promise<FeedRow[]> {
    const params: unknown[] = [horizonAt, limit];
    let where = '';
    if (before) {
      params.push(before.at, before.id);
      where = 'AND (r.created_at, r.id) < ($3::timestamptz, $4::uuid)';
    }
    return this.db.query(
      `SELECT ${COLUMNS} FROM reports r WHERE ${FEED} AND r.created_at < $1::timestamptz ${where}
       ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      params,
    );
  }

  /** Oldest first, strictly after `after`, created before `horizon`. */
  newerThan(horizonAt: string, after: FeedPosition, limit: number): Promise<FeedRow[]> {
    return this.db.query(
      `SELECT ${COLUMNS} FROM reports r WHERE ${FEED} AND r.created_at < $1::timestamptz
         AND (r.created_at, r.id) > ($3::timestamptz, $4::uuid)
       ORDER BY r.created_at ASC, r.id ASC LIMIT $2`,
      [horizonAt, limit, after.at, after.id],
    );
  }

  /** Count and extremes of the settled feed (an index-only walk of IDX_reports_feed). */
  async summary(horizonAt: string): Promise<{ total: number; oldest: Date | null; newest: Date | null }> {
    const [row] = await this.db.query(
      `SELECT count(*)::int AS total, min(r.created_at) AS oldest, max(r.created_at) AS newest
       FROM reports r WHERE ${FEED} AND r.created_at < $1::timestamptz`,
      [horizonAt],
    );
    return row;
  }
}
