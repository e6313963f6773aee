import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { ScheduledJob, JobContext, JobOutcome } from '../jobs/scheduled-job.decorator';
import { SampleNotFoundError, SampleStore } from '../../storage/sample-store';
import { sampleLockKey } from '../../storage/samples.service';

const LOCK_KEY = sampleLockKey('$1');

/**
 * Generated report files, kept in the sample store (content-addressed: DATA_DIR/samples or S3), so
 * they survive restarts and every API process can serve what any worker made. They get no `samples`
 * row: they are not samples, are never served by `/api/files/{sha256}`, and are removed here only
 * when no download refers to them and no sample has the same content.
 */
@Injectable()
export class ExportFilesService {
  private readonly logger = new Logger(ExportFilesService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: SampleStore,
  ) {}

  async put(bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
    const stored = await this.store.put(bytes);
    return { sha256: stored.sha256, size: stored.size };
  }

  /** The file, or null when it is no longer stored. */
  async get(sha256: string): Promise<Readable | null> {
    try {
      return await this.store.get(sha256);
    } catch (err) {
      if (err instanceof SampleNotFoundError || (err as { code?: string })?.code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Removes the file when nothing refers to it any more (best effort: a file left behind is only storage). */
  async releaseIfUnused(sha256: string): Promise<void> {
    try {
      await this.db.transaction(async (em) => {
        // The samples' lock: a submission of the very same bytes cannot lose them to this removal.
        await em.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`, [sha256]);
        const [{ used }] = await em.query(
          `SELECT EXISTS (SELECT 1 FROM report_downloads WHERE file_sha256 = $1) OR EXISTS (SELECT 1 FROM samples WHERE sha256 = $1) AS used`,
          [sha256],
        );
        if (!used) await this.store.delete(sha256);
      });
    } catch (err) {
      this.logger.warn({ err, sha256 }, 'Could not remove a generated report file');
    }
  }

  @ScheduledJob({
    name: 'exports.cleanup',
    description: 'Removes the generated report files (HTML, PDF) of deleted reports and deleted users',
    cron: '17 * * * *',
  })
  async cleanup(ctx: JobContext): Promise<JobOutcome> {
    let rows = 0;
    let files = 0;
    while (!ctx.signal.aborted) {
      // TypeORM answers a DELETE with [rows, count].
      const [batch]: [{ id: string; file_sha256: string | null }[], number] = await this.db.query(
        `DELETE FROM report_downloads WHERE id IN (
           SELECT id FROM report_downloads WHERE report_id IS NULL OR user_id IS NULL LIMIT 500
         ) RETURNING id, file_sha256`,
      );
      if (!batch.length) break;
      rows += batch.length;
      for (const hash of new Set(batch.map((b) => b.file_sha256).filter((h): h is string => !!h))) {
        await this.releaseIfUnused(hash);
        files++;
      }
    }
    if (rows) ctx.log(`removed ${rows} export(s) of deleted reports or users, ${files} file(s) released`);
    return { summary: `${rows} export(s) removed`, counts: { exports: rows, files } };
  }
}
