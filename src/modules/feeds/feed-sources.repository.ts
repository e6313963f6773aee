import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Verdict } from '../../engine/types';
import type { YaraSource } from './yara-feed';

/** A report of a day whose sample may go into a samples archive. */
export interface ArchiveCandidate {
  id: string;
  sha256: string;
  verdict: Verdict;
  is_private: boolean;
  file_type: string;
}

/** The verdicts a samples archive takes. */
export const ARCHIVED_VERDICTS = [Verdict.Malicious, Verdict.LikelyMalicious, Verdict.Suspicious];

/** Most rules one YARA feed answer holds (newest first), whatever the window. */
export const YARA_FEED_MAX_REPORTS = 20_000;

/**
 * Reads behind the YARA feed and the daily archives. All walk IDX_reports_verdict (verdict,
 * created_at): verdicts and a time range select the rows, never a scan of the table.
 */
@Injectable()
export class FeedSourcesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Public MALICIOUS reports (extracted files included) created in [from, to), newest first. */
  malicious(from: Date, to: Date | null, limit = YARA_FEED_MAX_REPORTS): Promise<YaraSource[]> {
    return this.db.query(
      `SELECT r.id, r.flow_id, r.sha256, r.size, r.file_name, r.file_type, r.verdict, r.imphash, r.created_at
       FROM reports r
       WHERE r.verdict = $1 AND r.created_at >= $2 AND ($3::timestamptz IS NULL OR r.created_at < $3) AND r.is_private = false AND r.sha256 IS NOT NULL
       ORDER BY r.created_at DESC, r.id DESC LIMIT $4`,
      [Verdict.Malicious, from, to, limit],
    );
  }

  /** Reports (any depth, public and private) created in [from, to) with a verdict worth archiving. */
  archiveCandidates(from: Date, to: Date): Promise<ArchiveCandidate[]> {
    return this.db.query(
      `SELECT r.id, r.sha256, r.verdict, r.is_private, r.file_type
       FROM reports r
       WHERE r.verdict = ANY($1::text[]) AND r.created_at >= $2 AND r.created_at < $3 AND r.sha256 IS NOT NULL
       ORDER BY r.created_at, r.id`,
      [ARCHIVED_VERDICTS, from, to],
    );
  }
}
