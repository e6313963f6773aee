import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { UserGroup } from '../src/common/access/user-group';
import { ErrorRecorder } from '../src/modules/errors/error-recorder.service';
import { TestApp, TestUser } from './support/test-app';
import { parseCsv } from './support/csv';

const ERRORS = '/api/admin/errors';
const LOGS = '/api/admin/logs';
const CLIENT_LOG = '/api/system/errors/log';
const QUOTAS = '/api/admin/settings/api-quota';
const CLIENT_RATE = 12;

/** Polls `probe` until it returns a value (recording is asynchronous, within about a second). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('Admin: errors and logs', () => {
  let t: TestApp;
  let admin: string;
  let auditor: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    t = await TestApp.start({ ERRORS_CLIENT_RATE: String(CLIENT_RATE), ERRORS_MAX_CLIENT_GROUPS: '3' });
    admin = await t.login();
    auditor = await t.newUser([UserGroup.Auditor]);
    user = await t.newUser([UserGroup.User]);
    // A real database failure: inserting a quota raises an error naming the new row's id (and a password).
    await t.db.query(`
      CREATE FUNCTION refuse_quota() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'quota % refused by test trigger password=hunter2-in-message', NEW.id; END $$;
      CREATE TRIGGER refuse_quota BEFORE INSERT ON api_quotas FOR EACH ROW EXECUTE FUNCTION refuse_quota();`);
  });
  afterAll(() => t.close());

  const errorsOf = (query: string, token = admin) => t.request(`${ERRORS}?${query}`, { token });
  const failingQuota = (period: string) =>
    t.request(QUOTAS, { token: admin, body: { scope: 'user_group', scope_id: 'user', resource: 'api', period, limit: 10 } });

  describe('server errors', () => {
    let group: any;
    let correlationIds: string[];

    beforeAll(async () => {
      const first = await failingQuota('hour');
      const second = await failingQuota('day');
      expect([first.status, second.status]).toEqual([500, 500]);
      // The client hears nothing of the cause.
      expect(first.body.message).toBe('Internal server error');
      correlationIds = [first.headers.get('x-request-id')!, second.headers.get('x-request-id')!];
      group = await eventually(async () => {
        const res = await errorsOf('type=server&filter=refused%20by%20test%20trigger');
        return res.body.items?.[0]?.count === 2 ? res.body.items[0] : undefined;
      }, 'the error group to count 2');
    });

    it('groups two errors that differ only in an id into one group with count 2', async () => {
      const res = await errorsOf('type=server&filter=refused%20by%20test%20trigger');
      expect(res.body.total).toBe(1);
      expect(group).toMatchObject({ type: 'server', error_class: 'QueryFailedError', count: 2, note: null });
      expect(group.message).toMatch(/^quota [0-9a-f-]{36} refused by test trigger password=\[redacted\]$/);
      expect(correlationIds).toContain(group.last_correlation_id);
      expect(group.context).toMatchObject({ method: 'POST', path: QUOTAS, status: 500 });
      expect(new Date(group.last_seen).getTime()).toBeGreaterThanOrEqual(new Date(group.first_seen).getTime());
    });

    it('never stores the secret from the message, the stack or the context', async () => {
      const { rows } = await t.db.query(`SELECT row_to_json(e)::text AS row FROM app_errors e`);
      expect(rows.length).toBeGreaterThan(0);
      for (const { row } of rows) expect(row).not.toContain('hunter2');
    });

    it('records errors logged by background work (outside any request) as server errors', async () => {
      const log = (t.app.get(HttpAdapterHost).httpAdapter.getInstance() as { log: Logger }).log;
      const err = new TypeError('Scheduled cleanup failed for flow 7d1f2a9e-0e4b-4f0e-9a51-2a7c0e3b9d11');
      log.error({ err, context: 'CleanupJob' }, 'cleanup failed');
      log.error({ err: new TypeError('Scheduled cleanup failed for flow 00000000-0e4b-4f0e-9a51-2a7c0e3b9d11'), context: 'CleanupJob' }, 'cleanup failed');
      const found = await eventually(async () => {
        const res = await errorsOf('type=server&filter=Scheduled%20cleanup');
        return res.body.items?.[0]?.count === 2 ? res.body.items[0] : undefined;
      }, 'the background error');
      expect(found).toMatchObject({ error_class: 'TypeError', last_correlation_id: null, context: { component: 'CleanupJob', log: 'cleanup failed' } });
    });

    it('lists with sort=count and filters by type', async () => {
      const byCount = await errorsOf('sort=count');
      expect(byCount.status).toBe(200);
      const counts = byCount.body.items.map((e: any) => e.count);
      expect(counts).toEqual([...counts].sort((a, b) => b - a));
      const clientOnly = await errorsOf('type=client&filter=refused');
      expect(clientOnly.body).toMatchObject({ items: [], total: 0, page: 1 });
    });

    it('refuses bad list parameters with 422', async () => {
      for (const query of ['type=browser', 'sort=size', 'page=0', `filter=${'x'.repeat(201)}`]) {
        const res = await errorsOf(query);
        expect([query, res.status]).toEqual([query, 422]);
      }
    });

    it('adds a note (audited) and sorts noted errors first with sort=note', async () => {
      const res = await t.request(`${ERRORS}/${group.id}/note`, { token: admin, body: { note: 'Known: test trigger' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: group.id, note: 'Known: test trigger' });
      const sorted = await errorsOf('sort=note');
      expect(sorted.body.items[0]).toMatchObject({ id: group.id, note: 'Known: test trigger' });
      const { rows } = await t.db.query(`SELECT action, outcome, target_id, after FROM audit_logs WHERE action = 'app-error.note'`);
      expect(rows).toEqual([expect.objectContaining({ outcome: 'success', target_id: group.id, after: { note: 'Known: test trigger' } })]);
      expect((await t.request(`${ERRORS}/${group.id}/note`, { token: admin, body: { note: 42 } })).status).toBe(422);
      expect((await t.request(`${ERRORS}/not-a-uuid/note`, { token: admin, body: { note: 'x' } })).status).toBe(422);
      expect((await t.request(`${ERRORS}/00000000-0000-4000-8000-000000000000/note`, { token: admin, body: { note: 'x' } })).status).toBe(404);
    });

    it('exports every group as CSV that parses, with formula cells neutralised', async () => {
      const formula = await t.request(CLIENT_LOG, { body: { message: '=HYPERLINK("http://evil.example","click")' } });
      expect(formula.status).toBe(200);
      await eventually(async () => ((await errorsOf('type=client&filter=HYPERLINK')).body.total === 1 ? true : undefined), 'the client error');
      const res = await t.request(`${ERRORS}/export`, { token: auditor.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="errors.csv"');
      const rows = parseCsv(res.body);
      expect(rows[0]).toEqual(['id', 'type', 'error_class', 'message', 'count', 'first_seen', 'last_seen', 'last_correlation_id', 'top_frame', 'note']);
      const all = await errorsOf('limit=200');
      expect(rows.length - 1).toBe(all.body.total);
      const trigger = rows.find((r) => r[0] === group.id)!;
      expect(trigger.slice(1, 5)).toEqual(['server', 'QueryFailedError', group.message, '2']);
      expect(trigger[9]).toBe('Known: test trigger');
      const injected = rows.find((r) => r[3].includes('HYPERLINK'))!;
      expect(injected[3]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    });

    it('deletes one group (404 after), then every group matching a filter', async () => {
      expect((await t.request(`${ERRORS}/${group.id}`, { method: 'DELETE', token: admin })).status).toBe(200);
      expect((await t.request(`${ERRORS}/${group.id}`, { method: 'DELETE', token: admin })).status).toBe(404);
      const before = (await errorsOf('type=server')).body.total;
      const removed = await t.request(`${ERRORS}?type=server&filter=Scheduled%20cleanup`, { method: 'DELETE', token: admin });
      expect(removed).toMatchObject({ status: 200, body: { deleted: 1 } });
      expect((await errorsOf('type=server')).body.total).toBe(before - 1);
      const all = await t.request(ERRORS, { method: 'DELETE', token: admin });
      expect(all.status).toBe(200);
      expect((await errorsOf('')).body.total).toBe(0);
    });
  });

  describe('client errors', () => {
    const stack = Array.from({ length: 100 }, (_, i) => `    at handler${i} (https://sandbox.example/app.js?v=${i}:1:${i})`).join('\n');
    const report = (n: number) =>
      t.request(CLIENT_LOG, {
        body: { name: 'TypeError', message: `Cannot read properties of undefined (row ${n})`, stack: `TypeError: x\n${stack}`, url: 'https://sandbox.example/reports?token=abc123secret&q=1' },
        headers: { 'user-agent': 'TestBrowser/1.0' },
      });

    it('groups client reports, keeps 40 stack lines and removes query-string values and credentials', async () => {
      expect((await report(1)).status).toBe(200);
      expect((await report(2)).status).toBe(200);
      const group = await eventually(async () => {
        const res = await errorsOf('type=client&filter=Cannot%20read');
        return res.body.items?.[0]?.count === 2 ? res.body.items[0] : undefined;
      }, 'the client group');
      expect(group).toMatchObject({ type: 'client', error_class: 'TypeError', message: 'Cannot read properties of undefined (row 2)' });
      expect(group.stack.split('\n')).toHaveLength(40);
      expect(group.context).toEqual({ url: 'https://sandbox.example/reports?token=[redacted]&q=[redacted]', user_agent: 'TestBrowser/1.0' });
      expect(JSON.stringify(group)).not.toContain('abc123secret');
    });

    it('refuses bad bodies with 422 naming the field', async () => {
      const cases: [unknown, string][] = [
        [{}, 'message'],
        [{ message: '' }, 'message'],
        [{ message: 'x'.repeat(4001) }, 'message'],
        [{ message: 'x', stack: 'y'.repeat(16001) }, 'stack'],
        [{ message: 'x', name: 7 }, 'name'],
        [{ message: 'x', extra: true }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const res = await t.request(CLIENT_LOG, { body });
        expect(res.status).toBe(422);
        expect(res.body.errors.map((e: any) => e.field)).toContain(field);
      }
    });

    it('stops adding client groups at ERRORS_MAX_CLIENT_GROUPS but keeps counting known ones', async () => {
      const before = await errorsOf('type=client');
      expect(before.body.total).toBe(1);
      for (const message of ['alpha failed', 'beta failed', 'gamma failed', 'delta failed']) {
        expect((await t.request(CLIENT_LOG, { body: { message } })).status).toBe(200);
      }
      expect((await report(3)).status).toBe(200);
      await t.app.get(ErrorRecorder).flush();
      const after = await errorsOf('type=client&sort=count');
      expect(after.body.total).toBe(3);
      expect(after.body.items.map((e: any) => [e.message, e.count]).sort()).toEqual([
        ['Cannot read properties of undefined (row 3)', 3],
        ['alpha failed', 1],
        ['beta failed', 1],
      ]);
    });

    it('is rate-limited per client address (429 with Retry-After)', async () => {
      // Exact counting is unit-tested (client-error-rate-limiter.spec.ts); here a minute boundary may fall mid-burst.
      const statuses: number[] = [];
      for (let i = 0; i < 2 * CLIENT_RATE + 1; i++) statuses.push((await t.request(CLIENT_LOG, { body: { message: `burst ${i}` } })).status);
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(2 * CLIENT_RATE);
      const refused = await t.request(CLIENT_LOG, { body: { message: 'one more' } });
      expect(refused.status).toBe(429);
      expect(refused.body.message).toBe('Too many client error reports: try again later');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    });
  });

  describe('logs', () => {
    let record: any;
    let correlationId: string;

    beforeAll(async () => {
      const failed = await failingQuota('minute');
      expect(failed.status).toBe(500);
      correlationId = failed.headers.get('x-request-id')!;
      record = await eventually(async () => {
        const res = await t.request(`${LOGS}?level=error&filter=Errors`, { token: admin });
        return res.body.items?.find((r: any) => r.correlation_id === correlationId);
      }, 'the log record of the failure');
    });

    it('stores warn+ records with level, key, related URL and correlation id', () => {
      expect(record).toMatchObject({ level: 'error', key: 'Errors', message: 'Unhandled error', related_url: `POST ${QUOTAS}`, note: null });
      expect(record.data).toBeUndefined();
    });

    it('returns one record in full, with its error and no secrets', async () => {
      const res = await t.request(`${LOGS}/${record.id}`, { token: auditor.token });
      expect(res.status).toBe(200);
      expect(res.body.data.err).toMatchObject({ type: 'QueryFailedError' });
      expect(res.body.data.err.message).toContain('password=[redacted]');
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
      expect((await t.request(`${LOGS}/00000000-0000-4000-8000-000000000000`, { token: admin })).status).toBe(404);
      expect((await t.request(`${LOGS}/nope`, { token: admin })).status).toBe(422);
    });

    it('filters by level, time range and text', async () => {
      const log = (t.app.get(HttpAdapterHost).httpAdapter.getInstance() as { log: Logger }).log;
      log.warn({ key: 'queue.stalled', relatedUrl: 'queue://analysis' }, 'Analysis queue stalled');
      log.info({ key: 'queue.info' }, 'not stored: below warn');
      const warn = await eventually(async () => {
        const res = await t.request(`${LOGS}?filter=queue.stalled`, { token: admin });
        return res.body.items?.[0];
      }, 'the warn record');
      expect(warn).toMatchObject({ level: 'warn', key: 'queue.stalled', related_url: 'queue://analysis', message: 'Analysis queue stalled' });
      // `related_url` matches from its beginning only.
      expect((await t.request(`${LOGS}?filter=queue:`, { token: admin })).body.items.map((r: any) => r.id)).toEqual([warn.id]);
      expect((await t.request(`${LOGS}?filter=${encodeURIComponent('://analysis')}`, { token: admin })).body.total).toBe(0);
      expect((await t.request(`${LOGS}?filter=queue.info`, { token: admin })).body.total).toBe(0);
      const errorsOnly = await t.request(`${LOGS}?level=error&limit=200`, { token: admin });
      expect(errorsOnly.body.items.every((r: any) => r.level === 'error' || r.level === 'fatal')).toBe(true);
      expect(errorsOnly.body.items.some((r: any) => r.id === warn.id)).toBe(false);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expect((await t.request(`${LOGS}?from=${future}`, { token: admin })).body.total).toBe(0);
      const past = new Date(Date.now() - 3_600_000).toISOString();
      expect((await t.request(`${LOGS}?from=${past}&to=${future}&filter=queue.stalled`, { token: admin })).body.total).toBe(1);
      for (const query of ['level=info', 'from=yesterday', `from=${future}&to=${past}`, 'sort=count']) {
        expect([query, (await t.request(`${LOGS}?${query}`, { token: admin })).status]).toEqual([query, 422]);
      }
    });

    it('adds a note, sorts by note, deletes one and deletes matching', async () => {
      const noted = await t.request(`${LOGS}/${record.id}/note`, { token: admin, body: { note: 'looked at' } });
      expect(noted).toMatchObject({ status: 200, body: { id: record.id, note: 'looked at' } });
      expect((await t.request(`${LOGS}?sort=note`, { token: admin })).body.items[0].id).toBe(record.id);
      // The note is searchable from its beginning.
      expect((await t.request(`${LOGS}?filter=looked`, { token: admin })).body.items.map((r: any) => r.id)).toEqual([record.id]);
      expect((await t.request(`${LOGS}/${record.id}`, { method: 'DELETE', token: admin })).status).toBe(200);
      expect((await t.request(`${LOGS}/${record.id}`, { token: admin })).status).toBe(404);
      const removed = await t.request(`${LOGS}?filter=queue.stalled`, { method: 'DELETE', token: admin });
      expect(removed).toMatchObject({ status: 200, body: { deleted: 1 } });
      const { rows } = await t.db.query(`SELECT action FROM audit_logs WHERE action LIKE 'log.%' ORDER BY id`);
      expect(rows.map((r) => r.action)).toEqual(['log.note', 'log.remove', 'log.remove-matching']);
    });
  });

  it('answers a failing request the same when errors cannot be recorded (the table is gone)', async () => {
    const countNow = async () => (await errorsOf('type=server&filter=refused%20by%20test')).body.items[0]?.count ?? 0;
    await t.app.get(ErrorRecorder).flush();
    const before = await countNow();
    await t.db.query('ALTER TABLE app_errors RENAME TO app_errors_away');
    try {
      const started = Date.now();
      const res = await failingQuota('minute');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'Internal server error', correlationId: res.headers.get('x-request-id') });
      expect(Date.now() - started).toBeLessThan(1_000);
      // The failed write is reported in the server log (not stored, so it cannot feed itself).
      await t.app.get(ErrorRecorder).flush();
    } finally {
      await t.db.query('ALTER TABLE app_errors_away RENAME TO app_errors');
    }
    // Recording works again afterwards.
    expect((await failingQuota('minute')).status).toBe(500);
    await t.app.get(ErrorRecorder).flush();
    // The occurrence while the table was away is lost (dropped, not retried); the next one counts.
    expect(await countNow()).toBe(before + 1);
  });

  it('refuses every admin route to a user (403) and to guests (401)', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const routes: [string, string, unknown?][] = [
      ['GET', ERRORS],
      ['DELETE', ERRORS],
      ['DELETE', `${ERRORS}/${id}`],
      ['POST', `${ERRORS}/${id}/note`, { note: 'x' }],
      ['GET', `${ERRORS}/export`],
      ['GET', LOGS],
      ['DELETE', LOGS],
      ['GET', `${LOGS}/${id}`],
      ['DELETE', `${LOGS}/${id}`],
      ['POST', `${LOGS}/${id}/note`, { note: 'x' }],
    ];
    for (const [method, path, body] of routes) {
      expect([method, path, (await t.request(path, { method, body, token: user.token })).status]).toEqual([method, path, 403]);
      expect([method, path, (await t.request(path, { method, body })).status]).toEqual([method, path, 401]);
    }
    // Auditors read but do not change.
    expect((await t.request(ERRORS, { method: 'DELETE', token: auditor.token })).status).toBe(403);
    expect((await t.request(LOGS, { method: 'DELETE', token: auditor.token })).status).toBe(403);
  });
});
