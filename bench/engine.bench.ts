/**
 * Engine throughput on the corpus (npm run bench:engine): per analyzer and for the whole pipeline,
 * in files/s and MB/s, beside a Python baseline doing a Cuckoo-style static stage on the same files
 * (bench/python/baseline.py under /usr/bin/python3: hashes + ssdeep, pefile + imphash, olefile,
 * YARA with the project's bundled rules), timed in the same run. Prints what each side extracted.
 *
 * - Per analyzer: defaultAnalyzers() as registered when the benchmark starts, each wrapped to time
 *   its calls (src/engine/fuzz/instrumented.ts), over every file it ran on (extracted ones too).
 * - Whole pipeline: AnalysisPipeline in this thread, one file after another (as the baseline does),
 *   with the production limits; files/s counts corpus files, MB/s their bytes (extracted children
 *   are work the pipeline does on top). Then the same through EngineRunner with one thread, the
 *   production path (transfer to the thread and back).
 * - The baseline's work only, done by ours (printed for comparison, no target): the four hashes and
 *   ssdeep, PE and Office analyzers where pefile and olefile parse, YARA, on the corpus files alone.
 * - Warm-up passes, then one pass of each side in turn (ours in this thread, ours via EngineRunner,
 *   Python as a fresh process timing its own pass) for about 3 × BENCH_SECONDS, at least 3 rounds:
 *   the machine is shared, so load from others falls on every side alike; the median pass is reported.
 *
 * Environment: BENCH_SECONDS (8), BENCH_CORPUS_DIR (<tmp>/sandbox-bench-corpus, reused),
 * BENCH_PYTHON (/usr/bin/python3), BENCH_SKIP_RUNNER=1. Reports; never fails on a missed target.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultAnalyzers } from '../src/engine/analyzers';
import { EngineRunner } from '../src/engine/engine-runner';
import { AnalyzerEvent, instrument } from '../src/engine/fuzz/instrumented';
import { reexecWithEngineFlags } from '../src/engine/fuzz/node-flags';
import { digests, tlsh } from '../src/engine/hashing/digests';
import { entropy } from '../src/engine/hashing/entropy';
import { ssdeep } from '../src/engine/hashing/ssdeep';
import { identify } from '../src/engine/identify/identify';
import { AnalysisPipeline } from '../src/engine/pipeline';
import { testEngineOptions } from '../src/engine/testing/engine-options';
import { fileContext } from '../src/engine/testing/file-context';
import type { AnalysisResult } from '../src/engine/types';
import { buildCorpus } from './corpus';

// Production runs the engine under `node --no-node-snapshot` (isolated-vm): so does this benchmark.
reexecWithEngineFlags(__filename);

const ROOT = resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const RULES = join(ROOT, 'src/engine/rules/yara');
const TARGET_RATIO = 3;
const MB = 1e6;

const log = (line = '') => process.stdout.write(`${line}\n`);
const pad = (s: string | number, n: number) => String(s).padStart(n);
const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

interface Extracted {
  files: number;
  children: number;
  iocs: number;
  signals: number;
  yaraMatches: number;
  filesWithYara: number;
  issues: number;
  facts: number;
  /** Top-level resources keys (what the analyzers reported), with the files that have them. */
  resourceKeys: Record<string, number>;
  /** Root file name → YARA rule names matched on it. */
  rootYara: Map<string, string[]>;
  /** Root file name → what the PE analyzer and the digests said (for the cross-check with pefile and ssdeep). */
  rootPe: Map<string, { imphash?: string; imports?: number; sections?: number }>;
  rootSsdeep: Map<string, string>;
  /** Leaf values under each top-level resources key. */
  resourceFacts: Record<string, number>;
}

function leaves(value: unknown, depth = 0): number {
  if (depth > 64) return 1;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + leaves(v, depth + 1), 0);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.values(value).reduce((n: number, v) => n + leaves(v, depth + 1), 0);
  return 1;
}

function extracted(results: { name: string; result: AnalysisResult }[]): Extracted {
  const out: Extracted = { files: 0, children: 0, iocs: 0, signals: 0, yaraMatches: 0, filesWithYara: 0, issues: 0, facts: 0, resourceKeys: {}, rootYara: new Map(), rootPe: new Map(), rootSsdeep: new Map(), resourceFacts: {} };
  for (const { name, result } of results) {
    for (const file of result.files) {
      out.files++;
      if (file.index > 0) out.children++;
      out.iocs += file.iocs.length;
      out.signals += file.signals.length;
      out.issues += file.issues.length;
      const yara = (file.resources.yara as { matches?: { rule: string }[] } | undefined)?.matches ?? [];
      out.yaraMatches += yara.length;
      if (yara.length) out.filesWithYara++;
      if (file.index === 0) {
        out.rootYara.set(name, yara.map((m) => m.rule).sort());
        out.rootSsdeep.set(name, file.digests.ssdeep);
        const pe = file.resources.pe as { imphash?: string; importCount?: number; sections?: unknown[] } | undefined;
        if (pe) out.rootPe.set(name, { imphash: pe.imphash, imports: pe.importCount, sections: pe.sections?.length });
      }
      out.facts += leaves(file.resources) + leaves(file.digests) + file.iocs.length + file.signals.length;
      for (const [key, value] of Object.entries(file.resources)) {
        out.resourceKeys[key] = (out.resourceKeys[key] ?? 0) + 1;
        out.resourceFacts[key] = (out.resourceFacts[key] ?? 0) + leaves(value);
      }
    }
  }
  return out;
}

/** Per-pass seconds → the median pass (robust to other load on a shared machine) and the best one. */
function passStats(seconds: number[]): { rounds: number; median: number; best: number; total: number } {
  const sorted = [...seconds].sort((x, y) => x - y);
  return { rounds: sorted.length, median: sorted[Math.floor(sorted.length / 2)], best: sorted[0], total: sorted.reduce((x, y) => x + y, 0) };
}

interface PythonResult {
  python: string;
  versions: Record<string, string>;
  import_ms: number;
  rules: { compiled: string[]; failed: { file: string; error: string }[]; compile_ms: number };
  rounds: number;
  seconds: number[];
  totals: Record<string, number>;
  files: Record<string, { size: number; ms: number; pe: boolean; imphash: string | null; sections: number; imports: number; ole_streams: number; ssdeep: string; yara: string[]; errors: string[] }>;
}

async function main(): Promise<void> {
  const corpusDir = resolve(process.env.BENCH_CORPUS_DIR ?? join(tmpdir(), 'sandbox-bench-corpus'));
  log('Building the corpus...');
  const corpus = buildCorpus({ dir: corpusDir, reuse: true, log });
  const items = corpus.items;
  const corpusBytes = items.reduce((n, i) => n + i.data.length, 0);
  log(`Corpus: ${items.length} files, ${fmt(corpusBytes / MB, 2)} MB, in ${corpus.dir}`);
  for (const n of corpus.notes) log(`  skipped: ${n}`);
  const options = testEngineOptions();

  // --- Per analyzer and whole pipeline, in this thread ---
  const perAnalyzer = new Map<string, { calls: number; bytes: number; ms: number; maxMs: number; maxFile: string; threw: number }>();
  let recording = false;
  const sink = (e: AnalyzerEvent) => {
    if (!recording || e.phase === 'start' || e.phase === 'applies-threw') return;
    const a = perAnalyzer.get(e.analyzer) ?? { calls: 0, bytes: 0, ms: 0, maxMs: 0, maxFile: '', threw: 0 };
    a.calls++;
    a.bytes += e.bytes ?? 0;
    a.ms += e.ms ?? 0;
    if ((e.ms ?? 0) > a.maxMs) {
      a.maxMs = e.ms ?? 0;
      a.maxFile = e.path;
    }
    if (e.phase === 'threw') a.threw++;
    perAnalyzer.set(e.analyzer, a);
  };
  const analyzers = defaultAnalyzers();
  log(`Analyzers (defaultAnalyzers): ${analyzers.map((a) => a.name).join(', ')}`);
  const pipeline = new AnalysisPipeline(instrument(analyzers, sink, { start: false, heap: false }));
  let lastResults: { name: string; result: AnalysisResult }[] = [];
  const perFileMs = new Map<string, number>();
  const ourPass = async (): Promise<number> => {
    const results: { name: string; result: AnalysisResult }[] = [];
    const started = performance.now();
    for (const item of items) {
      const t = performance.now();
      results.push({ name: item.name, result: await pipeline.analyze({ name: item.name, data: item.data }, options) });
      if (recording) perFileMs.set(item.name, (perFileMs.get(item.name) ?? 0) + performance.now() - t);
    }
    lastResults = results;
    return (performance.now() - started) / 1000;
  };

  // The baseline's own work, done by ours on the corpus files only (no extraction, no children):
  // md5/sha1/sha256/sha512 and ssdeep, identification, the PE analyzer where pefile parses, the
  // Office analyzer where olefile does, YARA on every file. Each analyzer still does all it does.
  const byName = new Map(defaultAnalyzers().map((a) => [a.name, a]));
  const sameWork = ['pe', 'office', 'yara'].map((name) => byName.get(name)!);
  const comparablePass = async (): Promise<number> => {
    const started = performance.now();
    for (const item of items) {
      for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512']) createHash(algorithm).update(item.data).digest('hex');
      ssdeep(item.data);
      const file = fileContext(item.data, item.name, { options });
      for (const analyzer of sameWork) if (analyzer.appliesTo(file)) await analyzer.analyze(file);
    }
    return (performance.now() - started) / 1000;
  };

  let runner: EngineRunner | undefined;
  if (process.env.BENCH_SKIP_RUNNER !== '1') {
    runner = new EngineRunner({ size: 1, timeoutMs: 120_000 });
    await runner.start();
  }
  const runnerPass = async (): Promise<number> => {
    const started = performance.now();
    for (const item of items) await runner!.analyze({ name: item.name, data: new Uint8Array(item.data) }, options);
    return (performance.now() - started) / 1000;
  };

  let pyNote = existsSync(PYTHON) ? '' : `${PYTHON} not found: no Python baseline`;
  let py: PythonResult | undefined;
  const pyWall: number[] = [];
  const pythonPass = (): number | undefined => {
    if (pyNote) return undefined;
    const t = performance.now();
    const run = spawnSync(PYTHON, [join(__dirname, 'python/baseline.py'), '--rules', RULES, '--rounds', '1', corpus.dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300_000 });
    pyWall.push((performance.now() - t) / 1000);
    if (run.status !== 0) {
      pyNote = `baseline.py failed (exit ${run.status}): ${(run.stderr || run.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`;
      return undefined;
    }
    py = JSON.parse(run.stdout) as PythonResult;
    return py.seconds[0];
  };

  // Warm-up (JIT, WASM compilation, YARA rules; the engine thread's too), then passes of each side in
  // turn, so that load from others on a shared machine falls on both alike.
  log(`Warm-up, then passes in turn (ours in this thread${runner ? ', ours via EngineRunner' : ''}, Python) for about ${SECONDS * 3} s...`);
  await ourPass();
  await comparablePass();
  if (runner) for (let i = 0; i < 2; i++) await runnerPass();
  pythonPass();
  recording = true;
  const times = { ours: [] as number[], runner: [] as number[], python: [] as number[], comparable: [] as number[] };
  const loadBefore = loadavg()[0];
  const started = performance.now();
  while (times.ours.length < 3 || (performance.now() - started < SECONDS * 3000 && times.ours.length < 100)) {
    times.ours.push(await ourPass());
    times.comparable.push(await comparablePass());
    if (runner) times.runner.push(await runnerPass());
    const p = pythonPass();
    if (p !== undefined) times.python.push(p);
  }
  const loadAfter = loadavg()[0];
  await runner?.close();
  const ours = extracted(lastResults);
  const inProcess = passStats(times.ours);
  const viaRunner = runner ? passStats(times.runner) : undefined;
  const pyStats = times.python.length ? passStats(times.python) : undefined;
  const comparable = passStats(times.comparable);

  // The pipeline's own stages, outside the analyzers: content identification, digests, entropy (per corpus file).
  const stage = (fn: (d: Uint8Array) => unknown) => {
    const t = performance.now();
    let rounds = 0;
    while (rounds < 3 || (performance.now() - t < 1500 && rounds < 50)) {
      for (const item of items) fn(item.data);
      rounds++;
    }
    return { rounds, seconds: (performance.now() - t) / 1000 };
  };
  const stages = {
    identify: stage(identify),
    'digests (md5, sha1, sha256, sha512, ssdeep, tlsh)': stage(digests),
    '  of which md5+sha1+sha256+sha512': stage((d) => ['md5', 'sha1', 'sha256', 'sha512'].map((a) => createHash(a).update(d).digest('hex'))),
    '  of which ssdeep': stage(ssdeep),
    '  of which tlsh': stage(tlsh),
    entropy: stage(entropy),
  };

  // --- Report ---
  const n = items.length;
  log('');
  log('Per analyzer (every file it ran on, extracted ones included; measured passes)');
  log('  analyzer            calls      MB   total s    files/s       MB/s   max ms  (file)');
  for (const [name, a] of perAnalyzer) {
    log(`  ${name.padEnd(16)} ${pad(a.calls, 8)} ${pad(fmt(a.bytes / MB), 7)} ${pad(fmt(a.ms / 1000, 2), 9)} ${pad(fmt(a.calls / (a.ms / 1000), 0), 10)} ${pad(fmt(a.bytes / MB / (a.ms / 1000)), 10)} ${pad(fmt(a.maxMs, 0), 8)}  (${a.maxFile})${a.threw ? `  threw ${a.threw}` : ''}`);
  }
  log('Pipeline stages outside the analyzers (corpus files only)');
  for (const [name, s] of Object.entries(stages)) {
    log(`  ${name.padEnd(52)} ${pad(fmt((s.rounds * n) / s.seconds, 0), 8)} files/s ${pad(fmt((s.rounds * corpusBytes) / MB / s.seconds), 8)} MB/s`);
  }
  const slowest = [...perFileMs].sort((a, b) => b[1] - a[1]).slice(0, 6);
  log(`Slowest corpus files in the pipeline (ms per pass): ${slowest.map(([f, ms]) => `${f} ${fmt(ms / inProcess.rounds, 0)}`).join(', ')}`);

  const row = (label: string, st: { rounds: number; median: number; best: number }, extra = '') =>
    log(`  ${label.padEnd(56)} ${pad(st.rounds, 6)} ${pad(fmt(st.median * 1000, 0), 9)} ${pad(fmt(n / st.median, 0), 9)} ${pad(fmt(corpusBytes / MB / st.median), 8)} ${pad(fmt(n / st.best, 0), 9)}${extra}`);
  log('');
  log(`Whole corpus (${n} files, ${fmt(corpusBytes / MB, 2)} MB), one file after another;   load average ${fmt(loadBefore, 2)} → ${fmt(loadAfter, 2)} on ${cpus().length} CPUs`);
  log('                                                           passes  ms/pass   files/s     MB/s   (best files/s)');
  row('our pipeline (in this thread)', inProcess);
  if (viaRunner) row('our pipeline via EngineRunner (1 thread, production path)', viaRunner);
  if (py && pyStats) {
    const wall = passStats(pyWall);
    row('Python baseline (hashes, ssdeep, pefile, olefile, yara)', pyStats, `   (process ${fmt(wall.median * 1000, 0)} ms per pass incl. start ${fmt(py.import_ms, 0)} ms + rules ${fmt(py.rules.compile_ms, 0)} ms)`);
    const ratio = pyStats.median / inProcess.median;
    log(`  ratio ours / Python (median passes): ${fmt(ratio, 2)}×   target ≥ ${TARGET_RATIO}×   ${ratio >= TARGET_RATIO ? 'PASS' : 'MISS'}${viaRunner ? `   (via EngineRunner: ${fmt(pyStats.median / viaRunner.median, 2)}×)` : ''}`);
    row('ours, the baseline\'s work only (no target)', comparable, `   (hashes, ssdeep, PE, Office, YARA on the corpus files; ${fmt(pyStats.median / comparable.median, 2)}× Python)`);
    log(`  Python ${py.python}, pefile ${py.versions.pefile}, olefile ${py.versions.olefile}, yara-python ${py.versions.yara}, ssdeep ${py.versions.ssdeep}`);
    log(`  YARA rule files compiled by yara-python: ${py.rules.compiled.join(', ') || 'none'}${py.rules.failed.length ? `; NOT compiled: ${py.rules.failed.map((f) => `${f.file} (${f.error})`).join('; ')}` : '; none failed'}`);
  } else {
    log(`  Python baseline: ${pyNote}`);
  }

  log('');
  log('Extracted, per pass over the corpus');
  log(`  ours:   ${ours.files} files analysed (${ours.children} extracted from archives/containers), ${ours.facts} facts (report leaf values incl. digests), ${ours.iocs} IOCs, ${ours.signals} signals, ${ours.yaraMatches} YARA matches on ${ours.filesWithYara} files, ${ours.issues} issues`);
  log(`          by analyzer (files / facts): ${Object.entries(ours.resourceKeys).map(([k, c]) => `${k} ${c}/${ours.resourceFacts[k]}`).join(', ')}`);
  if (py) {
    const t = py.totals;
    log(`  Python: ${t.files} files, ${t.facts} facts, PE parsed ${t.pe} (sections ${t.sections}, imports ${t.imports}, exports ${t.exports}, resources ${t.resources}, version strings ${t.versioninfo}), OLE ${t.ole} (${t.ole_streams} streams), ${t.yara_matches} YARA matches on ${t.files_with_yara} files, ${t.errors} parse errors; no extraction, no IOCs, no signals`);
    const diffs: string[] = [];
    for (const item of items) {
      const mine = ours.rootYara.get(item.name) ?? [];
      const theirs = [...(py.files[item.name]?.yara ?? [])].sort();
      if (mine.join(',') !== theirs.join(',')) diffs.push(`${item.name}: ours [${mine.join(', ')}], yara-python [${theirs.join(', ')}]`);
    }
    log(`  YARA on the corpus files, ours vs yara-python: ${diffs.length ? `${diffs.length} file(s) differ` : 'same rules matched on every file'}`);
    for (const d of diffs) log(`    ${d}`);
    // Cross-checks on the same facts: imphash and import counts against pefile, ssdeep against the ssdeep library.
    const pyPe = items.filter((i) => py!.files[i.name]?.pe);
    const pePairs = pyPe.map((i) => ({ name: i.name, ours: ours.rootPe.get(i.name), theirs: py!.files[i.name] }));
    const same = (a?: string | null, b?: string | null) => (a || '') === (b || '');
    const imphashSame = pePairs.filter((p) => same(p.ours?.imphash, p.theirs.imphash));
    const peMissing = pePairs.filter((p) => !p.ours);
    log(`  PE, ours vs pefile: ${ours.rootPe.size} PEs parsed by ours, ${pyPe.length} by pefile; imphash equal on ${imphashSame.length}/${pyPe.length}${peMissing.length ? `; not parsed by ours: ${peMissing.map((p) => p.name).join(', ')}` : ''}`);
    for (const p of pePairs.filter((x) => x.ours && !same(x.ours.imphash, x.theirs.imphash))) log(`    ${p.name}: imphash ours ${p.ours?.imphash || '-'}, pefile ${p.theirs.imphash || '-'} (imports ${p.ours?.imports ?? '-'} vs ${p.theirs.imports})`);
    const ssdeepDiff = items.filter((i) => py!.files[i.name] && ours.rootSsdeep.get(i.name) !== py!.files[i.name].ssdeep);
    log(`  ssdeep, ours vs the ssdeep library: ${ssdeepDiff.length ? `${ssdeepDiff.length} file(s) differ: ${ssdeepDiff.map((i) => i.name).slice(0, 10).join(', ')}` : `equal on all ${items.length} files`}`);
  }
}

main().catch((err) => {
  log(`Benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
