import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { BroadcastChannel } from 'node:worker_threads';
import { defaultAnalyzers } from '../analyzers';
import type { Analyzer, AnalyzerResult, FileContext } from '../types';

/**
 * Analyzers wrapped so that the fuzzer sees what the pipeline does with them: every call is timed
 * and reported (start, end, throw), and a throwing `appliesTo` is reported before it reaches the
 * pipeline. The wrapper changes nothing else: it forwards the analyzer's name, budget, result and
 * exception unchanged, so the pipeline under test behaves as in production.
 *
 * The fuzzer then checks each thrown exception against the report: an analyzer failure that is
 * not among the file's issues escaped the pipeline's bookkeeping.
 */
export interface AnalyzerEvent {
  /** The case the file belongs to (from the root file's name, see caseName), -1 when unknown. */
  caseIndex: number;
  /** The file's path in the extraction tree, `/` joined. */
  path: string;
  analyzer: string;
  phase: 'start' | 'end' | 'threw' | 'applies-threw';
  /** Size of the file, bytes. */
  bytes?: number;
  /** Duration of the call (end, threw). */
  ms?: number;
  error?: string;
  /** The engine thread's V8 heap after the call, bytes. */
  heapUsed?: number;
}

export type AnalyzerEventSink = (event: AnalyzerEvent) => void;

/** Name under which the fuzzer submits case `index`: the tag lets events from an engine thread be matched to their case. */
export const caseName = (index: number, name: string) => `f${index}_${name}`;
const CASE_TAG = /^f(\d+)_/;
export const caseIndexOf = (rootName: string) => {
  const m = CASE_TAG.exec(rootName);
  return m ? Number(m[1]) : -1;
};

const describeError = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}\n${(err.stack ?? '').split('\n').slice(1, 8).join('\n')}` : String(err)).slice(0, 2000);

export function instrument(analyzers: Analyzer[], sink: AnalyzerEventSink, options: { start?: boolean; heap?: boolean } = {}): Analyzer[] {
  const { start = true, heap = true } = options;
  return analyzers.map((inner): Analyzer => {
    const event = (file: FileContext, phase: AnalyzerEvent['phase'], extra: Partial<AnalyzerEvent> = {}) => {
      try {
        sink({ caseIndex: caseIndexOf(file.path[0] ?? ''), path: file.path.join('/'), analyzer: inner.name, phase, bytes: file.data.length, ...extra });
      } catch {
        // the fuzzer's bookkeeping never changes the analysis
      }
    };
    return {
      name: inner.name,
      budgetMs: inner.budgetMs,
      appliesTo(file: FileContext): boolean {
        try {
          return inner.appliesTo(file);
        } catch (err) {
          event(file, 'applies-threw', { error: describeError(err) });
          throw err;
        }
      },
      async analyze(file: FileContext): Promise<AnalyzerResult> {
        if (start) event(file, 'start');
        const t0 = performance.now();
        try {
          const result = await inner.analyze(file);
          event(file, 'end', { ms: performance.now() - t0, ...(heap ? { heapUsed: getHeapStatistics().used_heap_size } : {}) });
          return result;
        } catch (err) {
          event(file, 'threw', { ms: performance.now() - t0, error: describeError(err), ...(heap ? { heapUsed: getHeapStatistics().used_heap_size } : {}) });
          throw err;
        }
      },
    };
  });
}

/**
 * defaultAnalyzers, or the factory named by FUZZ_ANALYZERS=<module path>#<export name> (to fuzz an
 * analyzer before it is registered).
 */
export function analyzerFactory(): () => Analyzer[] {
  const spec = process.env.FUZZ_ANALYZERS;
  if (!spec) return defaultAnalyzers;
  const [module, exportName = 'defaultAnalyzers'] = spec.split('#');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require(module)[exportName] as (() => Analyzer[]) | undefined;
  if (typeof factory !== 'function') throw new Error(`FUZZ_ANALYZERS: ${module} does not export a function ${exportName}`);
  return factory;
}

/** Channel on which engine threads running instrumentedAnalyzers report their events. */
export const FUZZ_CHANNEL = 'sandbox-engine-fuzz-events';

/**
 * Factory an EngineRunner thread loads (AnalyzerSource { module: this file, exportName:
 * 'instrumentedAnalyzers' }): whatever defaultAnalyzers() registers when the thread starts (or
 * FUZZ_ANALYZERS names), wrapped.
 * Events are batched per tick onto a BroadcastChannel the fuzzer listens on.
 */
export function instrumentedAnalyzers(): Analyzer[] {
  const channel = new BroadcastChannel(FUZZ_CHANNEL);
  (channel as unknown as { unref?: () => void }).unref?.();
  let batch: AnalyzerEvent[] = [];
  const flush = () => {
    const events = batch;
    batch = [];
    if (events.length) channel.postMessage(events);
  };
  return instrument(analyzerFactory()(), (e) => {
    // Starts and exceptions are sent at once: a start names the analyzer that was running if the
    // thread is then stopped; an exception must reach the fuzzer no later than the case's answer.
    if (e.phase !== 'end') {
      flush();
      channel.postMessage([e]);
      return;
    }
    if (!batch.length) setImmediate(flush);
    batch.push(e);
  });
}
