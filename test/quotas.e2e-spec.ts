import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/app.factory';
import { UserGroup } from '../src/common/access/user-group';
import { createLogger } from '../src/common/logging/logger';
import { RateCounterPruneJob } from '../src/modules/quotas/rate-counter-prune.job';
import { RateCounterService } from '../src/modules/quotas/rate-counter.service';
import { ApiResponse, TestApp, TestUser } from './support/test-app';

const QUOTAS = '/api/admin/settings/api-quota';
const DAY = 86_400;

// Counting assertions use `day` windows: a window rolling over mid-test would reset the counters.
describe('API quotas', () => {
  let t: TestApp;
  /** An administrator who is in no other user group, so user-group quotas never touch the admin calls. */
  let root: TestUser;

  beforeAll(async () => {
    // TRUST_PROXY lets the guest test speak from several client addresses through X-Forwarded-For.
    t = await TestApp.start({ TRUST_PROXY: 'true' });
    root = await t.newUser([UserGroup.Admin]);
  });
  afterAll(() => t.close());

  // Each test leaves no quota behind.
  afterEach(async () => {
    const { body } = await t.request<{ id: string }[]>(QUOTAS, { token: root.token });
    for (const quota of body) await removeQuota(quota.id);
  });

  const saveQuota = (body: Record<string, unknown>, token = root.token) => t.request(QUOTAS, { token, body });
  const removeQuota = (id: string, token = root.token) => t.request(`${QUOTAS}/${id}/remove`, { method: 'POST', token });
  const addQuota = async (body: Record<string, unknown>): Promise<string> => {
    const res = await saveQuota(body);
    if (res.status !== 200) throw new Error(`saving a quota failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  };
  const me = (token: string) => t.request('/api/users/me', { token });
  const statuses = (responses: ApiResponse[]) => responses.map((r) => r.status);
  const counterOf = async (bucket: string): Promise<number> => {
    const { rows } = await t.db.query('SELECT count FROM rate_counters WHERE bucket = $1 AND window_start = $2', [bucket, RateCounterService.window(DAY).start]);
    return rows[0]?.count ?? 0;
  };

  describe('enforcement', () => {
    it('quota: 50 concurrent requests against a limit of 10 → exactly 10 succeed, the others get 429 with Retry-After and RateLimit headers', async () => {
      const user = await t.newUser();
      const id = await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'day', limit: 10 });

      const responses = await Promise.all(Array.from({ length: 50 }, () => me(user.token)));
      const ok = responses.filter((r) => r.status === 200);
      const refused = responses.filter((r) => r.status === 429);
      expect(ok).toHaveLength(10);
      expect(refused).toHaveLength(40);

      for (const res of refused) {
        const retryAfter = Number(res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(DAY);
        expect(res.headers.get('ratelimit-limit')).toBe('10');
        expect(res.headers.get('ratelimit-remaining')).toBe('0');
        expect(Number(res.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(DAY);
        expect(res.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', message: expect.stringMatching(/quota/i) });
      }
      // Each admitted call saw its own place in the window.
      expect(ok.map((r) => Number(r.headers.get('ratelimit-remaining'))).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(ok.every((r) => r.headers.get('ratelimit-limit') === '10')).toBe(true);
      // Refused calls were not counted.
      expect(await counterOf(`quota:${id}:${user.id}`)).toBe(10);
    });

    it('counts exactly across several API processes sharing one database', async () => {
      const user = await t.newUser();
      await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'day', limit: 10 });
      // A second application instance on the same database: its own rule cache and connection pool.
      const second: NestFastifyApplication = await createApp(t.config, createLogger('silent'));
      await second.listen({ port: 0, host: '127.0.0.1' });
      try {
        const secondUrl = `http://127.0.0.1:${(second.getHttpServer().address() as { port: number }).port}`;
        const viaSecond = () => fetch(`${secondUrl}/api/users/me`, { headers: { authorization: `Bearer ${user.token}` } }).then((r) => r.status);
        const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? viaSecond() : me(user.token).then((r) => r.status))));
        expect(results.filter((s) => s === 200)).toHaveLength(10);
        expect(results.filter((s) => s === 429)).toHaveLength(30);
      } finally {
        await second.close();
      }
    });

    it('answers without RateLimit headers when no quota applies', async () => {
      const user = await t.newUser();
      const res = await me(user.token);
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    });

    it('a quota for the `user` user group limits each member separately, but not an admin outside the group', async () => {
      const [alice, bob] = [await t.newUser([UserGroup.User]), await t.newUser([UserGroup.User, UserGroup.Intel])];
      await addQuota({ scope: 'user_group', scope_id: 'user', resource: 'api', period: 'day', limit: 3 });

      const aliceCalls = [];
      for (let i = 0; i < 4; i++) aliceCalls.push(await me(alice.token));
      expect(statuses(aliceCalls)).toEqual([200, 200, 200, 429]);
      expect(aliceCalls[2].headers.get('ratelimit-remaining')).toBe('0');
      expect((await me(bob.token)).status).toBe(200); // his own counter

      const adminCalls = [];
      for (let i = 0; i < 5; i++) adminCalls.push(await me(root.token));
      expect(statuses(adminCalls)).toEqual([200, 200, 200, 200, 200]);
      expect(adminCalls[0].headers.get('ratelimit-limit')).toBeNull();
    });

    it('a user quota overrides the user-group quota for the same resource and period, in both directions', async () => {
      const [generous, strict] = [await t.newUser(), await t.newUser()];
      await addQuota({ scope: 'user_group', scope_id: 'user', resource: 'api', period: 'day', limit: 2 });
      await addQuota({ scope: 'user', scope_id: generous.id, resource: 'api', period: 'day', limit: 4 });
      await addQuota({ scope: 'user', scope_id: strict.id, resource: 'api', period: 'day', limit: 1 });
      const calls = async (token: string) => {
        const out: number[] = [];
        for (let i = 0; i < 5; i++) out.push((await me(token)).status);
        return out;
      };
      expect(await calls(generous.token)).toEqual([200, 200, 200, 200, 429]);
      expect(await calls(strict.token)).toEqual([200, 429, 429, 429, 429]);
    });

    it('an access-group quota is one budget shared by the members of the group', async () => {
      const { rows } = await t.db.query(`INSERT INTO access_groups (name) VALUES ('soc-team') RETURNING id`);
      const group = rows[0].id as string;
      const [a, b] = [await t.newUser([UserGroup.User], { accessGroupId: group }), await t.newUser([UserGroup.User], { accessGroupId: group })];
      const outsider = await t.newUser();
      const id = await addQuota({ scope: 'access_group', scope_id: group, resource: 'api', period: 'day', limit: 4 });

      expect(statuses([await me(a.token), await me(b.token), await me(a.token), await me(b.token)])).toEqual([200, 200, 200, 200]);
      expect((await me(a.token)).status).toBe(429);
      expect((await me(b.token)).status).toBe(429);
      expect((await me(outsider.token)).status).toBe(200);
      expect(await counterOf(`quota:${id}:group`)).toBe(4);
    });

    it('a guest quota limits anonymous callers per client address, and not signed-in users', async () => {
      await addQuota({ scope: 'user_group', scope_id: 'guest', resource: 'api', period: 'day', limit: 3 });
      const info = (ip: string, token?: string) => t.request('/api/system/info', { token, headers: { 'x-forwarded-for': ip } });

      const first = [];
      for (let i = 0; i < 4; i++) first.push(await info('203.0.113.10'));
      expect(statuses(first)).toEqual([200, 200, 200, 429]);
      expect(Number(first[3].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(first[3].headers.get('ratelimit-limit')).toBe('3');

      expect((await info('203.0.113.11')).status).toBe(200); // another address, another counter
      const user = await t.newUser();
      for (let i = 0; i < 4; i++) expect((await info('203.0.113.10', user.token)).status).toBe(200);
    });

    it('removing a quota lifts the limit at once', async () => {
      const user = await t.newUser();
      const id = await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'day', limit: 1 });
      expect(statuses([await me(user.token), await me(user.token)])).toEqual([200, 429]);

      expect((await removeQuota(id)).status).toBe(200);
      const after = await me(user.token);
      expect(after.status).toBe(200);
      expect(after.headers.get('ratelimit-limit')).toBeNull();
      expect(await counterOf(`quota:${id}:${user.id}`)).toBe(0); // its counters went with it
    });

    it('raising a limit takes effect at once and keeps what was already counted', async () => {
      const user = await t.newUser();
      await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'day', limit: 2 });
      expect(statuses([await me(user.token), await me(user.token), await me(user.token)])).toEqual([200, 200, 429]);
      await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'day', limit: 3 });
      expect(statuses([await me(user.token), await me(user.token)])).toEqual([200, 429]);
    });

    it('a call refused by one quota is not counted by the others', async () => {
      const user = await t.newUser();
      const hourly = await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'hour', limit: 2 });
      const daily = await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'day', limit: 5 });
      // The daily budget is already spent (the hourly rule, being tighter, is counted first).
      await t.db.query('INSERT INTO rate_counters (bucket, window_start, count) VALUES ($1, $2, 5)', [`quota:${daily}:${user.id}`, RateCounterService.window(DAY).start]);

      const res = await me(user.token);
      expect(res.status).toBe(429);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      const { rows } = await t.db.query('SELECT coalesce(sum(count), 0)::int AS count FROM rate_counters WHERE bucket = $1', [`quota:${hourly}:${user.id}`]);
      expect(rows[0].count).toBe(0);
    });

    it('a quota on a resource other than api does not limit routes that do not consume it', async () => {
      const user = await t.newUser();
      await addQuota({ scope: 'user', scope_id: user.id, resource: 'scan', period: 'day', limit: 0 });
      expect((await me(user.token)).status).toBe(200);
    });

    it('a limit of 0 refuses every call', async () => {
      const user = await t.newUser();
      await addQuota({ scope: 'user', scope_id: user.id, resource: 'api', period: 'minute', limit: 0 });
      const res = await me(user.token);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    });
  });

  describe('admin API', () => {
    it('creates, lists, updates in place and removes quotas', async () => {
      const user = await t.newUser();
      const created = await saveQuota({ scope: 'user', scope_id: user.id, resource: 'search', period: 'hour', limit: 100 });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({
        id: expect.any(String),
        scope: 'user',
        scope_id: user.id,
        resource: 'search',
        period: 'hour',
        limit: 100,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });

      // Saving the same rule again changes its limit instead of adding a second one.
      const again = await saveQuota({ scope: 'user', scope_id: user.id, resource: 'search', period: 'hour', limit: 50 });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: created.body.id, limit: 50 });

      // Editing by id may change the rule itself.
      const edited = await saveQuota({ id: created.body.id, scope: 'user_group', scope_id: 'intel', resource: 'download', period: 'day', limit: 7 });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ id: created.body.id, scope: 'user_group', scope_id: 'intel', resource: 'download', period: 'day', limit: 7 });

      const list = await t.request(QUOTAS, { token: root.token });
      expect(list.status).toBe(200);
      expect(list.body).toEqual([edited.body]);

      // An auditor reads the quotas but cannot change them.
      const auditor = await t.newUser([UserGroup.Auditor]);
      expect((await t.request(QUOTAS, { token: auditor.token })).status).toBe(200);
      expect((await saveQuota({ scope: 'user_group', scope_id: 'user', resource: 'api', period: 'day', limit: 1 }, auditor.token)).status).toBe(403);

      expect((await removeQuota(created.body.id)).status).toBe(200);
      expect((await t.request(QUOTAS, { token: root.token })).body).toEqual([]);
    });

    it('answers 409 when an edit would duplicate another quota', async () => {
      const first = await addQuota({ scope: 'user_group', scope_id: 'user', resource: 'api', period: 'day', limit: 1000 });
      await addQuota({ scope: 'user_group', scope_id: 'user', resource: 'api', period: 'hour', limit: 100 });
      const res = await saveQuota({ id: first, scope: 'user_group', scope_id: 'user', resource: 'api', period: 'hour', limit: 5 });
      expect(res.status).toBe(409);
    });

    it('answers 422 to bad bodies, naming the fields', async () => {
      const user = await t.newUser();
      const valid = { scope: 'user', scope_id: user.id, resource: 'api', period: 'day', limit: 10 };
      const cases: [Record<string, unknown>, string[]][] = [
        [{}, ['limit', 'period', 'resource', 'scope', 'scope_id']],
        [{ ...valid, scope: 'team' }, ['scope']],
        [{ ...valid, resource: 'everything' }, ['resource']],
        [{ ...valid, period: 'week' }, ['period']],
        [{ ...valid, limit: -1 }, ['limit']],
        [{ ...valid, limit: 1.5 }, ['limit']],
        [{ ...valid, limit: '10' }, ['limit']],
        [{ ...valid, limit: 2 ** 31 }, ['limit']],
        [{ ...valid, scope_id: 'not-a-uuid' }, ['scope_id']],
        [{ ...valid, scope: 'access_group', scope_id: 'user' }, ['scope_id']],
        [{ ...valid, scope: 'user_group', scope_id: 'wizards' }, ['scope_id']],
        [{ ...valid, scope: 'user_group', scope_id: user.id }, ['scope_id']],
        [{ ...valid, id: 'nope' }, ['id']],
        [{ ...valid, extra: true }, ['extra']],
      ];
      for (const [body, fields] of cases) {
        const res = await saveQuota(body);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(fields);
      }
      expect((await removeQuota('not-a-uuid')).status).toBe(422);
    });

    it('answers 404 to unknown quotas, users and access groups', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await removeQuota(unknown)).status).toBe(404);
      expect((await saveQuota({ id: unknown, scope: 'user_group', scope_id: 'user', resource: 'api', period: 'day', limit: 1 })).status).toBe(404);
      const noUser = await saveQuota({ scope: 'user', scope_id: unknown, resource: 'api', period: 'day', limit: 1 });
      expect(noUser.status).toBe(404);
      expect(noUser.body.message).toMatch(/user/i);
      const noGroup = await saveQuota({ scope: 'access_group', scope_id: unknown, resource: 'api', period: 'day', limit: 1 });
      expect(noGroup.status).toBe(404);
      expect(noGroup.body.message).toMatch(/access group/i);
      expect((await t.request(QUOTAS, { token: root.token })).body).toEqual([]);
    });

    it('answers 403 to a plain user and 401 to anonymous callers', async () => {
      const id = await addQuota({ scope: 'user_group', scope_id: 'intel', resource: 'api', period: 'day', limit: 1000 });
      const user = await t.newUser();
      const body = { scope: 'user_group', scope_id: 'user', resource: 'api', period: 'day', limit: 0 };
      expect((await t.request(QUOTAS, { token: user.token })).status).toBe(403);
      expect((await saveQuota(body, user.token)).status).toBe(403);
      expect((await removeQuota(id, user.token)).status).toBe(403);
      expect((await t.request(QUOTAS)).status).toBe(401);
      expect((await t.request(QUOTAS, { body })).status).toBe(401);
      expect((await t.request(`${QUOTAS}/${id}/remove`, { method: 'POST' })).status).toBe(401);
      expect((await t.request(QUOTAS, { token: root.token })).body).toHaveLength(1);
    });

    it('records every change in the audit log with before and after', async () => {
      const user = await t.newUser();
      const rule = { scope: 'user', scope_id: user.id, resource: 'download', period: 'day' };
      const created = await saveQuota({ ...rule, limit: 10 });
      const updated = await saveQuota({ ...rule, limit: 20 });
      const id = created.body.id as string;
      expect((await removeQuota(id)).status).toBe(200);
      expect((await removeQuota(id)).status).toBe(404);

      const { rows } = await t.db.query(
        `SELECT action, outcome, actor_id, target_type, target_id, before, after, details->>'status' AS status
           FROM audit_logs WHERE action LIKE 'quota.%' AND target_id = $1 ORDER BY id`,
        [id],
      );
      const common = { actor_id: root.id, target_type: 'quota', target_id: id };
      expect(rows).toEqual([
        { ...common, action: 'quota.save', outcome: 'success', status: '200', before: null, after: { ...created.body } },
        { ...common, action: 'quota.save', outcome: 'success', status: '200', before: created.body, after: updated.body },
        { ...common, action: 'quota.remove', outcome: 'success', status: '200', before: updated.body, after: null },
        { ...common, action: 'quota.remove', outcome: 'failure', status: '404', target_type: null, before: null, after: null },
      ]);
    });
  });

  describe('housekeeping', () => {
    it('the scheduled job prunes counter windows older than two days and keeps the rest', async () => {
      const old = new Date(Date.now() - 3 * DAY * 1000);
      const recent = RateCounterService.window(DAY).start;
      await t.db.query(`INSERT INTO rate_counters (bucket, window_start, count) VALUES ('test:prune', $1, 3), ('test:prune', $2, 4)`, [old, recent]);
      expect(await t.app.get(RateCounterPruneJob).run()).toBeGreaterThanOrEqual(1);
      const { rows } = await t.db.query(`SELECT count FROM rate_counters WHERE bucket = 'test:prune'`);
      expect(rows).toEqual([{ count: 4 }]);
    });
  });
});
