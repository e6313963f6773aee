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
import { resolve } from 'node:path';
import { log, runBenchmark, temporaryDirectory, verdict } from './support/benchmark';
import { adminToken, api, autocannonRun, buildApp, createApiKey, migratedDatabase, startPostgres, startServer } from './support/server';

const TARGET_RPS = 2000;
const TARGET_P99_MS = 50;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 180);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;

/** A user (invited and registered through the API, so the benchmark walks the real paths) with an API key. */
async function apiKeyOfNewUser(base: string): Promise<string> {
  const admin = await adminToken(base);
  let token = admin;
  try {
    const invitation = await api(base, '/api/admin/invite', { token: admin, body: { email: 'bench-user@example.com' } });
    token = (await api(base, '/api/auth/register', { body: { token: invitation.token, password: 'bench-user-password', name: 'Bench User' } })).access_token;
  } catch (err) {
    log(`  (could not invite a user, measuring with the administrator's key: ${(err as Error).message})`);
  }
  return createApiKey(base, token);
}

async function main(): Promise<void> {
  buildApp();
  const pg = await startPostgres();
  const url = await migratedDatabase(pg.url, 'bench');
  const dataDir = await temporaryDirectory('sandbox-bench-');
  const server = await startServer({ databaseUrl: url, dataDir, cpuProfileDir: CPU_PROF_DIR });
  const { base } = server;
  log(`Server (pid ${server.api.pid}) on ${base}`);

  const apiKey = await apiKeyOfNewUser(base);
  const target = { url: `${base}/api/users/me`, headers: { 'x-api-key': apiKey } };
  const check = await fetch(target.url, { headers: target.headers });
  if (check.status !== 200) throw new Error(`GET /api/users/me with the key answered ${check.status}`);

  log(`Warm-up: ${WARMUP} s, 10 connections...`);
  await autocannonRun({ ...target, connections: 10, duration: WARMUP });

  log(`Measuring: GET /api/users/me with X-Api-Key, ${CONNECTIONS} connections, ${DURATION} s...`);
  const result = await autocannonRun({ ...target, connections: CONNECTIONS, duration: DURATION });

  const rps = result.requests.average;
  const p99 = result.latency.p99;
  log('');
  log(`  requests/s (average)  ${rps.toFixed(0).padStart(8)}   target >= ${TARGET_RPS}   ${verdict(rps >= TARGET_RPS)}`);
  log(`  latency p50           ${`${result.latency.p50} ms`.padStart(8)}`);
  log(`  latency p99           ${`${p99} ms`.padStart(8)}   target < ${TARGET_P99_MS} ms   ${verdict(p99 < TARGET_P99_MS)}`);
  log(`  latency max           ${`${result.latency.max} ms`.padStart(8)}`);
  log(`  requests              ${String(result.requests.total).padStart(8)}   (2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
  log('');
  if (CPU_PROF_DIR) log(`CPU profile of the server: ${CPU_PROF_DIR} (written when the server stops)`);
}

runBenchmark(main, MAX_SECONDS);
