/**
 * Fuzzes the engine with mutated corpus files (npm run bench:fuzz) and prints what it found.
 *
 * Builds the corpus (bench/corpus.ts; kept in FUZZ_CORPUS_DIR and reused, so that a failing case
 * is rebuilt from its seed on the same bytes), then runs the cases through the engine the way
 * production does — EngineRunner worker threads with the hard timeout and V8 heap limits, the
 * analyzers defaultAnalyzers() registers when the threads start — and checks each one: no
 * exception escaped the pipeline, every analyzer failure is an issue in the report, no case ran
 * past its budget, memory stayed bounded, every case ended as a report (src/engine/fuzz/harness.ts).
 *
 * The cases run in a child process that is restarted if it dies (native code in an engine thread
 * can abort the whole process): the case it was running is recorded with the signal and stderr.
 *
 * Prints cases/s, failures with their seeds, budget overruns, peak RSS, per-analyzer issue counts
 * and timings. Exits 0 even when cases fail (1 only when the benchmark itself could not run).
 *
 * Arguments `--name=value` or environment FUZZ_NAME:
 *   cases (10000)        cases to run (also the first positional argument)
 *   seed (1)             run seed; case i runs with caseSeed(seed, i)
 *   mode (runner)        runner (EngineRunner threads) or pipeline (AnalysisPipeline in this thread)
 *   threads (1)          engine threads in runner mode (the machine is shared: 1 by default)
 *   budget-ms (10000)    the pipeline's maxAnalysisMs; the hard timeout is budget / 0.85 as in production
 *   max-seconds (1800)   stop starting cases after this long
 *   max-rss-mb (3072)    process RSS above which running cases fail
 *   repro=<seed,...>     run only these case seeds, print each case and its failures in full
 *   item=<name>          with repro: mutate this corpus file instead of the seed's
 *   corpus-dir           default <tmp>/sandbox-bench-corpus
 *   save-dir             where failing inputs are written; default <tmp>/sandbox-fuzz-failures
 *   recycle-after (500)  analyses after which an engine thread is replaced (production: 500)
 *   process (1)          1: fuzz in a child process, restarted when native code aborts it (the
 *                        case that was running is recorded as a crash); 0: in this process
 * FUZZ_ANALYZERS=<module>#<export> fuzzes another analyzer factory than defaultAnalyzers (e.g. with
 * an analyzer not registered yet).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FAILURE_KINDS, FuzzFailure, FuzzMode, runFuzz } from '../src/engine/fuzz/harness';
import { reexecWithEngineFlags } from '../src/engine/fuzz/node-flags';
import { runFuzzIsolated } from '../src/engine/fuzz/supervisor';
import { testEngineOptions } from '../src/engine/testing/engine-options';
import { buildCorpus } from './corpus';

// Production runs the engine under `node --no-node-snapshot` (isolated-vm): so does this benchmark.
reexecWithEngineFlags(__filename);

const log = (line = '') => process.stdout.write(`${line}\n`);

function setting(name: string, fallback: string): string {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  if (arg) return arg.slice(name.length + 3);
  if (name === 'cases') {
    const positional = process.argv.slice(2).find((a) => /^\d+$/.test(a));
    if (positional) return positional;
  }
  return process.env[`FUZZ_${name.toUpperCase().replace(/-/g, '_')}`] ?? fallback;
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(0)} MiB`;
const pad = (s: string | number, n: number) => String(s).padStart(n);

function printFailure(f: FuzzFailure, full: boolean): void {
  log(`  [${f.kind}] seed ${f.seed} (case ${f.caseIndex})  item ${f.item}  ${f.size} bytes  ${f.durationMs} ms${f.analyzer ? `  analyzer ${f.analyzer}` : ''}${f.path ? `  file ${f.path}` : ''}`);
  log(`      mutation: ${f.mutation.slice(0, full ? 2000 : 300)}`);
  const lines = f.message.split('\n');
  for (const line of full ? lines : lines.slice(0, 4)) log(`      ${line}`);
  if (f.savedAs) log(`      input: ${f.savedAs}  (sha256 ${f.sha256})`);
}

async function main(): Promise<void> {
  const repro = setting('repro', '');
  const seeds = repro ? repro.split(',').map((s) => Number(s.trim()) >>> 0) : undefined;
  const cases = Number(setting('cases', '10000'));
  const seed = Number(setting('seed', '1')) >>> 0;
  const mode = setting('mode', 'runner') as FuzzMode;
  const threads = Number(setting('threads', '1'));
  const budgetMs = Number(setting('budget-ms', '10000'));
  const maxSeconds = Number(setting('max-seconds', '1800'));
  const maxRssMb = Number(setting('max-rss-mb', '3072'));
  const corpusDir = resolve(setting('corpus-dir', join(tmpdir(), 'sandbox-bench-corpus')));
  const saveDir = resolve(setting('save-dir', join(tmpdir(), 'sandbox-fuzz-failures')));
  const item = setting('item', '') || undefined;
  const isolated = setting('process', '1') !== '0';
  const recycleAfter = Number(setting('recycle-after', '500'));
  if (mode !== 'runner' && mode !== 'pipeline') throw new Error(`mode must be runner or pipeline, not ${mode}`);

  if (process.env.FUZZ_ANALYZERS) log(`Analyzers from FUZZ_ANALYZERS=${process.env.FUZZ_ANALYZERS}`);
  log('Building the corpus...');
  const corpus = buildCorpus({ dir: corpusDir, reuse: true, log });
  const bySource = new Map<string, number>();
  for (const i of corpus.items) bySource.set(i.source, (bySource.get(i.source) ?? 0) + 1);
  log(`Corpus: ${corpus.items.length} files in ${corpus.dir} (${[...bySource].map(([s, n]) => `${s} ${n}`).join(', ')})`);
  for (const n of corpus.notes) log(`  skipped: ${n}`);

  const engineOptions = testEngineOptions({ limits: { maxAnalysisMs: budgetMs } });
  const total = seeds?.length ?? cases;
  log(
    `Fuzzing: ${total} case(s), ${seeds ? `seeds ${seeds.join(', ')}` : `run seed ${seed}`}, mode ${mode}${mode === 'runner' ? ` (${threads} engine thread(s))` : ''}, ` +
      `budget ${budgetMs} ms (hard timeout ${Math.ceil(budgetMs / 0.85)} ms), engine limits depth ${engineOptions.limits.maxDepth} / files ${engineOptions.limits.maxFiles}`,
  );
  const progressEvery = Math.max(100, Math.round(total / 20));
  const started = Date.now();
  let failuresSoFar = 0;
  const run = isolated ? runFuzzIsolated : runFuzz;
  const summary = await run({
    corpus: corpus.items,
    cases,
    seed,
    seeds,
    item,
    mode,
    concurrency: threads,
    engineOptions,
    maxRssBytes: maxRssMb * MiB,
    recycleAfter,
    maxDurationMs: maxSeconds * 1000,
    saveDir,
    onDeath: (failures: FuzzFailure[]) => {
      for (const f of failures) log(`  !! ${f.message.split(';')[0]} — case seed ${f.seed} (${f.item}, ${f.mutation.slice(0, 120)}); a new process goes on`);
    },
    onCase: (outcome, done) => {
      failuresSoFar += outcome.failures.length;
      if (seeds) {
        log(`  case seed ${outcome.seed}: item ${outcome.item}, ${outcome.size} bytes, ${outcome.mutation}`);
        log(`    → ${outcome.files} file(s), verdict ${outcome.verdict ?? '-'}, ${Math.round(outcome.durationMs)} ms, ${outcome.failures.length} failure(s)`);
      } else if (done % progressEvery === 0) {
        const failing = failuresSoFar ? `  ${failuresSoFar} failure(s) so far` : '';
        log(`  ${pad(done, 6)}/${total}  ${((done * 1000) / (Date.now() - started)).toFixed(1)} cases/s${isolated ? '' : `  rss ${mib(process.memoryUsage.rss())}`}${failing}`);
      }
    },
  });

  const s = summary;
  log('');
  log(`Cases run          ${pad(s.cases, 10)}${s.skipped ? `   (${s.skipped} not started: FUZZ_MAX_SECONDS=${maxSeconds} reached)` : ''}`);
  log(`Cases/s            ${pad(s.casesPerSecond.toFixed(1), 10)}   (${(s.durationMs / 1000).toFixed(1)} s, ${mib(s.bytes)} of input, ${s.filesAnalysed} files analysed incl. extracted)`);
  log(`Case duration      p50 ${Math.round(s.caseMs.p50)} ms, p90 ${Math.round(s.caseMs.p90)} ms, p99 ${Math.round(s.caseMs.p99)} ms, max ${Math.round(s.caseMs.max)} ms (seed ${s.caseMs.maxSeed})`);
  log(`Budget             ${s.budget.maxAnalysisMs} ms + ${s.budget.slackMs} ms slack; overruns: ${s.failureCounts.overrun}`);
  log(`Peak RSS           ${pad(mib(s.memory.peakRssBytes), 10)}   (start ${mib(s.memory.rssStartBytes)}, end ${mib(s.memory.rssEndBytes)}, ceiling ${mib(s.memory.maxRssBytes)}); peak heap: this thread ${mib(s.memory.peakHeapUsedBytes)}, engine thread ${mib(s.memory.peakThreadHeapBytes)}`);
  for (const note of s.notes ?? []) log(`NOTE               ${note}`);
  if (s.processes) log(`Fuzzing processes  ${s.processes.started} started, ${s.processes.died} died (native aborts, recorded as crash failures)`);
  if (s.runner) log(`Engine threads     ${s.runner.runs} runs, start-up ${s.runner.startupMs.map((ms) => `${ms} ms`).join(', ') || '-'}; failures ${JSON.stringify(s.runner.failures)}`);
  log(`Verdicts           ${Object.entries(s.verdicts).map(([v, n]) => `${v} ${n}`).join(', ')}`);
  log(`Mutations          ${Object.entries(s.mutators).sort((a, b) => b[1] - a[1]).map(([m, n]) => `${m} ${n}`).join(', ')}`);
  log('');
  log('Per analyzer         calls   total s   max ms  (seed)        threw  issues: error  timeout   limit');
  const unseen = Object.entries(s.analyzers).filter(([, a]) => a.starts !== a.listed);
  const names = [...new Set([...Object.keys(s.analyzers), ...Object.keys(s.issues)])];
  for (const name of names) {
    const a = s.analyzers[name];
    const i = s.issues[name] ?? { error: 0, timeout: 0, limit: 0 };
    log(
      `  ${name.padEnd(16)} ${pad(a?.calls ?? '-', 7)} ${pad(a ? (a.totalMs / 1000).toFixed(1) : '-', 9)} ${pad(a ? Math.round(a.maxMs) : '-', 8)}  ${(a?.maxSeed !== undefined ? `(${a.maxSeed})` : '').padEnd(13)} ${pad(a?.threw ?? '-', 5)}  ${pad(i.error, 13)} ${pad(i.timeout, 8)} ${pad(i.limit, 7)}`,
    );
  }
  for (const [name, a] of unseen) log(`  note: ${name} ran on ${a.listed} file(s) by the reports but ${a.starts} call(s) were seen`);
  log('');
  log('Slowest cases');
  for (const c of s.slowest) log(`  ${pad(c.ms, 6)} ms  seed ${c.seed}  ${c.item}  ${c.mutation}`);
  log('');
  const counts = FAILURE_KINDS.map((k) => `${k} ${s.failureCounts[k]}`).join(', ');
  if (!s.failures.length) {
    log(`FAILURES: none (${counts})`);
  } else {
    log(`FAILURES: ${s.failures.length} (${counts})`);
    if (seeds) {
      for (const f of s.failures) printFailure(f, true);
    } else {
      // Grouped by kind and message shape (numbers blanked): one cause that fails many cases (an
      // RSS ceiling passed for good) is one group, with its first cases as examples.
      const groups = new Map<string, FuzzFailure[]>();
      for (const f of s.failures) {
        const key = `${f.kind}\u0000${f.analyzer ?? ''}\u0000${f.message.split('\n')[0].replace(/\d+/g, '#').slice(0, 160)}`;
        groups.set(key, [...(groups.get(key) ?? []), f]);
      }
      for (const group of [...groups.values()].sort((a, b) => a[0].caseIndex - b[0].caseIndex)) {
        const cases = group.map((f) => f.caseIndex);
        log(`- ${group[0].kind}: ${group.length} case(s), first case ${Math.min(...cases)}, last ${Math.max(...cases)}`);
        for (const f of group.slice(0, 3)) printFailure(f, false);
        if (group.length > 3) log(`  … and ${group.length - 3} more (seeds ${group.slice(3, 23).map((f) => f.seed).join(', ')}${group.length > 23 ? ', …' : ''})`);
      }
    }
    log('');
    log(`Reproduce one: npm run bench:fuzz -- --repro=${s.failures[0].seed} --corpus-dir=${corpus.dir}   (add --mode=pipeline for stacks in this process)`);
    log(`Failing inputs: ${saveDir}`);
  }
}

main().catch((err) => {
  log(`Benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
