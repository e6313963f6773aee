import { UserGroup } from '../src/common/access/user-group';
import { Verdict } from '../src/engine/types';
import { ProcessRegistryService } from '../src/modules/admin-stats/process-registry.service';
import { QueueService } from '../src/queue/queue.service';
import { CreatedFlow, ReportFactory } from './support/report-factory';
import { TestApp } from './support/test-app';

const DAY = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

describe('Admin statistics', () => {
  let t: TestApp;
  let admin: string;
  // Start of the current UTC day: the submissions are placed relative to it so that day buckets are exact.
  const today = new Date(Math.floor(Date.now() / DAY) * DAY);
  const at = (days: number) => new Date(today.getTime() + days * DAY + 60_000);
  const tomorrow = new Date(today.getTime() + DAY);
  let flows: Record<string, CreatedFlow>;

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    await t.newUser([UserGroup.User]);
    const inactive = await t.newUser([UserGroup.Auditor]);
    await t.db.query('UPDATE users SET is_active = false WHERE id = $1', [inactive.id]);
    const f = new ReportFactory(t);
    flows = {
      malicious: await f.flow({ createdAt: at(0), root: { name: 'a.zip', verdict: Verdict.Malicious, children: [{ name: 'a1.exe' }, { name: 'a2.dll' }] } }),
      suspicious: await f.flow({ createdAt: at(0), root: { name: 'b.doc', verdict: Verdict.Suspicious } }),
      failed: await f.flow({ createdAt: at(0), root: { name: 'c.pdf', verdict: Verdict.NoThreat } }),
      queued: await f.flow({ createdAt: at(0), root: { name: 'd.bin', verdict: Verdict.Unknown } }),
      twoDaysAgo: await f.flow({ createdAt: at(-2), root: { name: 'e.js', verdict: Verdict.LikelyMalicious } }),
      old: await f.flow({ createdAt: at(-40), root: { name: 'f.exe', verdict: Verdict.Malicious } }),
    };
    await t.db.query(`UPDATE flows SET finished_at = now() - interval '3 hours'`);
    await t.db.query(`UPDATE flows SET finished_at = now() - interval '5 minutes' WHERE id = $1`, [flows.malicious.flowId]);
    await t.db.query(`UPDATE flows SET state = 'failed', finished_at = now() - interval '10 minutes' WHERE id = $1`, [flows.failed.flowId]);
    await t.db.query(`UPDATE flows SET state = 'queued', finished_at = NULL WHERE id = $1`, [flows.queued.flowId]);
  });
  afterAll(() => t.close());

  it('counts submissions, reports, verdicts, stored files and users for a period', async () => {
    const res = await t.request(`/api/admin/stat?from=${at(-30).toISOString()}&to=${tomorrow.toISOString()}`, { token: admin });
    expect(res.status).toBe(200);
    const bytes = Object.values(flows).flatMap((f) => f.reports).reduce((n, r) => n + r.content.length, 0);
    expect(res.body).toEqual({
      from: at(-30).toISOString(),
      to: tomorrow.toISOString(),
      submissions: { total: 5, files: 5, urls: 0, failed: 1 },
      reports: { total: 7, submitted: 5, extracted: 2 },
      verdicts: { BENIGN: 0, UNKNOWN: 1, NO_THREAT: 1, INFORMATIONAL: 0, SUSPICIOUS: 1, LIKELY_MALICIOUS: 1, MALICIOUS: 1 },
      samples: { count: 8, bytes },
      users: { total: 3, active: 2 },
    });
    // A longer period takes in the 40-day-old submission.
    const all = await t.request(`/api/admin/stat?from=${at(-50).toISOString()}&to=${tomorrow.toISOString()}`, { token: admin });
    expect(all.body.submissions.total).toBe(6);
    expect(all.body.verdicts.MALICIOUS).toBe(2);
  });

  it('answers 400 to an empty or reversed period and 422 to a malformed date', async () => {
    expect((await t.request(`/api/admin/stat?from=${tomorrow.toISOString()}&to=${today.toISOString()}`, { token: admin })).status).toBe(400);
    const bad = await t.request('/api/admin/stat?from=yesterday', { token: admin });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['from']);
    expect((await t.request('/api/admin/stat/daily?from=2026-13-01', { token: admin })).status).toBe(422);
    expect((await t.request('/api/admin/stat/daily?from=2025-01-01&to=2026-06-01', { token: admin })).status).toBe(400);
    expect((await t.request('/api/admin/stat/daily?from=2026-06-02&to=2026-06-01', { token: admin })).status).toBe(400);
    expect((await t.request('/api/admin/stat/scan/states?from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z', { token: admin })).status).toBe(400);
  });

  it('counts per UTC day, days without activity included', async () => {
    const res = await t.request(`/api/admin/stat/daily?from=${isoDay(at(-3))}&to=${isoDay(today)}`, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { date: isoDay(at(-3)), submissions: 0, reports: 0, malicious: 0, suspicious: 0, failed: 0 },
      { date: isoDay(at(-2)), submissions: 1, reports: 1, malicious: 1, suspicious: 0, failed: 0 },
      { date: isoDay(at(-1)), submissions: 0, reports: 0, malicious: 0, suspicious: 0, failed: 0 },
      { date: isoDay(today), submissions: 4, reports: 6, malicious: 1, suspicious: 1, failed: 1 },
    ]);
    // Default: the last 30 days, ending today.
    const def = await t.request('/api/admin/stat/daily', { token: admin });
    expect(def.body).toHaveLength(30);
    expect(def.body[29]).toEqual({ date: isoDay(today), submissions: 4, reports: 6, malicious: 1, suspicious: 1, failed: 1 });
  });

  it('counts submissions per state, overall and for a period', async () => {
    const all = await t.request('/api/admin/stat/scan/states', { token: admin });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({ queued: 1, running: 0, finished: 4, failed: 1, total: 6 });
    const todays = await t.request(`/api/admin/stat/scan/states?from=${today.toISOString()}`, { token: admin });
    expect(todays.body).toEqual({ queued: 1, running: 0, finished: 2, failed: 1, total: 4 });
  });

  it('reports queue depth, the oldest waiting job, and failures in the last hour and day', async () => {
    const queue = t.app.get(QueueService);
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await queue.send('test.stats', { i }));
    await t.db.query(`UPDATE pgboss.job SET created_on = now() - interval '120 seconds' WHERE name = 'test.stats'`);
    await t.db.query(`UPDATE pgboss.job SET state = 'failed', completed_on = now() - interval '20 minutes' WHERE id = $1`, [ids[0]]);
    await t.db.query(`UPDATE pgboss.job SET state = 'failed', completed_on = now() - interval '5 hours' WHERE id = $1`, [ids[1]]);
    await t.db.query(`UPDATE pgboss.job SET state = 'failed', completed_on = now() - interval '3 days' WHERE id = $1`, [ids[2]]);
    const res = await t.request('/api/admin/stat/scan/health', { token: admin });
    expect(res.status).toBe(200);
    const mine = res.body.queues.find((q: { name: string }) => q.name === 'test.stats');
    expect(mine).toEqual({ name: 'test.stats', waiting: 1, active: 0, failed: 3, oldest_waiting_seconds: expect.any(Number) });
    expect(mine.oldest_waiting_seconds).toBeGreaterThanOrEqual(119);
    expect(mine.oldest_waiting_seconds).toBeLessThan(180);
    expect(res.body).toMatchObject({
      failed_jobs_last_hour: 1,
      failed_jobs_last_day: 2,
      failed_flows_last_hour: 1,
      failed_flows_last_day: 1,
      finished_flows_last_hour: 1,
    });
    expect(res.body.waiting).toBe(res.body.queues.reduce((n: number, q: { waiting: number }) => n + q.waiting, 0));
    expect(res.body.oldest_waiting_seconds).toBeGreaterThanOrEqual(mine.oldest_waiting_seconds);
  });

  it('lists the services and the live API and worker processes', async () => {
    const self = t.app.get(ProcessRegistryService);
    await t.db.query(
      `INSERT INTO platform_processes (id, host, pid, role, version, started_at, seen_at) VALUES
         ('worker-1:77:1', 'worker-1', 77, 'worker', '0.1.0', now() - interval '1 hour', now()),
         ('worker-2:78:1', 'worker-2', 78, 'worker', '0.1.0', now() - interval '2 hours', now() - interval '2 minutes')`,
    );
    const res = await t.request('/api/admin/stat/services', { token: admin });
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.services.map((s: { name: string }) => [s.name, s]));
    expect(byName.api).toEqual({ name: 'api', status: 'up', instances: 1, latency_ms: null, detail: null });
    expect(byName.worker).toEqual({ name: 'worker', status: 'up', instances: 1, latency_ms: null, detail: null });
    expect(byName.database).toMatchObject({ status: 'up', instances: null, detail: expect.stringMatching(/^PostgreSQL \d+/) });
    expect(byName.queue).toMatchObject({ status: 'up', detail: 'pg-boss' });
    expect(byName.storage).toMatchObject({ status: 'up', detail: 'filesystem' });
    expect(res.body.processes.map((p: { host: string; role: string }) => `${p.host}/${p.role}`).sort()).toEqual(
      [`${self.id.split(':')[0]}/api`, 'worker-1/worker'].sort(),
    );
    // Without a live worker, the worker service is down and says why.
    await t.db.query(`DELETE FROM platform_processes WHERE role = 'worker'`);
    const none = await t.request('/api/admin/stat/services', { token: admin });
    expect(none.body.services.find((s: { name: string }) => s.name === 'worker')).toEqual({
      name: 'worker',
      status: 'down',
      instances: 0,
      latency_ms: null,
      detail: 'no live process in the worker or all role',
    });
  });

  it('lets auditors read and refuses users and guests', async () => {
    const auditor = await t.newUser([UserGroup.Auditor]);
    const user = await t.newUser([UserGroup.User]);
    for (const path of ['/api/admin/stat', '/api/admin/stat/daily', '/api/admin/stat/services', '/api/admin/stat/scan/health', '/api/admin/stat/scan/states']) {
      expect((await t.request(path, { token: auditor.token })).status).toBe(200);
      expect((await t.request(path, { token: user.token })).status).toBe(403);
      expect((await t.request(path)).status).toBe(401);
    }
  });
});
