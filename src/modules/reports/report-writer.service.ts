import { sampleLockKey } from '../../storage/samples.service';
import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { FileReport } from '../../engine/types';
import { SampleStore } from '../../storage/sample-store';
import type { Flow } from '../scan/flow.entity';
import { buildReportDocument, ReportDocument } from './report-document';

/** What of the flow the reports copy (visibility) and show (scan options). */
export type FlowForReports = Pick<Flow, 'id' | 'ownerId' | 'accessGroupId' | 'isPrivate' | 'scanOptions'>;

export interface WriteReportsOptions {
  /** Wall-clock time of the analysis, shown as each report's processTime. */
  processTimeMs: number;
  /** `failed`: the analysis did not complete; the reports say why in `issues`. */
  overallState?: 'success' | 'failed';
  /** Keep the extracted files' bytes (scan option `files_download`); default true. */
  storeFiles?: boolean;
}

export interface WrittenReports {
  /** False when the flow no longer exists (deleted during the analysis): nothing was written. */
  written: boolean;
  /** Report ids by file index. */
  reportIds: string[];
}

/** SamplesService's lock: content being referenced takes it shared, removal exclusive. */
const SAMPLE_LOCK = sampleLockKey('s');

/** Files of these kinds are not files: nothing to store or record in `samples`. */
const NOT_A_FILE = new Set(['url']);

const STORE_CONCURRENCY = 4;

/**
 * Writes an analysis's reports: one `reports` row per analysed file (parents and children linked by
 * ids generated up front), one `report_iocs` row per indicator, a `samples` row per analysed file,
 * and the extracted files' bytes in the SampleStore.
 *
 * Idempotent and atomic: the bytes go to the (content-addressed) store first; then one transaction
 * locks the flow row, deletes the flow's earlier reports (a job re-delivered after a crash) and
 * inserts everything with one statement per table. Readers see all of a flow's reports or none.
 *
 * IOC index: besides what the engine found, each file's own md5, sha1, sha256 and sha512 are rows
 * of `report_iocs` (origin `file`), so that a hash search or a feed finds a file by any digest
 * through one index; the report JSON's `iocs` lists only what the engine found.
 */
@Injectable()
export class ReportWriter {
  private readonly logger = new Logger(ReportWriter.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: SampleStore,
  ) {}

  async write(flow: FlowForReports, files: FileReport[], options: WriteReportsOptions): Promise<WrittenReports> {
    const storeFiles = options.storeFiles ?? true;
    const toStore = storeFiles ? uniqueBy(files.filter((f) => f.index > 0 && isFile(f) && f.data?.byteLength === f.size), (f) => f.digests.sha256) : [];
    await this.storeContent(toStore);

    const ids = files.map(() => randomUUID());
    const byIndex = new Map(files.map((f, i) => [f.index, i]));
    const idOf = (index: number | null) => (index === null ? null : ids[byIndex.get(index)!] ?? null);
    const children = new Map<number, { reportId: string; report: FileReport }[]>();
    files.forEach((f, i) => {
      if (f.parentIndex !== null) children.set(f.parentIndex, [...(children.get(f.parentIndex) ?? []), { reportId: ids[i], report: f }]);
    });
    const createdAt = new Date();

    const reports = files.map((file, i) => {
      const data = buildReportDocument(file, {
        id: ids[i],
        flowId: flow.id,
        parentId: idOf(file.parentIndex),
        createdAt,
        processTimeMs: options.processTimeMs,
        scanOptions: flow.scanOptions,
        children: children.get(file.index) ?? [],
      });
      if (options.overallState === 'failed') markFailed(data);
      return {
        id: ids[i],
        flow_id: flow.id,
        file_index: file.index,
        parent_id: idOf(file.parentIndex),
        depth: file.depth,
        owner_id: flow.ownerId,
        access_group_id: flow.accessGroupId,
        is_private: flow.isPrivate,
        sha256: file.digests.sha256 || null,
        file_name: file.name,
        file_type: file.identity.label,
        file_kind: file.identity.kind,
        mime: file.identity.mime,
        size: file.size,
        verdict: file.verdict.verdict,
        threat_level: file.verdict.threatLevel,
        confidence: file.verdict.confidence,
        tags: file.tags,
        yara_rules: yaraRuleNames(file),
        imphash: peFact(file, ['imphash']),
        authentihash: peFact(file, ['authentihash'], ['authenticode', 'authentihash'], ['signature', 'authentihash']),
        ssdeep: file.digests.ssdeep || null,
        tlsh: file.digests.tlsh || null,
        data,
        created_at: createdAt.toISOString(),
      };
    });

    const iocs = files.flatMap((file, i) => iocRows(ids[i], file));
    const stored = new Set(toStore.map((f) => f.digests.sha256));
    const samples = uniqueBy(
      files.filter((f) => isFile(f) && f.digests.sha256 && f.digests.md5 && f.digests.sha512 && (f.index === 0 || stored.has(f.digests.sha256))),
      (f) => f.digests.sha256,
    ).map((f) => ({ sha256: f.digests.sha256, size: f.size, md5: f.digests.md5, sha1: f.digests.sha1, sha512: f.digests.sha512 }));

    return this.db.transaction(async (manager) => {
      const [flowRow] = await manager.query('SELECT id FROM flows WHERE id = $1 FOR UPDATE', [flow.id]);
      if (!flowRow) {
        this.logger.warn(`Flow ${flow.id} no longer exists: its reports are not written`);
        return { written: false, reportIds: [] };
      }
      await this.referenceContent(manager, toStore);
      await manager.query('DELETE FROM reports WHERE flow_id = $1', [flow.id]);
      if (samples.length) {
        await manager.query(
          `INSERT INTO samples (sha256, size, md5, sha1, sha512)
           SELECT sha256, size, md5, sha1, sha512 FROM jsonb_to_recordset($1::jsonb) AS x(sha256 text, size bigint, md5 text, sha1 text, sha512 text)
           ON CONFLICT (sha256) DO NOTHING`,
          [toJson(samples)],
        );
      }
      await manager.query(
        `INSERT INTO reports (id, flow_id, file_index, parent_id, depth, owner_id, access_group_id, is_private, sha256, file_name, file_type, file_kind, mime,
                              size, verdict, threat_level, confidence, tags, yara_rules, imphash, authentihash, ssdeep, tlsh, data, created_at)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, flow_id uuid, file_index integer, parent_id uuid, depth integer, owner_id uuid,
                              access_group_id uuid, is_private boolean, sha256 text, file_name text, file_type text, file_kind text, mime text,
                              size bigint, verdict text, threat_level real, confidence real, tags text[], yara_rules text[], imphash text,
                              authentihash text, ssdeep text, tlsh text, data jsonb, created_at timestamptz)`,
        [toJson(reports)],
      );
      if (iocs.length) {
        await manager.query(
          `INSERT INTO report_iocs (report_id, type, value, origins)
           SELECT report_id, type, value, origins FROM jsonb_to_recordset($1::jsonb) AS x(report_id uuid, type text, value text, origins text[])`,
          [toJson(iocs)],
        );
      }
      return { written: true, reportIds: ids };
    });
  }

  /** Puts the extracted files' bytes in the store (content-addressed: a second put of the same content changes nothing). */
  private async storeContent(files: FileReport[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++];
        if (await this.store.exists(file.digests.sha256)) continue;
        const stored = await this.store.put(file.data);
        if (stored.sha256 !== file.digests.sha256) throw new Error(`stored content of ${file.name} hashed to ${stored.sha256}, the engine saw ${file.digests.sha256}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(STORE_CONCURRENCY, files.length) }, worker));
  }

  /**
   * Under the samples' shared locks (SamplesService's protocol), puts back content a concurrent
   * removal took away between storeContent and now; from here until commit nothing removes it.
   */
  private async referenceContent(manager: EntityManager, files: FileReport[]): Promise<void> {
    if (!files.length) return;
    await manager.query(`SELECT pg_advisory_xact_lock_shared(${SAMPLE_LOCK}) FROM (SELECT DISTINCT unnest($1::text[]) AS s ORDER BY 1) AS locks`, [files.map((f) => f.digests.sha256)]);
    for (const file of files) {
      if (!(await this.store.exists(file.digests.sha256))) await this.store.put(file.data);
    }
  }
}

const isFile = (f: FileReport) => !NOT_A_FILE.has(f.identity.kind);

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function markFailed(data: ReportDocument): void {
  data.overallState = 'failed';
  data.taskReference.state = 'FAILED';
}

function iocRows(reportId: string, file: FileReport): { report_id: string; type: string; value: string; origins: string[] }[] {
  const rows = new Map<string, { report_id: string; type: string; value: string; origins: string[] }>();
  const add = (type: string, value: string, origins: string[]) => {
    if (!value) return;
    const key = `${type}\u0000${value}`;
    const row = rows.get(key);
    if (row) row.origins = [...new Set([...row.origins, ...origins])];
    else rows.set(key, { report_id: reportId, type, value, origins: [...origins] });
  };
  if (isFile(file)) {
    for (const type of ['md5', 'sha1', 'sha256', 'sha512'] as const) add(type, file.digests[type], ['file']);
  }
  for (const ioc of file.iocs) add(ioc.type, ioc.value, ioc.origins);
  return [...rows.values()];
}

/** Names of the YARA rules that matched, from the YARA analyzer's facts (tolerant of their shape). */
export function yaraRuleNames(file: FileReport): string[] {
  const yara = file.resources.yara as unknown;
  const names = new Set<string>();
  const take = (item: unknown) => {
    if (typeof item === 'string') names.add(item);
    else if (item && typeof item === 'object') {
      const o = item as Record<string, unknown>;
      const name = o.rule ?? o.name ?? o.identifier ?? o.ruleName;
      if (typeof name === 'string') names.add(name);
    }
  };
  if (Array.isArray(yara)) yara.forEach(take);
  else if (yara && typeof yara === 'object') {
    const o = yara as Record<string, unknown>;
    // The YARA analyzer's `ruleNames`; older or other shapes list matches.
    const lists = Array.isArray(o.ruleNames) ? [o.ruleNames] : [o.matches, o.rules, o.matched];
    for (const list of lists) if (Array.isArray(list)) list.forEach(take);
  }
  return [...names].slice(0, 500);
}

function peFact(file: FileReport, ...paths: string[][]): string | null {
  for (const path of paths) {
    let value: unknown = file.resources.pe;
    for (const key of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'string' && value) return value;
  }
  return null;
}

// PostgreSQL text and jsonb take neither NUL characters nor unpaired surrogates.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && UNSTORABLE.test(v) ? v.replace(UNSTORABLE_ALL, '\ufffd') : v));
}
