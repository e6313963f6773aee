import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChildRequest } from './fuzz-child';
import { AnalyzerFigures, CaseOutcome, FAILURE_KINDS, FailureKind, FuzzFailure, FuzzOptions, FuzzSummary } from './harness';
import { buildCase } from './mutators';
import { ENGINE_NODE_FLAGS } from './node-flags';
import { caseSeed } from './prng';

/**
 * runFuzz in a child process that is restarted when it dies. Native code in an engine thread
 * (isolated-vm, WebAssembly, a native YARA binding) can abort the whole process, not just its
 * thread: in production that is the worker process; here it would end the fuzz run without a word.
 * The supervisor records a `crash` failure for the case(s) that were running (with the signal and
 * the last lines the process wrote to stderr) and goes on with the next case in a new process.
 *
 * The child runs with the production's Node flags (ENGINE_NODE_FLAGS).
 *
 * The figures merge the segments' snapshots (sent every 50 cases); the few cases between a dead
 * segment's last snapshot and its death count in cases, durations and failures only.
 */
export type IsolatedFuzzOptions = Omit<FuzzOptions, 'engine' | 'analyzers' | 'onStart' | 'onSnapshot' | 'firstCase'> & {
  /** Processes started after deaths before the run gives up; default 20. */
  maxRestarts?: number;
  /** Called when the fuzzing process died (the failure is also in the summary). */
  onDeath?: (failures: FuzzFailure[]) => void;
};

const isTypeScript = __filename.endsWith('.ts');
const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);

function add<K extends string>(into: Record<K, number>, from: Record<K, number>): void {
  for (const [k, v] of Object.entries(from) as [K, number][]) into[k] = (into[k] ?? 0) + v;
}

export async function runFuzzIsolated(options: IsolatedFuzzOptions): Promise<FuzzSummary> {
  const { onCase, onDeath, maxRestarts = 20, ...rest } = options;
  const total = options.seeds?.length ?? options.cases;
  const started = performance.now();
  const segments: FuzzSummary[] = [];
  const extraOutcomes: CaseOutcome[] = [];
  const deaths: FuzzFailure[] = [];
  const durations: number[] = [];
  let done = 0;
  let next = 0;
  let restarts = 0;
  let lastOutcome: CaseOutcome | undefined;
  const notes: string[] = [];

  while (next < total) {
    const remainingMs = options.maxDurationMs === undefined ? undefined : options.maxDurationMs - (performance.now() - started);
    if (remainingMs !== undefined && remainingMs <= 0) break;
    const segmentStart = next;
    const outcome = await new Promise<{ summary?: FuzzSummary; snapshot?: FuzzSummary; after: CaseOutcome[]; abandoning: CaseOutcome[]; inflight: Map<number, number>; exit: string; stderr: string[]; error?: string }>((resolve) => {
      const child = fork(join(__dirname, `fuzz-child${isTypeScript ? '.ts' : '.js'}`), [], {
        execArgv: [...ENGINE_NODE_FLAGS, ...(isTypeScript ? ['-r', 'ts-node/register/transpile-only'] : [])],
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      });
      let stderrTail = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        process.stderr.write(chunk);
        stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
      });
      const inflight = new Map<number, number>();
      let snapshot: FuzzSummary | undefined;
      let summary: FuzzSummary | undefined;
      let error: string | undefined;
      let after: CaseOutcome[] = [];
      const abandoning: CaseOutcome[] = [];
      child.on('message', (message: { type: string; index?: number; seed?: number; outcome?: CaseOutcome; summary?: FuzzSummary; message?: string }) => {
        if (message.type === 'start') inflight.set(message.index!, message.seed!);
        else if (message.type === 'case') {
          const o = message.outcome!;
          inflight.delete(o.index);
          next = Math.max(next, o.index + 1);
          done++;
          durations.push(o.durationMs);
          after.push(o);
          if (o.abandoned?.length) abandoning.push(o);
          lastOutcome = o;
          onCase?.(o, done, total);
        } else if (message.type === 'snapshot') {
          snapshot = message.summary;
          after = [];
        } else if (message.type === 'done') summary = message.summary;
        else if (message.type === 'error') error = message.message;
      });
      // A process that stops talking (a native hang) is stopped; one that does not exit after its
      // summary (an engine thread whose termination never completes) too, and that is noted.
      const stallMs = Math.max(120_000, 3 * (options.hardTimeoutMs ?? Math.ceil((options.engineOptions?.limits.maxAnalysisMs ?? 10_000) / 0.85)));
      let lastMessage = performance.now();
      const watchdog = setInterval(() => {
        if (summary && !killed && performance.now() - lastMessage > 30_000) {
          killed = true;
          notes.push(`the fuzzing process (pid ${child.pid}) did not exit within 30 s of its summary (its engine threads did not terminate: EngineRunner.close() never resolved); it was killed`);
          child.kill('SIGKILL');
        } else if (!summary && performance.now() - lastMessage > stallMs) {
          stalled = true;
          child.kill('SIGKILL');
        }
      }, 5000);
      let stalled = false;
      let killed = false;
      child.on('message', () => (lastMessage = performance.now()));
      child.on('exit', () => clearInterval(watchdog));
      child.on('exit', (code, signal) => resolve({ summary, snapshot, after, abandoning, inflight, exit: stalled ? `no message for ${Math.round(stallMs / 1000)} s: killed as hung` : signal ? `signal ${signal}` : `exit code ${code}`, stderr: stderrTail.split('\n').filter(Boolean), error }));
      const request: ChildRequest = {
        type: 'run',
        options: {
          ...rest,
          firstCase: segmentStart,
          cases: total - segmentStart,
          seeds: options.seeds?.slice(segmentStart),
          ...(remainingMs !== undefined ? { maxDurationMs: remainingMs } : {}),
        },
      };
      child.send(request);
    });

    if (outcome.summary) {
      segments.push(outcome.summary);
      break;
    }
    if (outcome.error) throw new Error(`the fuzz run failed: ${outcome.error}`);
    // The process died: the cases it was running fail as crashes; the run goes on after them.
    if (outcome.snapshot) segments.push(outcome.snapshot);
    extraOutcomes.push(...outcome.after);
    const tail = outcome.stderr.slice(-12).join('\n');
    const previous = outcome.after[outcome.after.length - 1] ?? lastOutcome;
    // Died with cases running: those are blamed (naming the case before, whose engine thread may have
    // been ending). Died between cases: the last case that completed is (its thread was being ended).
    const between = outcome.inflight.size === 0;
    const blamed: [number, number][] = !between
      ? [...outcome.inflight]
      : previous
        ? [[previous.index, previous.seed]]
        : next < total
          ? [[next, options.seeds ? options.seeds[next] : caseSeed(options.seed, next)]]
          : [];
    // Analyses that ended with an analyzer abandoned at its budget leave it running in the engine
    // thread: they are the usual suspects when the thread is later ended.
    const suspects = outcome.abandoning.length
      ? `; cases of this process whose analysis abandoned a still-running analyzer: ${outcome.abandoning.slice(-5).map((o) => `seed ${o.seed} (${o.abandoned.join(', ')}; ${o.item}, ${o.mutation.slice(0, 80)})`).join('; ')}`
      : '';
    const failures = blamed.map(([index, seed]): FuzzFailure => {
      const c = buildCase(options.corpus, seed, { item: options.item, maxBytes: options.maxCaseBytes });
      const context = between
        ? previous
          ? next >= total
            ? 'after this, the last case, had completed, while closing the engine threads (EngineRunner.close())'
            : 'after this case had completed, while no case was running (its engine thread being replaced)'
          : 'while starting this case'
        : `while this case was running${blamed.length > 1 ? ` with ${blamed.length - 1} other(s)` : ''}${previous ? `; the case before it (whose engine thread may have been ending) was seed ${previous.seed} (${previous.item}, ${previous.mutation.slice(0, 160)})` : ''}`;
      return {
        kind: 'crash',
        seed,
        caseIndex: index,
        item: c.item,
        itemSha256: '',
        name: c.name.slice(0, 120),
        mutation: c.mutation,
        size: c.data.length,
        sha256: '',
        durationMs: 0,
        message: `the fuzzing process died (${outcome.exit}) ${context}${suspects}; last stderr lines:\n${tail}`,
      };
    });
    if (!between) {
      next = Math.max(next, ...blamed.map(([index]) => index + 1));
      done += blamed.length;
    }
    deaths.push(...failures);
    onDeath?.(failures);
    if (between && !previous && next < total) next++; // died starting a case: skip it
    if (++restarts > maxRestarts) break;
  }

  return { ...merge(segments, extraOutcomes, deaths, durations, performance.now() - started, total - done, options, restarts + 1, restarts), notes };
}

function merge(segments: FuzzSummary[], extra: CaseOutcome[], deaths: FuzzFailure[], durations: number[], durationMs: number, notRun: number, options: IsolatedFuzzOptions, processes: number, deathsCount: number): FuzzSummary {
  const first = segments[0];
  const failures = [...segments.flatMap((s) => s.failures), ...extra.flatMap((o) => o.failures), ...deaths];
  const analyzers: Record<string, AnalyzerFigures> = {};
  const issues: FuzzSummary['issues'] = {};
  const verdicts: Record<string, number> = {};
  const mutators: Record<string, number> = {};
  for (const s of segments) {
    for (const [name, a] of Object.entries(s.analyzers)) {
      const into = (analyzers[name] ??= { starts: 0, listed: 0, calls: 0, totalMs: 0, maxMs: 0, threw: 0 });
      into.starts += a.starts;
      into.listed += a.listed;
      into.calls += a.calls;
      into.totalMs += a.totalMs;
      into.threw += a.threw;
      if (a.maxMs > into.maxMs) {
        into.maxMs = a.maxMs;
        into.maxSeed = a.maxSeed;
      }
    }
    for (const [name, counts] of Object.entries(s.issues)) add((issues[name] ??= { error: 0, timeout: 0, limit: 0 }), counts);
    add(verdicts, s.verdicts);
    add(mutators, s.mutators);
  }
  for (const o of extra) if (o.verdict) verdicts[o.verdict] = (verdicts[o.verdict] ?? 0) + 1;
  const sorted = [...durations].sort((a, b) => a - b);
  const all = [...segments.flatMap((s) => s.slowest)].sort((a, b) => b.ms - a.ms).slice(0, 5);
  const cases = segments.reduce((n, s) => n + s.cases, 0) + extra.length + deaths.filter((d) => !/after this(, the last)? case/.test(d.message)).length;
  const maxSegment = segments.reduce<FuzzSummary | undefined>((m, s) => (!m || s.caseMs.max > m.caseMs.max ? s : m), undefined);
  const runnerStats = segments.filter((s) => s.runner).map((s) => s.runner!);
  return {
    mode: options.mode,
    seed: options.seed,
    cases,
    skipped: Math.max(0, notRun),
    durationMs,
    casesPerSecond: cases / (durationMs / 1000),
    bytes: segments.reduce((n, s) => n + s.bytes, 0) + extra.reduce((n, o) => n + o.size, 0),
    filesAnalysed: segments.reduce((n, s) => n + s.filesAnalysed, 0) + extra.reduce((n, o) => n + o.files, 0),
    failures,
    failureCounts: Object.fromEntries(FAILURE_KINDS.map((k) => [k, failures.filter((f) => f.kind === k).length])) as Record<FailureKind, number>,
    budget: first?.budget ?? { maxAnalysisMs: 0, slackMs: 0, hardTimeoutMs: 0 },
    caseMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? 0, maxSeed: maxSegment?.caseMs.maxSeed },
    slowest: all,
    memory: {
      peakRssBytes: Math.max(0, ...segments.map((s) => s.memory.peakRssBytes)),
      rssStartBytes: first?.memory.rssStartBytes ?? 0,
      rssEndBytes: segments[segments.length - 1]?.memory.rssEndBytes ?? 0,
      peakHeapUsedBytes: Math.max(0, ...segments.map((s) => s.memory.peakHeapUsedBytes)),
      peakThreadHeapBytes: Math.max(0, ...segments.map((s) => s.memory.peakThreadHeapBytes)),
      maxRssBytes: first?.memory.maxRssBytes ?? options.maxRssBytes ?? 0,
    },
    analyzers,
    issues,
    verdicts,
    mutators,
    runner: runnerStats.length
      ? {
          threads: 0,
          busy: 0,
          waiting: 0,
          startupMs: runnerStats.flatMap((r) => r.startupMs),
          runs: runnerStats.reduce((n, r) => n + r.runs, 0),
          failures: runnerStats.reduce((f, r) => {
            add(f, r.failures);
            return f;
          }, { timeout: 0, memory: 0, crash: 0, start: 0, closed: 0 }),
        }
      : undefined,
    processes: { started: processes, died: deathsCount },
  };
}
