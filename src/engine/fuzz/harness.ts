import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BroadcastChannel, ResourceLimits } from 'node:worker_threads';
import { EngineFailure, EngineRunner, EngineRunnerStats } from '../engine-runner';
import { AnalysisPipeline } from '../pipeline';
import { testEngineOptions } from '../testing/engine-options';
import type { AnalysisResult, Analyzer, EngineOptions } from '../types';
import { VERDICT_ORDER } from '../types';
import { analyzerFactory, AnalyzerEvent, caseName, FUZZ_CHANNEL, instrument } from './instrumented';
import { buildCase, CorpusFile, FuzzCase } from './mutators';
import { caseSeed } from './prng';

/**
 * Runs fuzz cases through the engine and checks, for every case, what production relies on:
 *
 * - `escaped`: the analysis rejected (an exception got past the pipeline's per-analyzer guard);
 * - `unrecorded`: an analyzer's analyze or appliesTo threw (seen by the instrumented wrapper) but
 *   the file's report has no issue from that analyzer;
 * - `overrun`: the analysis took longer than the pipeline's budget (maxAnalysisMs) plus slack, or
 *   the runner's hard timeout stopped the thread;
 * - `memory`: the engine thread hit its heap limit, or the process's RSS passed the ceiling;
 * - `crash`: the engine thread died for another reason;
 * - `no-report`: the result is not a report (no file, no verdict, a root file that is not the
 *   input, a report that does not serialise to JSON);
 * - `unhandled`: an unhandled rejection or uncaught exception in the process during the case
 *   (pipeline mode; in a thread one ends the thread, a `crash`).
 *
 * Two ways to run a case: `runner`, as production does (EngineRunner: worker threads, hard
 * timeout, V8 heap limits, thread recycling), and `pipeline`, AnalysisPipeline in this thread
 * with a wall-clock check (no protection against a synchronous endless loop: it would hang the run).
 */
export type FuzzMode = 'runner' | 'pipeline';
export type FailureKind = 'escaped' | 'unrecorded' | 'overrun' | 'memory' | 'crash' | 'no-report' | 'unhandled';
export const FAILURE_KINDS: FailureKind[] = ['escaped', 'unrecorded', 'overrun', 'memory', 'crash', 'no-report', 'unhandled'];

export interface FuzzOptions {
  corpus: CorpusFile[];
  /** Cases to run (ignored with `seeds`). */
  cases: number;
  /** Run seed: case i runs with caseSeed(seed, i). */
  seed: number;
  /** Run exactly these case seeds (reproducing failures). */
  seeds?: number[];
  /** Index of the first case (a run resumed after its process died): case i runs with caseSeed(seed, i), or seeds[i − firstCase]. */
  firstCase?: number;
  /** Corpus file to mutate instead of the one the seed picks. */
  item?: string;
  mode: FuzzMode;
  /** Engine threads (runner mode); default 1. */
  concurrency?: number;
  /** Default: testEngineOptions() with maxAnalysisMs 10 s. */
  engineOptions?: EngineOptions;
  /** Runner hard timeout; default maxAnalysisMs / 0.85, the production ratio (ENGINE_TIMEOUT vs the pipeline's budget). */
  hardTimeoutMs?: number;
  /** Time over maxAnalysisMs a case may take before it counts as an overrun; default hardTimeoutMs − maxAnalysisMs, at least 1 s. */
  slackMs?: number;
  /** RSS of the process above which running cases fail with `memory`; default 3 GiB. */
  maxRssBytes?: number;
  /** Engine thread V8 limits (runner mode); default the production ones. */
  resourceLimits?: ResourceLimits;
  /** Runs after which an engine thread is replaced (runner mode); default the production 500. */
  recycleAfter?: number;
  /** Largest mutated input; default 8 MiB. */
  maxCaseBytes?: number;
  /** Wrap the analyzers to check failures are recorded and to time them; default true. */
  instrument?: boolean;
  /** Analyzer factory for pipeline mode; default defaultAnalyzers (whatever is registered now) or FUZZ_ANALYZERS. */
  analyzers?: () => Analyzer[];
  /** What runs the (instrumented) analyzers in pipeline mode; default an AnalysisPipeline (tests of the harness replace it). */
  engine?: (analyzers: Analyzer[]) => { analyze(input: { name: string; data: Uint8Array }, options: EngineOptions): Promise<AnalysisResult> };
  /** Stop starting cases after this long, ms. */
  maxDurationMs?: number;
  /** Write each failing case's bytes here (rebuilt from its seed). */
  saveDir?: string;
  /** Most inputs saved per failure kind; default 25. */
  maxSavedPerKind?: number;
  /** Called after each case. */
  onCase?: (outcome: CaseOutcome, done: number, total: number) => void;
  /** Called as each case is handed to the engine. */
  onStart?: (index: number, seed: number) => void;
  /** Called with the figures so far every `snapshotEvery` cases (default 50). */
  onSnapshot?: (summary: FuzzSummary) => void;
  snapshotEvery?: number;
}

export interface FuzzFailure {
  kind: FailureKind;
  seed: number;
  caseIndex: number;
  item: string;
  /** sha256 of the corpus file (the corpus is not rebuilt byte for byte: check it is the same one when reproducing). */
  itemSha256: string;
  name: string;
  mutation: string;
  size: number;
  sha256: string;
  durationMs: number;
  /** The analyzer concerned (that threw, or that was running when the thread was stopped). */
  analyzer?: string;
  /** Path of the file concerned in the extraction tree. */
  path?: string;
  message: string;
  savedAs?: string;
}

export interface CaseOutcome {
  index: number;
  seed: number;
  item: string;
  mutation: string;
  size: number;
  /** Wall clock from submission to answer (runner mode: includes waiting for a thread to start). */
  wallMs: number;
  /** Runner mode: the pipeline's own duration (result.durationMs) or, without a result, the wall clock; pipeline mode: the wall clock. */
  durationMs: number;
  files: number;
  verdict?: string;
  failures: FuzzFailure[];
  /** Analyzers the pipeline abandoned at their budget (they may still be running in the engine thread). */
  abandoned: string[];
}

export interface AnalyzerFigures {
  /** Calls started (seen by the instrumentation; equals `listed` when every call was seen). */
  starts: number;
  /** Files whose report lists the analyzer as run. */
  listed: number;
  /** Calls that ended (returned or threw). */
  calls: number;
  totalMs: number;
  maxMs: number;
  /** Case with the longest call. */
  maxSeed?: number;
  threw: number;
}

export interface FuzzSummary {
  mode: FuzzMode;
  seed: number;
  cases: number;
  /** Cases not started because maxDurationMs passed. */
  skipped: number;
  durationMs: number;
  casesPerSecond: number;
  bytes: number;
  filesAnalysed: number;
  failures: FuzzFailure[];
  failureCounts: Record<FailureKind, number>;
  budget: { maxAnalysisMs: number; slackMs: number; hardTimeoutMs: number };
  caseMs: { p50: number; p90: number; p99: number; max: number; maxSeed?: number };
  slowest: { seed: number; item: string; mutation: string; ms: number }[];
  memory: { peakRssBytes: number; rssStartBytes: number; rssEndBytes: number; peakHeapUsedBytes: number; peakThreadHeapBytes: number; maxRssBytes: number };
  analyzers: Record<string, AnalyzerFigures>;
  /** Issues by analyzer and kind over every analysed file (the pipeline's own under `pipeline`). */
  issues: Record<string, { error: number; timeout: number; limit: number }>;
  verdicts: Record<string, number>;
  mutators: Record<string, number>;
  runner?: EngineRunnerStats;
  /** With runFuzzIsolated: fuzzing processes started, and how many of them died. */
  processes?: { started: number; died: number };
  /** With runFuzzIsolated: what happened to the fuzzing processes beyond the cases (a process that would not exit). */
  notes?: string[];
}

const hash = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const SHA256 = /^[0-9a-f]{64}$/;
const ISSUE_KINDS = new Set(['limit', 'error', 'timeout']);
/** The pipeline's message for an analyzer it stopped waiting for (pipeline.ts runWithBudget). */
const ABANDONED = /^stopped after its \d+ ms budget$/;

/** What is wrong with a result as a report of `input`, or null. */
export function reportProblem(result: AnalysisResult | undefined, input: { size: number; sha256: string }): string | null {
  if (!result || typeof result !== 'object') return 'no result';
  if (!Array.isArray(result.files) || result.files.length < 1) return 'a result without files';
  if (!result.verdict || !VERDICT_ORDER.includes(result.verdict.verdict) || typeof result.verdict.threatLevel !== 'number') return `no valid overall verdict (${JSON.stringify(result.verdict)})`;
  const root = result.files[0];
  if (root.size !== input.size) return `root file size ${root.size} ≠ input size ${input.size}`;
  if (root.digests?.sha256 !== input.sha256) return `root sha256 ${root.digests?.sha256} ≠ the input's ${input.sha256}`;
  for (const [i, file] of result.files.entries()) {
    if (file.index !== i) return `file ${i} has index ${file.index}`;
    if (i > 0 && (file.parentIndex === null || file.parentIndex < 0 || file.parentIndex >= i)) return `file ${i} has parent ${file.parentIndex}`;
    if (!file.verdict || !VERDICT_ORDER.includes(file.verdict.verdict)) return `file ${i} (${file.path?.join('/')}) has no valid verdict`;
    if (!file.identity || typeof file.identity.kind !== 'string') return `file ${i} has no identity`;
    if (!SHA256.test(file.digests?.sha256 ?? '')) return `file ${i} has no sha256`;
    if (!Array.isArray(file.issues) || file.issues.some((x) => typeof x.analyzer !== 'string' || typeof x.message !== 'string' || !ISSUE_KINDS.has(x.kind))) return `file ${i} has a malformed issue list`;
    if (!Array.isArray(file.signals) || file.signals.some((s) => typeof s.id !== 'string' || !Array.isArray(s.evidence))) return `file ${i} has a malformed signal list`;
  }
  try {
    JSON.stringify(result, (key, value: unknown) => (key === 'data' && value instanceof Uint8Array ? undefined : value));
  } catch (err) {
    return `the report does not serialise to JSON: ${(err as Error).message}`;
  }
  return null;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

function failureOf(err: unknown): { kind: FailureKind; message: string } {
  if (err instanceof EngineFailure) {
    if (err.kind === 'timeout') return { kind: 'overrun', message: err.message };
    if (err.kind === 'memory') return { kind: 'memory', message: err.message };
    // The thread posts {type:'error'} when pipeline.analyze rejected: that is an escaped exception.
    if (err.message.startsWith('the engine failed:')) return { kind: 'escaped', message: err.message };
    return { kind: 'crash', message: err.message };
  }
  return { kind: 'escaped', message: err instanceof Error ? `${err.name}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 10).join('\n')}` : String(err) };
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const engineOptions = options.engineOptions ?? testEngineOptions({ limits: { maxAnalysisMs: 10_000 } });
  const maxAnalysisMs = engineOptions.limits.maxAnalysisMs;
  const hardTimeoutMs = options.hardTimeoutMs ?? Math.ceil(maxAnalysisMs / 0.85);
  const slackMs = options.slackMs ?? Math.max(1000, hardTimeoutMs - maxAnalysisMs);
  const maxRssBytes = options.maxRssBytes ?? 3 * 1024 ** 3;
  const concurrency = options.mode === 'runner' ? Math.max(1, options.concurrency ?? 1) : 1;
  const useInstrument = options.instrument ?? true;
  const firstCase = options.firstCase ?? 0;
  const total = options.seeds?.length ?? options.cases;
  const seedOf = (position: number) => (options.seeds ? options.seeds[position] : caseSeed(options.seed, firstCase + position));

  const analyzers: Record<string, AnalyzerFigures> = {};
  const figures = (name: string) => (analyzers[name] ??= { starts: 0, listed: 0, calls: 0, totalMs: 0, maxMs: 0, threw: 0 });
  const issues: Record<string, { error: number; timeout: number; limit: number }> = {};
  const verdicts: Record<string, number> = {};
  const mutators: Record<string, number> = {};
  const failures: FuzzFailure[] = [];
  const durations: number[] = [];
  const slowest: FuzzSummary['slowest'] = [];
  const memory = { peakRssBytes: 0, rssStartBytes: process.memoryUsage.rss(), rssEndBytes: 0, peakHeapUsedBytes: 0, peakThreadHeapBytes: 0, maxRssBytes };
  let bytes = 0;
  let filesAnalysed = 0;
  let maxCase = { ms: -1, seed: undefined as number | undefined };

  // Per case: what the instrumented analyzers saw about it, and what its report recorded. Kept
  // (without the bytes) until the end of the run, because an event from an engine thread may
  // arrive after the case's answer (another channel) and is then checked in a last pass.
  interface CaseState {
    meta: Omit<FuzzFailure, 'kind' | 'message' | 'durationMs' | 'analyzer' | 'path' | 'savedAs'>;
    threw: AnalyzerEvent[];
    /** Analyzer calls started and not ended, by `path\0analyzer`. */
    open: Map<string, AnalyzerEvent>;
    rssBreach?: number;
    unhandled: string[];
    /** `path\0analyzer` of every issue in the report, once there is one. */
    recorded?: Set<string>;
    durationMs: number;
  }
  const states = new Map<number, CaseState>();
  const active = new Set<CaseState>();
  const unrecorded = (state: CaseState, e: AnalyzerEvent): FuzzFailure => {
    const path = e.path.replace(/^f\d+_/, '');
    const message = e.phase === 'applies-threw'
      ? `appliesTo threw on ${path} and the report has no issue from the analyzer (skipped silently): ${e.error}`
      : `the analyzer threw but the report of ${path} has no issue from it: ${e.error}`;
    return { kind: 'unrecorded', ...state.meta, durationMs: Math.round(state.durationMs), analyzer: e.analyzer, path, message: message.slice(0, 3000) };
  };
  const onEvent = (e: AnalyzerEvent) => {
    const state = states.get(e.caseIndex);
    const key = `${e.path}\u0000${e.analyzer}`;
    if (e.phase === 'start') {
      figures(e.analyzer).starts++;
      state?.open.set(key, e);
      return;
    }
    if (e.heapUsed && e.heapUsed > memory.peakThreadHeapBytes) memory.peakThreadHeapBytes = e.heapUsed;
    if (e.phase === 'applies-threw') {
      if (state) state.threw.push(e);
      return;
    }
    state?.open.delete(key);
    const f = figures(e.analyzer);
    f.calls++;
    f.totalMs += e.ms ?? 0;
    if ((e.ms ?? 0) > f.maxMs) {
      f.maxMs = e.ms ?? 0;
      f.maxSeed = state?.meta.seed;
    }
    if (e.phase === 'threw') {
      f.threw++;
      state?.threw.push(e);
    }
  };

  const sampleMemory = () => {
    const usage = process.memoryUsage();
    if (usage.rss > memory.peakRssBytes) memory.peakRssBytes = usage.rss;
    if (usage.heapUsed > memory.peakHeapUsedBytes) memory.peakHeapUsedBytes = usage.heapUsed;
    if (usage.rss > maxRssBytes) for (const state of active) state.rssBreach ??= usage.rss;
  };
  const sampler = setInterval(sampleMemory, 100);
  sampler.unref();

  let channel: BroadcastChannel | undefined;
  let runner: EngineRunner | undefined;
  let pipeline: { analyze(input: { name: string; data: Uint8Array }, options: EngineOptions): Promise<AnalysisResult> } | undefined;
  const onUnhandled = (err: unknown) => {
    const text = err instanceof Error ? `${err.name}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 8).join('\n')}` : String(err);
    for (const state of active) state.unhandled.push(text);
  };
  if (options.mode === 'runner') {
    if (useInstrument) {
      channel = new BroadcastChannel(FUZZ_CHANNEL);
      channel.onmessage = (message: unknown) => {
        for (const e of (message as { data: AnalyzerEvent[] }).data) onEvent(e);
      };
    }
    runner = new EngineRunner({
      size: concurrency,
      timeoutMs: hardTimeoutMs,
      resourceLimits: options.resourceLimits,
      recycleAfter: options.recycleAfter,
      ...(useInstrument ? { analyzers: { module: join(__dirname, 'instrumented'), exportName: 'instrumentedAnalyzers' } } : {}),
    });
    await runner.start();
  } else {
    const factory = options.analyzers ?? analyzerFactory();
    const engine = options.engine ?? ((list: Analyzer[]) => new AnalysisPipeline(list));
    pipeline = engine(useInstrument ? instrument(factory(), onEvent) : factory());
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
  }

  const savedPerKind = new Map<FailureKind, number>();
  const save = (c: FuzzCase, kind: FailureKind): string | undefined => {
    if (!options.saveDir) return undefined;
    // A failure that repeats for every case (a process-wide RSS ceiling) must not fill the disk.
    const saved = savedPerKind.get(kind) ?? 0;
    if (saved >= (options.maxSavedPerKind ?? 25)) return undefined;
    savedPerKind.set(kind, saved + 1);
    try {
      mkdirSync(options.saveDir, { recursive: true });
      const file = join(options.saveDir, `${c.seed}-${kind}.bin`);
      // Rebuilt from the seed: the bytes sent to a thread were moved there.
      writeFileSync(file, buildCase(options.corpus, c.seed, { item: options.item, maxBytes: options.maxCaseBytes }).data);
      return file;
    } catch {
      return undefined;
    }
  };

  const itemDigests = new Map<string, string>();
  const itemSha256 = (name: string) => {
    let digest = itemDigests.get(name);
    if (!digest) {
      const item = options.corpus.find((c) => c.name === name);
      digest = item ? hash(item.data) : '';
      itemDigests.set(name, digest);
    }
    return digest;
  };

  const runCase = async (position: number): Promise<CaseOutcome> => {
    const index = firstCase + position;
    const fuzzCase = buildCase(options.corpus, seedOf(position), { item: options.item, maxBytes: options.maxCaseBytes });
    for (const step of fuzzCase.mutation.split(' | ')) {
      const m = step.replace(/\(.*$/, '');
      mutators[m] = (mutators[m] ?? 0) + 1;
    }
    const size = fuzzCase.data.length;
    const sha256 = hash(fuzzCase.data);
    bytes += size;
    const state: CaseState = {
      meta: { seed: fuzzCase.seed, caseIndex: index, item: fuzzCase.item, itemSha256: itemSha256(fuzzCase.item), name: fuzzCase.name.slice(0, 120), mutation: fuzzCase.mutation, size, sha256 },
      threw: [],
      open: new Map(),
      unhandled: [],
      durationMs: 0,
    };
    states.set(index, state);
    active.add(state);
    const caseFailures: FuzzFailure[] = [];
    const fail = (kind: FailureKind, message: string, extra: Partial<FuzzFailure> = {}, durationMs = 0) => {
      caseFailures.push({ kind, ...state.meta, durationMs: Math.round(durationMs), message: message.slice(0, 3000), ...extra });
    };

    const input = { name: caseName(index, fuzzCase.name), data: fuzzCase.data };
    options.onStart?.(index, fuzzCase.seed);
    const t0 = performance.now();
    let result: AnalysisResult | undefined;
    let error: unknown;
    try {
      result = runner ? await runner.analyze(input, engineOptions) : await pipeline!.analyze(input, engineOptions);
    } catch (err) {
      error = err;
    }
    const wallMs = performance.now() - t0;
    // Events the thread posted just before its answer travel on another channel: give them a turn.
    if (runner && useInstrument) await new Promise((r) => setTimeout(r, 0));
    sampleMemory();
    active.delete(state);
    // In a thread, the pipeline's own clock (the wall clock also counts waiting for a replaced thread to start); here, the wall clock.
    const durationMs = runner ? result?.durationMs ?? wallMs : Math.max(wallMs, result?.durationMs ?? 0);
    state.durationMs = durationMs;

    if (error !== undefined) {
      const f = failureOf(error);
      const stuck = [...state.open.values()].pop();
      fail(f.kind, f.message, stuck ? { analyzer: stuck.analyzer, path: stuck.path.replace(/^f\d+_/, '') } : {}, wallMs);
    } else {
      const problem = reportProblem(result, { size, sha256 });
      if (problem) fail('no-report', problem, {}, durationMs);
      if (durationMs > maxAnalysisMs + slackMs) {
        const slow = [...analyzersOf(result)].slice(0, 6).join(', ');
        fail('overrun', `analysis took ${Math.round(durationMs)} ms, budget ${maxAnalysisMs} ms + ${slackMs} ms slack${slow ? ` (analyzers: ${slow})` : ''}`, {}, durationMs);
      }
    }
    if (state.rssBreach) fail('memory', `process RSS reached ${Math.round(state.rssBreach / 2 ** 20)} MiB (ceiling ${Math.round(maxRssBytes / 2 ** 20)} MiB) during the case`, {}, wallMs);
    for (const text of state.unhandled) fail('unhandled', text, {}, wallMs);

    if (result?.files) {
      filesAnalysed += result.files.length;
      verdicts[result.verdict?.verdict ?? '?'] = (verdicts[result.verdict?.verdict ?? '?'] ?? 0) + 1;
      state.recorded = new Set<string>();
      for (const file of result.files) {
        for (const name of file.analyzers ?? []) figures(name).listed++;
        for (const issue of file.issues ?? []) {
          const counts = (issues[issue.analyzer] ??= { error: 0, timeout: 0, limit: 0 });
          if (issue.kind in counts) counts[issue.kind]++;
          state.recorded.add(`${(file.path ?? []).join('/')}\u0000${issue.analyzer}`);
        }
      }
    }
    // Exceptions seen so far; later ones are checked after the run.
    for (const e of state.threw.splice(0)) {
      if (state.recorded && !state.recorded.has(`${e.path}\u0000${e.analyzer}`)) caseFailures.push(unrecorded(state, e));
    }

    for (const f of caseFailures) f.savedAs = save(fuzzCase, f.kind);
    failures.push(...caseFailures);
    durations.push(durationMs);
    if (durationMs > maxCase.ms) maxCase = { ms: durationMs, seed: fuzzCase.seed };
    if (slowest.length < 5 || durationMs > slowest[slowest.length - 1].ms) {
      slowest.push({ seed: fuzzCase.seed, item: fuzzCase.item, mutation: fuzzCase.mutation.slice(0, 160), ms: Math.round(durationMs) });
      slowest.sort((a, b) => b.ms - a.ms);
      slowest.length = Math.min(slowest.length, 5);
    }
    const abandoned = [...new Set((result?.files ?? []).flatMap((f) => (f.issues ?? []).filter((i) => i.kind === 'timeout' && ABANDONED.test(i.message)).map((i) => i.analyzer)))];
    return { index, seed: fuzzCase.seed, item: fuzzCase.item, mutation: fuzzCase.mutation, size, wallMs, durationMs, files: result?.files.length ?? 0, verdict: result?.verdict?.verdict, failures: caseFailures, abandoned };
  };

  const started = performance.now();
  let next = 0;
  let done = 0;
  let skipped = 0;
  const summarize = (): FuzzSummary => {
    const durationMs = performance.now() - started;
    const sorted = [...durations].sort((a, b) => a - b);
    const failureCounts = Object.fromEntries(FAILURE_KINDS.map((k) => [k, failures.filter((f) => f.kind === k).length])) as Record<FailureKind, number>;
    return {
      mode: options.mode,
      seed: options.seed,
      cases: done,
      skipped,
      durationMs,
      casesPerSecond: done / (durationMs / 1000),
      bytes,
      filesAnalysed,
      failures: [...failures],
      failureCounts,
      budget: { maxAnalysisMs, slackMs, hardTimeoutMs },
      caseMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0, maxSeed: maxCase.seed },
      slowest: [...slowest],
      memory: { ...memory },
      analyzers: structuredClone(analyzers),
      issues: structuredClone(issues),
      verdicts: { ...verdicts },
      mutators: { ...mutators },
      runner: runner?.stats(),
    };
  };
  const snapshotEvery = options.snapshotEvery ?? 50;
  const lane = async () => {
    while (next < total) {
      if (options.maxDurationMs !== undefined && performance.now() - started > options.maxDurationMs) {
        skipped = total - next;
        next = total;
        return;
      }
      const position = next++;
      const outcome = await runCase(position);
      done++;
      options.onCase?.(outcome, done, total);
      if (options.onSnapshot && done % snapshotEvery === 0) options.onSnapshot(summarize());
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    clearInterval(sampler);
    sampleMemory();
    memory.rssEndBytes = process.memoryUsage.rss();
    if (runner) await runner.close();
    // Last events (an analyzer abandoned on its budget that threw later, a batch still in flight).
    if (channel) await new Promise((r) => setTimeout(r, 100));
    channel?.close();
    for (const state of states.values()) {
      for (const e of state.threw) {
        if (state.recorded && !state.recorded.has(`${e.path}\u0000${e.analyzer}`)) failures.push(unrecorded(state, e));
      }
    }
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
  }
  return summarize();
}

function* analyzersOf(result: AnalysisResult | undefined): Generator<string> {
  const seen = new Set<string>();
  for (const file of result?.files ?? []) for (const a of file.analyzers ?? []) if (!seen.has(a) && (seen.add(a), true)) yield a;
}
