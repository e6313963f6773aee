import { buildCorpus, Corpus } from '../bench/corpus';
import { FuzzFailure, FuzzSummary } from '../src/engine/fuzz/harness';
import { runFuzzIsolated } from '../src/engine/fuzz/supervisor';
import { testEngineOptions } from '../src/engine/testing/engine-options';

/**
 * The CI slice of `npm run bench:fuzz`: a few hundred mutated corpus files through the engine as
 * production runs it (EngineRunner: a worker thread with the hard timeout and the V8 heap limits,
 * the analyzers registered in defaultAnalyzers()), in a child process, so that native code aborting
 * the process is reported as a crash with its seed instead of killing the test run. A failure names
 * the case's seed: rerun it with
 * `npm run bench:fuzz -- --repro=<seed>` (same corpus directory, see bench/corpus.ts).
 * FUZZ_CI_CASES and FUZZ_CI_SEED change the slice.
 */
const CASES = Number(process.env.FUZZ_CI_CASES ?? 250);
const SEED = Number(process.env.FUZZ_CI_SEED ?? 20240611);
const BUDGET_MS = 10_000;
const MAX_RSS = 3 * 1024 ** 3;

const show = (failures: FuzzFailure[]) => failures.map((f) => `${f.kind} seed=${f.seed} item=${f.item} mutation=${f.mutation.slice(0, 200)}${f.analyzer ? ` analyzer=${f.analyzer}` : ''}: ${f.message.split('\n').slice(0, 3).join(' | ')}`);

describe('engine under hostile input (fuzz slice, in engine threads)', () => {
  let corpus: Corpus;
  let summary: FuzzSummary;

  beforeAll(async () => {
    corpus = buildCorpus();
    summary = await runFuzzIsolated({
      corpus: corpus.items,
      cases: CASES,
      seed: SEED,
      mode: 'runner',
      concurrency: 1,
      engineOptions: testEngineOptions({ limits: { maxAnalysisMs: BUDGET_MS } }),
      maxRssBytes: MAX_RSS,
    });
  }, 240_000);

  afterAll(() => corpus?.cleanup());

  it('runs every case on a corpus of formats the engine parses', () => {
    expect(corpus.items.length).toBeGreaterThanOrEqual(20);
    expect(summary.cases).toBe(CASES);
    expect(summary.processes).toEqual({ started: 1, died: 0 });
    expect(summary.runner?.runs).toBe(CASES);
  });

  it('sees every analyzer call in the engine thread (so that no analyzer exception goes unseen)', () => {
    const names = Object.keys(summary.analyzers);
    expect(names).toEqual(expect.arrayContaining(['file-name', 'strings', 'iocs', 'yara', 'archive']));
    for (const name of names) expect({ name, starts: summary.analyzers[name].starts }).toEqual({ name, starts: summary.analyzers[name].listed });
  });

  it('lets no exception escape the pipeline, and records every analyzer failure as an issue', () => {
    expect(show(summary.failures.filter((f) => ['escaped', 'unrecorded', 'unhandled', 'crash'].includes(f.kind)))).toEqual([]);
  });

  it('ends no case past its budget', () => {
    expect(show(summary.failures.filter((f) => f.kind === 'overrun'))).toEqual([]);
    expect(summary.caseMs.max).toBeLessThanOrEqual(summary.budget.maxAnalysisMs + summary.budget.slackMs);
  });

  it('ends every case as a report with a verdict', () => {
    expect(show(summary.failures.filter((f) => f.kind === 'no-report'))).toEqual([]);
    expect(Object.values(summary.verdicts).reduce((a, b) => a + b, 0)).toBe(CASES);
  });

  it('keeps memory bounded', () => {
    expect(show(summary.failures.filter((f) => f.kind === 'memory'))).toEqual([]);
    expect(summary.memory.peakRssBytes).toBeLessThan(MAX_RSS);
  });
});
