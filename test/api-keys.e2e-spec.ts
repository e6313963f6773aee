import { TestApp } from './support/test-app';

describe('API keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('creates a key shown once, accepts it in X-Api-Key, and refuses it after removal', async () => {
    const user = await t.newUser();
    const created = await t.request('/api/users/api-key/create', { method: 'POST', token: user.token });
    expect(created.status).toBe(200);
    const key: string = created.body.api_key;
    expect(key).toMatch(/^sbx_[A-Za-z0-9_-]{43}$/);

    const me = await t.request('/api/users/me', { apiKey: key });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, apiKeyPrefix: key.slice(0, 8) });
    expect(JSON.stringify(me.body)).not.toContain(key);

    // Only a keyed hash is stored: the key itself appears nowhere in the database row.
    const { rows } = await t.db.query('SELECT * FROM users WHERE id = $1', [user.id]);
    expect(JSON.stringify(rows[0])).not.toContain(key);
    expect(rows[0].api_key_hash).toMatch(/^[0-9a-f]{64}$/);

    expect((await t.request('/api/users/api-key/remove', { method: 'POST', apiKey: key })).status).toBe(200);
    expect((await t.request('/api/users/me', { apiKey: key })).status).toBe(401);
    expect((await t.request('/api/users/api-key/remove', { method: 'POST', token: user.token })).status).toBe(404);
  });

  it('replaces the previous key when a new one is created', async () => {
    const user = await t.newUser();
    const first = (await t.request('/api/users/api-key/create', { method: 'POST', token: user.token })).body.api_key;
    const second = (await t.request('/api/users/api-key/create', { method: 'POST', token: user.token })).body.api_key;
    expect((await t.request('/api/users/me', { apiKey: first })).status).toBe(401);
    expect((await t.request('/api/users/me', { apiKey: second })).status).toBe(200);
  });

  it('sets a chosen key, validates its form (422) and refuses one already in use (409)', async () => {
    const a = await t.newUser();
    const b = await t.newUser();
    const chosen = 'my-own-integration-key-0123456789abcdef';
    expect((await t.request('/api/users/api-key/set', { token: a.token, body: { api_key: chosen } })).status).toBe(200);
    expect((await t.request('/api/users/me', { apiKey: chosen })).body.id).toBe(a.id);
    expect((await t.request('/api/users/api-key/set', { token: b.token, body: { api_key: chosen } })).status).toBe(409);
    const bad = await t.request('/api/users/api-key/set', { token: b.token, body: { api_key: 'short' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('api_key');
  });

  it('audits key creation and removal without recording the key', async () => {
    const user = await t.newUser();
    const key = (await t.request('/api/users/api-key/create', { method: 'POST', token: user.token })).body.api_key;
    await t.request('/api/users/api-key/remove', { method: 'POST', token: user.token });
    const { rows } = await t.db.query(`SELECT action, outcome, details FROM audit_logs WHERE actor_id = $1 ORDER BY id`, [user.id]);
    expect(rows.map((r) => r.action)).toEqual(['user.api-key.create', 'user.api-key.remove']);
    expect(JSON.stringify(rows)).not.toContain(key);
  });

  it('refuses an unknown key with 401 even on public routes', async () => {
    expect((await t.request('/api/system/info', { apiKey: 'sbx_unknown' })).status).toBe(401);
    expect((await t.request('/api/system/info')).status).toBe(200);
  });
});
