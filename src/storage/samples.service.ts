import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Readable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { SampleStore, StagedSample, StoredSample } from './sample-store';

/**
 * Transaction-scoped advisory lock on one SHA-256. Code that makes a stored content referenced takes
 * it shared; removal takes it exclusive, so content is never removed between being stored and being
 * referenced by the flow or report that needs it.
 */
export const sampleLockKey = (sha256Sql: string) => `hashtextextended('sample:' || ${sha256Sql}, 0)`;
const LOCK_KEY = sampleLockKey('$1');

/**
 * The `samples` table (one row per stored content) kept in step with the SampleStore.
 */
@Injectable()
export class SamplesService {
  private readonly logger = new Logger(SamplesService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    readonly store: SampleStore,
  ) {}

  /** Records the stored content (nothing happens when it is already recorded). */
  async upsert(stored: StoredSample, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(
      'INSERT INTO samples (sha256, size, md5, sha1, sha512) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING',
      [stored.sha256, stored.size, stored.md5, stored.sha1, stored.sha512],
    );
  }

  /**
   * Stores staged content and records it, then runs `reference` (which inserts whatever refers to
   * it: a flow, a report) in the same transaction, under the sample's shared lock. Content removed by
   * a concurrent removeIfUnreferenced between the upload and the lock is put back first. The staging
   * copy is left to the caller to discard.
   */
  async commitAndReference<T>(staged: StagedSample, reference: (manager: EntityManager) => Promise<T>): Promise<T> {
    await staged.commit();
    return this.db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock_shared(${LOCK_KEY})`, [staged.sha256]);
      if (!(await this.store.exists(staged.sha256))) await staged.commit();
      await this.upsert(staged, manager);
      return reference(manager);
    });
  }

  /** Streams content into the store and records it (for callers with nothing to validate first). */
  async add(source: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StoredSample> {
    const staged = await this.store.stage(source, options);
    try {
      await this.commitAndReference(staged, async () => undefined);
    } finally {
      await staged.discard();
    }
    const { commit: _c, discard: _d, ...stored } = staged;
    return stored;
  }

  /**
   * Removes the sample (row and stored content) when no flow and no report refers to its SHA-256.
   * Returns whether it was removed. Safe against concurrent submissions of the same content.
   */
  async removeIfUnreferenced(sha256: string): Promise<boolean> {
    return this.db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(${LOCK_KEY})`, [sha256]);
      const [{ referenced }] = await manager.query(
        `SELECT EXISTS (SELECT 1 FROM flows WHERE sample_sha256 = $1) OR EXISTS (SELECT 1 FROM reports WHERE sha256 = $1) AS referenced`,
        [sha256],
      );
      if (referenced) return false;
      await manager.query('DELETE FROM samples WHERE sha256 = $1', [sha256]);
      // Inside the transaction: if the content cannot be removed, the row stays too.
      await this.store.delete(sha256);
      this.logger.log(`Removed sample ${sha256}`);
      return true;
    });
  }

  /** Health: the store accepts a write. */
  probe(): Promise<void> {
    return this.store.probe();
  }
}
