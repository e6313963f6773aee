import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EngineFailure, EngineRunner } from '../src/engine/engine-runner';
import type { EngineOptions } from '../src/engine/types';

const options: EngineOptions = {
  archivePasswords: ['infected'],
  inputFileYara: true,
  extractedFilesYara: true,
  limits: { maxDepth: 8, maxFiles: 50, maxTotalBytes: 64 << 20, maxFileBytes: 32 << 20, maxCompressionRatio: 200, maxAnalysisMs: 30_000 },
};

const hostile = (exportName: string) => ({ module: join(__dirname, 'support', 'engine-test-analyzers'), exportName });

/** Counts event-loop turns while `work` runs: a blocked loop would count none. */
async function ticksDuring<T>(work: Promise<T>): Promise<{ ticks: number; ms: number; outcome: PromiseSettledResult<T> }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  const started = performance.now();
  const [outcome] = await Promise.allSettled([work]);
  clearInterval(timer);
  return { ticks, ms: performance.now() - started, outcome };
}

const text = (s: string) => new Uint8Array(Buffer.from(s));

describe('EngineRunner (analyses in worker threads)', () => {
  let runner: EngineRunner;
  beforeAll(async () => {
    runner = new EngineRunner({ size: 1, timeoutMs: 1500, analyzers: hostile('hostile') });
    await runner.start();
  }, 60_000);
  afterAll(() => runner?.close());

  it('runs the pipeline in a thread: the bytes move (no copy), progress and the result come back', async () => {
    const data = text('nothing to see here\n'.repeat(100));
    const sha256 = createHash('sha256').update(data).digest('hex');
    const progress: number[] = [];
    const result = await runner.analyze({ name: 'notes.txt', data }, options, (percent) => progress.push(percent));
    expect(data.byteLength).toBe(0); // transferred to the thread: detached here
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({ name: 'notes.txt', size: 2000, digests: expect.objectContaining({ sha256 }) });
    expect(result.files[0].data.byteLength).toBe(2000); // and back
    expect(progress.length).toBeGreaterThan(0);
  });

  it('queues analyses beyond the pool size and runs them as threads free up', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((i) => runner.analyze({ name: `queued-${i}.txt`, data: text(`file ${i}`) }, options)));
    expect(results.map((r) => r.files[0].name)).toEqual(['queued-1.txt', 'queued-2.txt', 'queued-3.txt', 'queued-4.txt']);
    expect(runner.stats()).toMatchObject({ threads: 1, busy: 0, waiting: 0 });
  });

  it('stops a parser stuck in a synchronous endless loop at the wall-clock limit, without blocking the process', async () => {
    const { ticks, ms, outcome } = await ticksDuring(runner.analyze({ name: 'loop.bin', data: text('x') }, options));
    expect(outcome.status).toBe('rejected');
    const err = (outcome as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(EngineFailure);
    expect(err).toMatchObject({ kind: 'timeout', message: expect.stringContaining('ENGINE_TIMEOUT') });
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(10_000);
    expect(ticks).toBeGreaterThan(ms / 20 / 3); // the event loop kept turning
    // The pool replaced the thread: the next analysis runs.
    const next = await runner.analyze({ name: 'after.txt', data: text('fine') }, options);
    expect(next.files[0].name).toBe('after.txt');
    expect(runner.stats().failures.timeout).toBe(1);
  }, 30_000);

  it('ends a thread that exits under an analysis as a crash; the pool goes on', async () => {
    await expect(runner.analyze({ name: 'exit.bin', data: text('x') }, options)).rejects.toMatchObject({ kind: 'crash', message: expect.stringContaining('code 3') });
    const next = await runner.analyze({ name: 'after-exit.txt', data: text('fine') }, options);
    expect(next.files[0].name).toBe('after-exit.txt');
  }, 30_000);

  it('fails running and waiting analyses with `closed` when it shuts down', async () => {
    const closing = new EngineRunner({ size: 1, timeoutMs: 60_000, analyzers: hostile('loopForever') });
    const running = closing.analyze({ name: 'loop-1.bin', data: text('x') }, options);
    const waiting = closing.analyze({ name: 'later.txt', data: text('x') }, options);
    const settled = Promise.allSettled([running, waiting]);
    await new Promise((r) => setTimeout(r, 200));
    await closing.close();
    const [first, second] = await settled;
    expect(first).toMatchObject({ status: 'rejected', reason: { kind: 'closed' } });
    expect(second).toMatchObject({ status: 'rejected', reason: { kind: 'closed' } });
    await expect(closing.analyze({ name: 'after.txt', data: text('x') }, options)).rejects.toMatchObject({ kind: 'closed' });
  }, 60_000);

  it('ends a heap blow-up at the thread\'s heap limit as a memory failure; the process survives', async () => {
    const small = new EngineRunner({ size: 1, timeoutMs: 60_000, analyzers: hostile('heapBomb'), resourceLimits: { maxOldGenerationSizeMb: 256 } });
    try {
      const { ticks, ms, outcome } = await ticksDuring(small.analyze({ name: 'bomb.bin', data: text('x') }, options));
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ kind: 'memory', message: expect.stringContaining('256 MB heap limit') });
      expect(ticks).toBeGreaterThan(ms / 20 / 3);
      const next = await small.analyze({ name: 'after-bomb.txt', data: text('fine') }, options);
      expect(next.files[0].name).toBe('after-bomb.txt');
    } finally {
      await small.close();
    }
  }, 60_000);
});
