import { randomBytes, randomUUID } from 'node:crypto';
import { digests } from '../../src/engine/hashing/digests';
import { FileIdentity, identify } from '../../src/engine/identify/identify';
import { verdictOf } from '../../src/engine/signals/scoring';
import { FileReport, IocType, SignalHit, Verdict } from '../../src/engine/types';
import { buildReportDocument, ReportDocument } from '../../src/modules/reports/report-document';
import { SamplesService } from '../../src/storage/samples.service';
import { TestApp } from './test-app';

/** One file of a submission, as the engine would have seen it. */
export interface FileSpec {
  name: string;
  /** The bytes; random when left out (so every file is distinct). */
  content?: Uint8Array | string;
  verdict?: Verdict;
  confidence?: number;
  tags?: string[];
  iocs?: { type: IocType; value: string; origins?: string[] }[];
  /** Signals; by default one `yara.match` at the verdict for SUSPICIOUS and worse. */
  signals?: SignalHit[];
  identity?: Partial<FileIdentity>;
  imphash?: string;
  authentihash?: string;
  yaraRules?: string[];
  /** How it came out of its parent; `archive-member` by default for children. */
  relation?: string;
  children?: FileSpec[];
}

export interface FlowSpec {
  ownerId?: string | null;
  accessGroupId?: string | null;
  isPrivate?: boolean;
  createdAt?: Date;
  /** Store the bytes (SampleStore + samples row); true by default. */
  store?: boolean;
  root: FileSpec;
}

export interface CreatedReport {
  id: string;
  fileIndex: number;
  parentId: string | null;
  name: string;
  content: Buffer;
  sha256: string;
  md5: string;
  sha1: string;
  sha512: string;
  ssdeep: string;
  document: ReportDocument;
}

export interface CreatedFlow {
  flowId: string;
  /** In file-index order: [0] is the submitted file. */
  reports: CreatedReport[];
  root: CreatedReport;
}

interface Node {
  spec: FileSpec;
  index: number;
  parentIndex: number | null;
  path: string[];
  depth: number;
}

/** Depth-first, parents before children: the order the engine reports files in. */
function flatten(root: FileSpec): Node[] {
  const nodes: Node[] = [];
  const visit = (spec: FileSpec, parentIndex: number | null, path: string[], depth: number) => {
    const node = { spec, index: nodes.length, parentIndex, path: [...path, spec.name], depth };
    nodes.push(node);
    for (const child of spec.children ?? []) visit(child, node.index, node.path, depth + 1);
  };
  visit(root, null, [], 0);
  return nodes;
}

const bytesOf = (content: FileSpec['content']) =>
  content === undefined ? randomBytes(256 + Math.floor(Math.random() * 256)) : Buffer.from(typeof content === 'string' ? Buffer.from(content) : content);

/**
 * Inserts finished flows with their reports, IOC rows and stored samples directly, the way the
 * worker's report writer leaves them, so report API tests do not depend on the engine or the worker.
 * Report documents are real: buildReportDocument over hand-made FileReports.
 *
 * report_iocs holds the file's IOCs and also its own digests (md5/sha1/sha256/sha512, origin `file`),
 * which is what hash search relies on.
 */
export class ReportFactory {
  constructor(private readonly t: TestApp) {}

  async flow(spec: FlowSpec): Promise<CreatedFlow> {
    const nodes = flatten(spec.root);
    const createdAt = spec.createdAt ?? new Date();
    const ids = nodes.map(() => randomUUID());
    const files: FileReport[] = nodes.map((node) => this.fileReport(node));
    const flowId = randomUUID();
    const ownerId = spec.ownerId ?? null;
    const accessGroupId = spec.accessGroupId ?? null;
    const isPrivate = spec.isPrivate ?? false;

    if (spec.store ?? true) {
      const samples = this.t.app.get(SamplesService);
      for (const file of files) await samples.add(file.data);
    }
    const root = files[0];
    await this.t.db.query(
      `INSERT INTO flows (id, kind, owner_id, access_group_id, is_private, sample_sha256, file_name, file_size, state, progress, final_verdict,
                          created_at, started_at, finished_at)
       VALUES ($1, 'file', $2, $3, $4, $5, $6, $7, 'finished', 100, $8, $9, $9, $9)`,
      [flowId, ownerId, accessGroupId, isPrivate, root.digests.sha256, root.name, root.size, JSON.stringify(root.verdict), createdAt],
    );

    const created: CreatedReport[] = [];
    for (const [i, node] of nodes.entries()) {
      const file = files[i];
      const children = nodes.filter((n) => n.parentIndex === node.index).map((n) => ({ reportId: ids[n.index], report: files[n.index] }));
      const document = buildReportDocument(file, {
        id: ids[i],
        flowId,
        parentId: node.parentIndex === null ? null : ids[node.parentIndex],
        createdAt,
        processTimeMs: 1234,
        scanOptions: { rapid_mode: false },
        children,
      });
      await this.t.db.query(
        `INSERT INTO reports (id, flow_id, file_index, parent_id, depth, owner_id, access_group_id, is_private, sha256, file_name, file_type,
                              file_kind, mime, size, verdict, threat_level, confidence, tags, yara_rules, imphash, authentihash, ssdeep, tlsh,
                              data, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)`,
        [
          ids[i], flowId, node.index, document.parentId, node.depth, ownerId, accessGroupId, isPrivate, file.digests.sha256, file.name,
          file.identity.label, file.identity.kind, file.identity.mime, file.size, file.verdict.verdict, file.verdict.threatLevel,
          file.verdict.confidence, file.tags, node.spec.yaraRules ?? [], node.spec.imphash ?? null, node.spec.authentihash ?? null,
          file.digests.ssdeep, file.digests.tlsh, JSON.stringify(document), createdAt,
        ],
      );
      const iocs = new Map<string, { type: string; value: string; origins: string[] }>();
      for (const ioc of file.iocs) iocs.set(`${ioc.type}\0${ioc.value}`, ioc);
      for (const type of [IocType.Md5, IocType.Sha1, IocType.Sha256, IocType.Sha512] as const) {
        const value = file.digests[type];
        if (!iocs.has(`${type}\0${value}`)) iocs.set(`${type}\0${value}`, { type, value, origins: ['file'] });
      }
      for (const ioc of iocs.values()) {
        await this.t.db.query('INSERT INTO report_iocs (report_id, type, value, origins) VALUES ($1, $2, $3, $4)', [ids[i], ioc.type, ioc.value, ioc.origins]);
      }
      created.push({
        id: ids[i],
        fileIndex: node.index,
        parentId: document.parentId,
        name: file.name,
        content: Buffer.from(file.data),
        sha256: file.digests.sha256,
        md5: file.digests.md5,
        sha1: file.digests.sha1,
        sha512: file.digests.sha512,
        ssdeep: file.digests.ssdeep,
        document,
      });
    }
    return { flowId, reports: created, root: created[0] };
  }

  /** A single-file public submission: the common case. */
  async report(root: FileSpec, options: Omit<FlowSpec, 'root'> = {}): Promise<CreatedReport> {
    return (await this.flow({ ...options, root })).root;
  }

  private fileReport(node: Node): FileReport {
    const spec = node.spec;
    const data = bytesOf(spec.content);
    const verdict = spec.verdict ?? Verdict.NoThreat;
    const signals: SignalHit[] =
      spec.signals ??
      ([Verdict.Suspicious, Verdict.LikelyMalicious, Verdict.Malicious].includes(verdict)
        ? [{ id: 'yara.match', verdict, strength: 0.9, evidence: [`rule ${spec.yaraRules?.[0] ?? 'Test_Rule'}`], description: 'Matched a YARA rule' }]
        : []);
    return {
      index: node.index,
      parentIndex: node.parentIndex,
      relation: node.parentIndex === null ? null : (spec.relation ?? 'archive-member'),
      name: spec.name,
      path: node.path,
      depth: node.depth,
      size: data.length,
      identity: { ...identify(data), ...spec.identity },
      digests: digests(data),
      resources: spec.imphash ? { pe: { imphash: spec.imphash, authentihash: spec.authentihash ?? null } } : {},
      signals,
      iocs: (spec.iocs ?? []).map((i) => ({ type: i.type, value: i.value, origins: i.origins ?? ['strings'] })),
      tags: spec.tags ?? [],
      issues: [],
      analyzers: ['hashes', 'iocs'],
      verdict: verdictOf(verdict, spec.confidence ?? (signals.length ? 0.9 : 0.5)),
      data,
    };
  }
}

/** An access group, inserted directly. */
export async function newAccessGroup(t: TestApp, name = `team-${randomBytes(3).toString('hex')}`): Promise<string> {
  const { rows } = await t.db.query('INSERT INTO access_groups (name) VALUES ($1) RETURNING id', [name]);
  return rows[0].id;
}
