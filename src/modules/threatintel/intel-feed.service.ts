import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Principal } from '../../common/access/principal';
import { ValidationFailedException } from '../../common/errors/validation';
import { csvRow } from '../../common/http/csv';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { decodeCursor, encodeCursor, FeedPosition, NIL_UUID, positionTime } from '../feeds/feed-cursor';
import { FeedReportsRepository, POSITION_AT_SQL } from '../feeds/feed-reports.repository';
import { DownloadIocsQueryDto, FeedIocDto, FeedSignalDto, IntelFeedItemDto, IntelFeedPageDto, IntelFeedQueryDto } from './dtos/threatintel.dto';
import { visibleSql } from './visible-sql';

/** Reports per keyset page of the IOC download: bounded memory whatever the total. */
const DOWNLOAD_PAGE = 500;

export const IOC_CSV_HEADER = ['report_id', 'flow_id', 'file_sha256', 'file_name', 'verdict', 'threat_level', 'report_created', 'ioc_type', 'ioc_value', 'origins'];

/**
 * The advanced feed (public submissions with every IOC and signal of their files) and the IOC CSV.
 * Both walk reports by (created_at, id) through an index, a page at a time; neither holds more than
 * a page in memory.
 */
@Injectable()
export class IntelFeedService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly feedReports: FeedReportsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async feed(query: IntelFeedQueryDto): Promise<IntelFeedPageDto> {
    const from = query.cursor
      ? decodeCursor(query.cursor, 'cursor')
      : { at: positionTime(query.since ? new Date(query.since) : new Date(Date.now() - 86_400_000)), id: NIL_UUID };
    // The settled horizon of the reports feed: a cursor never passes a report that has yet to appear.
    const { at: horizonAt } = await this.feedReports.horizon(this.config.feeds.settleSeconds);
    const rows = await this.feedReports.newerThan(horizonAt, from, query.limit + 1);
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const flows = page.map((r) => r.flow_id);
    const [iocs, signals] = page.length ? await Promise.all([this.flowIocs(flows), this.flowSignals(flows)]) : [new Map(), new Map()];
    const last = page.at(-1);
    return {
      items: page.map(
        (r): IntelFeedItemDto => ({
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
          created_date: r.created_at,
          iocs: iocs.get(r.flow_id) ?? [],
          signals: signals.get(r.flow_id) ?? [],
        }),
      ),
      next_cursor: encodeCursor(last ? { at: last.at, id: last.id } : from),
      has_more: hasMore,
    };
  }

  /** The IOCs of every file of the flows (by IDX_reports_flow and report_iocs' primary key), not the files' own digests. */
  private async flowIocs(flowIds: string[]): Promise<Map<string, FeedIocDto[]>> {
    const rows: (FeedIocDto & { flow_id: string })[] = await this.db.query(
      `SELECT r.flow_id, coalesce(nullif(r.data->>'originPath', ''), r.file_name) AS found_in, i.type, i.value, i.origins
         FROM reports r JOIN report_iocs i ON i.report_id = r.id
        WHERE r.flow_id = ANY($1::uuid[]) AND i.origins <> '{file}'
        ORDER BY r.flow_id, r.file_index, i.type, i.value`,
      [flowIds],
    );
    const out = new Map<string, FeedIocDto[]>();
    for (const { flow_id, ...ioc } of rows) (out.get(flow_id) ?? out.set(flow_id, []).get(flow_id)!).push(ioc);
    return out;
  }

  /** The signal groups of every file of the flows: only this section of the page's report documents is read. */
  private async flowSignals(flowIds: string[]): Promise<Map<string, FeedSignalDto[]>> {
    const rows: (FeedSignalDto & { flow_id: string })[] = await this.db.query(
      `SELECT r.flow_id, coalesce(nullif(r.data->>'originPath', ''), r.file_name) AS found_in,
              g->>'identifier' AS identifier, coalesce(g->'verdict'->>'verdict', 'UNKNOWN') AS verdict, coalesce(g->>'description', '') AS description,
              coalesce((SELECT array_agg(m->>'ID') FROM jsonb_array_elements(
                 CASE WHEN jsonb_typeof(g->'allMitreTechniques') = 'array' THEN g->'allMitreTechniques' ELSE '[]'::jsonb END) m), '{}') AS mitre
         FROM reports r
         CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(r.data->'allSignalGroups') = 'array' THEN r.data->'allSignalGroups' ELSE '[]'::jsonb END) g
        WHERE r.flow_id = ANY($1::uuid[])
        ORDER BY r.flow_id, r.file_index`,
      [flowIds],
    );
    const out = new Map<string, FeedSignalDto[]>();
    for (const { flow_id, ...signal } of rows) (out.get(flow_id) ?? out.set(flow_id, []).get(flow_id)!).push(signal);
    return out;
  }

  /**
   * The IOC CSV: every IOC of every report visible to the caller (filters applied), oldest report
   * first. Keyset pages of DOWNLOAD_PAGE reports over IDX_reports_created, each one query; the
   * generator is pulled by the HTTP stream, so a slow client slows the reading instead of filling memory.
   */
  iocCsv(principal: Principal, query: DownloadIocsQueryDto): Readable {
    // Checked before the first byte: once streaming, an error can no longer become a 422.
    if (query.since && query.until && Date.parse(query.since) >= Date.parse(query.until)) {
      throw new ValidationFailedException([{ field: 'until', messages: ['until must be after since'] }]);
    }
    return Readable.from(this.iocCsvChunks(principal, query), { objectMode: false });
  }

  private async *iocCsvChunks(principal: Principal, query: DownloadIocsQueryDto): AsyncGenerator<string> {
    yield csvRow(IOC_CSV_HEADER);
    let position: FeedPosition = { at: positionTime(query.since ? new Date(query.since) : new Date(0)), id: NIL_UUID };
    for (;;) {
      const params: unknown[] = [position.at, position.id, DOWNLOAD_PAGE];
      const conditions = [visibleSql('r', principal, params)];
      if (query.until) conditions.push(`r.created_at < $${params.push(query.until)}`);
      if (query.verdict?.length) conditions.push(`r.verdict = ANY($${params.push(query.verdict)}::text[])`);
      const iocConditions: string[] = [];
      if (query.type?.length) iocConditions.push(`i.type = ANY($${params.push(query.type)}::text[])`);
      if (!query.include_file_hashes) iocConditions.push(`i.origins <> '{file}'`);
      const rows: {
        id: string; flow_id: string; sha256: string | null; file_name: string; verdict: string; threat_level: number; at: string;
        type: string | null; value: string | null; origins: string[] | null;
      }[] = await this.db.query(
        `WITH page AS (
           SELECT r.id, r.flow_id, r.sha256, r.file_name, r.verdict, r.threat_level, r.created_at, ${POSITION_AT_SQL} AS at
             FROM reports r
            WHERE (r.created_at, r.id) > ($1::timestamptz, $2::uuid) AND ${conditions.join(' AND ')}
            ORDER BY r.created_at, r.id
            LIMIT $3)
         SELECT page.id, page.flow_id, page.sha256, page.file_name, page.verdict, page.threat_level, page.at, i.type, i.value, i.origins
           FROM page LEFT JOIN report_iocs i ON i.report_id = page.id ${iocConditions.map((c) => `AND ${c}`).join(' ')}
          ORDER BY page.created_at, page.id, i.type, i.value`,
        params,
      );
      if (!rows.length) return;
      let chunk = '';
      for (const r of rows) {
        if (r.type === null) continue;
        chunk += csvRow([r.id, r.flow_id, r.sha256, r.file_name, r.verdict, r.threat_level, r.at, r.type, r.value, (r.origins ?? []).join(';')]);
      }
      if (chunk) yield chunk;
      const last = rows[rows.length - 1];
      position = { at: last.at, id: last.id };
      const reportsInPage = new Set(rows.map((r) => r.id)).size;
      if (reportsInPage < DOWNLOAD_PAGE) return;
    }
  }
}
