import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserGroup } from '../src/common/access/user-group';
import { SIGNALS } from '../src/engine/signals/catalogue';
import { MITRE_TECHNIQUES } from '../src/engine/signals/mitre';
import { Verdict } from '../src/engine/types';
import { ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';

describe('System catalogue endpoints', () => {
  let t: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await TestApp.start();
    user = await t.newUser([UserGroup.User]);
    const factory = new ReportFactory(t);
    await factory.report({ name: 'inj1.exe', verdict: Verdict.Suspicious, yaraRules: ['PE_Process_Injection_Imports'] });
    await factory.report({ name: 'inj2.exe', verdict: Verdict.Suspicious, yaraRules: ['PE_Process_Injection_Imports'] });
    await factory.report({ name: 'gone.exe', verdict: Verdict.Suspicious, yaraRules: ['Removed_Rule'] });
    await t.db.query(
      `INSERT INTO yara_rules (name, source, rule_names, author) VALUES ('team-rules', $1, '{Team_Dropper}', 'Blue Team')`,
      ['rule Team_Dropper : dropper { meta: description = "Team dropper" mitre = "T1105" strings: $a = "dropper" condition: $a }'],
    );
  });
  afterAll(() => t.close());

  it('signal-groups lists the engine catalogue exactly, to signed-in users', async () => {
    expect((await t.request('/api/system/signal-groups')).status).toBe(401);
    const res = await t.request('/api/system/signal-groups', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body.map((g: { identifier: string }) => g.identifier)).toEqual(SIGNALS.map((s) => s.id));
    expect(res.body.find((g: { identifier: string }) => g.identifier === 'file.double_extension')).toEqual({
      identifier: 'file.double_extension',
      description: 'File name hides an executable extension behind a document extension',
      verdict: 'SUSPICIOUS',
      strength: 0.6,
      allMitreTechniques: [{ ID: 'T1036.007', name: 'Double File Extension', tactics: ['defense-evasion'] }],
    });
  });

  it('mitre lists tactics and every catalogue technique with names and links, publicly', async () => {
    const res = await t.request('/api/system/mitre');
    expect(res.status).toBe(200);
    expect(res.body.techniques).toHaveLength(MITRE_TECHNIQUES.length);
    expect(res.body.techniques.find((x: { id: string }) => x.id === 'T1055')).toEqual({
      id: 'T1055',
      name: 'Process Injection',
      tactics: ['defense-evasion', 'privilege-escalation'],
      url: 'https://attack.mitre.org/techniques/T1055/',
    });
    expect(res.body.techniques.find((x: { id: string }) => x.id === 'T1055.002').url).toBe('https://attack.mitre.org/techniques/T1055/002/');
    const evasion = res.body.tactics.find((x: { id: string }) => x.id === 'TA0005');
    expect(evasion).toMatchObject({ shortName: 'defense-evasion', name: 'Defense Evasion', url: 'https://attack.mitre.org/tactics/TA0005/' });
    expect(evasion.techniques).toContain('T1055');
    expect(res.body.tactics).toHaveLength(14);
  });

  it('mime-types lists what the engine identifies', async () => {
    const res = await t.request('/api/system/mime-types', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body).toContainEqual({ mime: 'application/pdf', description: 'PDF document', extensions: ['pdf'] });
    expect(res.body).toContainEqual({ mime: 'application/x-msdownload', description: 'Windows dynamic-link library (PE DLL)', extensions: ['dll'] });
    expect((await t.request('/api/system/mime-types')).status).toBe(401);
  });

  it('countries and languages are the ISO lists', async () => {
    const countries = await t.request('/api/system/countries');
    expect(countries.status).toBe(200);
    expect(countries.body).toHaveLength(249);
    expect(countries.body).toContainEqual({ code: 'DE', alpha3: 'DEU', numeric: '276', name: 'Germany' });
    const languages = await t.request('/api/system/languages');
    expect(languages.status).toBe(200);
    expect(languages.body).toHaveLength(184);
    expect(languages.body).toContainEqual({ code: 'fr', alpha3: 'fra', name: 'French' });
  });

  it('yara: without a name the matched rules with their counts; with a name every rule containing it', async () => {
    const matched = await t.request('/api/system/yara', { token: user.token });
    expect(matched.status).toBe(200);
    expect(matched.body).toEqual([
      {
        name: 'PE_Process_Injection_Imports',
        ruleset: 'bundled',
        author: 'sandbox engine',
        description: 'PE imports the remote-thread injection API trio (VirtualAllocEx, WriteProcessMemory, CreateRemoteThread)',
        tags: ['injection'],
        mitre: ['T1055.002'],
        matches: 2,
      },
      { name: 'Removed_Rule', ruleset: '', author: null, description: null, tags: [], mitre: [], matches: 1 },
    ]);
    const named = await t.request('/api/system/yara?name=dropper', { token: user.token });
    expect(named.body.map((r: { name: string; ruleset: string }) => `${r.ruleset}:${r.name}`)).toContain('team-rules:Team_Dropper');
    expect(named.body.find((r: { name: string }) => r.name === 'Team_Dropper')).toEqual({
      name: 'Team_Dropper', ruleset: 'team-rules', author: 'Blue Team', description: 'Team dropper', tags: ['dropper'], mitre: ['T1105'], matches: 0,
    });
    expect((await t.request(`/api/system/yara?name=${'x'.repeat(200)}`, { token: user.token })).status).toBe(422);
  });

  it('yara-authors groups the selected rules by author', async () => {
    const res = await t.request('/api/system/yara-authors', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([{ author: 'sandbox engine', rules: ['PE_Process_Injection_Imports'], matches: 2 }]);
    const named = await t.request('/api/system/yara-authors?name=team_', { token: user.token });
    expect(named.body).toEqual([{ author: 'Blue Team', rules: ['Team_Dropper'], matches: 0 }]);
  });

  it('reputation/check-config says cloud reputation is off', async () => {
    const res = await t.request('/api/system/reputation/check-config');
    expect(res.status).toBe(200);
    expect(res.body).toBe(false);
  });

  describe('news and notifications', () => {
    it('administrators create, change and remove news; users and guests cannot; all of it is audited', async () => {
      const admin = await t.login();
      const body = { title: 'Maintenance', content: 'Saturday 10:00 UTC', level: 'warning' };
      expect((await t.request('/api/system/news', { body })).status).toBe(401);
      expect((await t.request('/api/system/news', { token: user.token, body })).status).toBe(403);
      const created = await t.request('/api/system/news', { token: admin, body });
      expect(created.status).toBe(200);
      expect(created.body).toEqual({ id: expect.any(String), title: 'Maintenance', content: 'Saturday 10:00 UTC', level: 'warning', published_at: expect.any(String), expires_at: null, viewed: null });
      const id = created.body.id;
      const changed = await t.request('/api/system/news', { token: admin, body: { id, title: 'Maintenance moved', content: 'Sunday' } });
      expect(changed.body).toMatchObject({ id, title: 'Maintenance moved', content: 'Sunday', level: 'info' });
      await t.request('/api/system/news', { token: admin, body: { title: 'Old', content: 'gone', expires_at: '2020-01-01T00:00:00Z', published_at: '2019-01-01T00:00:00Z' } });
      const guest = await t.request('/api/system/news');
      expect(guest.status).toBe(200);
      expect(guest.body).toMatchObject({ total: 1, page: 1, items: [{ id, title: 'Maintenance moved', viewed: null }] });
      expect((await t.request('/api/system/news', { token: admin, body: { id: '00000000-0000-4000-8000-000000000000', title: 'x', content: 'y' } })).status).toBe(404);
      expect((await t.request('/api/system/news', { token: admin, body: { title: '', content: 'y' } })).status).toBe(422);

      // Notifications: a user marks the item viewed, for themselves only.
      expect((await t.request(`/api/users/notifications/${id}`, { method: 'POST' })).status).toBe(401);
      expect((await t.request(`/api/users/notifications/${id}`, { method: 'POST', token: user.token })).status).toBe(200);
      expect((await t.request(`/api/users/notifications/${id}`, { method: 'POST', token: user.token })).status).toBe(200);
      expect((await t.request('/api/users/notifications/00000000-0000-4000-8000-000000000000', { method: 'POST', token: user.token })).status).toBe(404);
      expect((await t.request('/api/users/notifications/nope', { method: 'POST', token: user.token })).status).toBe(422);
      expect((await t.request('/api/system/news', { token: user.token })).body.items[0].viewed).toBe(true);
      expect((await t.request('/api/system/news', { token: admin })).body.items[0].viewed).toBe(false);

      expect((await t.request(`/api/system/news?id=${id}`, { method: 'DELETE', token: user.token })).status).toBe(403);
      expect((await t.request(`/api/system/news?id=${id}`, { method: 'DELETE', token: admin })).status).toBe(200);
      expect((await t.request(`/api/system/news?id=${id}`, { method: 'DELETE', token: admin })).status).toBe(404);
      expect((await t.request('/api/system/news?id=bad', { method: 'DELETE', token: admin })).status).toBe(422);
      expect((await t.request('/api/system/news')).body.total).toBe(0);
      const { rows } = await t.db.query(`SELECT action, outcome FROM audit_logs WHERE action LIKE 'news.%' AND outcome = 'success' ORDER BY created_at`);
      expect(rows.map((r: { action: string }) => r.action)).toEqual(['news.save', 'news.save', 'news.save', 'news.remove']);
    });
  });

  describe('avatars', () => {
    it('serves a deterministic identicon SVG that can run nothing', async () => {
      const other = await t.newUser();
      const first = await fetch(`${t.url}/api/users/${other.id}/avatar`, { headers: { authorization: `Bearer ${user.token}` } });
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('image/svg+xml');
      expect(first.headers.get('x-content-type-options')).toBe('nosniff');
      expect(first.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
      const svg = await first.text();
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>(<rect [^>]*\/>|<g fill="hsl\(\d+, 55%, 50%\)">|<\/g>)*<\/svg>$/);
      const again = await (await fetch(`${t.url}/api/users/${other.id}/avatar`, { headers: { authorization: `Bearer ${user.token}` } })).text();
      expect(again).toBe(svg);
      const mine = await (await fetch(`${t.url}/api/users/${user.id}/avatar`, { headers: { authorization: `Bearer ${user.token}` } })).text();
      expect(mine).not.toBe(svg);
      expect((await t.request(`/api/users/${other.id}/avatar`)).status).toBe(401);
      expect((await t.request('/api/users/00000000-0000-4000-8000-000000000000/avatar', { token: user.token })).status).toBe(404);
      expect((await t.request('/api/users/not-a-uuid/avatar', { token: user.token })).status).toBe(422);
    });
  });

  describe('logos', () => {
    const upload = async (token: string, content: string | Buffer, name = 'team.svg') => {
      const form = new FormData();
      form.append('name', 'Team logo');
      form.append('file', new Blob([content]), name);
      const res = await fetch(`${t.url}/api/admin/logos/select`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      return { status: res.status, body: (await res.json()) as any };
    };

    it('lists the built-in logos, selects one, uploads one and serves the selection', async () => {
      const admin = await t.login();
      expect((await t.request('/api/admin/logos', { token: user.token })).status).toBe(403);
      const listed = await t.request('/api/admin/logos', { token: admin });
      expect(listed.status).toBe(200);
      expect(listed.body.map((l: { id: string; selected: boolean }) => [l.id, l.selected])).toEqual([
        ['builtin:dark', false],
        ['builtin:default', true],
        ['builtin:mono', false],
      ]);
      const current = await fetch(`${t.url}/api/system/logo`);
      expect(current.status).toBe(200);
      expect(current.headers.get('content-type')).toBe('image/svg+xml');
      expect(current.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
      expect(await current.text()).toContain('fill="#1f6feb"');

      expect((await t.request('/api/admin/logos/select', { token: user.token, body: { logo: 'builtin:dark' } })).status).toBe(403);
      const selected = await t.request('/api/admin/logos/select', { token: admin, body: { logo: 'builtin:dark' } });
      expect(selected.status).toBe(200);
      expect(selected.body).toEqual({ id: 'builtin:dark', name: 'dark', mime: 'image/svg+xml', builtIn: true, selected: true, url: '/api/system/logo?logo=builtin:dark' });
      expect(await (await fetch(`${t.url}/api/system/logo`)).text()).toContain('fill="#0d1117"');
      expect((await t.request('/api/admin/logos/select', { token: admin, body: { logo: 'builtin:nope' } })).status).toBe(404);
      expect((await t.request('/api/admin/logos/select', { token: admin, body: { logo: '../../etc/passwd' } })).status).toBe(422);

      const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#123456"/></svg>';
      const uploaded = await upload(admin, svg);
      expect(uploaded.status).toBe(200);
      expect(uploaded.body).toMatchObject({ name: 'Team logo', mime: 'image/svg+xml', builtIn: false, selected: true });
      const served = await fetch(`${t.url}/api/system/logo`);
      expect(served.headers.get('content-type')).toBe('image/svg+xml');
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await served.text()).toBe(svg);
      expect((await fetch(`${t.url}/api/system/logo?logo=builtin:mono`)).status).toBe(200);
      expect((await t.request('/api/system/logo?logo=00000000-0000-4000-8000-000000000000')).status).toBe(404);
      const { rows } = await t.db.query(`SELECT target_id FROM audit_logs WHERE action = 'logo.select' AND outcome = 'success' ORDER BY created_at`);
      expect(rows.map((r: { target_id: string }) => r.target_id)).toEqual(['builtin:dark', uploaded.body.id]);
    });

    it('refuses a hostile SVG with the reason and keeps the selection', async () => {
      const admin = await t.login();
      const before = await (await fetch(`${t.url}/api/system/logo`)).text();
      const hostile = '<svg xmlns="http://www.w3.org/2000/svg"><script>fetch("/api/users/me")</script></svg>';
      const res = await upload(admin, hostile);
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ field: 'file', messages: ['The SVG logo is refused: it contains an element that can run script or change links (script, foreignObject, iframe, embed, object, animate, set)'] }]);
      const external = await upload(admin, '<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/p.png"/></svg>');
      expect(external.status).toBe(422);
      expect((await upload(admin, 'MZ not an image', 'logo.png')).status).toBe(422);
      expect((await upload(admin, Buffer.alloc(300 * 1024, 0x20))).status).toBe(413);
      expect(await (await fetch(`${t.url}/api/system/logo`)).text()).toBe(before);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM logos WHERE content::text LIKE '%script%'`)).rows[0].n).toBe(0);
    });
  });

  describe('terms and translations', () => {
    it('serves the built-in terms, the operator\'s own when present, 404 for unknown types', async () => {
      const privacy = await t.request('/api/system/get-terms/privacy-policy');
      expect(privacy.status).toBe(200);
      expect(privacy.body).toMatchObject({ type: 'privacy-policy', format: 'markdown', custom: false });
      expect(privacy.body.content).toMatch(/^# Privacy policy\n/);
      await mkdir(join(t.config.dataDir, 'terms'), { recursive: true });
      await writeFile(join(t.config.dataDir, 'terms', 'terms-and-conditions.md'), '# Our terms\n');
      expect((await t.request('/api/system/get-terms/terms-and-conditions')).body).toEqual({ type: 'terms-and-conditions', format: 'markdown', custom: true, content: '# Our terms\n' });
      const unknown = await t.request('/api/system/get-terms/..%2F..%2Fetc%2Fpasswd');
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toBe('Unknown terms type ../../etc/passwd: one of privacy-policy, terms-and-conditions');
    });

    it('serves translations with the same keys in every language, 422 for others', async () => {
      const en = await t.request('/api/system/translations/en');
      const de = await t.request('/api/system/translations/de');
      expect(en.status).toBe(200);
      expect(de.body['verdict.MALICIOUS']).toBe('Bösartig');
      expect(en.body['verdict.MALICIOUS']).toBe('Malicious');
      for (const lang of ['fr', 'es']) expect(Object.keys((await t.request(`/api/system/translations/${lang}`)).body).sort()).toEqual(Object.keys(en.body).sort());
      expect(Object.keys(de.body).sort()).toEqual(Object.keys(en.body).sort());
      expect((await t.request('/api/system/translations/xx')).status).toBe(422);
    });
  });
});
