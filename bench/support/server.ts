/**
 * The built app as the server benchmarks run it: built once (`npm run build`), on a throw-away
 * PostgreSQL, as child processes (`node dist/src/main.js`, loopback only) so that the load generator
 * and the server do not share one event loop, and reached through its HTTP API only.
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { migrate } from '../../src/database/data-source';
import { freePort } from '../../src/database/embedded-postgres';
import { createDatabase, startTemporaryPostgres } from '../../src/database/temporary-postgres';
import { cleanups, log } from './benchmark';

const ROOT = resolve(__dirname, '../..');
const ADMIN_EMAIL = 'bench-admin@example.com';
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('hex')}`;

/** Builds the app (npm run build), unless BENCH_SKIP_BUILD=1 and dist/src/main.js exists. */
export function buildApp(): void {
  if (process.env.BENCH_SKIP_BUILD !== '1' || !existsSync(join(ROOT, 'dist/src/main.js'))) {
    log('Building (npm run build)...');
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
}

/** Starts a throw-away PostgreSQL cluster, stopped (and its directory removed) at cleanup. */
export async function startPostgres(): Promise<Awaited<ReturnType<typeof startTemporaryPostgres>>> {
  log('Starting a throw-away PostgreSQL...');
  const pg = await startTemporaryPostgres();
  cleanups.push(() => pg.stop());
  return pg;
}

/** Creates the database `name` on the cluster of `serverUrl`, migrates it and returns its URL. */
export async function migratedDatabase(serverUrl: string, name: string): Promise<string> {
  const url = await createDatabase(serverUrl, name);
  await migrate(url);
  return url;
}

export interface ServerOptions {
  databaseUrl: string;
  dataDir: string;
  /** One process per role (APP_ROLE), all on the same port and with the same APP_SECRET. Default: ['api']. */
  roles?: string[];
  /** Added to (or overriding) the environment every process gets. */
  env?: Record<string, string>;
  /**
   * Write a V8 CPU profile of each process into this folder (open it in Chrome DevTools). The
   * processes are then stopped with SIGUSR2 -> process.exit, so that V8 writes the profile.
   */
  cpuProfileDir?: string;
  /** SIGKILL a process that has not exited this long after the stop signal (default 15 s). */
  killAfterMs?: number;
}

export interface Server {
  /** http://127.0.0.1:<port> */
  base: string;
  processes: { role: string; child: ChildProcess }[];
  /** The process that answers HTTP (the first one whose role is not worker). */
  api: ChildProcess;
  /** Stops every process (also done at cleanup). */
  stop(): Promise<void>;
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals, killAfterMs: number): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('exit', () => {
      clearTimeout(kill);
      done();
    });
    child.kill(signal);
  });
}

async function waitForServer(base: string, processes: Server['processes']): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const p of processes) if (p.child.exitCode !== null) throw new Error(`the ${p.role} process exited with code ${p.child.exitCode}`);
    try {
      if ((await fetch(`${base}/api/system/info`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the server did not answer within 60 s');
}

/**
 * Runs the built server (`node --no-node-snapshot dist/src/main.js`) on a free loopback port with the
 * benchmark's administrator, stopped at cleanup; resolves once GET /api/system/info answers (60 s at most).
 */
export async function startServer(options: ServerOptions): Promise<Server> {
  const { roles = ['api'], cpuProfileDir, killAfterMs = 15_000 } = options;
  const nodeArgs = cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, '--import', 'data:text/javascript,process.once("SIGUSR2",()=>process.exit(0))']
    : [];
  const stopSignal: NodeJS.Signals = cpuProfileDir ? 'SIGUSR2' : 'SIGTERM';
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const appSecret = randomBytes(32).toString('hex');
  const processes = roles.map((role) => {
    const child = spawn(process.execPath, [...nodeArgs, '--no-node-snapshot', 'dist/src/main.js'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: options.databaseUrl,
        HOST: '127.0.0.1',
        PORT: String(port),
        APP_ROLE: role,
        DATA_DIR: options.dataDir,
        APP_SECRET: appSecret,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        DB_MIGRATIONS_RUN: 'false',
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        ...options.env,
      },
    });
    return { role, child };
  });
  const server: Server = {
    base,
    processes,
    api: processes.find((p) => p.role !== 'worker')!.child,
    stop: async () => {
      for (const p of processes) await stopProcess(p.child, stopSignal, killAfterMs);
    },
  };
  cleanups.unshift(() => server.stop());
  await waitForServer(base, processes);
  return server;
}

/** A JSON request to the API: GET, or POST when there is a body; with a bearer token if given. Throws unless 2xx. */
export async function api(base: string, path: string, init: { body?: unknown; token?: string } = {}): Promise<any> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method: init.body === undefined ? 'GET' : 'POST', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Logs in as the administrator the server was started with; the access token. */
export async function adminToken(base: string): Promise<string> {
  return (await api(base, '/api/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).access_token;
}

/** A new API key (for the X-Api-Key header) of the user whose access token is `token`. */
export async function createApiKey(base: string, token: string): Promise<string> {
  return (await api(base, '/api/users/api-key/create', { token, body: {} })).api_key;
}

/** One autocannon run. */
export function autocannonRun(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolveRun, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolveRun(result)));
  });
}
