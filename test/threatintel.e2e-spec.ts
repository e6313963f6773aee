import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ssdeepCompare, ssdeepGrams, tlshDistance, tlshGrams } from '../src/engine/hashing/similarity';
import { digests } from '../src/engine/hashing/digests';
import { UserGroup } from '../src/common/access/user-group';
import { IocType, Verdict } from '../src/engine/types';
import { ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';
import { parseCsv } from './support/csv';

const day = (iso: string) => new Date(iso);

describe('Threat intelligence', () => {
  let t: TestApp;
  let f: ReportFactory;
  let intel: TestUser;
  let user: TestUser;
  let other: TestUser;

  beforeAll(async () => {
    t = await TestApp.start({ FEED_SETTLE_SECONDS: '0' });
    f = new ReportFactory(t);
    intel = await t.newUser([UserGroup.Intel]);
    user = await t.newUser([UserGroup.User]);
    other = await t.newUser([UserGroup.User]);
  });
  afterAll(() => t.close());

  describe('POST /api/threatintel/get-prevalence', () => {
    let fileSha256: string;

    beforeAll(async () => {
      const domain = { type: IocType.Domain, value: 'prevalence.example' };
      await f.report({ name: 'a.exe', verdict: Verdict.Malicious, iocs: [domain] }, { createdAt: day('2026-01-02T10:00:00.000Z') });
      await f.report({ name: 'b.doc', verdict: Verdict.Suspicious, iocs: [domain, { type: IocType.Ip, value: '203.0.113.9' }] }, { createdAt: day('2026-02-03T11:00:00.000Z') });
      // Two files of one submission name it: two reports, one submission.
      const flow = await f.flow({
        createdAt: day('2026-03-04T12:00:00.000Z'),
        root: { name: 'c.zip', verdict: Verdict.Malicious, iocs: [domain], children: [{ name: 'c.js', verdict: Verdict.Malicious, iocs: [domain] }] },
      });
      fileSha256 = flow.reports[1].sha256;
      // Someone else's private report: counted only for those who may see it.
      await f.report({ name: 'd.exe', verdict: Verdict.NoThreat, iocs: [domain] }, { ownerId: other.id, isPrivate: true, createdAt: day('2026-04-05T13:00:00.000Z') });
    });

    it('counts reports and submissions, first and last seen and verdicts, in the order asked, case-insensitively', async () => {
      const res = await t.request('/api/threatintel/get-prevalence', {
        token: intel.token,
        body: { iocs: ['Prevalence.EXAMPLE', '198.51.100.77', fileSha256.toUpperCase(), '203.0.113.9'] },
      });
      expect(res.status).toBe(200);
      const zero = { BENIGN: 0, UNKNOWN: 0, NO_THREAT: 0, INFORMATIONAL: 0, SUSPICIOUS: 0, LIKELY_MALICIOUS: 0, MALICIOUS: 0 };
      expect(res.body).toEqual([
        {
          ioc: 'Prevalence.EXAMPLE', found: true, types: ['domain'], reports: 4, submissions: 3,
          first_seen: '2026-01-02T10:00:00.000Z', last_seen: '2026-03-04T12:00:00.000Z',
          verdicts: { ...zero, SUSPICIOUS: 1, MALICIOUS: 3 },
        },
        { ioc: '198.51.100.77', found: false, types: [], reports: 0, submissions: 0, first_seen: null, last_seen: null, verdicts: zero },
        {
          ioc: fileSha256.toUpperCase(), found: true, types: ['sha256'], reports: 1, submissions: 1,
          first_seen: '2026-03-04T12:00:00.000Z', last_seen: '2026-03-04T12:00:00.000Z', verdicts: { ...zero, MALICIOUS: 1 },
        },
        {
          ioc: '203.0.113.9', found: true, types: ['ip'], reports: 1, submissions: 1,
          first_seen: '2026-02-03T11:00:00.000Z', last_seen: '2026-02-03T11:00:00.000Z', verdicts: { ...zero, SUSPICIOUS: 1 },
        },
      ]);
    });

    it("counts a private report for its owner, not for others", async () => {
      const mine = await t.request('/api/threatintel/get-prevalence', { token: other.token, body: { iocs: ['prevalence.example'] } });
      expect(mine.body[0]).toMatchObject({ reports: 5, submissions: 4, last_seen: '2026-04-05T13:00:00.000Z' });
      expect(mine.body[0].verdicts.NO_THREAT).toBe(1);
      const theirs = await t.request('/api/threatintel/get-prevalence', { token: user.token, body: { iocs: ['prevalence.example'] } });
      expect(theirs.body[0]).toMatchObject({ reports: 4, last_seen: '2026-03-04T12:00:00.000Z' });
    });

    it('refuses an empty list, an overlong list, and a non-string with 422; guests with 401', async () => {
      for (const body of [{ iocs: [] }, { iocs: Array.from({ length: 101 }, (_, i) => `h${i}.example`) }, { iocs: [42] }, { iocs: [''] }, {}]) {
        const res = await t.request('/api/threatintel/get-prevalence', { token: intel.token, body });
        expect(res.status).toBe(422);
        expect(res.body.errors[0].field).toBe('iocs');
      }
      expect((await t.request('/api/threatintel/get-prevalence', { body: { iocs: ['a.example'] } })).status).toBe(401);
    });
  });

  describe('POST /api/threatintel/modify-verdict', () => {
    it('is refused to a plain user (403) and to nobody in intel; changes the verdict everywhere it shows, audited', async () => {
      const flow = await f.flow({
        root: { name: 'bundle.zip', verdict: Verdict.Suspicious, children: [{ name: 'dropper.js', verdict: Verdict.Suspicious }] },
      });
      const child = flow.reports[1];
      const body = { report_id: child.id, verdict: 'malicious', reason: 'Confirmed loader after manual analysis' };

      const refused = await t.request('/api/threatintel/modify-verdict', { token: user.token, body });
      expect(refused.status).toBe(403);

      const res = await t.request('/api/threatintel/modify-verdict', { token: intel.token, body });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        report_id: child.id, flow_id: flow.flowId, previous_verdict: 'SUSPICIOUS', verdict: 'MALICIOUS', threat_level: 1,
        flow_verdict: 'MALICIOUS', reason: 'Confirmed loader after manual analysis', changed_by: intel.email,
      });

      // The report API: document and summary.
      const doc = await t.request(`/api/reports/${child.id}/${child.sha256}?filter=finalVerdict`);
      expect(doc.status).toBe(200);
      expect(doc.body.finalVerdict).toEqual({
        verdict: 'MALICIOUS', threatLevel: 1, confidence: 1,
        override: { previousVerdict: 'SUSPICIOUS', reason: 'Confirmed loader after manual analysis', changedBy: intel.email, changedAt: res.body.changed_at },
      });
      const files = await t.request(`/api/reports/${flow.root.id}/files`);
      expect(files.body.map((r: { id: string; verdict: string }) => [r.id, r.verdict])).toEqual([[child.id, 'MALICIOUS']]);
      const parent = await t.request(`/api/reports/${flow.root.id}/${flow.root.sha256}?filter=o:all`);
      expect(parent.body.extractedFiles).toEqual([expect.objectContaining({ reportId: child.id, verdict: 'MALICIOUS' })]);

      // The scan poll: the flow takes the most severe verdict of its files.
      const poll = await t.request(`/api/scan/${flow.flowId}/report?filter=finalVerdict`, { token: user.token });
      expect(poll.status).toBe(200);
      expect(poll.body.finalVerdict).toEqual({ verdict: 'MALICIOUS', threatLevel: 1, confidence: 1 });
      expect(poll.body.reports[child.id].finalVerdict).toMatchObject({ verdict: 'MALICIOUS', override: { changedBy: intel.email } });
      expect(poll.body.reports[flow.root.id].finalVerdict.verdict).toBe('SUSPICIOUS');

      // Search by verdict finds it.
      const search = await t.request('/api/reports/search?query=verdict:malicious&limit=200');
      expect(search.body.items.map((r: { id: string }) => r.id)).toContain(child.id);

      // Recorded and audited, with before and after.
      const { rows: changes } = await t.db.query('SELECT previous_verdict, verdict, reason, changed_by, changed_by_email FROM report_verdict_changes WHERE report_id = $1', [child.id]);
      expect(changes).toEqual([{ previous_verdict: 'SUSPICIOUS', verdict: 'MALICIOUS', reason: 'Confirmed loader after manual analysis', changed_by: intel.id, changed_by_email: intel.email }]);
      const { rows: audit } = await t.db.query(
        `SELECT actor_email, outcome, target_type, target_id, before, after, details->>'reason' AS reason FROM audit_logs WHERE action = 'report.verdict.modify' ORDER BY id`,
      );
      expect(audit.map((a) => [a.actor_email, a.outcome])).toEqual([[user.email, 'failure'], [intel.email, 'success']]);
      expect(audit[1]).toMatchObject({
        target_type: 'report', target_id: child.id, reason: 'Confirmed loader after manual analysis',
        before: { verdict: 'SUSPICIOUS', threat_level: 0.5, flow_verdict: 'SUSPICIOUS' },
        after: { verdict: 'MALICIOUS', threat_level: 1, flow_verdict: 'MALICIOUS' },
      });

      // Downgrading the only malicious file brings the flow back down.
      const back = await t.request('/api/threatintel/modify-verdict', { token: intel.token, body: { report_id: child.id, verdict: 'BENIGN', reason: 'False positive: signed vendor tool' } });
      expect(back.body).toMatchObject({ previous_verdict: 'MALICIOUS', verdict: 'BENIGN', threat_level: -1, flow_verdict: 'SUSPICIOUS' });
    });

    it('answers 404 for a report the analyst cannot see or that does not exist, 422 for bad input', async () => {
      const hidden = await f.report({ name: 'secret.exe' }, { ownerId: other.id, isPrivate: true });
      const reason = 'checking visibility';
      expect((await t.request('/api/threatintel/modify-verdict', { token: intel.token, body: { report_id: hidden.id, verdict: 'MALICIOUS', reason } })).status).toBe(404);
      expect((await t.request('/api/threatintel/modify-verdict', { token: intel.token, body: { report_id: '3f1f4d8e-1111-4c1c-9a9a-000000000000', verdict: 'MALICIOUS', reason } })).status).toBe(404);
      const bad = await t.request('/api/threatintel/modify-verdict', { token: intel.token, body: { report_id: 'nope', verdict: 'EVIL', reason: '' } });
      expect(bad.status).toBe(422);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['reason', 'report_id', 'verdict']);
    });
  });

  describe('GET /api/threatintel/get-similars', () => {
    const base = readFileSync('/usr/bin/ls');
    const variant = Buffer.from(base);
    for (let p = 5000; p < variant.length; p += 20_011) variant[p] ^= 0x5a;
    const unrelated = randomBytes(base.length);
    let subjectId: string;
    let variantId: string;
    let unrelatedId: string;
    let twinId: string;
    let imphashPeerId: string;

    beforeAll(async () => {
      subjectId = (await f.report({ name: 'ls', content: base, imphash: 'a'.repeat(32) })).id;
      variantId = (await f.report({ name: 'ls-patched', content: variant })).id;
      unrelatedId = (await f.report({ name: 'noise.bin', content: unrelated })).id;
      twinId = (await f.report({ name: 'ls-again', content: base, imphash: 'a'.repeat(32) })).id; // the same file: not "similar", identical
      imphashPeerId = (await f.report({ name: 'other.exe', imphash: 'a'.repeat(32) })).id;
    });

    it('finds the near-identical file (ssdeep score as the real ssdeep computes it) and the same-imphash file, not an unrelated one', async () => {
      const res = await t.request(`/api/threatintel/get-similars?report_id=${subjectId}`, { token: user.token });
      expect(res.status).toBe(200);
      const hBase = digests(new Uint8Array(base));
      const hVariant = digests(new Uint8Array(variant));
      expect(res.body).toMatchObject({ report_id: subjectId, imphash: 'a'.repeat(32), ssdeep: hBase.ssdeep, tlsh: hBase.tlsh });
      const byId = new Map(res.body.similars.map((s: { id: string }) => [s.id, s]));
      expect([...byId.keys()].sort()).toEqual([variantId, imphashPeerId].sort());
      expect(byId.has(unrelatedId)).toBe(false);
      expect(byId.has(twinId)).toBe(false);

      const reference = Number(
        execFileSync('/usr/bin/python3', ['-c', 'import sys,ssdeep; print(ssdeep.compare(sys.argv[1], sys.argv[2]))', hBase.ssdeep, hVariant.ssdeep]).toString(),
      );
      expect(reference).toBeGreaterThanOrEqual(50);
      expect(byId.get(variantId)).toMatchObject({
        file_name: 'ls-patched',
        matched_by: ['ssdeep', 'tlsh'],
        ssdeep_score: reference,
        tlsh_distance: tlshDistance(hBase.tlsh!, hVariant.tlsh!),
      });
      expect(ssdeepCompare(hBase.ssdeep, hVariant.ssdeep)).toBe(reference);
      expect(byId.get(imphashPeerId)).toMatchObject({ matched_by: ['imphash'], ssdeep_score: null, tlsh_distance: null });
      // Exact special-hash matches first.
      expect(res.body.similars[0].id).toBe(imphashPeerId);
    });

    it('looks the subject up by SHA-256 too, and honours the thresholds', async () => {
      const sha256 = digests(new Uint8Array(base)).sha256;
      const strict = await t.request(`/api/threatintel/get-similars?sha256=${sha256}&min_ssdeep_score=100&max_tlsh_distance=0`, { token: user.token });
      expect(strict.status).toBe(200);
      expect(strict.body.similars.map((s: { id: string }) => s.id)).toEqual([imphashPeerId]);
    });

    it('finds candidates through the trigger-kept indexes', async () => {
      const { rows } = await t.db.query(
        `SELECT (SELECT count(*)::int FROM report_ssdeep_grams WHERE report_id = $1) AS grams, (SELECT count(*)::int FROM report_tlsh_grams WHERE report_id = $1) AS keys`,
        [variantId],
      );
      expect(rows[0].keys).toBe(16);
      expect(rows[0].grams).toBeGreaterThan(10);
      // The SQL definitions the triggers use are the TypeScript ones.
      const h = digests(new Uint8Array(variant));
      const { rows: grams } = await t.db.query('SELECT block_size::int AS "blockSize", gram FROM report_ssdeep_grams WHERE report_id = $1 ORDER BY 1, 2', [variantId]);
      const sortGrams = (g: { blockSize: number; gram: string }[]) => [...g].sort((a, b) => a.blockSize - b.blockSize || (a.gram < b.gram ? -1 : a.gram > b.gram ? 1 : 0));
      expect(sortGrams(grams)).toEqual(sortGrams(ssdeepGrams(h.ssdeep)));
      const { rows: keys } = await t.db.query('SELECT key FROM report_tlsh_grams WHERE report_id = $1 ORDER BY key', [variantId]);
      expect(keys.map((k) => k.key)).toEqual([...tlshGrams(h.tlsh!)].sort((a, b) => a - b));
      // Deleting the report takes its index rows with it.
      await t.db.query('DELETE FROM flows WHERE id = (SELECT flow_id FROM reports WHERE id = $1)', [unrelatedId]);
      expect((await t.db.query('SELECT count(*)::int AS n FROM report_tlsh_grams WHERE report_id = $1', [unrelatedId])).rows[0].n).toBe(0);
    });

    it('answers 422 without exactly one subject, 404 for an unknown one', async () => {
      expect((await t.request('/api/threatintel/get-similars', { token: user.token })).status).toBe(422);
      expect((await t.request(`/api/threatintel/get-similars?report_id=${subjectId}&sha256=${'0'.repeat(64)}`, { token: user.token })).status).toBe(422);
      expect((await t.request(`/api/threatintel/get-similars?sha256=xyz`, { token: user.token })).status).toBe(422);
      expect((await t.request(`/api/threatintel/get-similars?sha256=${'0'.repeat(64)}`, { token: user.token })).status).toBe(404);
    });
  });

  describe('feed and IOC download', () => {
    let t2: TestApp;
    let f2: ReportFactory;
    let analyst: TestUser;
    const flows: string[] = [];

    beforeAll(async () => {
      // A database of its own: exact feed pages and CSV rows.
      t2 = await TestApp.start({ FEED_SETTLE_SECONDS: '0' });
      f2 = new ReportFactory(t2);
      analyst = await t2.newUser([UserGroup.Intel]);
      const created = [
        await f2.flow({
          createdAt: day('2026-05-01T08:00:00.000Z'),
          root: {
            name: 'invoice.zip', verdict: Verdict.Suspicious, iocs: [{ type: IocType.Url, value: 'http://evil.example/a' }],
            children: [{ name: 'run.ps1', verdict: Verdict.Malicious, iocs: [{ type: IocType.Domain, value: 'evil.example' }], signals: [{ id: 'script.powershell.encoded_command', evidence: ['-enc'] }] }],
          },
        }),
        await f2.flow({ createdAt: day('2026-05-01T09:00:00.000Z'), root: { name: '=SUM(A1).exe', verdict: Verdict.NoThreat, iocs: [{ type: IocType.Ip, value: '198.51.100.20' }] } }),
        await f2.flow({ createdAt: day('2026-05-01T10:00:00.000Z'), root: { name: 'clean.txt', verdict: Verdict.NoThreat } }),
      ];
      flows.push(...created.map((c) => c.flowId));
      await f2.flow({ ownerId: analyst.id, isPrivate: true, createdAt: day('2026-05-01T09:30:00.000Z'), root: { name: 'mine.exe', iocs: [{ type: IocType.Domain, value: 'private.example' }] } });
    });
    afterAll(() => t2.close());

    it('pages public submissions oldest first with every IOC and signal of their files', async () => {
      const first = await t2.request('/api/threatintel/feed?since=2026-05-01T00:00:00Z&limit=2', { token: analyst.token });
      expect(first.status).toBe(200);
      expect(first.body.has_more).toBe(true);
      expect(first.body.items.map((i: { flow_id: string }) => i.flow_id)).toEqual(flows.slice(0, 2));
      const [zip] = first.body.items;
      expect(zip).toMatchObject({ file_name: 'invoice.zip', verdict: 'SUSPICIOUS', created_date: '2026-05-01T08:00:00.000Z' });
      expect(zip.iocs).toEqual([
        { type: 'url', value: 'http://evil.example/a', origins: ['strings'], found_in: 'invoice.zip' },
        { type: 'domain', value: 'evil.example', origins: ['strings'], found_in: 'invoice.zip/run.ps1' },
      ]);
      expect(zip.signals).toEqual([
        { identifier: 'yara.match', verdict: 'SUSPICIOUS', description: 'Matched a YARA rule', mitre: [], found_in: 'invoice.zip' },
        { identifier: 'script.powershell.encoded_command', verdict: 'SUSPICIOUS', description: expect.any(String), mitre: ['T1059.001', 'T1027.010'], found_in: 'invoice.zip/run.ps1' },
      ]);

      const second = await t2.request(`/api/threatintel/feed?cursor=${first.body.next_cursor}&limit=2`, { token: analyst.token });
      expect(second.body.items.map((i: { flow_id: string }) => i.flow_id)).toEqual([flows[2]]);
      expect(second.body.has_more).toBe(false);
      const third = await t2.request(`/api/threatintel/feed?cursor=${second.body.next_cursor}`, { token: analyst.token });
      expect(third.body).toEqual({ items: [], next_cursor: second.body.next_cursor, has_more: false });
    });

    it('refuses a forged cursor (422) and a plain user (403)', async () => {
      expect((await t2.request('/api/threatintel/feed?cursor=AAAA', { token: analyst.token })).status).toBe(422);
      const plain = await t2.newUser([UserGroup.User]);
      expect((await t2.request('/api/threatintel/feed', { token: plain.token })).status).toBe(403);
      expect((await t2.request('/api/threatintel/download-iocs', { token: plain.token })).status).toBe(403);
    });

    it('downloads the IOCs of every visible report as CSV, formula cells neutralised', async () => {
      const res = await t2.request('/api/threatintel/download-iocs', { token: analyst.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="iocs.csv"');
      const rows = parseCsv(res.body);
      expect(rows[0]).toEqual(['report_id', 'flow_id', 'file_sha256', 'file_name', 'verdict', 'threat_level', 'report_created', 'ioc_type', 'ioc_value', 'origins']);
      const { rows: reports } = await t2.db.query('SELECT id, flow_id, sha256, file_name FROM reports ORDER BY created_at, id');
      const r = (name: string) => reports.find((x) => x.file_name === name);
      const line = (name: string, verdict: string, level: string, at: string, type: string, value: string, fileName = name) => [
        r(name).id, r(name).flow_id, r(name).sha256, fileName, verdict, level, at, type, value, 'strings',
      ];
      // Children share their flow's creation time; within it, reports follow their ids.
      const zipRows = [r('invoice.zip'), r('run.ps1')]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((x) =>
          x.file_name === 'invoice.zip'
            ? line('invoice.zip', 'SUSPICIOUS', '0.5', '2026-05-01T08:00:00.000000Z', 'url', 'http://evil.example/a')
            : line('run.ps1', 'MALICIOUS', '1', '2026-05-01T08:00:00.000000Z', 'domain', 'evil.example'),
        );
      expect(rows.slice(1)).toEqual([
        ...zipRows,
        line('=SUM(A1).exe', 'NO_THREAT', '0.1', '2026-05-01T09:00:00.000000Z', 'ip', '198.51.100.20', "'=SUM(A1).exe"),
        line('mine.exe', 'NO_THREAT', '0.1', '2026-05-01T09:30:00.000000Z', 'domain', 'private.example'),
      ]);

      const filtered = parseCsv((await t2.request('/api/threatintel/download-iocs?type=domain&verdict=malicious', { token: analyst.token })).body);
      expect(filtered.slice(1).map((row) => row[8])).toEqual(['evil.example']);
      const withHashes = parseCsv((await t2.request('/api/threatintel/download-iocs?include_file_hashes=true&since=2026-05-01T10:00:00Z', { token: analyst.token })).body);
      expect(withHashes.slice(1).map((row) => row[7]).sort()).toEqual(['md5', 'sha1', 'sha256', 'sha512']);
    });

    it('answers 422 for a bad type or an empty period', async () => {
      expect((await t2.request('/api/threatintel/download-iocs?type=phone', { token: analyst.token })).status).toBe(422);
      expect((await t2.request('/api/threatintel/download-iocs?since=2026-05-02T00:00:00Z&until=2026-05-01T00:00:00Z', { token: analyst.token })).status).toBe(422);
    });
  });
});
