import { UserGroup } from '../src/common/access/user-group';
import { TestApp, TestUser } from './support/test-app';

/** Each user group against a sample of routes: who may read, who may change, who is refused. */
describe('RBAC: each user group allowed and denied on a sample of routes', () => {
  let t: TestApp;
  let admin: string;
  let target: TestUser;
  const as: Partial<Record<'auditor' | 'intel' | 'user' | 'userAuditor', TestUser>> = {};

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    as.auditor = await t.newUser([UserGroup.Auditor]);
    as.intel = await t.newUser([UserGroup.Intel]);
    as.user = await t.newUser([UserGroup.User]);
    as.userAuditor = await t.newUser([UserGroup.User, UserGroup.Auditor]);
    target = await t.newUser();
  });
  afterAll(() => t.close());

  const adminReads = () => ['/api/admin/users', `/api/admin/users/${target.id}`, '/api/admin/users/import', '/api/admin/access-groups'];

  it('admin may read and change admin routes', async () => {
    for (const path of adminReads()) expect({ path, status: (await t.request(path, { token: admin })).status }).toEqual({ path, status: 200 });
    const group = await t.request('/api/admin/access-groups', { token: admin, body: { name: 'rbac-admin' } });
    expect(group.status).toBe(200);
    expect((await t.request(`/api/admin/users/${target.id}`, { token: admin, body: { name: 'Edited by admin' } })).status).toBe(200);
    expect((await t.request('/api/admin/invite', { token: admin, body: { email: 'rbac-invitee@example.com' } })).status).toBe(200);
    const victim = await t.newUser();
    expect((await t.request(`/api/admin/users/${victim.id}`, { method: 'DELETE', token: admin })).status).toBe(200);
    expect((await t.request(`/api/admin/access-groups/${group.body.id}/remove`, { method: 'POST', token: admin })).status).toBe(200);
  });

  it('auditor may read admin routes but changes nothing (403)', async () => {
    const token = as.auditor!.token;
    for (const path of adminReads()) expect({ path, status: (await t.request(path, { token })).status }).toEqual({ path, status: 200 });
    const writes = [
      t.request('/api/admin/access-groups', { token, body: { name: 'rbac-auditor' } }),
      t.request(`/api/admin/users/${target.id}`, { method: 'DELETE', token }),
      t.request(`/api/admin/users/${target.id}`, { token, body: { groups: ['admin'] } }),
      t.request('/api/admin/invite', { token, body: { email: 'auditor-invitee@example.com' } }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('Requires one of the user groups: admin');
    }
    expect((await t.db.query(`SELECT count(*)::int AS n FROM access_groups WHERE name = 'rbac-auditor'`)).rows[0].n).toBe(0);
    expect((await t.request(`/api/admin/users/${target.id}`, { token: admin })).status).toBe(200);
  });

  it.each(['intel', 'user'] as const)('%s gets 403 on admin reads and writes, and may use its own account', async (group) => {
    const token = as[group]!.token;
    for (const path of adminReads()) expect({ path, status: (await t.request(path, { token })).status }).toEqual({ path, status: 403 });
    expect((await t.request('/api/admin/access-groups', { token, body: { name: `rbac-${group}` } })).status).toBe(403);
    expect((await t.request(`/api/admin/users/${target.id}`, { method: 'DELETE', token })).status).toBe(403);
    expect((await t.request('/api/users/me', { token })).status).toBe(200);
  });

  it('a user holding both user and auditor may read admin routes, not change them', async () => {
    const token = as.userAuditor!.token;
    for (const path of adminReads()) expect({ path, status: (await t.request(path, { token })).status }).toEqual({ path, status: 200 });
    expect((await t.request('/api/admin/access-groups', { token, body: { name: 'rbac-both' } })).status).toBe(403);
    expect((await t.request('/api/users/me', { token })).status).toBe(200);
  });

  it('anonymous guests get 401 on admin routes and on /api/users/me, 200 on public routes', async () => {
    for (const path of [...adminReads(), '/api/users/me']) expect({ path, status: (await t.request(path)).status }).toEqual({ path, status: 401 });
    expect((await t.request('/api/admin/access-groups', { body: { name: 'rbac-guest' } })).status).toBe(401);
    expect((await t.request(`/api/admin/users/${target.id}`, { method: 'DELETE' })).status).toBe(401);
    expect((await t.request('/api/admin/invite', { body: { email: 'guest-invitee@example.com' } })).status).toBe(401);
    expect((await t.request('/api/system/info')).status).toBe(200);
    // Registration is public: a guest reaches it (and is refused only for the bad token).
    expect((await t.request('/api/auth/register', { body: { token: 'nope', password: 'long-enough-password' } })).status).toBe(400);
  });

  it('a user gains and loses admin rights with their groups, on the same token', async () => {
    const user = await t.newUser();
    expect((await t.request('/api/admin/users', { token: user.token })).status).toBe(403);
    await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { groups: ['user', 'auditor'] } });
    expect((await t.request('/api/admin/users', { token: user.token })).status).toBe(200);
    await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { groups: ['user'] } });
    expect((await t.request('/api/admin/users', { token: user.token })).status).toBe(403);
  });
});
