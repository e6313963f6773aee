import { ForbiddenException, Inject, Injectable, Logger, NotFoundException, StreamableFile } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Principal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { Verdict } from '../../engine/types';
import { SampleNotFoundError, SampleStore } from '../../storage/sample-store';
import { AuditTrail } from '../audit/audit-trail';
import { ArchiveDto } from './dtos/archive.dto';
import { ArchiveKind, ArchivePublicity, FeedArchive, SampleArchiveType, YARA_ARCHIVE_TYPE } from './feed-archive.entity';
import { FeedArchiveStore } from './feed-archive.store';
import { ArchiveCandidate, FeedSourcesRepository } from './feed-sources.repository';
import { SAMPLE_ZIP_PASSWORD, StreamingZip } from './streaming-zip';
import { generateYaraRules } from './yara-feed';

const DAY_MS = 86_400_000;
/** Most archives one listing answers (newest first): four samples archives and one YARA archive a day is over 6 months. */
const MAX_LISTED = 1000;

const SEVERITY: Partial<Record<Verdict, number>> = { [Verdict.Suspicious]: 1, [Verdict.LikelyMalicious]: 2, [Verdict.Malicious]: 3 };
const typeOf = (verdict: Verdict) => (verdict === Verdict.Suspicious ? SampleArchiveType.Suspicious : SampleArchiveType.Malicious);

export interface DayOutcome {
  day: string;
  /** Archives written (or rewritten) for the day. */
  archives: number;
  /** Archives of the day removed because nothing qualifies any more. */
  removed: number;
  samples: number;
  rules: number;
  /** Samples of qualifying reports that are no longer (or were never) stored. */
  missing: number;
}

/** Private sample archives bundle every user's private samples: only those who see every private report (administrators) get them. */
export const canSeePrivateArchives = (principal: Principal) => principal.kind === 'user' && principal.groups.includes(UserGroup.Admin);

/** A UTC day `YYYY-MM-DD` that exists on the calendar. */
export function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const archiveFileName = (kind: ArchiveKind, publicity: string, type: string, day: string) =>
  kind === ArchiveKind.Yara ? `sandbox-yara-${day}.zip` : `sandbox-samples-${publicity}-${type}-${day}.zip`;

/**
 * Daily archives, built by the `feeds.archives` job (never on request) and served from the archive store:
 *
 * - YARA: the rules of the day's public MALICIOUS reports (as in `GET /api/feed/yara`), zipped.
 * - Samples, per publicity (`public`, `private`) and type (`malicious`: MALICIOUS or LIKELY_MALICIOUS;
 *   `suspicious`): the day's distinct samples, each in the archive of its most severe verdict that
 *   day, in the public one when any of its reports that day is public; entries named by SHA-256, plus
 *   `manifest.json`; AES-256 with the password `infected`.
 *
 * Building a day again replaces its archives (one row per kind/publicity/type/day, by a unique
 * index), and removes those that no longer have content.
 */
@Injectable()
export class FeedArchivesService {
  private readonly logger = new Logger(FeedArchivesService.name);

  constructor(
    @InjectRepository(FeedArchive) private readonly archives: Repository<FeedArchive>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly sources: FeedSourcesRepository,
    private readonly samples: SampleStore,
    private readonly store: FeedArchiveStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Builds (or rebuilds) every archive of one UTC day. */
  async buildDay(day: string, signal?: AbortSignal, log: (message: string) => void = () => undefined): Promise<DayOutcome> {
    if (!isDay(day)) throw new Error(`not a day: ${day}`);
    const from = new Date(`${day}T00:00:00.000Z`);
    const to = new Date(from.getTime() + DAY_MS);
    const outcome: DayOutcome = { day, archives: 0, removed: 0, samples: 0, rules: 0, missing: 0 };

    // YARA rules of the day's public malicious reports.
    const rows = await this.sources.malicious(from, to, Number.MAX_SAFE_INTEGER);
    const rules = generateYaraRules(rows, { title: `Sandbox YARA rules: files of malicious public reports of ${day} (UTC)`, baseUrl: this.config.feeds.baseUrl ?? '' });
    const yaraKey = { kind: ArchiveKind.Yara, publicity: ArchivePublicity.Public, type: YARA_ARCHIVE_TYPE, day };
    const ruleCount = rules.hashRules + rules.imphashRules;
    if (ruleCount) {
      await this.publish(yaraKey, ruleCount, async (zip) => zip.add(`sandbox-yara-${day}.yar`, rules.text));
      outcome.archives++;
      outcome.rules = ruleCount;
    } else if (await this.remove(yaraKey)) outcome.removed++;

    // Samples: each to the public archives when any of its reports that day is public, else to the
    // private ones; typed by the most severe verdict among the reports of that publicity only (a
    // private report's verdict must not show through a public archive).
    const bySample = new Map<string, { publicity: ArchivePublicity; verdict: Verdict; reports: ArchiveCandidate[] }>();
    for (const c of await this.sources.archiveCandidates(from, to)) {
      const publicity = c.is_private ? ArchivePublicity.Private : ArchivePublicity.Public;
      const entry = bySample.get(c.sha256);
      if (!entry || (publicity === ArchivePublicity.Public && entry.publicity === ArchivePublicity.Private)) {
        bySample.set(c.sha256, { publicity, verdict: c.verdict, reports: [c] });
        continue;
      }
      if (publicity !== entry.publicity) continue;
      entry.reports.push(c);
      if ((SEVERITY[c.verdict] ?? 0) > (SEVERITY[entry.verdict] ?? 0)) entry.verdict = c.verdict;
    }
    for (const publicity of Object.values(ArchivePublicity)) {
      for (const type of Object.values(SampleArchiveType)) {
        signal?.throwIfAborted();
        const key = { kind: ArchiveKind.Samples, publicity, type, day };
        const members: { sha256: string; verdict: Verdict; reports: ArchiveCandidate[] }[] = [];
        for (const [sha256, entry] of [...bySample].sort(([a], [b]) => a.localeCompare(b))) {
          if (entry.publicity !== publicity || typeOf(entry.verdict) !== type) continue;
          if (await this.samples.exists(sha256)) members.push({ sha256, ...entry });
          else outcome.missing++;
        }
        if (!members.length) {
          if (await this.remove(key)) outcome.removed++;
          continue;
        }
        const count = await this.publish(
          key,
          members.length,
          async (zip) => {
            const manifest: unknown[] = [];
            for (const m of members) {
              signal?.throwIfAborted();
              let content;
              try {
                content = await this.samples.get(m.sha256);
              } catch (err) {
                // Removed since exists(): leave it out rather than fail the day.
                if (err instanceof SampleNotFoundError || (err as { code?: string })?.code === 'ENOENT') continue;
                throw err;
              }
              await zip.add(m.sha256, content);
              // Report ids and types, not submitted names: the archive leaves the platform and names can reveal (or attack) too much.
              manifest.push({ sha256: m.sha256, verdict: m.verdict, file_types: [...new Set(m.reports.map((r) => r.file_type))], report_ids: m.reports.map((r) => r.id) });
            }
            await zip.add('manifest.json', `${JSON.stringify({ day, publicity, type, samples: manifest }, null, 2)}\n`);
            return manifest.length;
          },
          SAMPLE_ZIP_PASSWORD,
        );
        if (!count) {
          outcome.removed++;
          continue;
        }
        outcome.archives++;
        outcome.samples += count;
        log(`${day} ${publicity}/${type}: ${count} samples`);
      }
    }
    log(`${day}: ${outcome.archives} archives, ${outcome.samples} samples, ${outcome.rules} YARA rules, ${outcome.removed} removed, ${outcome.missing} samples not stored`);
    return outcome;
  }

  /** Archives of one kind, newest day first; private ones only for administrators. */
  async list(kind: ArchiveKind, principal: Principal): Promise<ArchiveDto[]> {
    const qb = this.archives.createQueryBuilder('a').where('a.kind = :kind', { kind });
    if (!canSeePrivateArchives(principal)) qb.andWhere('a.publicity = :publicity', { publicity: ArchivePublicity.Public });
    const rows = await qb.orderBy('a.day', 'DESC').addOrderBy('a.publicity', 'ASC').addOrderBy('a.type', 'ASC').limit(MAX_LISTED).getMany();
    return rows.map((a) => ({
      date: a.day,
      kind: a.kind,
      publicity: a.publicity,
      type: a.type,
      file_name: a.fileName,
      size: Number(a.size),
      sha256: a.sha256,
      count: a.count,
      link: a.kind === ArchiveKind.Yara ? `/api/archives/yara/${a.day}` : `/api/archives/samples/${a.publicity}/${a.type}/${a.day}`,
      built_at: a.updatedAt.toISOString(),
    }));
  }

  /** The archive file to download; 404 when that day has none, 403 for private samples to non-administrators. */
  async open(principal: Principal, key: { kind: ArchiveKind; publicity: ArchivePublicity; type: string; day: string }): Promise<StreamableFile> {
    if (key.publicity === ArchivePublicity.Private && !canSeePrivateArchives(principal)) {
      throw new ForbiddenException('Private sample archives are available to administrators only');
    }
    const archive = await this.archives.findOneBy(key);
    if (!archive) throw new NotFoundException(`No ${key.kind === ArchiveKind.Yara ? 'YARA' : `${key.publicity} ${key.type} samples`} archive for ${key.day}`);
    let content;
    try {
      content = await this.store.get(archive.sha256);
    } catch (err) {
      if (err instanceof SampleNotFoundError || (err as { code?: string })?.code === 'ENOENT') throw new NotFoundException(`The archive of ${key.day} is no longer stored`);
      throw err;
    }
    AuditTrail.describe({ targetType: 'feed-archive', targetId: archive.id, details: { ...key, sha256: archive.sha256, count: archive.count } });
    return new StreamableFile(content, {
      type: 'application/zip',
      length: Number(archive.size),
      disposition: `attachment; filename="${archive.fileName}"`,
    });
  }

  /**
   * Streams a new archive into the store, then points the day's row at it (insert or replace under
   * the unique index) and drops the file it replaced. `fill` adds the entries and returns the count.
   */
  private async publish(
    key: { kind: ArchiveKind; publicity: ArchivePublicity; type: string; day: string },
    expected: number,
    fill: (zip: StreamingZip) => Promise<number | void>,
    password?: string,
  ): Promise<number> {
    const zip = new StreamingZip(password);
    const stored = this.store.put(zip.output);
    let count: number;
    try {
      count = (await fill(zip)) ?? expected;
      await zip.close();
    } catch (err) {
      zip.abort(err instanceof Error ? err : new Error(String(err)));
      await stored.catch(() => undefined);
      throw err;
    }
    const file = await stored;
    if (count === 0) {
      // Every sample vanished while the archive was written: no archive rather than an empty one.
      await this.remove(key);
      await this.dropFile(file.sha256);
      return 0;
    }
    const previous = await this.db.transaction(async (manager) => {
      const [old] = await manager.query(
        'SELECT sha256 FROM feed_archives WHERE kind = $1 AND publicity = $2 AND type = $3 AND day = $4 FOR UPDATE',
        [key.kind, key.publicity, key.type, key.day],
      );
      await manager.query(
        `INSERT INTO feed_archives (day, kind, publicity, type, file_name, size, sha256, count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (kind, publicity, type, day)
         DO UPDATE SET file_name = EXCLUDED.file_name, size = EXCLUDED.size, sha256 = EXCLUDED.sha256, count = EXCLUDED.count, updated_at = now()`,
        [key.day, key.kind, key.publicity, key.type, archiveFileName(key.kind, key.publicity, key.type, key.day), file.size, file.sha256, count],
      );
      return old?.sha256 as string | undefined;
    });
    if (previous && previous !== file.sha256) await this.dropFile(previous);
    return count;
  }

  /** Removes the day's archive of `key`, if any; true when there was one. */
  private async remove(key: { kind: ArchiveKind; publicity: ArchivePublicity; type: string; day: string }): Promise<boolean> {
    const { raw } = await this.archives
      .createQueryBuilder()
      .delete()
      .where('kind = :kind AND publicity = :publicity AND type = :type AND day = :day', key)
      .returning(['sha256'])
      .execute();
    const rows = raw as { sha256: string }[];
    for (const row of rows) await this.dropFile(row.sha256);
    return rows.length > 0;
  }

  /** Deletes an archive file no row points at any more (a download already streaming it keeps its open file). */
  private async dropFile(sha256: string): Promise<void> {
    if (await this.archives.existsBy({ sha256 })) return;
    await this.store.delete(sha256).catch((err: unknown) => this.logger.warn({ err }, `Could not delete archive file ${sha256}`));
  }
}
