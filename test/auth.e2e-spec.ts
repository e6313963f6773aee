import { JwtService } from '@nestjs/jwt';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestApp } from './support/test-app';

describe('Authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ LOGIN_SLOWDOWN_AFTER: '2', LOGIN_MAX_FAILURES: '4' });
  });
  afterAll(() => t.close());

  it('creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD and logs in with a JWT', async () => {
    const res = await t.request('/api/auth/login', { body: { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    const me = await t.request('/api/users/me', { token: res.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: ADMIN_EMAIL, groups: expect.arrayContaining(['admin']) });
    expect(me.body).not.toHaveProperty('passwordHash');
  });

  it('answers 401 to a wrong password and to an unknown account, with the same message', async () => {
    const wrong = await t.request('/api/auth/login', { body: { email: ADMIN_EMAIL, password: 'nope' } });
    const unknown = await t.request('/api/auth/login', { body: { email: 'nobody@example.com', password: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.message).toBe(unknown.body.message);
  });

  it('refuses protected routes without credentials (401) and with a bad or expired token (401)', async () => {
    expect((await t.request('/api/users/me')).status).toBe(401);
    expect((await t.request('/api/users/me', { token: 'not-a-jwt' })).status).toBe(401);
    const user = await t.newUser();
    const expired = t.app.get(JwtService).sign({ sub: user.id, tv: 0, exp: Math.floor(Date.now() / 1000) - 5 });
    const res = await t.request('/api/users/me', { token: expired });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/i);
    expect((await t.request('/api/users/me', { token: user.token })).status).toBe(200);
  });

  it('refuses a token signed with another key', async () => {
    const user = await t.newUser();
    const forged = new JwtService({ secret: 'another-key' }).sign({ sub: user.id, tv: 0 });
    expect((await t.request('/api/users/me', { token: forged })).status).toBe(401);
  });

  it('invalidates earlier tokens when the password changes', async () => {
    const user = await t.newUser();
    const change = await t.request('/api/users/profile', {
      token: user.token,
      body: { current_password: user.password, new_password: 'a-brand-new-password' },
    });
    expect(change.status).toBe(200);
    expect((await t.request('/api/users/me', { token: user.token })).status).toBe(401);
    const token = await t.login(user.email, 'a-brand-new-password');
    expect((await t.request('/api/users/me', { token })).status).toBe(200);
  });

  it('slows repeated failures, then refuses them with 429 and Retry-After, and audits each attempt', async () => {
    const user = await t.newUser();
    const attempt = () => t.request('/api/auth/login', { body: { email: user.email, password: 'guess' } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt()).status);
    expect(statuses).toEqual([401, 401, 401, 401]);
    const started = Date.now();
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(1000); // refused outright, not slowed
    // Even the right password is refused while the account is locked.
    expect((await t.request('/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(429);

    const { rows } = await t.db.query(
      `SELECT outcome, details->>'status' AS status FROM audit_logs WHERE action = 'auth.login' AND details->>'email' = $1 ORDER BY id`,
      [user.email],
    );
    expect(rows.map((r) => `${r.outcome}:${r.status}`)).toEqual([
      'failure:401', 'failure:401', 'failure:401', 'failure:401', 'failure:429', 'failure:429',
    ]);
  });

  it('records a successful login in the audit log with the actor', async () => {
    const user = await t.newUser();
    await t.login(user.email, user.password);
    const { rows } = await t.db.query(`SELECT actor_id, outcome FROM audit_logs WHERE action = 'auth.login' AND actor_id = $1`, [user.id]);
    expect(rows).toEqual([{ actor_id: user.id, outcome: 'success' }]);
  });
});
