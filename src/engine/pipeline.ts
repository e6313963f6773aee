import { digests } from './hashing/digests';
import { entropy } from './hashing/entropy';
import { identify } from './identify/identify';
import { mostSevere, scoreFile, verdictOf } from './signals/scoring';
import {
  AnalysisIssue,
  AnalysisResult,
  Analyzer,
  AnalyzerResult,
  EngineOptions,
  ExtractedFile,
  FileContext,
  FileReport,
  Ioc,
  IocType,
  ProgressListener,
  SignalHit,
  Verdict,
} from './types';

interface PendingFile {
  name: string;
  data: Uint8Array;
  parentIndex: number | null;
  relation: string | null;
  path: string[];
  depth: number;
}

/** Largest part of a name kept in reports; the rest of a hostile name is cut. */
const MAX_NAME = 255;

/**
 * A name from inside a file (archive member, embedded object) made safe to show and store: the last
 * path segment only, no control characters, bounded length. Never used as a filesystem path.
 */
export function safeName(raw: string, fallback: string): string {
  const last = raw.split(/[\\/]/).filter((s) => s && s !== '.' && s !== '..').pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, '_').slice(0, MAX_NAME).trim();
  return clean || fallback;
}

const DEFAULT_RESULT: AnalyzerResult = {};

/**
 * Runs one analysis: identify → digests → every applicable analyzer (each within its time budget;
 * one that throws or overruns is recorded and the others go on) → extracted children, breadth
 * first, within the flow's limits → signals → verdicts. Hostile input ends as a report that says
 * what was refused or could not be analysed; nothing here throws because of the sample.
 */
export class AnalysisPipeline {
  constructor(private readonly analyzers: Analyzer[]) {}

  async analyze(input: { name: string; data: Uint8Array }, options: EngineOptions, onProgress: ProgressListener = () => undefined): Promise<AnalysisResult> {
    const started = Date.now();
    const deadline = started + options.limits.maxAnalysisMs;
    const files: FileReport[] = [];
    const queue: PendingFile[] = [{ name: input.name, data: input.data, parentIndex: null, relation: null, path: [input.name], depth: 0 }];
    const budget = { files: options.limits.maxFiles - 1, bytes: options.limits.maxTotalBytes };

    while (queue.length) {
      const item = queue.shift()!;
      if (Date.now() > deadline) {
        const root = files[0];
        const message = `analysis time budget (${options.limits.maxAnalysisMs} ms) exhausted: ${queue.length + 1} extracted file(s) not analysed`;
        root.issues.push({ analyzer: 'pipeline', kind: 'timeout', message });
        break;
      }
      const index = files.length;
      const { report, children } = await this.analyzeFile(item, index, options, deadline, budget);
      files.push(report);
      for (const child of children) this.admitChild(child, report, queue, options, budget);
      onProgress(Math.min(99, Math.round((files.length / (files.length + queue.length)) * 100)), `analysed ${report.path.join('/')}`);
    }

    for (const file of files) {
      file.verdict = scoreFile(file.signals, file.issues, file.identity.kind !== 'data');
    }
    return { files, verdict: mostSevere(files.map((f) => f.verdict)), durationMs: Date.now() - started };
  }

  /** Queues an extracted file unless a limit refuses it; a refusal becomes an issue and a signal on its parent. */
  private admitChild(child: ExtractedFile, parent: FileReport, queue: PendingFile[], options: EngineOptions, budget: { files: number; bytes: number }): void {
    const { limits } = options;
    const name = safeName(child.name, `${parent.digests.sha256.slice(0, 12)}-${queue.length}`);
    const refuse = (signal: string, message: string) => {
      parent.issues.push({ analyzer: 'pipeline', kind: 'limit', message });
      if (!parent.signals.some((s) => s.id === signal)) parent.signals.push({ id: signal, originPath: parent.path.join('/'), evidence: [message] });
    };
    if (parent.depth + 1 > limits.maxDepth) return refuse('archive.too_deep', `${name}: nesting deeper than ${limits.maxDepth} levels not analysed`);
    if (budget.files <= 0) return refuse('archive.too_many_files', `${name}: more than ${limits.maxFiles} files in this submission, not analysed`);
    if (child.data.length > limits.maxFileBytes || child.data.length > budget.bytes) {
      return refuse('archive.bomb', `${name}: ${child.data.length} bytes exceeds the extraction limits`);
    }
    budget.files--;
    budget.bytes -= child.data.length;
    queue.push({ name, data: child.data, parentIndex: parent.index, relation: child.relation, path: [...parent.path, name], depth: parent.depth + 1 });
  }

  private async analyzeFile(
    item: PendingFile,
    index: number,
    options: EngineOptions,
    deadline: number,
    budget: { files: number; bytes: number },
  ): Promise<{ report: FileReport; children: ExtractedFile[] }> {
    const identity = identify(item.data);
    const fileDigests = digests(item.data);
    const report: FileReport = {
      index,
      parentIndex: item.parentIndex,
      relation: item.relation,
      name: item.name,
      path: item.path,
      depth: item.depth,
      size: item.data.length,
      identity,
      digests: fileDigests,
      resources: { file: { type: identity.label, mime: identity.mime, kind: identity.kind, extension: identity.extension, size: item.data.length, entropy: entropy(item.data) } },
      signals: [],
      iocs: [],
      tags: [],
      issues: [],
      analyzers: [],
      verdict: verdictOf(Verdict.Unknown, 0), // scored once the whole tree is analysed
      data: item.data,
    };
    const iocs = new Map<string, Ioc>();
    const children: ExtractedFile[] = [];

    for (const analyzer of this.analyzers) {
      const controller = new AbortController();
      const context: FileContext = {
        data: item.data,
        name: item.name,
        identity,
        path: item.path,
        depth: item.depth,
        sha256: fileDigests.sha256,
        options,
        signal: controller.signal,
        extractionBudget: { ...budget },
      };
      if (!safeApplies(analyzer, context)) continue;
      report.analyzers.push(analyzer.name);
      const budgetMs = Math.max(1, Math.min(analyzer.budgetMs, deadline - Date.now()));
      const result = await runWithBudget(analyzer, context, controller, budgetMs, report.issues);
      merge(report, result, iocs, children, item.path.join('/'));
    }
    report.iocs = [...iocs.values()];
    report.tags = [...new Set(report.tags)];
    return { report, children };
  }
}

function safeApplies(analyzer: Analyzer, context: FileContext): boolean {
  try {
    return analyzer.appliesTo(context);
  } catch {
    return false;
  }
}

async function runWithBudget(analyzer: Analyzer, context: FileContext, controller: AbortController, budgetMs: number, issues: AnalysisIssue[]): Promise<AnalyzerResult> {
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, budgetMs);
  });
  try {
    const outcome = await Promise.race([analyzer.analyze(context), overrun]);
    if (outcome === 'timeout') {
      issues.push({ analyzer: analyzer.name, kind: 'timeout', message: `stopped after its ${budgetMs} ms budget` });
      return DEFAULT_RESULT;
    }
    return outcome ?? DEFAULT_RESULT;
  } catch (err) {
    issues.push({ analyzer: analyzer.name, kind: 'error', message: err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500) });
    return DEFAULT_RESULT;
  } finally {
    clearTimeout(timer);
  }
}

function merge(report: FileReport, result: AnalyzerResult, iocs: Map<string, Ioc>, children: ExtractedFile[], originPath: string): void {
  if (result.facts) Object.assign(report.resources, result.facts);
  for (const hit of result.signals ?? []) report.signals.push({ ...hit, originPath: hit.originPath ?? originPath } satisfies SignalHit);
  for (const ioc of result.iocs ?? []) {
    const key = `${ioc.type}\u0000${ioc.value}`;
    const existing = iocs.get(key);
    if (existing) {
      if (!existing.origins.includes(ioc.origin)) existing.origins.push(ioc.origin);
    } else {
      iocs.set(key, { type: ioc.type as IocType, value: ioc.value, origins: [ioc.origin] });
    }
  }
  report.tags.push(...(result.tags ?? []));
  report.issues.push(...(result.issues ?? []));
  children.push(...(result.children ?? []));
}
