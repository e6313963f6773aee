import { createHash } from 'node:crypto';
import { UserGroup } from '../src/common/access/user-group';
import { YaraRulesService } from '../src/modules/yara/yara-rules.service';
import { TestApp, TestUser } from './support/test-app';

const RULES = '/api/admin/yara-rules';
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const LOADERS = `
rule Loader_Stage1 : loader {
  meta:
    verdict = "malicious"
  strings:
    $a = "stage1-marker"
  condition:
    $a
}

private rule Loader_Config {
  strings:
    $b = "cfg="
  condition:
    $b
}
`;

describe('Admin: YARA rule sets', () => {
  let t: TestApp;
  let admin: string;
  let adminId: string;
  let auditor: TestUser;
  let user: TestUser;
  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    adminId = (await t.request('/api/users/me', { token: admin })).body.id;
    auditor = await t.newUser([UserGroup.Auditor]);
    user = await t.newUser([UserGroup.User]);
  });
  afterAll(() => t.close());

  const save = (body: Record<string, unknown>, token = admin) => t.request(RULES, { token, body });
  const create = async (body: Record<string, unknown>) => {
    const res = await save(body);
    if (res.status !== 200) throw new Error(`saving a rule set failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  it('creates a rule set from a source that compiles, storing the rule names it defines', async () => {
    const res = await save({ name: 'in-house loaders', source: LOADERS, author: 'SOC team' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'in-house loaders',
      enabled: true,
      author: 'SOC team',
      ruleNames: ['Loader_Stage1', 'Loader_Config'],
      sourceSha256: sha256(LOADERS),
      sourceSize: Buffer.byteLength(LOADERS),
      createdBy: adminId,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      source: LOADERS,
      warnings: [],
    });
    const { rows } = await t.db.query('SELECT rule_names, source FROM yara_rules WHERE id = $1', [res.body.id]);
    expect(rows[0]).toEqual({ rule_names: ['Loader_Stage1', 'Loader_Config'], source: LOADERS });
  });

  it('lists rule sets without their sources; one set with its source', async () => {
    const made = await create({ name: 'list-me', source: 'rule Listed { strings: $a = "x1" condition: $a }' });
    const list = await t.request(`${RULES}?limit=200`, { token: admin });
    expect(list.status).toBe(200);
    const item = list.body.items.find((i: { id: string }) => i.id === made.id);
    expect(item).toMatchObject({ name: 'list-me', ruleNames: ['Listed'], sourceSha256: made.sourceSha256, sourceSize: made.sourceSize });
    expect(item).not.toHaveProperty('source');
    expect(list.body.items.map((i: { name: string }) => i.name)).toEqual([...list.body.items.map((i: { name: string }) => i.name)].sort());
    const one = await t.request(`${RULES}/${made.id}`, { token: admin });
    expect(one.status).toBe(200);
    expect(one.body.source).toBe('rule Listed { strings: $a = "x1" condition: $a }');
  });

  it('refuses a source that does not compile with 422 and the compiler\'s errors, saving nothing', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM yara_rules')).rows[0].n;
    const cases: [string, RegExp][] = [
      ['rule Broken { condition: undefined_identifier }', /unknown identifier `undefined_identifier`/],
      ['rule Unused { strings: $a = "ab" condition: true }', /unused pattern `\$a`/],
      ['rule { condition: true', /error/],
      ['// only a comment', /declares no rules/],
    ];
    for (const [source, message] of cases) {
      const res = await save({ name: 'broken', source });
      expect({ source, status: res.status }).toEqual({ source, status: 422 });
      expect(res.body.errors).toEqual([{ field: 'source', messages: expect.arrayContaining([expect.stringMatching(message)]) }]);
    }
    expect((await t.db.query('SELECT count(*)::int AS n FROM yara_rules')).rows[0].n).toBe(before);
  });

  it('saves a source with warnings and returns them', async () => {
    const res = await save({ name: 'slow', source: 'rule Slow { strings: $a = { 00 ?? } condition: $a }' });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toEqual([expect.stringMatching(/slow pattern/)]);
  });

  it('validates the other fields (422)', async () => {
    const cases: Record<string, unknown>[] = [
      {},
      { name: 'no-source' },
      { name: '', source: LOADERS },
      { name: '../etc', source: LOADERS },
      { name: 'x'.repeat(101), source: LOADERS },
      { name: 'empty', source: '' },
      { name: 'null', source: null },
      { name: 'flag', source: LOADERS, enabled: 'yes' },
      { name: 'id', source: LOADERS, id: 'not-a-uuid' },
      { name: 'extra', source: LOADERS, owner: 'me' },
    ];
    for (const body of cases) expect({ body, status: (await save(body)).status }).toEqual({ body, status: 422 });
  });

  it('edits a set by id: fields left out stay, a new source is validated and its rule names stored', async () => {
    const made = await create({ name: 'editable', source: 'rule First { strings: $a = "first" condition: $a }' });
    const toggled = await save({ id: made.id, name: 'editable', enabled: false, author: 'me' });
    expect(toggled.status).toBe(200);
    expect(toggled.body).toMatchObject({ enabled: false, author: 'me', ruleNames: ['First'], sourceSha256: made.sourceSha256 });
    const refused = await save({ id: made.id, name: 'editable', source: 'rule Second { condition: nope }' });
    expect(refused.status).toBe(422);
    expect((await t.request(`${RULES}/${made.id}`, { token: admin })).body.ruleNames).toEqual(['First']);
    const changed = await save({ id: made.id, name: 'renamed', source: 'rule Second { strings: $b = "second" condition: $b }' });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'renamed', enabled: false, ruleNames: ['Second'] });
  });

  it('keeps names unique (409) and answers 404 for an unknown id', async () => {
    await create({ name: 'unique-name', source: 'rule U1 { strings: $a = "u1" condition: $a }' });
    expect((await save({ name: 'unique-name', source: 'rule U2 { strings: $a = "u2" condition: $a }' })).status).toBe(409);
    expect((await save({ id: '6c2b8f4e-1d3a-4b7e-9f00-2a5c7d9e1b34', name: 'ghost', source: LOADERS })).status).toBe(404);
    expect((await t.request(`${RULES}/6c2b8f4e-1d3a-4b7e-9f00-2a5c7d9e1b34`, { token: admin })).status).toBe(404);
    expect((await t.request(`${RULES}/nope`, { token: admin })).status).toBe(422);
  });

  it('removes a set', async () => {
    const made = await create({ name: 'doomed', source: 'rule Doomed { strings: $a = "d" condition: $a }' });
    const remove = () => t.request(`${RULES}/${made.id}/remove`, { method: 'POST', token: admin });
    expect((await remove()).status).toBe(200);
    expect((await t.request(`${RULES}/${made.id}`, { token: admin })).status).toBe(404);
    expect((await remove()).status).toBe(404);
    expect((await t.request(`${RULES}/xyz/remove`, { method: 'POST', token: admin })).status).toBe(422);
  });

  it('gives the engine the enabled sets only', async () => {
    const on = await create({ name: 'engine-on', source: 'rule On { strings: $a = "on" condition: $a }' });
    const off = await create({ name: 'engine-off', source: 'rule Off { strings: $a = "off" condition: $a }', enabled: false });
    const sets = await t.app.get(YaraRulesService).enabledSources();
    expect(sets).toContainEqual({ name: 'engine-on', source: on.source });
    expect(sets.map((s) => s.name)).not.toContain(off.name);
  });

  it('lets auditors read, only admins change, and nobody else in', async () => {
    const made = await create({ name: 'access-check', source: 'rule Access { strings: $a = "acc" condition: $a }' });
    expect((await t.request(RULES, { token: auditor.token })).status).toBe(200);
    expect((await t.request(`${RULES}/${made.id}`, { token: auditor.token })).status).toBe(200);
    expect((await save({ name: 'auditor-made', source: LOADERS }, auditor.token)).status).toBe(403);
    expect((await t.request(`${RULES}/${made.id}/remove`, { method: 'POST', token: auditor.token })).status).toBe(403);
    expect((await t.request(RULES, { token: user.token })).status).toBe(403);
    expect((await save({ name: 'user-made', source: LOADERS }, user.token)).status).toBe(403);
    expect((await t.request(RULES)).status).toBe(401);
  });

  it('audits changes with before and after, identifying sources by hash instead of copying them', async () => {
    const made = await create({ name: 'audited', source: 'rule Audited1 { strings: $a = "a1" condition: $a }' });
    const newSource = 'rule Audited2 { strings: $a = "a2" condition: $a }';
    await save({ id: made.id, name: 'audited', source: newSource });
    await t.request(`${RULES}/${made.id}/remove`, { method: 'POST', token: admin });
    await save({ name: 'audited-broken', source: 'rule X { condition: nope }' });
    const { rows } = await t.db.query(
      `SELECT action, outcome, target_type, target_id, before, after, details FROM audit_logs WHERE action LIKE 'yara-rule.%' ORDER BY id DESC LIMIT 4`,
    );
    const [broken, removed, updated, created] = rows;
    expect(created).toMatchObject({ action: 'yara-rule.save', outcome: 'success', target_type: 'yara-rule-set', target_id: made.id, before: null });
    expect(created.after).toMatchObject({ name: 'audited', ruleNames: ['Audited1'], sourceSha256: made.sourceSha256 });
    expect(updated.before).toMatchObject({ ruleNames: ['Audited1'], sourceSha256: made.sourceSha256 });
    expect(updated.after).toMatchObject({ ruleNames: ['Audited2'], sourceSha256: sha256(newSource) });
    expect(updated.details).toMatchObject({ created: false, sourceChanged: true });
    expect(removed).toMatchObject({ action: 'yara-rule.remove', outcome: 'success', target_id: made.id, before: expect.objectContaining({ name: 'audited' }) });
    expect(broken).toMatchObject({ action: 'yara-rule.save', outcome: 'failure', details: expect.objectContaining({ status: 422 }) });
    for (const row of rows) expect(JSON.stringify(row)).not.toMatch(/condition/);
  });
});
