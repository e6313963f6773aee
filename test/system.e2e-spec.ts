import { mkdir, rm, writeFile } from 'node:fs/promises';
import { SchedulerRegistry } from '@nestjs/schedule';
import { UserGroup } from '../src/common/access/user-group';
import { HealthService, RECORD_LOCK } from '../src/modules/system/health.service';
import { QueueService } from '../src/queue/queue.service';
import { ADMIN_PASSWORD, TestApp } from './support/test-app';

describe('System', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await TestApp.start({ APP_ROLE: 'all', HEALTHCHECK_INTERVAL: '60', HEALTHCHECK_RETENTION_DAYS: '7' });
    admin = await t.login();
  });
  afterAll(() => t.close());

  describe('info, version, config', () => {
    it('answers info and version to anyone', async () => {
      const info = await t.request('/api/system/info');
      expect(info.status).toBe(200);
      expect(info.body).toEqual({ name: 'sandbox-platform', message: 'API is working' });
      const version = await t.request('/api/system/version');
      expect(version.status).toBe(200);
      expect(version.body).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/), node: process.version });
    });

    it('answers the front-end configuration to anyone, with no secrets', async () => {
      const res = await t.request('/api/system/config');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        name: 'sandbox-platform',
        version: expect.any(String),
        auth: {
          methods: ['password', 'api_key'],
          loginUrl: '/api/auth/login',
          apiKeyHeader: 'X-Api-Key',
          invitations: true,
          selfRegistration: false,
          tokenExpiresIn: 3600,
        },
        features: { swaggerUi: true, apiKeys: true, healthHistory: true },
        limits: { maxBodySize: 1024 * 1024 },
      });
      const text = JSON.stringify(res.body);
      for (const secret of [t.config.secret!, t.config.database.url!, ADMIN_PASSWORD, t.config.dataDir]) expect(text).not.toContain(secret);
    });
  });

  describe('do-healthcheck', () => {
    it('answers 200 with every check ok to an administrator', async () => {
      const res = await t.request('/api/system/do-healthcheck', { token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', checkedAt: expect.any(String), durationMs: expect.any(Number), checks: expect.any(Array) });
      expect(res.body.checks.map((c: { name: string }) => c.name).sort()).toEqual(['database', 'queue', 'storage']);
      for (const check of res.body.checks) {
        expect(check).toEqual({ name: check.name, status: 'ok', latencyMs: expect.any(Number), error: null });
        expect(check.latencyMs).toBeLessThan(2000);
      }
    });

    it('is open to auditors (read-only admins)', async () => {
      const auditor = await t.newUser([UserGroup.Auditor]);
      expect((await t.request('/api/system/do-healthcheck', { token: auditor.token })).status).toBe(200);
    });

    it('refuses anonymous callers (401) and plain users (403)', async () => {
      expect((await t.request('/api/system/do-healthcheck')).status).toBe(401);
      const user = await t.newUser();
      expect((await t.request('/api/system/do-healthcheck', { token: user.token })).status).toBe(403);
    });

    it('answers 503 with the storage down when DATA_DIR cannot hold files, and 200 again once it can', async () => {
      const dataDir = t.config.dataDir;
      // Tests run as root, which chmod does not stop: make DATA_DIR a file, which cannot be a directory.
      await rm(dataDir, { recursive: true, force: true });
      await writeFile(dataDir, 'not a directory');
      try {
        const res = await t.request('/api/system/do-healthcheck', { token: admin });
        expect(res.status).toBe(503);
        expect(res.body.status).toBe('down');
        const byName = Object.fromEntries(res.body.checks.map((c: { name: string }) => [c.name, c]));
        expect(byName.storage).toMatchObject({ status: 'down', error: expect.stringMatching(/EEXIST|ENOTDIR|not a directory|exists/i) });
        expect(byName.database).toMatchObject({ status: 'ok', error: null });
        expect(byName.queue).toMatchObject({ status: 'ok', error: null });
      } finally {
        await rm(dataDir, { force: true });
        await mkdir(dataDir, { recursive: true });
      }
      expect((await t.request('/api/system/do-healthcheck', { token: admin })).status).toBe(200);
    });
  });

  describe('history', () => {
    const health = () => t.app.get(HealthService);

    it('records nothing while another process holds the recording lock', async () => {
      await t.db.query('BEGIN');
      try {
        await t.db.query('SELECT pg_advisory_xact_lock($1)', [RECORD_LOCK]);
        expect(await health().recordScheduledCheck()).toBeNull();
      } finally {
        await t.db.query('COMMIT');
      }
      expect((await t.db.query('SELECT count(*)::int AS n FROM healthchecks')).rows[0].n).toBe(0);
    });

    it('records one check per interval, deletes records past the retention, and serves both views', async () => {
      // A record older than the retention (7 days) and one inside it, from an earlier interval.
      await t.db.query(
        `INSERT INTO healthchecks (checked_at, status, duration_ms, checks, host) VALUES
           (now() - interval '8 days', 'ok', 5, '[]', 'old:1'),
           (now() - interval '2 days', 'down', 2001, $1, 'earlier:2')`,
        [JSON.stringify([{ name: 'database', status: 'down', latencyMs: 2000, error: 'connect ECONNREFUSED 10.0.0.7:5432 secret-detail' }])],
      );

      const recorded = await health().recordScheduledCheck();
      expect(recorded).toMatchObject({ id: expect.any(String), status: 'ok', checkedAt: expect.any(Date) });
      // Within the same interval the job records nothing more (in this or any other process).
      expect(await health().recordScheduledCheck()).toBeNull();

      const { rows } = await t.db.query('SELECT host FROM healthchecks ORDER BY checked_at');
      expect(rows.map((r) => r.host)).toEqual(['earlier:2', expect.stringMatching(/:\d+$/)]);

      const full = await t.request('/api/system/query-full-healthcheck', { token: admin });
      expect(full.status).toBe(200);
      expect(full.body).toMatchObject({ total: 2, page: 1, limit: 25 });
      expect(full.body.items[0]).toEqual({
        id: recorded!.id,
        checkedAt: expect.any(String),
        status: 'ok',
        durationMs: expect.any(Number),
        host: expect.any(String),
        checks: expect.arrayContaining([{ name: 'storage', status: 'ok', latencyMs: expect.any(Number), error: null }]),
      });
      expect(full.body.items[1]).toMatchObject({ status: 'down', checks: [{ name: 'database', error: expect.stringContaining('ECONNREFUSED') }] });

      const sanitized = await t.request('/api/system/query-healthcheck');
      expect(sanitized.status).toBe(200);
      expect(sanitized.body).toEqual({
        items: [
          { checkedAt: full.body.items[0].checkedAt, status: 'ok' },
          { checkedAt: full.body.items[1].checkedAt, status: 'down' },
        ],
        total: 2,
        page: 1,
        limit: 25,
      });
      expect(JSON.stringify(sanitized.body)).not.toMatch(/ECONNREFUSED|secret|10\.0\.0\.7|database|earlier|host|latency/);
    });

    it('pages and filters by date', async () => {
      const yesterday = new Date(Date.now() - 86_400_000).toISOString();
      const recent = await t.request(`/api/system/query-healthcheck?from=${encodeURIComponent(yesterday)}`);
      expect(recent.body).toMatchObject({ total: 1, items: [{ status: 'ok' }] });
      const older = await t.request(`/api/system/query-full-healthcheck?to=${encodeURIComponent(yesterday)}`, { token: admin });
      expect(older.body).toMatchObject({ total: 1, items: [{ status: 'down', host: 'earlier:2' }] });
      const page2 = await t.request('/api/system/query-healthcheck?page=2&limit=1');
      expect(page2.body).toMatchObject({ total: 2, page: 2, limit: 1, items: [{ status: 'down' }] });
    });

    it('answers 422 to a bad date or page, and refuses the full view to guests and plain users', async () => {
      expect((await t.request('/api/system/query-healthcheck?from=yesterday')).status).toBe(422);
      expect((await t.request('/api/system/query-healthcheck?page=0')).status).toBe(422);
      expect((await t.request('/api/system/query-full-healthcheck')).status).toBe(401);
      const user = await t.newUser();
      expect((await t.request('/api/system/query-full-healthcheck', { token: user.token })).status).toBe(403);
    });

    it('registers the recording job with the configured interval', () => {
      expect(t.app.get(HealthService)).toBeDefined();
      const registry = t.app.get(SchedulerRegistry);
      expect(registry.getIntervals()).toContain('system.healthcheck');
    });
  });

  describe('queue', () => {
    it('runs a job sent through the queue and reports queue depth', async () => {
      const queue = t.app.get(QueueService);
      const seen: unknown[] = [];
      let done!: () => void;
      const finished = new Promise<void>((resolve) => (done = resolve));
      await queue.work<{ n: number }>('test.echo', async (job) => {
        seen.push(job.data);
        done();
      }, { concurrency: 1, pollingIntervalSeconds: 0.5 });
      const id = await queue.send('test.echo', { n: 42 });
      expect(id).toEqual(expect.any(String));
      await finished;
      expect(seen).toEqual([{ n: 42 }]);
      const stats = await queue.stats();
      expect(stats.queues.find((q) => q.name === 'test.echo')).toMatchObject({ waiting: 0, failed: 0 });
      expect(stats.queues.map((q) => q.name)).not.toContain('__pgboss__send-it');
    });

    it('counts waiting jobs and the age of the oldest', async () => {
      const queue = t.app.get(QueueService);
      await queue.send('test.idle', { a: 1 });
      await queue.send('test.idle', { a: 2 });
      await t.db.query(`UPDATE pgboss.job SET created_on = now() - interval '90 seconds' WHERE name = 'test.idle'`);
      const stats = await queue.stats();
      expect(stats.queues.find((q) => q.name === 'test.idle')).toEqual({ name: 'test.idle', waiting: 2, active: 0, failed: 0, oldestWaitingSeconds: expect.any(Number) });
      expect(stats.oldestWaitingSeconds).toBeGreaterThanOrEqual(89);
      expect(stats.waiting).toBeGreaterThanOrEqual(2);
    });

    it('only enqueues in the api role: consumers are registered by worker processes', async () => {
      const api = await TestApp.start({ APP_ROLE: 'api' });
      try {
        const queue = api.app.get(QueueService);
        expect(await queue.work('test.api', async () => undefined)).toEqual([]);
        expect(await queue.send('test.api', { x: 1 })).toEqual(expect.any(String));
        expect((await queue.stats()).queues).toEqual([expect.objectContaining({ name: 'test.api', waiting: 1 })]);
        const token = await api.login();
        expect((await api.request('/api/system/do-healthcheck', { token })).status).toBe(200);
      } finally {
        await api.close();
      }
    });
  });
});
