import { UserGroup } from '../src/common/access/user-group';
import { TestApp } from './support/test-app';

describe('Admin: access groups', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
  });
  afterAll(() => t.close());

  const save = (body: object) => t.request('/api/admin/access-groups', { token: admin, body });
  const list = async () => (await t.request('/api/admin/access-groups', { token: admin })).body as { id: string; name: string; memberCount: number }[];

  it('creates a group and lists it with its member count', async () => {
    const created = await save({ name: '  Blue team  ', description: 'SOC tier 2' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Blue team',
      description: 'SOC tier 2',
      memberCount: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    await t.newUser([UserGroup.User], { accessGroupId: created.body.id });
    await t.newUser([UserGroup.User], { accessGroupId: created.body.id });
    expect((await list()).find((g) => g.id === created.body.id)).toMatchObject({ name: 'Blue team', memberCount: 2 });
  });

  it('lists groups by name', async () => {
    await save({ name: 'zulu' });
    await save({ name: 'alpha' });
    const names = (await list()).map((g) => g.name);
    expect(names).toEqual([...names].sort());
  });

  it('renames a group when its id is given, keeping what is not sent', async () => {
    const { id } = (await save({ name: 'Red team', description: 'offensive' })).body;
    const renamed = await save({ id, name: 'Purple team' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'Purple team', description: 'offensive' });
    expect((await list()).filter((g) => g.id === id).map((g) => g.name)).toEqual(['Purple team']);
    // Saving a group under its own name is not a conflict.
    expect((await save({ id, name: 'Purple team', description: '' })).body).toMatchObject({ name: 'Purple team', description: '' });
  });

  it('refuses a duplicate name (409), on create and on rename', async () => {
    await save({ name: 'Malware lab' });
    const duplicate = await save({ name: 'Malware lab' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.message).toMatch(/already exists/);
    const other = (await save({ name: 'Phishing desk' })).body;
    expect((await save({ id: other.id, name: 'Malware lab' })).status).toBe(409);
  });

  it('answers 404 for an unknown id and 422 for invalid input', async () => {
    expect((await save({ id: '00000000-0000-4000-8000-000000000000', name: 'Ghost' })).status).toBe(404);
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 'ok', id: 'nope' }, { name: 'ok', description: null }, { name: 'ok', extra: 1 }]) {
      const res = await save(body);
      expect({ body, status: res.status }).toEqual({ body, status: 422 });
    }
  });

  it('removes a group: members stay, without a group', async () => {
    const { id } = (await save({ name: 'Short-lived' })).body;
    const member = await t.newUser([UserGroup.User], { accessGroupId: id });
    const removed = await t.request(`/api/admin/access-groups/${id}/remove`, { method: 'POST', token: admin });
    expect(removed.status).toBe(200);
    expect((await list()).some((g) => g.id === id)).toBe(false);
    const me = await t.request('/api/users/me', { token: member.token });
    expect(me.status).toBe(200);
    expect(me.body.accessGroupId).toBeNull();
    expect((await t.request(`/api/admin/access-groups/${id}/remove`, { method: 'POST', token: admin })).status).toBe(404);
    expect((await t.request('/api/admin/access-groups/not-a-uuid/remove', { method: 'POST', token: admin })).status).toBe(422);
  });

  it('audits saves with before and after, and removals with before', async () => {
    const { id } = (await save({ name: 'Audited' })).body;
    await save({ id, name: 'Audited, renamed' });
    await t.request(`/api/admin/access-groups/${id}/remove`, { method: 'POST', token: admin });
    const { rows } = await t.db.query(
      `SELECT action, outcome, target_type, before->>'name' AS before, after->>'name' AS after FROM audit_logs WHERE target_id = $1 ORDER BY id`,
      [id],
    );
    expect(rows).toEqual([
      { action: 'access-group.save', outcome: 'success', target_type: 'access-group', before: null, after: 'Audited' },
      { action: 'access-group.save', outcome: 'success', target_type: 'access-group', before: 'Audited', after: 'Audited, renamed' },
      { action: 'access-group.remove', outcome: 'success', target_type: 'access-group', before: 'Audited, renamed', after: null },
    ]);
  });
});
