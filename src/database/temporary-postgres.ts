import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { EmbeddedPostgres, freePort, startEmbeddedPostgres } from './embedded-postgres';

/** A throw-away PostgreSQL cluster in a temporary directory, for tools and tests. */
export async function startTemporaryPostgres(): Promise<EmbeddedPostgres & { dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'sandbox-pg-'));
  await chmod(dir, 0o755); // as root the cluster runs as the unprivileged postgres user, which must enter it
  const pg = await startEmbeddedPostgres({ clusterDir: join(dir, 'cluster'), passwordFile: join(dir, 'password'), port: await freePort() });
  return {
    ...pg,
    dir,
    stop: async () => {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a database on the server of `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
