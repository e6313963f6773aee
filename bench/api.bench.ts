/**
 * Load test of an authenticated read: GET /api/users/me with an X-Api-Key (npm run bench:api).
 *
 * Starts a throw-away PostgreSQL, builds the app (unless BENCH_SKIP_BUILD=1), runs the built server as a
 * child process (`node dist/src/main.js`, role api, loopback only) so that the load generator and the server
 * do not share one event loop, creates a user and an API key through the API, warms up, then runs
 * autocannon and prints throughput, latency and errors against the targets. It reports; it does not fail
 * on a missed target. Everything stops by itself (hard limit: BENCH_MAX_SECONDS, default 180).
 *
 * Environment: BENCH_CONNECTIONS (50), BENCH_DURATION seconds (10), BENCH_WARMUP seconds (3),
 * BENCH_CPU_PROF=<dir> (write a V8 CPU profile of the server there, open it in Chrome DevTools),
 * BENCH_SKIP_BUILD=1 (use the existing dist/).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { migrate } from '../src/database/data-source';
import { freePort } from '../src/database/embedded-postgres';
import { createDatabase, startTemporaryPostgres } from '../src/database/temporary-postgres';

const ROOT = resolve(__dirname, '..');
const TARGET_RPS = 2000;
const TARGET_P99_MS = 50;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 180);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const ADMIN_EMAIL = 'bench-admin@example.com';
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('hex')}`;

const log = (line: string) => process.stdout.write(`${line}\n`);
const cleanups: (() => Promise<void>)[] = [];

async function api(base: string, path: string, init: { body?: unknown; token?: string } = {}): Promise<any> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method: init.body === undefined ? 'GET' : 'POST', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function waitForServer(base: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`the server exited with code ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/api/system/info`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the server did not answer within 60 s');
}

function stopServer(server: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (server.exitCode !== null || server.signalCode !== null) return done();
    const kill = setTimeout(() => server.kill('SIGKILL'), 15_000);
    server.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    // With a CPU profile, exit normally (SIGUSR2 -> process.exit) so that V8 writes it.
    server.kill(CPU_PROF_DIR ? 'SIGUSR2' : 'SIGTERM');
  });
}

/** A user (invited and registered through the API, so the benchmark walks the real paths) with an API key. */
async function apiKeyOfNewUser(base: string): Promise<string> {
  const admin = (await api(base, '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).access_token;
  let token = admin;
  try {
    const invitation = await api(base, '/api/admin/invite', { token: admin, body: { email: 'bench-user@example.com' } });
    token = (await api(base, '/api/auth/register', { body: { token: invitation.token, password: 'bench-user-password', name: 'Bench User' } })).access_token;
  } catch (err) {
    log(`  (could not invite a user, measuring with the administrator's key: ${(err as Error).message})`);
  }
  return (await api(base, '/api/users/api-key/create', { token, body: {} })).api_key;
}

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolveRun, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolveRun(result)));
  });
}

async function main(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1' || !existsSync(join(ROOT, 'dist/src/main.js'))) {
    log('Building (npm run build)...');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }

  log('Starting a throw-away PostgreSQL...');
  const pg = await startTemporaryPostgres();
  cleanups.push(() => pg.stop());
  const url = await createDatabase(pg.url, 'bench');
  await migrate(url);

  const dataDir = await mkdtemp(join(tmpdir(), 'sandbox-bench-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const nodeArgs = CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`, '--import', 'data:text/javascript,process.once("SIGUSR2",()=>process.exit(0))']
    : [];
  const server = spawn(process.execPath, [...nodeArgs, '--no-node-snapshot', 'dist/src/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: url,
      HOST: '127.0.0.1',
      PORT: String(port),
      APP_ROLE: 'api',
      DATA_DIR: dataDir,
      APP_SECRET: randomBytes(32).toString('hex'),
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      DB_MIGRATIONS_RUN: 'false',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    },
  });
  cleanups.unshift(() => stopServer(server));
  await waitForServer(base, server);
  log(`Server (pid ${server.pid}) on ${base}`);

  const apiKey = await apiKeyOfNewUser(base);
  const target = { url: `${base}/api/users/me`, headers: { 'x-api-key': apiKey } };
  const check = await fetch(target.url, { headers: target.headers });
  if (check.status !== 200) throw new Error(`GET /api/users/me with the key answered ${check.status}`);

  log(`Warm-up: ${WARMUP} s, 10 connections...`);
  await run({ ...target, connections: 10, duration: WARMUP });

  log(`Measuring: GET /api/users/me with X-Api-Key, ${CONNECTIONS} connections, ${DURATION} s...`);
  const result = await run({ ...target, connections: CONNECTIONS, duration: DURATION });

  const rps = result.requests.average;
  const p99 = result.latency.p99;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  log('');
  log(`  requests/s (average)  ${rps.toFixed(0).padStart(8)}   target >= ${TARGET_RPS}   ${verdict(rps >= TARGET_RPS)}`);
  log(`  latency p50           ${`${result.latency.p50} ms`.padStart(8)}`);
  log(`  latency p99           ${`${p99} ms`.padStart(8)}   target < ${TARGET_P99_MS} ms   ${verdict(p99 < TARGET_P99_MS)}`);
  log(`  latency max           ${`${result.latency.max} ms`.padStart(8)}`);
  log(`  requests              ${String(result.requests.total).padStart(8)}   (2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
  log('');
  if (CPU_PROF_DIR) log(`CPU profile of the server: ${CPU_PROF_DIR} (written when the server stops)`);
}

async function cleanup(): Promise<void> {
  for (const step of cleanups.splice(0)) await step().catch((err) => log(`cleanup: ${(err as Error).message}`));
}

const watchdog = setTimeout(() => {
  log(`Benchmark exceeded ${MAX_SECONDS} s: stopping.`);
  void cleanup().finally(() => process.exit(2));
}, MAX_SECONDS * 1000);

main()
  .catch((err) => {
    log(`Benchmark failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    clearTimeout(watchdog);
  });
