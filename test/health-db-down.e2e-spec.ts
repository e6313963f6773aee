import { rm } from 'node:fs/promises';
import { startTemporaryPostgres } from '../src/database/temporary-postgres';
import { HealthService } from '../src/modules/system/health.service';
import { TestApp } from './support/test-app';

/**
 * Runs on a PostgreSQL cluster of its own, which the test stops: the shared test cluster other files
 * use is never touched.
 */
describe('Health when the database is stopped', () => {
  let pg: Awaited<ReturnType<typeof startTemporaryPostgres>>;
  let t: TestApp;
  let admin: string;
  let pgStopped = false;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    pg = await startTemporaryPostgres();
    t = await TestApp.start({}, { serverUrl: pg.url });
    // The test's own connection to the database would otherwise throw when the server goes away.
    t.db.on('error', () => undefined);
    admin = await t.login();
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    // TestApp.close() would drop the database on the stopped server: clean up by hand instead.
    await t?.app.close();
    await t?.db.end().catch(() => undefined);
    await rm(t?.config.dataDir ?? '/nonexistent', { recursive: true, force: true });
    if (!pgStopped) await pg?.stop();
  });

  it('health goes 503 when the database is stopped', async () => {
    const before = await t.request('/api/system/do-healthcheck', { token: admin });
    expect(before.status).toBe(200);
    expect(before.body.status).toBe('ok');

    await pg.stop();
    pgStopped = true;

    const started = Date.now();
    const res = await t.request('/api/system/do-healthcheck', { token: admin });
    expect(Date.now() - started).toBeLessThan(5000); // bounded by the 2 s check timeout, never hangs
    // The admin's token cannot be checked against a stopped database: 503 (retry later), never 500.
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body).toMatchObject({ statusCode: 503, message: expect.stringMatching(/database is unavailable/) });
    // Without credentials the route still refuses (no database needed to know that).
    expect((await t.request('/api/system/do-healthcheck')).status).toBe(401);

    // In the service, with the reasons.
    const report = await t.app.get(HealthService).check();
    expect(report.status).toBe('down');
    const reasons = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(reasons.database).toMatchObject({ status: 'down', error: expect.stringMatching(/ECONNREFUSED|terminat|connect/i) });
    expect(reasons.queue).toMatchObject({ status: 'down', error: expect.any(String) });

    // The application itself keeps serving what needs no database.
    const info = await t.request('/api/system/info');
    expect(info.status).toBe(200);

    // A scheduled run cannot record, but does not throw either.
    await expect(t.app.get(HealthService).recordScheduledCheck()).resolves.toBeNull();

    // pg-boss's pollers and the pools met the vanished server: give them a moment, nothing may go unhandled.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(unhandled).toEqual([]);
  });
});
