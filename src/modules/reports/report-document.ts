import { signalGroups } from '../../engine/signals/scoring';
import type { AnalysisIssue, FileReport, FinalVerdict, Ioc } from '../../engine/types';

/**
 * The report of one analysed file, as stored in `reports.data` and served by the scan and report
 * APIs (MetaDefender Sandbox field names). Built once by the worker from the engine's FileReport.
 */
export interface ReportDocument {
  /** Report id, also the key in the flow report's `reports` map. */
  id: string;
  flowId: string;
  fileIndex: number;
  parentId: string | null;
  /** How the file came out of its parent (`archive-member`, ...); null for the submitted file. */
  relation: string | null;
  /** Where the file sits in the submission, e.g. `invoice.zip/payload.exe`. */
  originPath: string;
  file: { name: string; hash: string; type: string; mime: string; kind: string; size: number };
  created_date: string;
  overallState: 'success' | 'failed';
  finalVerdict: FinalVerdict;
  allTags: { source: string; isRootTag: boolean; tag: { name: string } }[];
  allSignalGroups: ReturnType<typeof signalGroups>;
  /** Indicators by type: `{ domain: [{ value, origins }], url: [...] }`. */
  iocs: Record<string, { value: string; origins: string[] }[]>;
  /** Facts per analyzer, plus `digests` and `file`. */
  resources: Record<string, unknown>;
  /** Files extracted from this one: their own reports carry the details. */
  extractedFiles: { reportId: string; name: string; sha256: string; type: string; relation: string | null; verdict: string }[];
  /** What could not be analysed, and why (limits, failures, timeouts). */
  issues: AnalysisIssue[];
  taskReference: { name: string; state: 'SUCCESS' | 'FAILED'; processTime: number; resourceReference: { type: string; name: string; id: string } };
  subtaskReferences: { name: string; state: 'SUCCESS' | 'FAILED' | 'TIMEOUT'; message?: string }[];
  scanOptions: Record<string, unknown>;
}

export function groupIocs(iocs: Ioc[]): ReportDocument['iocs'] {
  const grouped: ReportDocument['iocs'] = {};
  for (const ioc of iocs) (grouped[ioc.type] ??= []).push({ value: ioc.value, origins: ioc.origins });
  for (const list of Object.values(grouped)) list.sort((a, b) => a.value.localeCompare(b.value));
  return grouped;
}

export interface ReportContext {
  id: string;
  flowId: string;
  parentId: string | null;
  createdAt: Date;
  processTimeMs: number;
  scanOptions: Record<string, unknown>;
  /** Ids and facts of the file's extracted children. */
  children: { reportId: string; report: FileReport }[];
}

export function buildReportDocument(file: FileReport, ctx: ReportContext): ReportDocument {
  const failedAnalyzers = new Map(file.issues.filter((i) => i.kind !== 'limit').map((i) => [i.analyzer, i]));
  return {
    id: ctx.id,
    flowId: ctx.flowId,
    fileIndex: file.index,
    parentId: ctx.parentId,
    relation: file.relation,
    originPath: file.path.join('/'),
    file: { name: file.name, hash: file.digests.sha256, type: file.identity.label, mime: file.identity.mime, kind: file.identity.kind, size: file.size },
    created_date: ctx.createdAt.toISOString(),
    overallState: 'success',
    finalVerdict: file.verdict,
    allTags: file.tags.map((name) => ({ source: 'engine', isRootTag: file.depth === 0, tag: { name } })),
    allSignalGroups: signalGroups(file.signals),
    iocs: groupIocs(file.iocs),
    resources: { ...file.resources, digests: file.digests },
    extractedFiles: ctx.children.map(({ reportId, report }) => ({
      reportId,
      name: report.name,
      sha256: report.digests.sha256,
      type: report.identity.label,
      relation: report.relation,
      verdict: report.verdict.verdict,
    })),
    issues: file.issues,
    taskReference: {
      name: 'analyze-file',
      state: 'SUCCESS',
      processTime: ctx.processTimeMs,
      resourceReference: { type: 'file', name: file.name, id: file.digests.sha256 },
    },
    subtaskReferences: file.analyzers.map((name) => {
      const issue = failedAnalyzers.get(name);
      return issue ? { name, state: issue.kind === 'timeout' ? 'TIMEOUT' : 'FAILED', message: issue.message } : { name, state: 'SUCCESS' };
    }),
    scanOptions: ctx.scanOptions,
  };
}
