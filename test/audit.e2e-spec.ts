import { UserGroup } from '../src/common/access/user-group';
import { AuditService } from '../src/modules/audit/audit.service';
import { TestApp, TestUser } from './support/test-app';

describe('Audit log', () => {
  let t: TestApp;
  let adminToken: string;
  let auditor: TestUser;

  beforeAll(async () => {
    t = await TestApp.start();
    adminToken = await t.login();
    auditor = await t.newUser([UserGroup.Auditor]);
  });
  afterAll(() => t.close());

  const verify = async () => (await t.request('/api/admin/audit-logs/verify', { token: auditor.token })).body;

  /** Changes a row behind the application's back, as a database superuser would. */
  async function tamper(sql: string, params: unknown[]) {
    await t.db.query('ALTER TABLE audit_logs DISABLE TRIGGER USER');
    try {
      await t.db.query(sql, params);
    } finally {
      await t.db.query('ALTER TABLE audit_logs ENABLE TRIGGER USER');
    }
  }

  it('records who did what, from where, with the correlation id, and lists it with filters', async () => {
    const user = await t.newUser();
    await t.request('/api/users/profile', { token: user.token, body: { name: 'Renamed' }, headers: { 'x-request-id': 'trace-audit-1' } });
    const res = await t.request(`/api/admin/audit-logs?actor_id=${user.id}&action=user.*`, { token: auditor.token });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect(res.body.items[0]).toMatchObject({
      action: 'user.profile.update',
      outcome: 'success',
      actorId: user.id,
      actorEmail: user.email,
      actorIp: '127.0.0.1',
      targetType: 'user',
      targetId: user.id,
      correlationId: 'trace-audit-1',
      before: expect.objectContaining({ name: user.email.split('@')[0] }),
      after: expect.objectContaining({ name: 'Renamed' }),
      details: expect.objectContaining({ method: 'POST', path: '/api/users/profile', status: 200 }),
    });
  });

  it('pages newest first and validates the query (422)', async () => {
    for (let i = 0; i < 3; i++) await t.request('/api/auth/login', { body: { email: `ghost${i}@example.com`, password: 'x' } });
    const page1 = await t.request('/api/admin/audit-logs?action=auth.login&outcome=failure&limit=2', { token: adminToken });
    const page2 = await t.request('/api/admin/audit-logs?action=auth.login&outcome=failure&limit=2&page=2', { token: adminToken });
    expect(page1.body.items).toHaveLength(2);
    expect(Number(page1.body.items[0].id)).toBeGreaterThan(Number(page1.body.items[1].id));
    expect(Number(page2.body.items[0].id)).toBeLessThan(Number(page1.body.items[1].id));
    expect((await t.request('/api/admin/audit-logs?limit=0', { token: adminToken })).status).toBe(422);
    expect((await t.request('/api/admin/audit-logs?from=yesterday', { token: adminToken })).status).toBe(422);
  });

  it('is readable by admins and auditors only', async () => {
    const user = await t.newUser();
    expect((await t.request('/api/admin/audit-logs', { token: user.token })).status).toBe(403);
    expect((await t.request('/api/admin/audit-logs/verify', { token: user.token })).status).toBe(403);
    expect((await t.request('/api/admin/audit-logs')).status).toBe(401);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on recorded rows', async () => {
    await expect(t.db.query(`UPDATE audit_logs SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM audit_logs')).rejects.toThrow(/append-only/);
    await expect(t.db.query('TRUNCATE audit_logs')).rejects.toThrow(/append-only/);
  });

  it('keeps one unbroken chain under concurrent writes', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => t.request('/api/auth/login', { body: { email: `race${i}@example.com`, password: 'x' } })));
    const result = await verify();
    expect(result.valid).toBe(true);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM audit_logs');
    expect(result.checked).toBe(rows[0].n);
  });

  it('detects a row changed directly in the database and names it', async () => {
    expect((await verify()).valid).toBe(true);
    const { rows } = await t.db.query(`SELECT id FROM audit_logs ORDER BY id LIMIT 1 OFFSET 2`);
    const id = rows[0].id;
    await tamper(`UPDATE audit_logs SET outcome = 'success' WHERE id = $1`, [id]);
    expect(await verify()).toMatchObject({ valid: false, firstBrokenId: id, reason: expect.stringMatching(/altered/) });
  });

  it('detects a removed row at the record that followed it', async () => {
    const fresh = await TestApp.start();
    try {
      const service = fresh.app.get(AuditService);
      for (const action of ['a', 'b', 'c']) await service.record({ action, outcome: 'success' as never });
      const { rows } = await fresh.db.query('SELECT id FROM audit_logs ORDER BY id');
      await fresh.db.query('ALTER TABLE audit_logs DISABLE TRIGGER USER');
      await fresh.db.query('DELETE FROM audit_logs WHERE id = $1', [rows[1].id]);
      await fresh.db.query('ALTER TABLE audit_logs ENABLE TRIGGER USER');
      expect(await service.verify()).toMatchObject({ valid: false, checked: 1, firstBrokenId: rows[2].id, reason: expect.stringMatching(/removed/) });
    } finally {
      await fresh.close();
    }
  });
});

describe('Audit of refused calls', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('records an audited admin route refused by the access guard (403 and 401), with the actor when known', async () => {
    const user = await t.newUser();
    expect((await t.request('/api/admin/access-groups', { token: user.token, body: { name: 'x' } })).status).toBe(403);
    expect((await t.request('/api/admin/access-groups', { body: { name: 'x' } })).status).toBe(401);
    const { rows } = await t.db.query(
      `SELECT actor_id, outcome, details->>'status' AS status FROM audit_logs WHERE action = 'access-group.save' ORDER BY id`,
    );
    expect(rows).toEqual([
      { actor_id: user.id, outcome: 'failure', status: '403' },
      { actor_id: null, outcome: 'failure', status: '401' },
    ]);
  });
});
