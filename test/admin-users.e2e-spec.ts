import { UserGroup } from '../src/common/access/user-group';
import { ADMIN_EMAIL, ADMIN_PASSWORD, TestApp } from './support/test-app';
import { parseCsv } from './support/csv';

const unique = () => Math.random().toString(36).slice(2, 8);

describe('Admin: users', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    adminId = (await t.request('/api/users/me', { token: admin })).body.id;
  });
  afterAll(() => t.close());

  const activeAdmins = async () =>
    (await t.db.query(`SELECT count(*)::int AS n FROM users WHERE is_active AND 'admin' = ANY(groups)`)).rows[0].n as number;

  describe('last-admin protection', () => {
    it('refuses to demote, deactivate or delete yourself as the only active admin (409)', async () => {
      expect(await activeAdmins()).toBe(1);
      const demote = await t.request(`/api/admin/users/${adminId}`, { token: admin, body: { groups: ['user'] } });
      expect(demote.status).toBe(409);
      expect(demote.body.message).toMatch(/last active administrator/);
      const deactivate = await t.request(`/api/admin/users/${adminId}`, { token: admin, body: { is_active: false } });
      expect(deactivate.status).toBe(409);
      expect(deactivate.body.message).toMatch(/your own account/);
      const remove = await t.request(`/api/admin/users/${adminId}`, { method: 'DELETE', token: admin });
      expect(remove.status).toBe(409);
      expect(remove.body.message).toMatch(/your own account/);
      expect((await t.request('/api/users/me', { token: admin })).body.groups).toContain('admin');
    });

    it('counts only active admins: an inactive admin does not let the last active one step down', async () => {
      const other = await t.newUser([UserGroup.Admin]);
      expect((await t.request(`/api/admin/users/${other.id}`, { token: admin, body: { is_active: false } })).status).toBe(200);
      expect((await t.request(`/api/admin/users/${adminId}`, { token: admin, body: { groups: ['user'] } })).status).toBe(409);
    });

    it('lets an admin step down while another active admin remains', async () => {
      const other = await t.newUser([UserGroup.Admin, UserGroup.User]);
      const res = await t.request(`/api/admin/users/${other.id}`, { token: other.token, body: { groups: ['user'] } });
      expect(res.status).toBe(200);
      expect(res.body.groups).toEqual(['user']);
    });

    it('of two admins deleting each other at once, exactly one succeeds and one admin remains', async () => {
      // Leave exactly two active admins, b and c.
      await t.db.query('UPDATE users SET is_active = false WHERE email = $1', [ADMIN_EMAIL]);
      try {
        const b = await t.newUser([UserGroup.Admin]);
        const c = await t.newUser([UserGroup.Admin]);
        const results = await Promise.all([
          t.request(`/api/admin/users/${c.id}`, { method: 'DELETE', token: b.token }),
          t.request(`/api/admin/users/${b.id}`, { method: 'DELETE', token: c.token }),
        ]);
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 200)).toHaveLength(1);
        // The loser is refused by the last-admin rule, or (if it arrived after the deletion) as a deleted account.
        expect(statuses.filter((s) => s !== 200).every((s) => s === 409 || s === 401)).toBe(true);
        expect(await activeAdmins()).toBe(1);
      } finally {
        await t.db.query('UPDATE users SET is_active = true WHERE email = $1', [ADMIN_EMAIL]);
      }
    });
  });

  describe('GET /api/admin/users', () => {
    const tag = unique();
    let ids: string[];
    beforeAll(async () => {
      const users = [
        await t.newUser([UserGroup.User], { email: `alpha.${tag}@example.com` }),
        await t.newUser([UserGroup.User], { email: `bravo.${tag}@example.com` }),
        await t.newUser([UserGroup.User], { email: `charlie.${tag}@example.org` }),
      ];
      ids = users.map((u) => u.id);
      await t.db.query(`UPDATE users SET name = 'Percent 100% ' || email WHERE id = $1`, [ids[2]]);
    });

    it('filters by any part of the email or name, case-insensitively', async () => {
      const res = await t.request(`/api/admin/users?filter=${tag.toUpperCase()}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 3, page: 1, limit: 25 });
      expect(res.body.items.map((u: { id: string }) => u.id).sort()).toEqual([...ids].sort());
      const byName = await t.request(`/api/admin/users?filter=${encodeURIComponent('100% charlie')}`, { token: admin });
      expect(byName.body.items.map((u: { id: string }) => u.id)).toEqual([ids[2]]);
      expect(byName.body.items[0]).not.toHaveProperty('passwordHash');
    });

    it('treats LIKE wildcards in the filter as plain characters', async () => {
      const percent = await t.request(`/api/admin/users?filter=${encodeURIComponent('%')}`, { token: admin });
      expect(percent.body.items.map((u: { id: string }) => u.id)).toEqual([ids[2]]);
      const underscore = await t.request(`/api/admin/users?filter=${encodeURIComponent(`alpha_${tag}`)}`, { token: admin });
      expect(underscore.body.total).toBe(0);
    });

    it('selects users by ids, ignoring the filter', async () => {
      const res = await t.request(`/api/admin/users?ids=${ids[0]},${ids[2]}&filter=no-such-user`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.total).toBe(2);
      expect(res.body.items.map((u: { id: string }) => u.id).sort()).toEqual([ids[0], ids[2]].sort());
    });

    it('pages through the results', async () => {
      const first = await t.request(`/api/admin/users?filter=${tag}&limit=2`, { token: admin });
      const second = await t.request(`/api/admin/users?filter=${tag}&limit=2&page=2`, { token: admin });
      const third = await t.request(`/api/admin/users?filter=${tag}&limit=2&page=3`, { token: admin });
      expect(first.body).toMatchObject({ total: 3, page: 1, limit: 2 });
      expect(first.body.items).toHaveLength(2);
      expect(second.body).toMatchObject({ total: 3, page: 2, limit: 2 });
      expect(second.body.items).toHaveLength(1);
      expect(third.body.items).toEqual([]);
      // Ordered by email, so the pages neither overlap nor skip anyone.
      const all = [...first.body.items, ...second.body.items].map((u: { email: string }) => u.email);
      expect(all).toEqual([`alpha.${tag}@example.com`, `bravo.${tag}@example.com`, `charlie.${tag}@example.org`]);
    });

    it('validates paging and ids (422)', async () => {
      for (const query of ['limit=201', 'limit=0', 'page=0', 'page=abc', 'ids=not-a-uuid', 'unknown=1']) {
        const res = await t.request(`/api/admin/users?${query}`, { token: admin });
        expect({ query, status: res.status }).toEqual({ query, status: 422 });
      }
      expect((await t.request('/api/admin/users?limit=200', { token: admin })).status).toBe(200);
    });
  });

  describe('GET|POST|DELETE /api/admin/users/{user_id}', () => {
    it('gets a user, 404 for an unknown id, 422 for a malformed one', async () => {
      const user = await t.newUser();
      const res = await t.request(`/api/admin/users/${user.id}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id, email: user.email, groups: ['user'], isActive: true });
      expect((await t.request('/api/admin/users/00000000-0000-4000-8000-000000000000', { token: admin })).status).toBe(404);
      expect((await t.request('/api/admin/users/not-a-uuid', { token: admin })).status).toBe(422);
    });

    it('edits name, groups and access group, and leaves other fields alone', async () => {
      const user = await t.newUser();
      const group = (await t.request('/api/admin/access-groups', { token: admin, body: { name: `team-${unique()}` } })).body;
      const res = await t.request(`/api/admin/users/${user.id}`, {
        token: admin,
        body: { name: 'Renamed', groups: ['user', 'intel'], access_group_id: group.id },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id, name: 'Renamed', groups: ['user', 'intel'], accessGroupId: group.id, isActive: true });
      // The user's existing token keeps working and now carries the new groups.
      const me = await t.request('/api/users/me', { token: user.token });
      expect(me.status).toBe(200);
      expect(me.body.groups).toEqual(['user', 'intel']);

      const cleared = await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { access_group_id: null } });
      expect(cleared.body).toMatchObject({ name: 'Renamed', accessGroupId: null });
    });

    it('refuses bad edits: unknown user or access group (404), invalid values (422)', async () => {
      const user = await t.newUser();
      expect((await t.request('/api/admin/users/00000000-0000-4000-8000-000000000000', { token: admin, body: { name: 'x' } })).status).toBe(404);
      const unknownGroup = await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { access_group_id: '00000000-0000-4000-8000-000000000000' } });
      expect(unknownGroup.status).toBe(404);
      expect(unknownGroup.body.message).toMatch(/access group/i);
      for (const body of [{ groups: [] }, { groups: ['root'] }, { groups: null }, { name: null }, { is_active: 'no' }, { password: 'short' }, { email: 'x@example.com' }]) {
        const res = await t.request(`/api/admin/users/${user.id}`, { token: admin, body });
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
      }
    });

    it('deactivation signs the user out (401) and blocks login; reactivation lets them log in again', async () => {
      const user = await t.newUser();
      expect((await t.request('/api/users/me', { token: user.token })).status).toBe(200);
      const off = await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { is_active: false } });
      expect(off.status).toBe(200);
      expect(off.body.isActive).toBe(false);
      expect((await t.request('/api/users/me', { token: user.token })).status).toBe(401);
      expect((await t.request('/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);

      expect((await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { is_active: true } })).status).toBe(200);
      // The old token stays dead; a fresh login works.
      expect((await t.request('/api/users/me', { token: user.token })).status).toBe(401);
      const token = await t.login(user.email, user.password);
      expect((await t.request('/api/users/me', { token })).status).toBe(200);
    });

    it('a new password set by an admin signs the user out and is the one that logs in', async () => {
      const user = await t.newUser();
      const res = await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { password: 'set-by-the-admin-123' } });
      expect(res.status).toBe(200);
      expect((await t.request('/api/users/me', { token: user.token })).status).toBe(401);
      expect((await t.request('/api/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);
      await t.login(user.email, 'set-by-the-admin-123');
      const { rows } = await t.db.query(`SELECT before, after, details FROM audit_logs WHERE action = 'user.update' AND target_id = $1`, [user.id]);
      expect(rows).toHaveLength(1);
      expect(rows[0].details.passwordChanged).toBe(true);
      expect(JSON.stringify(rows)).not.toContain('set-by-the-admin-123');
    });

    it('deletes a user (then 404), and the user’s token stops working', async () => {
      const user = await t.newUser();
      const res = await t.request(`/api/admin/users/${user.id}`, { method: 'DELETE', token: admin });
      expect(res.status).toBe(200);
      expect((await t.request(`/api/admin/users/${user.id}`, { token: admin })).status).toBe(404);
      expect((await t.request(`/api/admin/users/${user.id}`, { method: 'DELETE', token: admin })).status).toBe(404);
      expect((await t.request('/api/users/me', { token: user.token })).status).toBe(401);
    });

    it('audits user.update with before and after, and user.delete with before', async () => {
      const user = await t.newUser();
      await t.request(`/api/admin/users/${user.id}`, { token: admin, body: { name: 'After name', groups: ['intel'] } });
      await t.request(`/api/admin/users/${user.id}`, { method: 'DELETE', token: admin });
      const { rows } = await t.db.query(
        `SELECT action, outcome, actor_id, target_type, target_id, before, after FROM audit_logs WHERE target_id = $1 ORDER BY id`,
        [user.id],
      );
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({
        action: 'user.update',
        outcome: 'success',
        actor_id: adminId,
        target_type: 'user',
        before: { id: user.id, name: user.email.split('@')[0], groups: ['user'] },
        after: { id: user.id, name: 'After name', groups: ['intel'] },
      });
      expect(rows[1]).toMatchObject({ action: 'user.delete', outcome: 'success', actor_id: adminId, before: { id: user.id, name: 'After name' }, after: null });
    });
  });

  describe('GET /api/admin/users/import (CSV)', () => {
    it('downloads every user as an attachment with escaped, formula-safe cells', async () => {
      const tag = unique();
      const group = (await t.request('/api/admin/access-groups', { token: admin, body: { name: `csv, "team" ${tag}` } })).body;
      const formula = await t.newUser([UserGroup.User, UserGroup.Intel], { email: `formula.${tag}@example.com`, accessGroupId: group.id });
      const quoted = await t.newUser([UserGroup.User], { email: `quoted.${tag}@example.com` });
      const multiline = await t.newUser([UserGroup.User], { email: `multiline.${tag}@example.com` });
      await t.db.query('UPDATE users SET name = $2 WHERE id = $1', [formula.id, `=cmd|' /C calc'!A0`]);
      await t.db.query('UPDATE users SET name = $2 WHERE id = $1', [quoted.id, 'Doe, "Johnny" Jr']);
      await t.db.query('UPDATE users SET name = $2 WHERE id = $1', [multiline.id, 'line one\nline two']);

      const res = await t.request('/api/admin/users/import', { token: admin });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="users\.csv"/);
      const text: string = res.body;
      expect(text).toContain(`"Doe, ""Johnny"" Jr"`);
      expect(text).not.toMatch(/(^|,)=cmd/m);

      const [header, ...rows] = parseCsv(text);
      expect(header).toEqual(['id', 'email', 'name', 'groups', 'access_group', 'is_active', 'created_at', 'last_login_at']);
      const byId = new Map(rows.map((r) => [r[0], r]));
      const total = (await t.db.query('SELECT count(*)::int AS n FROM users')).rows[0].n;
      expect(rows).toHaveLength(total);
      expect(rows.every((r) => r.length === header.length)).toBe(true);
      expect(byId.get(formula.id)).toEqual([
        formula.id, formula.email, `'=cmd|' /C calc'!A0`, 'user;intel', `csv, "team" ${tag}`, 'true', expect.stringMatching(/^\d{4}-\d\d-\d\dT/), '',
      ]);
      expect(byId.get(quoted.id)?.[2]).toBe('Doe, "Johnny" Jr');
      expect(byId.get(multiline.id)?.[2]).toBe('line one\nline two');
      expect(byId.get(adminId)?.[7]).toMatch(/^\d{4}-\d\d-\d\dT/); // the admin has logged in
    });

    it('prefixes every formula trigger (= + - @) with a quote', async () => {
      const tag = unique();
      const names = ['+SUM(1,2)', '-2+3', '@SUM(A1)', '=1+1'];
      const users = [];
      for (const [i, name] of names.entries()) {
        const user = await t.newUser([UserGroup.User], { email: `f${i}.${tag}@example.com` });
        await t.db.query('UPDATE users SET name = $2 WHERE id = $1', [user.id, name]);
        users.push(user);
      }
      const rows = parseCsv((await t.request('/api/admin/users/import', { token: admin })).body);
      const byId = new Map(rows.map((r) => [r[0], r]));
      expect(users.map((u) => byId.get(u.id)?.[2])).toEqual(names.map((n) => `'${n}`));
    });

    it('streams large user lists in batches without losing or repeating anyone', async () => {
      // 1,200 users with the same created_at: the keyset must break ties by id.
      await t.db.query(
        `INSERT INTO users (email, name, created_at) SELECT 'bulk-' || i || '@example.com', 'Bulk ' || i, '2020-01-01T00:00:00Z' FROM generate_series(1, 1200) i`,
      );
      const res = await t.request('/api/admin/users/import', { token: admin });
      const rows = parseCsv(res.body).slice(1);
      const total = (await t.db.query('SELECT count(*)::int AS n FROM users')).rows[0].n;
      expect(rows).toHaveLength(total);
      expect(new Set(rows.map((r) => r[0])).size).toBe(total);
      expect(rows.filter((r) => r[1].startsWith('bulk-'))).toHaveLength(1200);
    });
  });

  describe('invitations and registration', () => {
    const invite = (body: object) => t.request('/api/admin/invite', { token: admin, body });
    const register = (body: object) => t.request('/api/auth/register', { body });

    it('invite → register → log in, with the groups and access group of the invitation', async () => {
      const email = `invited.${unique()}@example.com`;
      const group = (await t.request('/api/admin/access-groups', { token: admin, body: { name: `invitees-${unique()}` } })).body;
      const started = Date.now();
      const inv = await invite({ email: email.toUpperCase(), groups: ['intel', 'user'], access_group_id: group.id });
      expect(inv.status).toBe(200);
      expect(inv.body).toEqual({ token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expires_at: expect.any(String), register_path: '/api/auth/register' });
      const ttl = new Date(inv.body.expires_at).getTime() - started;
      expect(ttl).toBeGreaterThan(604800_000 - 60_000);
      expect(ttl).toBeLessThan(604800_000 + 60_000);

      // Only a keyed hash of the token is stored.
      const { rows } = await t.db.query('SELECT * FROM invitations WHERE email = $1', [email]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ groups: ['intel', 'user'], access_group_id: group.id, created_by: adminId, used_at: null });
      expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows[0])).not.toContain(inv.body.token);

      const reg = await register({ token: inv.body.token, password: 'my-own-password-123', name: 'Invited Person' });
      expect(reg.status).toBe(200);
      expect(reg.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
      const me = await t.request('/api/users/me', { token: reg.body.access_token });
      expect(me.body).toMatchObject({ email, name: 'Invited Person', groups: ['intel', 'user'], accessGroupId: group.id, isActive: true });
      const token = await t.login(email, 'my-own-password-123');
      expect((await t.request('/api/users/me', { token })).status).toBe(200);

      const again = await register({ token: inv.body.token, password: 'another-password-123' });
      expect(again.status).toBe(400);
      expect(again.body.message).toMatch(/already been used/);

      const audit = await t.db.query(
        `SELECT action, outcome, actor_id, target_id, after FROM audit_logs WHERE action IN ('invitation.create', 'auth.register') AND (after->>'email' = $1 OR actor_id = $2) ORDER BY id`,
        [email, me.body.id],
      );
      expect(audit.rows.map((r) => `${r.action}:${r.outcome}`)).toEqual(['invitation.create:success', 'auth.register:success']);
      expect(audit.rows[1]).toMatchObject({ actor_id: me.body.id, target_id: me.body.id });
      expect(JSON.stringify(audit.rows)).not.toContain(inv.body.token);
    });

    it('defaults the groups of an invitation to user', async () => {
      const email = `plain.${unique()}@example.com`;
      const inv = await invite({ email });
      const reg = await register({ token: inv.body.token, password: 'my-own-password-123' });
      expect(reg.status).toBe(200);
      const me = await t.request('/api/users/me', { token: reg.body.access_token });
      expect(me.body).toMatchObject({ email, groups: ['user'], accessGroupId: null });
    });

    it('a token works once: of two registrations at the same time exactly one succeeds', async () => {
      const email = `race.${unique()}@example.com`;
      const { token } = (await invite({ email })).body;
      const results = await Promise.all([
        register({ token, password: 'first-password-12345' }),
        register({ token, password: 'second-password-1234' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
      expect(results.find((r) => r.status === 400)!.body.message).toMatch(/already been used/);
      expect((await t.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email])).rows[0].n).toBe(1);
    });

    it('refuses unknown and expired tokens (400, saying why)', async () => {
      const unknown = await register({ token: 'no-such-token', password: 'my-own-password-123' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.message).toMatch(/invalid invitation token/i);

      const email = `late.${unique()}@example.com`;
      const { token } = (await invite({ email })).body;
      await t.db.query(`UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = $1`, [email]);
      const expired = await register({ token, password: 'my-own-password-123' });
      expect(expired.status).toBe(400);
      expect(expired.body.message).toMatch(/expired/);
      expect((await t.db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email])).rows[0].n).toBe(0);
    });

    it('refuses an email that is already registered (409), at invitation and at registration', async () => {
      const existing = await t.newUser();
      expect((await invite({ email: existing.email })).status).toBe(409);

      const email = `taken.${unique()}@example.com`;
      const { token } = (await invite({ email })).body;
      await t.newUser([UserGroup.User], { email });
      const res = await register({ token, password: 'my-own-password-123' });
      expect(res.status).toBe(409);
      // The invitation was not spent by the failed attempt.
      expect((await t.db.query('SELECT used_at FROM invitations WHERE email = $1', [email])).rows[0].used_at).toBeNull();
    });

    it('validates invitations and registrations', async () => {
      expect((await invite({ email: 'not-an-email' })).status).toBe(422);
      expect((await invite({ email: 'x@example.com', groups: [] })).status).toBe(422);
      expect((await invite({ email: 'x@example.com', groups: ['superuser'] })).status).toBe(422);
      expect((await invite({ email: 'x@example.com', access_group_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
      const { token } = (await invite({ email: `short.${unique()}@example.com` })).body;
      const short = await register({ token, password: 'too-short' });
      expect(short.status).toBe(422);
      expect(short.body.errors[0].field).toBe('password');
    });

    it('registers without the deleted access group of an invitation', async () => {
      const email = `orphan.${unique()}@example.com`;
      const group = (await t.request('/api/admin/access-groups', { token: admin, body: { name: `gone-${unique()}` } })).body;
      const { token } = (await invite({ email, access_group_id: group.id })).body;
      expect((await t.request(`/api/admin/access-groups/${group.id}/remove`, { method: 'POST', token: admin })).status).toBe(200);
      const reg = await register({ token, password: 'my-own-password-123' });
      expect(reg.status).toBe(200);
      expect((await t.request('/api/users/me', { token: reg.body.access_token })).body.accessGroupId).toBeNull();
    });
  });

  it('keeps the first admin able to log in (sanity check for the tests above)', async () => {
    expect(await t.login(ADMIN_EMAIL, ADMIN_PASSWORD)).toEqual(expect.any(String));
  });
});
