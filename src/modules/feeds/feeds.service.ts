import { Inject, Injectable } from '@nestjs/common';
import { ShortLivedCache } from '../../common/cache/short-lived-cache';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { ValidationFailedException } from '../../common/errors/validation';
import { renderAtom } from './atom';
import { decodeCursor, encodeCursor, FeedPosition, NIL_UUID } from './feed-cursor';
import { FeedRow, FeedReportsRepository } from './feed-reports.repository';
import { FEED_DEFAULT_PAGE_SIZE, FEED_MAX_PAGE_SIZE, FeedInfoDto, FeedPageDto, FeedQueryDto, FeedReportDto } from './dtos/feed.dto';

/**
 * The reports feed SIEMs poll: public submitted files, by (created_at, id).
 *
 * Never miss, never repeat: pages are keyset pages (no offsets), and only *settled* reports are
 * served, those created before a horizon no report can still appear before (see
 * FeedReportsRepository.horizon). A report whose writer commits late therefore waits below the
 * horizon instead of appearing behind a poller's `since`.
 *
 * Many pollers ask the same thing: the newest page, or "what came after the newest report" (every
 * poller that is up to date holds the same `since`). So each question's answer (the page and its JSON)
 * is reused for a second (plus one read, see ShortLivedCache), and not at all when the settle time is
 * 0: the feed is that far behind already; a verdict change, a deletion or a report made private
 * reaches the feed that much later.
 */
@Injectable()
export class FeedsService {
  private static readonly REUSE_MS = 1000;
  private readonly answers = new ShortLivedCache<{ page: FeedPageDto; json: Buffer }>(64);

  constructor(
    private readonly repo: FeedReportsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** FEED_BASE_URL when set, else what the request was addressed to. */
  baseUrl(requestBase: string): string {
    return this.config.feeds.baseUrl ?? requestBase;
  }

  /** A page of the feed (see the class comment on reuse). */
  async page(query: FeedQueryDto, requestBase: string): Promise<FeedPageDto> {
    return (await this.answer(query, requestBase)).page;
  }

  /** The same page as the UTF-8 JSON GET /api/feed/reports sends, serialised once however many pollers ask. */
  async pageJson(query: FeedQueryDto, requestBase: string): Promise<Buffer> {
    return (await this.answer(query, requestBase)).json;
  }

  private answer(query: FeedQueryDto, requestBase: string): Promise<{ page: FeedPageDto; json: Buffer }> {
    if (query.cursor !== undefined && query.since !== undefined) {
      throw new ValidationFailedException([{ field: 'since', messages: ['give either cursor (going back) or since (polling), not both'] }]);
    }
    const limit = query.limit ?? FEED_DEFAULT_PAGE_SIZE;
    const cursor = query.cursor !== undefined ? decodeCursor(query.cursor, 'cursor') : null;
    const since = query.since !== undefined ? decodeCursor(query.since, 'since') : null;
    const base = this.baseUrl(requestBase);
    const settleSeconds = this.config.feeds.settleSeconds;
    const key = JSON.stringify([base, query.cursor ?? null, query.since ?? null, limit]);
    return this.answers.get(key, Math.min(FeedsService.REUSE_MS, settleSeconds * 1000), async () => {
      const { at: horizonAt } = await this.repo.horizon(settleSeconds);
      const page = since ? await this.newer(horizonAt, since, query.since!, limit, base) : await this.older(horizonAt, cursor, limit, base);
      return { page, json: Buffer.from(JSON.stringify(page)) };
    });
  }

  private async newer(horizonAt: string, since: FeedPosition, sinceToken: string, limit: number, base: string): Promise<FeedPageDto> {
    const rows = await this.repo.newerThan(horizonAt, since, limit + 1);
    const items = rows.slice(0, limit).map((r) => this.item(r, base));
    return {
      items,
      order: 'oldest_first',
      has_more: rows.length > limit,
      next_cursor: null,
      // Nothing new: the same token again (never one past what was actually answered).
      next_since: items.length ? items[items.length - 1].cursor : sinceToken,
      settled_until: isoOf(horizonAt),
    };
  }

  private async older(horizonAt: string, cursor: FeedPosition | null, limit: number, base: string): Promise<FeedPageDto> {
    const rows = await this.repo.olderThan(horizonAt, cursor, limit + 1);
    const items = rows.slice(0, limit).map((r) => this.item(r, base));
    const hasMore = rows.length > limit;
    return {
      items,
      order: 'newest_first',
      has_more: hasMore,
      next_cursor: hasMore ? items[items.length - 1].cursor : null,
      // The first page covers everything up to its newest report (or, empty, up to the horizon).
      next_since: cursor ? null : (items[0]?.cursor ?? encodeCursor({ at: horizonAt, id: NIL_UUID })),
      settled_until: isoOf(horizonAt),
    };
  }

  async info(): Promise<FeedInfoDto> {
    const { at: horizonAt } = await this.repo.horizon(this.config.feeds.settleSeconds);
    const [summary, newest] = await Promise.all([this.repo.summary(horizonAt), this.repo.olderThan(horizonAt, null, 1)]);
    const since: FeedPosition = newest[0] ? { at: newest[0].at, id: newest[0].id } : { at: horizonAt, id: NIL_UUID };
    return {
      total: summary.total,
      newest_report_date: summary.newest?.toISOString() ?? null,
      oldest_report_date: summary.oldest?.toISOString() ?? null,
      settled_until: isoOf(horizonAt),
      settle_seconds: this.config.feeds.settleSeconds,
      page_size: { default: FEED_DEFAULT_PAGE_SIZE, max: FEED_MAX_PAGE_SIZE },
      since: encodeCursor(since),
      formats: { json: '/api/feed/reports', atom: '/api/feed/atom', yara: '/api/feed/yara', archives: '/api/archives/samples' },
    };
  }

  /** The newest page (or an older one, with `cursor`) as Atom 1.0. */
  async atom(query: FeedQueryDto, requestBase: string): Promise<string> {
    if (query.since !== undefined) {
      throw new ValidationFailedException([{ field: 'since', messages: ['the Atom feed pages back with cursor only; poll GET /api/feed/reports with since'] }]);
    }
    const page = await this.page(query, requestBase);
    return renderAtom({ baseUrl: this.baseUrl(requestBase), items: page.items, nextCursor: page.next_cursor, settledUntil: page.settled_until });
  }

  private item(r: FeedRow, base: string): FeedReportDto {
    return {
      report_id: r.id,
      flow_id: r.flow_id,
      sha256: r.sha256,
      file_name: r.file_name,
      file_type: r.file_type,
      file_kind: r.file_kind,
      size: Number(r.size),
      verdict: r.verdict,
      threat_level: r.threat_level,
      tags: r.tags,
      created_date: r.created_at.toISOString(),
      link: r.sha256 ? `${base}/api/reports/${r.id}/${r.sha256}` : `${base}/api/scan/${r.flow_id}/report`,
      cursor: encodeCursor({ at: r.at, id: r.id }),
    };
  }
}

/** `2026-12-05T17:00:00.123456Z` → `2026-12-05T17:00:00.123Z` (JSON dates in milliseconds, like every other date). */
const isoOf = (at: string) => new Date(at).toISOString();
