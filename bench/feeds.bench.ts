/**
 * Feed benchmark (npm run bench:feeds): 100,000 reports in PostgreSQL, then
 * 1. `GET /api/feed/reports` (the SIEM feed) at 50 connections with an API key: req/s and p99
 *    against the targets (≥ 2,000 req/s, p99 < 50 ms), for the newest page and for pollers that are
 *    up to date (`since` = the newest report), with the production settle time (FEED_SETTLE_SECONDS 30);
 * 2. `GET /api/threatintel/feed` (the advanced feed, IOCs and signals per item) the same way, for comparison (no target);
 * 3. `GET /api/threatintel/download-iocs` over all reports: rows, MB, time, and the server's RSS
 *    growth while it streams (constant memory is the point).
 *
 * Starts a throw-away PostgreSQL, builds the app (unless BENCH_SKIP_BUILD=1), fills the database with
 * one INSERT ... SELECT generate_series per table, activates a license signed by a key made here
 * (LICENSE_PUBLIC_KEY), and runs the built server as a child process (role api, loopback only).
 * It reports PASS/MISS; it does not fail on a missed target. Hard limit: BENCH_MAX_SECONDS (300).
 *
 * Environment: BENCH_REPORTS (100000), BENCH_CONNECTIONS (50), BENCH_DURATION seconds (10), BENCH_WARMUP (3), BENCH_SKIP_BUILD=1,
 * BENCH_CPU_PROF=<dir> (a V8 CPU profile of the server, written when it stops).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { signLicense } from '../src/modules/license/license-document';
import { LicenseFeature } from '../src/modules/license/requires-feature.decorator';
import { cleanups, log, runBenchmark, temporaryDirectory, verdict } from './support/benchmark';
import { adminToken, autocannonRun, buildApp, createApiKey, migratedDatabase, startPostgres, startServer } from './support/server';

const TARGET_RPS = 2000;
const TARGET_P99_MS = 50;
const REPORTS = Number(process.env.BENCH_REPORTS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const MAX_SECONDS = Number(process.env.BENCH_MAX_SECONDS ?? 300);
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;

/** Resident set size of a process, bytes (Linux). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** 100,000 submissions spread over the last 30 days, each one report with three IOCs: one statement per table. */
async function fill(db: Client): Promise<void> {
  const started = Date.now();
  const spacing = (30 * 86_400) / REPORTS;
  await db.query(
    `WITH f AS (
       INSERT INTO flows (id, kind, state, progress, file_name, file_size, final_verdict, created_at, finished_at)
       SELECT gen_random_uuid(), 'file', 'finished', 100, 'sample-' || i || '.exe', 4096,
              '{"verdict":"MALICIOUS","threatLevel":1,"confidence":0.9}'::jsonb, now() - make_interval(secs => i * $2::float8), now()
         FROM generate_series(1, $1::int) AS i
       RETURNING id, file_name, created_at)
     INSERT INTO reports (flow_id, file_index, depth, is_private, sha256, file_name, file_type, file_kind, mime, size, verdict, threat_level,
                          confidence, tags, data, created_at)
     SELECT f.id, 0, 0, (hashtext(f.id::text) % 10 = 0), encode(sha256(convert_to(f.id::text, 'UTF8')), 'hex'), f.file_name,
            'PE32 executable (GUI) Intel 80386', 'pe', 'application/x-dosexec', 4096,
            (ARRAY['MALICIOUS','SUSPICIOUS','NO_THREAT','LIKELY_MALICIOUS'])[1 + abs(hashtext(f.id::text)) % 4], 0.5, 0.9, ARRAY['bench'],
            jsonb_build_object('finalVerdict', jsonb_build_object('verdict', 'MALICIOUS', 'threatLevel', 1, 'confidence', 0.9),
              'allSignalGroups', jsonb_build_array(jsonb_build_object('identifier', 'yara.match', 'description', 'Matched a YARA rule',
                'verdict', jsonb_build_object('verdict', 'MALICIOUS'), 'allMitreTechniques', jsonb_build_array(jsonb_build_object('ID', 'T1059.001'))))),
            f.created_at
       FROM f`,
    [REPORTS, spacing],
  );
  await db.query(
    `INSERT INTO report_iocs (report_id, type, value, origins)
     SELECT r.id, x.type, x.value, '{strings}'
       FROM reports r CROSS JOIN LATERAL (VALUES
         ('domain', 'host' || abs(hashtext(r.id::text)) % 20000 || '.example'),
         ('ip', '198.51.' || abs(hashtext(r.id::text || 'a')) % 256 || '.' || abs(hashtext(r.id::text || 'b')) % 256),
         ('url', 'http://host' || abs(hashtext(r.id::text)) % 20000 || '.example/' || r.id)) AS x(type, value)`,
  );
  await db.query('ANALYZE');
  log(`Filled ${REPORTS.toLocaleString('en')} reports and ${(REPORTS * 3).toLocaleString('en')} IOC rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Load on one URL; `targeted` false: figures only (a comparison, not held to the feed's targets). */
async function measure(label: string, target: { url: string; headers: Record<string, string> }, targeted = true): Promise<void> {
  const check = await fetch(target.url, { headers: target.headers });
  if (check.status !== 200) {
    log(`  ${label}: answered ${check.status} (${(await check.text()).slice(0, 200)}): NOT MEASURED`);
    return;
  }
  await autocannonRun({ ...target, connections: 10, duration: WARMUP });
  const result = await autocannonRun({ ...target, connections: CONNECTIONS, duration: DURATION });
  const rps = result.requests.average;
  const p99 = result.latency.p99;
  log(`  ${label}`);
  log(`    requests/s (average)  ${rps.toFixed(0).padStart(8)}${targeted ? `   target >= ${TARGET_RPS}   ${verdict(rps >= TARGET_RPS)}` : ''}`);
  log(`    latency p50           ${`${result.latency.p50} ms`.padStart(8)}`);
  log(`    latency p99           ${`${p99} ms`.padStart(8)}${targeted ? `   target < ${TARGET_P99_MS} ms   ${verdict(p99 < TARGET_P99_MS)}` : ''}`);
  log(`    requests              ${String(result.requests.total).padStart(8)}   (2xx ${result['2xx']}, non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts})`);
}

async function downloadIocs(base: string, apiKey: string, pid: number): Promise<void> {
  global.gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const before = rss(pid);
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, rss(pid))), 50);
  const started = Date.now();
  const res = await fetch(`${base}/api/threatintel/download-iocs`, { headers: { 'x-api-key': apiKey } });
  if (res.status !== 200 || !res.body) {
    clearInterval(sampler);
    log(`  download-iocs answered ${res.status}: NOT MEASURED`);
    return;
  }
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) lines++;
  }
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  log('  GET /api/threatintel/download-iocs (all reports, streamed)');
  log(`    rows                  ${String(lines - 1).padStart(10)}   (${mb(bytes)} in ${seconds.toFixed(1)} s, ${((lines - 1) / seconds).toFixed(0)} rows/s)`);
  log(`    server RSS            ${mb(before).padStart(10)} before, ${mb(peak)} peak: growth ${mb(peak - before)}`);
}

async function main(): Promise<void> {
  buildApp();
  const pg = await startPostgres();
  const url = await migratedDatabase(pg.url, 'bench');
  const db = new Client({ connectionString: url });
  await db.connect();
  cleanups.unshift(() => db.end());
  await fill(db);

  // A license with every feature, signed by a key made for this run.
  const vendor = generateKeyPairSync('ed25519');
  const [{ deployment_id: deploymentId }] = (await db.query('SELECT deployment_id FROM deployment WHERE id = 1')).rows;
  const license = signLicense(
    {
      licenseId: `LIC-BENCH-${randomUUID()}`,
      customer: 'Benchmark',
      deploymentId,
      issuedAt: new Date(Date.now() - 60_000).toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      limits: { scansPerDay: null, users: null },
      features: Object.values(LicenseFeature),
    },
    vendor.privateKey,
  );
  const p = license.payload;
  await db.query(
    `INSERT INTO licenses (license_id, customer, deployment_id, issued_at, expires_at, features, scans_per_day, max_users, document, activation_method)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'offline')`,
    [p.licenseId, p.customer, p.deploymentId, p.issuedAt, p.expiresAt, p.features, p.limits.scansPerDay, p.limits.users, JSON.stringify(license)],
  );

  const dataDir = await temporaryDirectory('sandbox-bench-');
  const server = await startServer({
    databaseUrl: url,
    dataDir,
    env: {
      LICENSE_PUBLIC_KEY: vendor.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    cpuProfileDir: CPU_PROF_DIR,
  });
  const { base } = server;
  log(`Server (pid ${server.api.pid}) on ${base}`);

  // The administrator's key: admins may read every feed (intel, admin and auditor may read the advanced one).
  const apiKey = await createApiKey(base, await adminToken(base));
  const headers = { 'x-api-key': apiKey };

  log(`Measuring ${CONNECTIONS} connections, ${DURATION} s each (after ${WARMUP} s of warm-up):`);
  await measure('GET /api/feed/reports (newest page)', { url: `${base}/api/feed/reports`, headers });
  // Pollers that are up to date all hold the same token: the newest settled report's.
  const info = (await (await fetch(`${base}/api/feed/reports/info`, { headers })).json()) as { since: string };
  await measure('GET /api/feed/reports?since= (pollers that are up to date)', { url: `${base}/api/feed/reports?since=${info.since}`, headers });
  const since = new Date(Date.now() - 15 * 86_400_000).toISOString();
  await measure('GET /api/threatintel/feed (100 items with IOCs and signals, from 15 days ago; for comparison, no target)', { url: `${base}/api/threatintel/feed?since=${since}`, headers }, false);
  await downloadIocs(base, apiKey, server.api.pid!);
}

runBenchmark(main, MAX_SECONDS);
