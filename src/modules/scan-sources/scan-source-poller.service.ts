import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { basename } from 'node:path';
import { DataSource, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { SampleTooLargeError } from '../../storage/sample-store';
import { ScanService } from '../scan/scan.service';
import { User } from '../users/user.entity';
import { ScanSource, ScanSourceFile, ScanSourceSubjob, ScanSourceType, SourceFileState, SubjobItem, SubjobState } from './scan-source.entity';
import { errorText, SourceEntry } from './source-reader';
import { SourceReaders } from './source-readers';

/** How long a poll holds its source; a poll that dies leaves the lease to expire. */
const LEASE_SECONDS = 30 * 60;
/** Entries listed per poll at most (the submissions per poll are bounded separately). */
const MAX_LISTED = 100_000;
/** Items kept on a subjob record. */
const MAX_ITEMS = 1000;

export interface PollOutcome {
  sourceId: string;
  subjobId: string;
  state: SubjobState;
  found: number;
  submitted: number;
  skipped: number;
  failed: number;
  waiting: number;
  error: string | null;
}

/**
 * One poll of one source: list, decide per file (new, changed, still being written, too large,
 * already handled), submit through the scan service as the source's administrator, and record the
 * poll as a subjob and every file by path with the size and version it was handled at, so nothing
 * is submitted twice.
 */
@Injectable()
export class ScanSourcePoller {
  private readonly logger = new Logger(ScanSourcePoller.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(ScanSource) private readonly sources: Repository<ScanSource>,
    @InjectRepository(ScanSourceSubjob) private readonly subjobs: Repository<ScanSourceSubjob>,
    @InjectRepository(ScanSourceFile) private readonly files: Repository<ScanSourceFile>,
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly readers: SourceReaders,
    private readonly scan: ScanService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Enabled sources whose interval has passed (every enabled one when `all`). */
  async dueSources(all: boolean): Promise<string[]> {
    const qb = this.sources.createQueryBuilder('s').select('s.id', 'id').where('s.enabled').orderBy('s.name');
    if (!all) qb.andWhere("(s.last_polled_at IS NULL OR s.last_polled_at + make_interval(secs => s.poll_interval) <= now())");
    return (await qb.getRawMany<{ id: string }>()).map((r) => r.id);
  }

  /** Polls one source; null when it is disabled, gone, or being polled by another run right now. */
  async poll(sourceId: string, trigger: string, signal?: AbortSignal): Promise<PollOutcome | null> {
    const leased = await this.db.query(
      `UPDATE scan_sources SET lease_until = now() + make_interval(secs => $2) WHERE id = $1 AND enabled AND (lease_until IS NULL OR lease_until < now()) RETURNING id`,
      [sourceId, LEASE_SECONDS],
    );
    // TypeORM answers an UPDATE ... RETURNING as [rows, affected].
    const rows: unknown[] = Array.isArray(leased[0]) ? leased[0] : leased;
    if (!rows.length) return null;
    const subjob = await this.subjobs.save(this.subjobs.create({ sourceId, trigger, state: SubjobState.Running }));
    const items: SubjobItem[] = [];
    const counts = { found: 0, submitted: 0, skipped: 0, failed: 0, waiting: 0 };
    let error: string | null = null;
    try {
      const source = await this.sources.createQueryBuilder('s').addSelect('s.s3Secret').where('s.id = :id', { id: sourceId }).getOneOrFail();
      const owner = await this.ownerOf(source);
      const reader = this.readers.readerFor(source);
      try {
        const entries = await reader.list(MAX_LISTED, signal);
        counts.found = entries.length;
        const known = new Map((await this.files.findBy({ sourceId })).map((f) => [f.path, f]));
        const budget = Math.min(source.maxFilesPerPoll, this.config.scanSources.maxFilesPerPoll);
        const record = async (entry: SourceEntry, state: SourceFileState, reason: string | null, flowId: string | null = null) => {
          counts[state === SourceFileState.Submitted ? 'submitted' : state]++;
          if (items.length < MAX_ITEMS) items.push({ path: entry.path, size: entry.size, state, reason, flow_id: flowId });
          await this.files.upsert(
            { sourceId, path: entry.path, size: String(entry.size), version: entry.version, state, reason, flowId, subjobId: subjob.id },
            { conflictPaths: ['sourceId', 'path'] },
          );
        };
        for (const entry of entries) {
          if (signal?.aborted) break;
          const seen = known.get(entry.path);
          const same = !!seen && seen.size === String(entry.size) && seen.version === entry.version;
          // Handled at this size and version already (submitted, skipped or failed): never again.
          if (same && seen.state !== SourceFileState.Waiting) continue;
          if (entry.unreadable) {
            await record(entry, SourceFileState.Skipped, entry.unreadable);
            continue;
          }
          if (entry.size > this.config.scan.maxUploadSize) {
            await record(entry, SourceFileState.Skipped, `larger than the scan size limit (${entry.size} > ${this.config.scan.maxUploadSize} bytes, MAX_UPLOAD_SIZE)`);
            continue;
          }
          if (!this.settled(source, entry, same)) {
            await record(entry, SourceFileState.Waiting, 'recently modified: submitted once it is unchanged between two polls');
            continue;
          }
          if (counts.submitted + counts.failed >= budget) {
            // Keeps its place: unchanged on the next poll, it is taken without further wait.
            await record(entry, SourceFileState.Waiting, `over this poll's limit of ${budget} files: taken on a later poll`);
            continue;
          }
          try {
            const content = await reader.open(entry);
            const { flow_id } = await this.scan.submitContent(owner, content, basename(entry.path), this.fieldsOf(source, entry));
            await record(entry, SourceFileState.Submitted, null, flow_id);
          } catch (err) {
            const reason =
              err instanceof SampleTooLargeError
                ? `larger than the scan size limit (MAX_UPLOAD_SIZE, ${this.config.scan.maxUploadSize} bytes)`
                : `could not be submitted: ${errorText(err)}`;
            await record(entry, err instanceof SampleTooLargeError ? SourceFileState.Skipped : SourceFileState.Failed, reason);
          }
        }
      } finally {
        (reader as { close?(): void }).close?.();
      }
    } catch (err) {
      error = errorText(err);
      this.logger.warn(`Poll of scan source ${sourceId} failed: ${error}`);
    } finally {
      await this.subjobs.update(
        { id: subjob.id },
        { ...counts, items, error, state: error ? SubjobState.Failed : SubjobState.Finished, finishedAt: new Date() },
      );
      await this.db.query('UPDATE scan_sources SET lease_until = NULL, last_polled_at = now() WHERE id = $1', [sourceId]);
    }
    return { sourceId, subjobId: subjob.id, state: error ? SubjobState.Failed : SubjobState.Finished, ...counts, error };
  }

  /**
   * Whether a file is complete. S3 objects appear whole. A directory file is taken when it was last
   * modified longer ago than SCAN_SOURCE_SETTLE_SECONDS, or when it looked the same on the last poll
   * (a file still being written changes between polls and keeps waiting).
   */
  private settled(source: ScanSource, entry: SourceEntry, unchangedSinceLastPoll: boolean): boolean {
    if (source.type === ScanSourceType.S3 || unchangedSinceLastPoll) return true;
    const age = entry.modifiedAt ? (Date.now() - entry.modifiedAt.getTime()) / 1000 : 0;
    return age >= this.config.scanSources.settleSeconds;
  }

  /** Files are submitted as the administrator who last saved the source, while that account is an active administrator. */
  private async ownerOf(source: ScanSource): Promise<UserPrincipal> {
    const owner = source.ownerId ? await this.users.findOneBy({ id: source.ownerId }) : null;
    if (!owner || !owner.isActive || !owner.groups.includes(UserGroup.Admin)) {
      throw new Error('the administrator who owns this source was removed, deactivated or is no longer an administrator: an active administrator must save the source again to take it over');
    }
    return { kind: 'user', id: owner.id, email: owner.email, groups: owner.groups, accessGroupId: owner.accessGroupId, via: 'api-key' };
  }

  private fieldsOf(source: ScanSource, entry: SourceEntry): Record<string, unknown> {
    const where = source.type === ScanSourceType.Directory ? `${source.directoryPath}/${entry.path}` : `s3://${source.s3Bucket}/${entry.path}`;
    return {
      ...source.scanSettings.options,
      tags: source.scanSettings.tags,
      is_private: source.scanSettings.is_private,
      description: `Scan source "${source.name}": ${where}`.slice(0, 4096),
    };
  }
}
