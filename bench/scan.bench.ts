/**
 * Scan benchmark (npm run bench:scan): time-to-verdict, throughput over a mixed corpus, and the API's
 * memory while a 1 GiB file uploads.
 *
 * Builds the app (unless BENCH_SKIP_BUILD=1), starts a throw-away PostgreSQL and the built server as
 * child processes (`node dist/src/main.js`, loopback only), logs in as the first administrator,
 * creates an API key and measures through the HTTP API only:
 *
 * 1. time-to-verdict of a small file with an idle worker: one submission at a time, from the POST
 *    until the poll says `allFinished` (the flow's `events` stream tells when to poll; a timed-out
 *    stream falls back to polling) — target p50 < 1 s;
 * 2. files/s over a mixed corpus (>= 200 files: text, scripts, small PEs from
 *    /usr/share/clamav-testfiles, zips made at run time, random data, HTML), submitted with bounded
 *    concurrency; from the first POST to the last flow finished — target >= 20 files/s;
 * 3. peak RSS growth of an API process (APP_ROLE=api: nothing analyses the file) while a 1 GiB
 *    file uploads, streamed from a generator with http.request, VmRSS/VmHWM sampled from
 *    /proc/<pid>/status every 100 ms — target < 100 MB.
 *
 * Phases 1 and 2 run against one process with APP_ROLE=all and WORKER_CONCURRENCY=2 (what
 * `npm start` runs); BENCH_SPLIT=1 runs the API and the worker as two processes instead (the same
 * two cores, but the API's event loop no longer shares a process with the worker's). Each process's
 * CPU time during phase 2 is printed, so one can see whether the cores were the limit.
 *
 * It reports; it does not fail on a missed target (exit code 1 only when the benchmark itself
 * could not run). Everything stops by itself (hard limit: BENCH_MAX_SECONDS, default 900).
 *
 * Environment: BENCH_SKIP_BUILD=1, BENCH_SPLIT=1, BENCH_TTV_SAMPLES (30), BENCH_CORPUS_FILES (220),
 * BENCH_CONCURRENCY (16 flows in flight), BENCH_UPLOAD_MB (1024), BENCH_MAX_SECONDS (900),
 * BENCH_PHASES (e.g. "1,2" or "3"; default all).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { zipArchive } from '../src/engine/testing/zip-writer';
import { buildCorpus, CorpusFile } from './scan-corpus';
import { log, runBenchmark, temporaryDirectory, verdict } from './support/benchmark';
import { adminToken, buildApp, createApiKey, migratedDatabase, Server, startPostgres, startServer } from './support/server';

const TARGET_TTV_P50_MS = 1000;
const TARGET_FILES_PER_S = 20;
const TARGET_RSS_GROWTH_MB = 100;
const TTV_SAMPLES = Number(process.env.BENCH_TTV_SAMPLES ?? 30);
const CORPUS_FILES = Math.max(200, Number(process.env.BENCH_CORPUS_FILES ?? 220));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const UPLOAD_BYTES = Number(process.env.BENCH_UPLOAD_MB ?? 1024) * 1024 * 1024;
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 900);
const SPLIT = process.env.BENCH_SPLIT === '1';
const PHASES = new Set((process.env.BENCH_PHASES ?? '1,2,3').split(',').map((p) => p.trim()));
const FLOW_TIMEOUT_MS = 120_000;
const CLOCK_TICKS = 100; // USER_HZ on Linux

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- processes

/** The built server as this benchmark runs it: WORKER_CONCURRENCY=2 (what `npm start` runs), no Swagger UI, 20 s to stop. */
function startScanServer(databaseUrl: string, dataDir: string, roles: string[], env: Record<string, string> = {}): Promise<Server> {
  return startServer({ databaseUrl, dataDir, roles, env: { WORKER_CONCURRENCY: '2', SWAGGER_ENABLED: 'false', ...env }, killAfterMs: 20_000 });
}

async function apiKey(base: string): Promise<Auth> {
  return { 'x-api-key': await createApiKey(base, await adminToken(base)) };
}

/** VmRSS and VmHWM of a process, bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Busy and total CPU time of the whole machine (all cores), clock ticks, from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const values = fields.map(Number);
  const idle = values[3] + (values[4] ?? 0);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Fields of /proc/<pid>/stat from the third (state) on. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system, all threads) a process has used. */
function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * CPU seconds the PostgreSQL cluster has used: the postmaster and its live children, plus the
 * children it has already reaped (cutime/cstime). NaN when it cannot be read.
 */
function postgresCpuSeconds(clusterDir: string): number {
  try {
    const postmaster = Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const own = statFields(postmaster);
    let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = statFields(Number(entry));
        if (Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // exited meanwhile
      }
    }
    return ticks / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

// ---------------------------------------------------------------- HTTP client
// (test/support/scan-http.ts does the same for the tests; not imported here, so that the build, which
// compiles bench/, does not pull test code into dist/.)

type Auth = Record<string, string>;

async function getJson(base: string, path: string, auth: Auth): Promise<{ status: number; body: any }> {
  const res = await fetch(base + path, { headers: auth });
  const text = await res.text();
  return { status: res.status, body: text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

async function submitFile(base: string, auth: Auth, data: Uint8Array, fileName: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([data]), fileName);
  const res = await fetch(`${base}/api/scan/file`, { method: 'POST', headers: auth, body: form });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /api/scan/file (${fileName}) answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text).flow_id;
}

/** Polls until `allFinished`, pausing `pollPause` seconds at most `maxPauseMs`; throws after `timeoutMs`. */
async function pollUntilFinished(base: string, auth: Auth, flowId: string, timeoutMs: number, maxPauseMs: number): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await getJson(base, `/api/scan/${flowId}/report?filter=finalVerdict`, auth);
    if (res.status !== 200) throw new Error(`poll of ${flowId} answered ${res.status}`);
    if (res.body.allFinished) return res.body;
    if (Date.now() > deadline) throw new Error(`flow ${flowId} is still ${res.body.state} after ${timeoutMs} ms`);
    await sleep(Math.max(10, Math.min(res.body.pollPause * 1000, maxPauseMs, deadline - Date.now())));
  }
}

// ---------------------------------------------------------------- waiting for a flow

/**
 * Resolves when the flow has ended: follows `GET /api/scan/{id}/events` until the finished or failed
 * event, then polls once to see `allFinished` (that poll's answer is what the client acts on). Falls
 * back to polling every 50 ms when the stream cannot be read.
 */
async function waitForFlow(base: string, auth: Auth, flowId: string): Promise<{ state: string; verdict: string | null; reports: number }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FLOW_TIMEOUT_MS);
  try {
    const res = await fetch(`${base}/api/scan/${flowId}/events`, { headers: auth, signal: controller.signal });
    if (res.status === 200 && res.body) {
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      let ended = false;
      while (!ended) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data && ['finished', 'failed'].includes(JSON.parse(data).state)) ended = true;
        }
      }
      await reader.cancel().catch(() => undefined);
    } else {
      await res.text().catch(() => undefined);
    }
  } catch {
    // stream lost or timed out: the poll below decides
  } finally {
    clearTimeout(timer);
  }
  const flow = await pollUntilFinished(base, auth, flowId, FLOW_TIMEOUT_MS, 50);
  return { state: flow.state, verdict: flow.finalVerdict?.verdict ?? null, reports: flow.reportsAmount };
}

// ---------------------------------------------------------------- figures

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

const ms = (v: number) => `${v.toFixed(0)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const row = (label: string, value: string, target = '', result = '') => log(`  ${label.padEnd(44)}${value.padStart(14)}   ${target.padEnd(22)}${result}`.trimEnd());

/** Created → started (queue wait) and started → finished (analysis and report writing), from the flows table. */
async function serverSideTimes(databaseUrl: string, flowIds: string[]): Promise<{ queue: number[]; analysis: number[] }> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query(
      `SELECT extract(epoch FROM started_at - created_at) * 1000 AS queue, extract(epoch FROM finished_at - started_at) * 1000 AS analysis
         FROM flows WHERE id = ANY($1::uuid[]) AND started_at IS NOT NULL AND finished_at IS NOT NULL`,
      [flowIds],
    );
    return { queue: rows.map((r) => Number(r.queue)).sort((a, b) => a - b), analysis: rows.map((r) => Number(r.analysis)).sort((a, b) => a - b) };
  } finally {
    await db.end();
  }
}

// ---------------------------------------------------------------- phases

async function timeToVerdict(server: Server, auth: Auth, databaseUrl: string): Promise<void> {
  log(`\n(1) Time-to-verdict, small file, idle worker: ${TTV_SAMPLES} submissions, one at a time`);
  const times: number[] = [];
  const ids: string[] = [];
  const states = new Map<string, number>();
  for (let i = 0; i < TTV_SAMPLES; i++) {
    const data = Buffer.from(`Status report ${i} ${randomBytes(8).toString('hex')}\nAll systems nominal; next review on Monday.\n`);
    // Idle: the previous flow's events and writes are over. A random pause, so that submissions do not fall
    // into step with the worker's 0.5 s queue polling (a fixed pause would measure one point of its cycle).
    await sleep(250 + Math.random() * 1000);
    const started = performance.now();
    const flowId = await submitFile(server.base, auth, data, `status-${i}.txt`);
    const flow = await waitForFlow(server.base, auth, flowId);
    times.push(performance.now() - started);
    ids.push(flowId);
    states.set(`${flow.state}/${flow.verdict}`, (states.get(`${flow.state}/${flow.verdict}`) ?? 0) + 1);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const side = await serverSideTimes(databaseUrl, ids);
  log('');
  row('time-to-verdict p50', ms(p50), `target < ${TARGET_TTV_P50_MS} ms`, verdict(p50 < TARGET_TTV_P50_MS));
  row('time-to-verdict p95', ms(percentile(sorted, 95)));
  row('time-to-verdict min / max', `${sorted[0].toFixed(0)} / ${sorted[sorted.length - 1].toFixed(0)} ms`);
  row('  of which queued (server) p50 / p95', `${percentile(side.queue, 50).toFixed(0)} / ${percentile(side.queue, 95).toFixed(0)} ms`);
  row('  of which analysing (server) p50 / p95', `${percentile(side.analysis, 50).toFixed(0)} / ${percentile(side.analysis, 95).toFixed(0)} ms`);
  row('outcomes', [...states].map(([k, n]) => `${k} x${n}`).join(', '));
}

async function throughput(server: Server, auth: Auth, work: string, clusterDir: string): Promise<void> {
  const corpus = await buildCorpus(work, CORPUS_FILES);
  const counts = Object.entries(corpus.counts).map(([k, n]) => `${k} ${n}`).join(', ');
  log(`\n(2) Throughput: ${corpus.files.length} files (${counts}; ${mb(corpus.bytes)}), ${CONCURRENCY} flows in flight`);
  const pids = server.processes.map((p) => ({ role: p.role, pid: p.child.pid! }));
  const cpuBefore = pids.map((p) => cpuSecondsOf(p.pid));
  const machineBefore = machineCpu();
  const pgBefore = postgresCpuSeconds(clusterDir);
  const clientBefore = process.cpuUsage();

  const queue = [...corpus.files];
  const outcomes: { file: CorpusFile; state: string; verdict: string | null; reports: number; ms: number }[] = [];
  const errors: string[] = [];
  const started = performance.now();
  let lastFinish = started;
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const t0 = performance.now();
      try {
        const flowId = await submitFile(server.base, auth, file.data, file.name);
        const flow = await waitForFlow(server.base, auth, flowId);
        const now = performance.now();
        lastFinish = Math.max(lastFinish, now);
        outcomes.push({ file, ...flow, ms: now - t0 });
      } catch (err) {
        errors.push(`${file.name}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (lastFinish - started) / 1000;
  const cpu = pids.map((p, i) => ({ role: p.role, seconds: cpuSecondsOf(p.pid) - cpuBefore[i] }));
  const machineAfter = machineCpu();
  const pgSeconds = postgresCpuSeconds(clusterDir) - pgBefore;
  const client = process.cpuUsage(clientBefore);
  const machineBusy = (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total);

  const finished = outcomes.filter((o) => o.state === 'finished');
  const filesPerSecond = outcomes.length / seconds;
  const reports = outcomes.reduce((n, o) => n + o.reports, 0);
  const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const verdicts = new Map<string, number>();
  for (const o of outcomes) verdicts.set(o.verdict ?? o.state, (verdicts.get(o.verdict ?? o.state) ?? 0) + 1);
  const byKind = new Map<string, number[]>();
  for (const o of outcomes) byKind.set(o.file.kind, [...(byKind.get(o.file.kind) ?? []), o.ms]);
  log('');
  row('files/s (submitted files)', filesPerSecond.toFixed(1), `target >= ${TARGET_FILES_PER_S}`, verdict(filesPerSecond >= TARGET_FILES_PER_S && !errors.length));
  row('reports/s (incl. extracted files)', (reports / seconds).toFixed(1));
  row('wall time', `${seconds.toFixed(1)} s`);
  row('flows finished / failed / errors', `${finished.length} / ${outcomes.length - finished.length} / ${errors.length}`);
  row('submit-to-verdict under load p50 / p95', `${percentile(latencies, 50).toFixed(0)} / ${percentile(latencies, 95).toFixed(0)} ms`);
  for (const [kind, list] of [...byKind].sort()) {
    const s = list.sort((a, b) => a - b);
    row(`  ${kind} (${s.length}) p50 / max`, `${percentile(s, 50).toFixed(0)} / ${s[s.length - 1].toFixed(0)} ms`);
  }
  row('verdicts', [...verdicts].sort().map(([k, n]) => `${k} ${n}`).join(', '));
  for (const c of cpu) row(`CPU of the ${c.role} process`, `${c.seconds.toFixed(1)} s`, `${((c.seconds / seconds) * 100).toFixed(0)}% of one core`);
  const clientSeconds = (client.user + client.system) / 1e6;
  row('CPU of this benchmark (the client)', `${clientSeconds.toFixed(1)} s`, `${((clientSeconds / seconds) * 100).toFixed(0)}% of one core`);
  row('CPU of PostgreSQL', `${pgSeconds.toFixed(1)} s`, `${((pgSeconds / seconds) * 100).toFixed(0)}% of one core`);
  const machineSeconds = machineBusy * cpus().length * seconds;
  const others = machineSeconds - cpu.reduce((n, c) => n + c.seconds, 0) - clientSeconds - (Number.isNaN(pgSeconds) ? 0 : pgSeconds);
  const ownSeconds = cpu.reduce((n, c) => n + c.seconds, 0) + (Number.isNaN(pgSeconds) ? 0 : pgSeconds);
  row('CPU per file (server + PostgreSQL)', `${((ownSeconds / outcomes.length) * 1000).toFixed(0)} ms`, `ceiling ~${((outcomes.length / ownSeconds) * cpus().length).toFixed(0)} files/s on ${cpus().length} idle cores`);
  row(`machine CPU busy (${cpus().length} cores)`, `${(machineBusy * 100).toFixed(0)}%`);
  row('CPU of everything else on the machine', `${Math.max(0, others).toFixed(1)} s`, `${((Math.max(0, others) / seconds) * 100).toFixed(0)}% of one core`);
  if (others / seconds > 0.25) log('  (other processes took a noticeable share of the cores during this phase: the figure above is pessimistic)');
  for (const e of errors.slice(0, 5)) log(`  error: ${e}`);
}

/** A multipart body with one 1 GiB file part, generated chunk by chunk (never held whole). */
async function* multipartBody(boundary: string, size: number): AsyncGenerator<Buffer> {
  yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="large.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const pattern = randomBytes(1024 * 1024);
  for (let sent = 0, n = 0; sent < size; n++) {
    const chunk = Buffer.from(pattern.subarray(0, Math.min(pattern.length, size - sent)));
    chunk.writeUInt32LE(n, 0); // every chunk differs
    sent += chunk.length;
    yield chunk;
  }
  yield Buffer.from(`\r\n--${boundary}--\r\n`);
}

function upload(base: string, auth: Auth, size: number): Promise<{ status: number; body: string }> {
  const boundary = `----bench${randomBytes(12).toString('hex')}`;
  const head = Buffer.byteLength(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="large.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.byteLength(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${base}/api/scan/file`);
  return new Promise((resolveUpload, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head + size + tail } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolveUpload({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    (async () => {
      for await (const chunk of multipartBody(boundary, size)) {
        if (!req.write(chunk)) await new Promise<void>((r) => req.once('drain', r));
      }
      req.end();
    })().catch(reject);
  });
}

async function uploadMemory(pgUrl: string, work: string): Promise<void> {
  log(`\n(3) Peak RSS growth of an API process (APP_ROLE=api) while a ${mb(UPLOAD_BYTES)} file uploads`);
  const url = await migratedDatabase(pgUrl, 'bench_upload');
  const dataDir = await mkdtemp(join(work, 'upload-data-'));
  const server = await startScanServer(url, dataDir, ['api'], { MAX_UPLOAD_SIZE: String(UPLOAD_BYTES + 64 * 1024 * 1024) });
  const pid = server.api.pid!;
  const auth = await apiKey(server.base);
  // Warm-up: the multipart path, the hashing and the storage have run once.
  for (let i = 0; i < 3; i++) await upload(server.base, auth, 8 * 1024 * 1024);
  await sleep(1000);

  const before = memoryOf(pid);
  let peak = before.rss;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, memoryOf(pid).rss);
    } catch {
      // process gone: reported below
    }
  }, 100);
  const started = performance.now();
  let answer: { status: number; body: string };
  try {
    answer = await upload(server.base, auth, UPLOAD_BYTES);
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const after = memoryOf(pid);
  peak = Math.max(peak, after.rss);
  let stored = 'not checked';
  if (answer.status === 200) {
    const flowId = JSON.parse(answer.body).flow_id as string;
    const poll = await getJson(server.base, `/api/scan/${flowId}/report`, auth);
    stored = poll.body.fileSize === UPLOAD_BYTES ? `yes (${poll.body.fileSize} bytes, flow ${poll.body.state})` : `NO: fileSize ${poll.body.fileSize}`;
  }
  const growth = peak - before.rss;
  log('');
  row('upload answer', String(answer.status), '', answer.status === 200 ? '' : answer.body.slice(0, 200));
  row('upload time / rate', `${seconds.toFixed(1)} s`, `${(UPLOAD_BYTES / 1024 / 1024 / seconds).toFixed(0)} MB/s`);
  row('stored whole', stored);
  row('VmRSS before', mb(before.rss));
  row('VmRSS peak (100 ms samples)', mb(peak));
  row('VmRSS after', mb(after.rss));
  row('peak RSS growth', mb(growth), `target < ${TARGET_RSS_GROWTH_MB} MB`, verdict(answer.status === 200 && growth < TARGET_RSS_GROWTH_MB * 1024 * 1024));
  row('VmHWM before / after', `${mb(before.hwm)} / ${mb(after.hwm)}`);
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  buildApp();
  const pg = await startPostgres();
  const work = await temporaryDirectory('sandbox-scan-bench-');

  if (PHASES.has('1') || PHASES.has('2')) {
    const url = await migratedDatabase(pg.url, 'bench_scan');
    const dataDir = await mkdtemp(join(work, 'data-'));
    const roles = SPLIT ? ['api', 'worker'] : ['all'];
    const server = await startScanServer(url, dataDir, roles);
    log(`Server: ${server.processes.map((p) => `${p.role} (pid ${p.child.pid})`).join(' + ')} on ${server.base}, WORKER_CONCURRENCY=2`);
    const auth = await apiKey(server.base);
    log('Warm-up: 4 analyses (engine threads, YARA rules, 7-Zip)...');
    const warm = [Buffer.from('warm-up text\n'), randomBytes(2048), Buffer.from(zipArchive([{ name: 'warm.txt', data: Buffer.from('warm-up member\n'), method: 'deflate' }])), Buffer.from('<html><body>warm</body></html>\n')];
    await Promise.all(warm.map(async (data, i) => waitForFlow(server.base, auth, await submitFile(server.base, auth, data, `warm-${i}.bin`))));
    if (PHASES.has('1')) await timeToVerdict(server, auth, url);
    if (PHASES.has('2')) await throughput(server, auth, work, join(pg.dir, 'cluster'));
    await server.stop();
  }
  if (PHASES.has('3')) await uploadMemory(pg.url, work);
  log('');
}

runBenchmark(main, MAX_SECONDS);
