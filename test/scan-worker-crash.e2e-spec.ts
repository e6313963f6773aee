import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { flowRow, reportsOf, submitFile, waitForFlow } from './support/scan-worker';
import { TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const APP_SECRET = 'test-secret-test-secret-test-secret-0123'; // TestApp's

/** Worker settings: a short engine limit makes a lost job stale soon (job expiry 2 × 10 s + 1 s). */
const WORKER_ENV = { ENGINE_TIMEOUT: '10', URL_FETCH_TIMEOUT: '1', SCAN_MAX_ATTEMPTS: '3', WORKER_CONCURRENCY: '1' };

interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
}

/** `node -r ts-node/register/transpile-only src/main.ts --role worker` on the test's database and sample store. */
function startWorker(t: TestApp): WorkerProcess {
  const child = spawn(process.execPath, ['--no-node-snapshot', '-r', 'ts-node/register/transpile-only', 'src/main.ts', '--role', 'worker'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: t.config.database.url,
      DATA_DIR: t.config.dataDir,
      APP_SECRET,
      DB_MIGRATIONS_RUN: 'false',
      DB_POOL_SIZE: '5',
      LOG_LEVEL: 'info',
      ...WORKER_ENV,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 400) output.shift();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output, exited };
}

async function stopWorker(worker: WorkerProcess | undefined): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 15_000);
  await worker.exited;
  clearTimeout(timer);
}

describe('Scan worker: a worker process killed mid-analysis', () => {
  let t: TestApp;
  let first: WorkerProcess | undefined;
  let second: WorkerProcess | undefined;
  beforeAll(async () => {
    // This process is the API: it queues, it does not analyse.
    t = await TestApp.start({ APP_ROLE: 'api', ...WORKER_ENV });
  });
  afterAll(async () => {
    await stopWorker(first);
    await stopWorker(second);
    await t?.close();
  });

  it('still finishes the flow, with exactly one set of reports', async () => {
    // 48 MB of noise: a few seconds of digests, strings and YARA, long enough to kill the worker during them.
    const data = randomBytes(48 * 1024 * 1024);
    const id = await submitFile(t, data, 'noise.bin');

    first = startWorker(t);
    try {
      await waitForFlow(t, id, 90_000, ['running', 'finished', 'failed']);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nworker output:\n${first.output.join('')}`);
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const orphan = await flowRow(t, id);
    expect(orphan).toMatchObject({ state: 'running', attempts: 1 });
    expect(await reportsOf(t, id)).toEqual([]);

    second = startWorker(t);
    let flow;
    try {
      flow = await waitForFlow(t, id, 120_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nsecond worker output:\n${second.output.join('')}`);
    }
    expect(flow).toMatchObject({ state: 'finished', error: null });
    expect(flow.attempts).toBeGreaterThanOrEqual(2); // 2, unless a loaded machine pushed the second try over ENGINE_TIMEOUT
    const reports = await reportsOf(t, id);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ file_index: 0, size: String(data.length), sha256: flow.sample_sha256 });
    expect(reports[0].data.overallState).toBe('success');
    // The IOC index points at that one report only, each digest once.
    const iocs = (await t.db.query(
      `SELECT i.report_id, i.type, count(*)::int AS n FROM report_iocs i JOIN reports r ON r.id = i.report_id
        WHERE r.flow_id = $1 AND i.type IN ('md5', 'sha1', 'sha256', 'sha512') GROUP BY i.report_id, i.type ORDER BY i.type`,
      [id],
    )).rows;
    expect(iocs).toEqual(['md5', 'sha1', 'sha256', 'sha512'].map((type) => ({ report_id: reports[0].id, type, n: 1 })));
  }, 240_000);
});
