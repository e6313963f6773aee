import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createDatabase, dropDatabase } from '../../src/database/temporary-postgres';
import { createApp } from '../../src/app.factory';
import { UserGroup } from '../../src/common/access/user-group';
import { hashPassword } from '../../src/common/security/passwords';
import { createLogger } from '../../src/common/logging/logger';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { migrate } from '../../src/database/data-source';
import { AuthService } from '../../src/modules/auth/auth.service';
import { deploymentIdOf, installLicense, TEST_VENDOR_PUBLIC_PEM, testLicense } from './license';

export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  token?: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

/** A fresh database in the test cluster (or on the server of `serverUrl`). */
export async function createTestDatabase(serverUrl = process.env.TEST_PG_URL): Promise<{ url: string; drop(): Promise<void> }> {
  if (!serverUrl) throw new Error('TEST_PG_URL is not set: run the tests through jest (globalSetup starts PostgreSQL)');
  const name = `t_${randomBytes(6).toString('hex')}`;
  return { url: await createDatabase(serverUrl, name), drop: () => dropDatabase(serverUrl, name) };
}

/** The platform on a fresh database, listening on a random local port, with a first admin. */
export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
    readonly config: AppConfig,
    /** Direct connection to the app's database, for assertions and for tampering in tests. */
    readonly db: Client,
    private readonly cleanup: () => Promise<void>,
  ) {}

  /**
   * `options.serverUrl`: another PostgreSQL server than the shared test cluster (e.g. one a test stops).
   * `options.license`: by default a license with every feature (signed by the tests' vendor key) is active; `'none'` starts unlicensed.
   * `options.databaseUrl`: join the database of another TestApp (a second process of one deployment); it is not dropped on close, so close this one first.
   */
  static async start(
    env: Record<string, string> = {},
    options: { serverUrl?: string; license?: 'full' | 'none'; databaseUrl?: string } = {},
  ): Promise<TestApp> {
    const database = options.databaseUrl ? { url: options.databaseUrl, drop: async () => undefined } : await createTestDatabase(options.serverUrl);
    const dataDir = await mkdtemp(join(tmpdir(), 'sandbox-test-data-'));
    const config = loadConfig({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      APP_SECRET: 'test-secret-test-secret-test-secret-0123',
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      // Only the API: a test that needs analyses to run asks for APP_ROLE 'all' (or starts a worker).
      APP_ROLE: 'api',
      DB_POOL_SIZE: '10',
      LICENSE_PUBLIC_KEY: TEST_VENDOR_PUBLIC_PEM,
      ...env,
    });
    await migrate(database.url);
    const app = await createApp(config, createLogger(config.logLevel));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    const db = new Client({ connectionString: database.url });
    await db.connect();
    if (options.license !== 'none') await installLicense(app, db, testLicense(await deploymentIdOf(db)));
    return new TestApp(app, `http://127.0.0.1:${address.port}`, config, db, async () => {
      await db.end();
      await app.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    });
  }

  close(): Promise<void> {
    return this.cleanup();
  }

  async request<T = any>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.apiKey) headers['x-api-key'] = options.apiKey;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.url + path, { method: options.method ?? (body ? 'POST' : 'GET'), headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  async login(email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<string> {
    const res = await this.request('/api/auth/login', { body: { email, password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.access_token;
  }

  /** Factory: a user with the given groups, inserted directly, with a valid token. */
  async newUser(groups: UserGroup[] = [UserGroup.User], overrides: { email?: string; accessGroupId?: string } = {}): Promise<TestUser> {
    const email = overrides.email ?? `user-${randomBytes(4).toString('hex')}@example.com`;
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const { rows } = await this.db.query(
      'INSERT INTO users (email, name, password_hash, groups, access_group_id) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [email, email.split('@')[0], await hashPassword(password), groups, overrides.accessGroupId ?? null],
    );
    const { access_token } = await this.app.get(AuthService).issueToken(rows[0].id, 0);
    return { id: rows[0].id, email, password, token: access_token };
  }
}
