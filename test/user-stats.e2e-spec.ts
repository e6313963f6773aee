import { UserGroup } from '../src/common/access/user-group';
import { IocType, Verdict } from '../src/engine/types';
import { StatsRollupJob } from '../src/modules/stats/stats-rollup.job';
import { ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';

const DAY = 86_400_000;
const utcDay = (offset: number) => new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) + offset * DAY);
const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const zero = { BENIGN: 0, UNKNOWN: 0, NO_THREAT: 0, INFORMATIONAL: 0, SUSPICIOUS: 0, LIKELY_MALICIOUS: 0, MALICIOUS: 0 };

describe('User statistics', () => {
  let t: TestApp;
  let f: ReportFactory;
  let alice: TestUser;
  let bob: TestUser;
  let admin: string;
  const rollUp = () => t.app.get(StatsRollupJob).rollUp({ trigger: 'manual', signal: new AbortController().signal, log: () => undefined });
  const today = utcDay(0);
  const yesterday = utcDay(-1);
  let alicePrivateId: string;

  beforeAll(async () => {
    t = await TestApp.start();
    f = new ReportFactory(t);
    alice = await t.newUser([UserGroup.User]);
    bob = await t.newUser([UserGroup.User]);
    admin = await t.login();
    const encoded = [{ id: 'script.powershell.encoded_command', evidence: ['-enc'] }];
    const doubleExt = [{ id: 'file.double_extension', evidence: ['invoice.pdf.exe'] }];

    // Alice: a malicious archive yesterday (one child), a private suspicious file today.
    await f.flow({
      ownerId: alice.id,
      createdAt: new Date(yesterday.getTime() + 3_600_000),
      root: {
        name: 'invoice.zip', verdict: Verdict.Malicious, yaraRules: ['Emotet_Loader'], identity: { kind: 'zip' },
        iocs: [{ type: IocType.Ip, value: '203.0.113.5' }, { type: IocType.Domain, value: 'evil.example' }],
        children: [{ name: 'run.ps1', verdict: Verdict.Malicious, yaraRules: ['Emotet_Loader'], signals: encoded, identity: { kind: 'powershell' }, iocs: [{ type: IocType.Ip, value: '203.0.113.5' }] }],
      },
    });
    alicePrivateId = (
      await f.report(
        { name: 'invoice.pdf.exe', verdict: Verdict.Suspicious, signals: doubleExt, identity: { kind: 'pe' }, iocs: [{ type: IocType.Ip, value: '198.51.100.1' }] },
        { ownerId: alice.id, isPrivate: true, createdAt: new Date(today.getTime() + 60_000) },
      )
    ).id;
    // Bob: a public malicious PE today, a clean text file today, and one 40 days ago (outside 30 days).
    await f.report(
      { name: 'bot.exe', verdict: Verdict.Malicious, yaraRules: ['Emotet_Loader', 'UPX_Packed'], identity: { kind: 'pe' }, signals: encoded, iocs: [{ type: IocType.Ip, value: '203.0.113.5' }, { type: IocType.Ip, value: '192.0.2.44' }] },
      { ownerId: bob.id, createdAt: new Date(today.getTime() + 120_000) },
    );
    await f.report({ name: 'readme.txt', verdict: Verdict.NoThreat, identity: { kind: 'text' } }, { ownerId: bob.id, createdAt: new Date(today.getTime() + 180_000) });
    await f.report({ name: 'old.exe', verdict: Verdict.Malicious, identity: { kind: 'pe' } }, { ownerId: bob.id, createdAt: utcDay(-40) });
  });
  afterAll(() => t.close());

  it('recomputes every day the triggers marked, and nothing once they are done', async () => {
    const { rows: marked } = await t.db.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day FROM report_stats_dirty_days ORDER BY day`);
    expect(marked.map((r) => r.day)).toEqual([dateOf(utcDay(-40)), dateOf(yesterday), dateOf(today)]);
    expect(await rollUp()).toEqual({ summary: '3 day(s) recomputed', counts: { days: 3 } });
    expect(await rollUp()).toEqual({ summary: '0 day(s) recomputed', counts: { days: 0 } });
  });

  it('GET /api/users/stat: your submissions by default, everything you may see with scope=all', async () => {
    const mine = await t.request('/api/users/stat', { token: alice.token });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      scope: 'me',
      period: { from: dateOf(utcDay(-29)), to: dateOf(today) },
      submissions: 2,
      reports: 3,
      verdicts: { ...zero, MALICIOUS: 1, SUSPICIOUS: 1 },
      file_kinds: { zip: 1, pe: 1 },
    });
    const all = await t.request('/api/users/stat?scope=all', { token: bob.token });
    // Bob sees his own and Alice's public archive, not her private file.
    expect(all.body).toMatchObject({ scope: 'all', submissions: 3, reports: 4, verdicts: { ...zero, MALICIOUS: 2, NO_THREAT: 1 }, file_kinds: { zip: 1, pe: 1, text: 1 } });
    const week = await t.request('/api/users/stat?days=1', { token: bob.token });
    expect(week.body).toMatchObject({ submissions: 2, verdicts: { ...zero, MALICIOUS: 1, NO_THREAT: 1 } });
    const longer = await t.request('/api/users/stat?days=60', { token: bob.token });
    expect(longer.body.submissions).toBe(3);
  });

  it('GET /api/users/stat/generic: every public report, whoever asks', async () => {
    const res = await t.request('/api/users/stat/generic', { token: alice.token });
    expect(res.body).toMatchObject({ scope: 'public', submissions: 3, reports: 4, verdicts: { ...zero, MALICIOUS: 2, NO_THREAT: 1 } });
  });

  it('GET /api/users/stat/malicious-ips, /iocs, /yara and /mitre count exactly', async () => {
    const ips = await t.request('/api/users/stat/malicious-ips', { token: bob.token });
    expect(ips.body).toEqual([
      { ip: '203.0.113.5', reports: 3 },
      { ip: '192.0.2.44', reports: 1 },
    ]);
    // Alice's private suspicious file's IP is not malicious; the admin sees the same malicious IPs.
    expect((await t.request('/api/users/stat/malicious-ips?limit=1', { token: admin })).body).toEqual([{ ip: '203.0.113.5', reports: 3 }]);

    const iocs = await t.request('/api/users/stat/iocs', { token: alice.token });
    expect(iocs.body).toEqual([
      { type: 'ip', occurrences: 5, reports: 4 },
      { type: 'domain', occurrences: 1, reports: 1 },
    ]);
    const bobIocs = await t.request('/api/users/stat/iocs?scope=me', { token: bob.token });
    expect(bobIocs.body).toEqual([{ type: 'ip', occurrences: 2, reports: 1 }]);

    const yara = await t.request('/api/users/stat/yara', { token: bob.token });
    expect(yara.body).toEqual([
      { rule: 'Emotet_Loader', reports: 3 },
      { rule: 'UPX_Packed', reports: 1 },
    ]);

    const mitre = await t.request('/api/users/stat/mitre', { token: alice.token });
    expect(mitre.body).toEqual([
      { id: 'T1027.010', name: expect.any(String), tactics: ['defense-evasion'], reports: 2 },
      { id: 'T1059.001', name: 'Command and Scripting Interpreter: PowerShell', tactics: ['execution'], reports: 2 },
      { id: 'T1036.007', name: expect.any(String), tactics: ['defense-evasion'], reports: 1 },
    ]);
    expect((await t.request('/api/users/stat/mitre', { token: bob.token })).body.map((m: { id: string; reports: number }) => [m.id, m.reports])).toEqual([
      ['T1027.010', 2],
      ['T1059.001', 2],
    ]);
  });

  it('GET /api/users/stat/daily: one entry per day, days without reports included', async () => {
    const res = await t.request('/api/users/stat/daily?days=3', { token: alice.token });
    expect(res.body).toEqual([
      { date: dateOf(utcDay(-2)), submissions: 0, reports: 0, verdicts: zero },
      { date: dateOf(yesterday), submissions: 1, reports: 2, verdicts: { ...zero, MALICIOUS: 1 } },
      { date: dateOf(today), submissions: 1, reports: 1, verdicts: { ...zero, SUSPICIOUS: 1 } },
    ]);
  });

  it('follows verdict changes and deletions after the next roll-up', async () => {
    await t.db.query(`UPDATE reports SET verdict = 'BENIGN' WHERE id = $1`, [alicePrivateId]);
    await t.db.query('DELETE FROM flows WHERE id = (SELECT flow_id FROM reports WHERE file_name = $1)', ['readme.txt']);
    expect((await rollUp()).counts).toEqual({ days: 1 });
    expect((await t.request('/api/users/stat', { token: alice.token })).body.verdicts).toEqual({ ...zero, MALICIOUS: 1, BENIGN: 1 });
    expect((await t.request('/api/users/stat', { token: bob.token })).body).toMatchObject({ submissions: 1, verdicts: { ...zero, MALICIOUS: 1 } });
  });

  it('GET /api/users/info/yara lists the bundled rule files and uploaded sets', async () => {
    await t.db.query(`INSERT INTO yara_rules (name, source, enabled, rule_names) VALUES ('acme', 'rule A { condition: true } rule B { condition: true }', true, '{A,B}'), ('off', 'rule C { condition: true }', false, '{C}')`);
    const res = await t.request('/api/users/info/yara', { token: bob.token });
    expect(res.status).toBe(200);
    expect(res.body.bundled.map((b: { file: string }) => b.file)).toEqual(['eicar.yar', 'office-macros.yar', 'packers.yar', 'pe-injection.yar', 'powershell.yar', 'script-droppers.yar']);
    expect(res.body.uploaded.map((u: { name: string; rules: number; enabled: boolean }) => [u.name, u.rules, u.enabled])).toEqual([['acme', 2, true], ['off', 1, false]]);
    const bundledRules = res.body.bundled.reduce((n: number, b: { rules: number }) => n + b.rules, 0);
    expect(bundledRules).toBeGreaterThan(5);
    expect(res.body.active_rules).toBe(bundledRules + 2);
  });

  it('answers 401 to guests and 422 to bad parameters', async () => {
    expect((await t.request('/api/users/stat')).status).toBe(401);
    expect((await t.request('/api/users/stat?days=0', { token: bob.token })).status).toBe(422);
    expect((await t.request('/api/users/stat?scope=everyone', { token: bob.token })).status).toBe(422);
    expect((await t.request('/api/users/stat/yara?limit=1000', { token: bob.token })).status).toBe(422);
  });
});
