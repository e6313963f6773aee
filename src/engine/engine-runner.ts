import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ResourceLimits, Worker } from 'node:worker_threads';
import type { AnalysisResult, EngineOptions, ProgressListener } from './types';
import type { UrlScanInput } from './url/url-analysis';

/**
 * Runs the analysis pipeline off the event loop, in a small pool of worker threads, so parsing a
 * hostile file never blocks the process that runs it (its queue heartbeats, the API):
 *
 * - bytes move to the thread and back with transfer lists (no copies);
 * - progress is streamed back as the pipeline reports it;
 * - a hard wall-clock timeout terminates the thread (a synchronous endless loop in a parser cannot
 *   hang the worker), and the thread runs with V8 resourceLimits (a heap blow-up ends the thread,
 *   not the process); either ends the run with an EngineFailure naming the reason, the thread is
 *   replaced and the process goes on;
 * - threads are started ahead of time and reused: starting one (loading the analyzers) costs far
 *   more than a small file's analysis. A thread is retired after `recycleAfter` runs, so slow leaks
 *   in a parser do not accumulate.
 */

export interface AnalyzerSource {
  /** Absolute module path (resolved in the thread: `.ts` under ts-node, `.js` in dist). */
  module: string;
  /** Name of the exported factory returning `Analyzer[]`. */
  exportName: string;
}

export interface EngineWorkerData {
  analyzers: AnalyzerSource;
}

/** Messages to an engine thread (engine.worker.ts). */
export type EngineRequest =
  | { type: 'file'; id: number; name: string; data: Uint8Array; options: EngineOptions }
  | { type: 'url'; id: number; input: UrlScanInput; options: EngineOptions };

/** Messages from an engine thread. */
export type EngineReply =
  | { type: 'ready' }
  | { type: 'progress'; id: number; percent: number; message: string }
  | { type: 'result'; id: number; result: AnalysisResult }
  | { type: 'error'; id: number; message: string };

export interface EngineRunnerOptions {
  /** Threads in the pool: analyses that run at once (WORKER_CONCURRENCY). */
  size: number;
  /** Hard wall-clock limit of one analysis, ms (ENGINE_TIMEOUT). */
  timeoutMs: number;
  /** V8 limits of each thread; default DEFAULT_RESOURCE_LIMITS. */
  resourceLimits?: ResourceLimits;
  /** Analyzers the threads load; default the engine's defaultAnalyzers(). */
  analyzers?: AnalyzerSource;
  /** Runs after which a thread is replaced; default 500. */
  recycleAfter?: number;
  /** Limit for a thread to start (load its analyzers), ms; default 60 s. */
  startTimeoutMs?: number;
}

/**
 * Per-thread V8 limits. The bytes of files live outside the V8 heap (ArrayBuffers), so the heap
 * limit bounds what parsers build from them (object graphs, strings), not the file sizes.
 */
export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 1536, maxYoungGenerationSizeMb: 64, stackSizeMb: 8 };

export const DEFAULT_ANALYZERS: AnalyzerSource = { module: join(__dirname, 'analyzers', 'index'), exportName: 'defaultAnalyzers' };

export type EngineFailureKind = 'timeout' | 'memory' | 'crash' | 'start' | 'closed';

/** An analysis the engine could not complete: the thread timed out, ran out of memory or died. */
export class EngineFailure extends Error {
  constructor(readonly kind: EngineFailureKind, message: string) {
    super(message);
    this.name = 'EngineFailure';
  }
}

export interface EngineRunnerStats {
  threads: number;
  busy: number;
  waiting: number;
  /** Start-up times (spawn → analyzers loaded) of the threads started so far, ms. */
  startupMs: number[];
  runs: number;
  failures: Record<EngineFailureKind, number>;
}

interface Job {
  id: number;
  resolve(result: AnalysisResult): void;
  reject(err: Error): void;
  onProgress: ProgressListener;
  timer?: NodeJS.Timeout;
}

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  /** Rejects `ready` (no effect once the thread started). */
  failStart: (err: Error) => void;
  /** The analyzer set it loaded (see useAnalyzers). */
  generation: number;
  runs: number;
  job?: Job;
  dead: boolean;
}

const isTypeScript = __filename.endsWith('.ts');

export class EngineRunner {
  private readonly threads = new Set<Thread>();
  private readonly idle: Thread[] = [];
  private readonly waiting: { resolve: (thread: Thread) => void; reject: (err: Error) => void }[] = [];
  private nextId = 1;
  private closed = false;
  private warm = false;
  /** Threads that failed to start in a row: the pool stops refilling itself eagerly after a few. */
  private startFailures = 0;
  private readonly stats_: EngineRunnerStats = { threads: 0, busy: 0, waiting: 0, startupMs: [], runs: 0, failures: { timeout: 0, memory: 0, crash: 0, start: 0, closed: 0 } };
  private readonly resourceLimits: ResourceLimits;
  private analyzers: AnalyzerSource;
  private generation = 0;

  constructor(private readonly options: EngineRunnerOptions) {
    if (options.size < 1) throw new Error('EngineRunner needs at least one thread');
    this.resourceLimits = { ...DEFAULT_RESOURCE_LIMITS, ...options.resourceLimits };
    this.analyzers = options.analyzers ?? DEFAULT_ANALYZERS;
  }

  /** Starts the pool's threads now (and keeps it full), so that the first analyses do not wait for them (otherwise they start with the first). */
  async start(): Promise<void> {
    this.warm = true;
    this.replenish();
    await Promise.all([...this.threads].map((t) => t.ready.catch(() => undefined)));
  }

  /** Analyses a file. Its bytes move to the engine thread: `data` is detached afterwards (copy first to keep it). */
  analyze(input: { name: string; data: Uint8Array }, options: EngineOptions, onProgress: ProgressListener = () => undefined): Promise<AnalysisResult> {
    return this.submit((id) => {
      const data = ownBuffer(input.data);
      return { request: { type: 'file', id, name: input.name, data, options }, transfer: [data.buffer as ArrayBuffer] };
    }, onProgress);
  }

  /** Analyses a fetched URL (see url-analysis.ts); the body's bytes move to the thread. */
  analyzeUrl(input: UrlScanInput, options: EngineOptions, onProgress: ProgressListener = () => undefined): Promise<AnalysisResult> {
    return this.submit((id) => {
      const body = input.body ? { name: input.body.name, data: ownBuffer(input.body.data) } : null;
      return { request: { type: 'url', id, input: { ...input, body }, options }, transfer: body ? [body.data.buffer as ArrayBuffer] : [] };
    }, onProgress);
  }

  /**
   * Switches the analyzers the threads load (tests, benchmarks): idle threads are replaced now,
   * busy ones once their analysis ends.
   */
  useAnalyzers(source: AnalyzerSource): void {
    this.analyzers = source;
    this.generation++;
    for (const thread of [...this.idle]) void this.kill(thread);
  }

  stats(): EngineRunnerStats {
    return { ...this.stats_, threads: this.threads.size, busy: [...this.threads].filter((t) => t.job).length, waiting: this.waiting.length, startupMs: [...this.stats_.startupMs] };
  }

  /** Terminates every thread; running analyses fail with kind `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new EngineFailure('closed', 'the engine is shut down'));
    const threads = [...this.threads];
    await Promise.all(threads.map((t) => this.kill(t, new EngineFailure('closed', 'the engine was shut down during the analysis'))));
  }

  private async submit(build: (id: number) => { request: EngineRequest; transfer: ArrayBuffer[] }, onProgress: ProgressListener): Promise<AnalysisResult> {
    if (this.closed) throw new EngineFailure('closed', 'the engine is shut down');
    this.warm = true; // from the first analysis on, the pool stays full
    const thread = await this.acquire();
    this.replenish();
    try {
      await thread.ready;
    } catch (err) {
      this.stats_.failures.start++;
      throw err;
    }
    if (thread.dead) throw new EngineFailure('crash', 'the engine thread stopped before the analysis started');
    const id = this.nextId++;
    this.stats_.runs++;
    return new Promise<AnalysisResult>((resolve, reject) => {
      const job: Job = { id, resolve, reject, onProgress };
      thread.job = job;
      thread.runs++;
      // The clock starts once a ready thread has the job: thread start-up never counts against it.
      job.timer = setTimeout(() => {
        this.stats_.failures.timeout++;
        void this.kill(thread, new EngineFailure('timeout', `analysis exceeded the ${formatSeconds(this.options.timeoutMs)} time limit (ENGINE_TIMEOUT) and was stopped`));
      }, this.options.timeoutMs);
      const { request, transfer } = build(id);
      try {
        thread.worker.postMessage(request, transfer);
      } catch (err) {
        clearTimeout(job.timer);
        thread.job = undefined;
        this.release(thread);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private acquire(): Promise<Thread> {
    const thread = this.idle.pop();
    if (thread) return Promise.resolve(thread);
    if (this.threads.size < this.options.size) return Promise.resolve(this.spawn());
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(thread: Thread): void {
    if (thread.dead || !this.threads.has(thread)) return this.replenish();
    if (thread.runs >= (this.options.recycleAfter ?? 500) || thread.generation !== this.generation) {
      void this.kill(thread);
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(thread);
    else this.idle.push(thread);
  }

  /** Keeps the pool full (once started) and hands new threads to analyses waiting for one. */
  private replenish(): void {
    if (this.closed) return;
    const eager = this.warm && this.startFailures < 3;
    while (this.threads.size < this.options.size && (eager || this.waiting.length)) {
      const thread = this.spawn();
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(thread);
      else this.idle.push(thread);
    }
  }

  private spawn(): Thread {
    const workerData: EngineWorkerData = { analyzers: this.analyzers };
    const started = performance.now();
    const entry = join(__dirname, `engine.worker${isTypeScript ? '.ts' : '.js'}`);
    // Under ts-node / ts-jest the thread compiles the TypeScript sources itself (Worker refuses .ts entry files).
    const worker = isTypeScript
      ? new Worker(`require('ts-node/register/transpile-only'); require(${JSON.stringify(entry)});`, { eval: true, workerData, resourceLimits: this.resourceLimits })
      : new Worker(entry, { workerData, resourceLimits: this.resourceLimits });
    worker.unref();
    let markReady: () => void = () => undefined;
    let settled = false;
    let rejectStart: (err: Error) => void = () => undefined;
    const failStart = (err: Error) => {
      if (settled) return;
      settled = true;
      this.startFailures++;
      rejectStart(err);
    };
    const thread: Thread = {
      worker,
      failStart,
      generation: this.generation,
      runs: 0,
      dead: false,
      ready: new Promise<void>((resolve, reject) => {
        markReady = () => {
          settled = true;
          resolve();
        };
        rejectStart = reject;
      }),
    };
    thread.ready.catch(() => undefined); // observed by submit(); never an unhandled rejection
    const startTimer = setTimeout(() => {
      const failure = new EngineFailure('start', `the engine thread did not start within ${formatSeconds(this.options.startTimeoutMs ?? 60_000)}`);
      failStart(failure);
      void this.kill(thread, failure);
    }, this.options.startTimeoutMs ?? 60_000);
    startTimer.unref();
    this.threads.add(thread);

    worker.on('message', (reply: EngineReply) => {
      if (reply.type === 'ready') {
        clearTimeout(startTimer);
        this.startFailures = 0;
        this.stats_.startupMs.push(Math.round(performance.now() - started));
        if (this.stats_.startupMs.length > 100) this.stats_.startupMs.shift();
        markReady();
        return;
      }
      const job = thread.job;
      if (!job || reply.id !== job.id) return;
      if (reply.type === 'progress') {
        try {
          job.onProgress(reply.percent, reply.message);
        } catch {
          // a listener's failure is not the analysis's
        }
        return;
      }
      clearTimeout(job.timer);
      thread.job = undefined;
      if (reply.type === 'result') job.resolve(reply.result);
      else job.reject(new EngineFailure('crash', `the engine failed: ${reply.message.slice(0, 1000)}`));
      this.release(thread);
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const failure = err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new EngineFailure('memory', `analysis ran out of memory: the engine thread reached its ${this.resourceLimits.maxOldGenerationSizeMb} MB heap limit and was stopped`)
        : new EngineFailure(thread.job ? 'crash' : 'start', `the engine thread crashed: ${err.message.slice(0, 1000)}`);
      if (failure.kind === 'memory') this.stats_.failures.memory++;
      else if (thread.job) this.stats_.failures.crash++;
      clearTimeout(startTimer);
      failStart(failure);
      void this.kill(thread, failure);
    });
    worker.on('exit', (code) => {
      clearTimeout(startTimer);
      const failure = new EngineFailure('crash', `the engine thread exited unexpectedly (code ${code})`);
      failStart(failure);
      if (!thread.dead && thread.job) this.stats_.failures.crash++;
      void this.kill(thread, failure);
    });
    return thread;
  }

  /** Ends a thread (idempotent): fails its analysis with `failure`, removes it from the pool, refills the pool. */
  private async kill(thread: Thread, failure?: EngineFailure): Promise<void> {
    thread.failStart(failure ?? new EngineFailure('crash', 'the engine thread stopped'));
    const job = thread.job;
    thread.job = undefined;
    if (job) {
      clearTimeout(job.timer);
      job.reject(failure ?? new EngineFailure('crash', 'the engine thread stopped'));
    }
    if (thread.dead) return;
    thread.dead = true;
    this.threads.delete(thread);
    const i = this.idle.indexOf(thread);
    if (i >= 0) this.idle.splice(i, 1);
    this.replenish();
    await thread.worker.terminate().catch(() => undefined);
  }
}

function ownBuffer(data: Uint8Array): Uint8Array {
  const whole = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  return whole ? data : new Uint8Array(data);
}

const formatSeconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
