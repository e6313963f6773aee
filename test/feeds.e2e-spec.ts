import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as yarax from '@litko/yara-x';
import { Client } from 'pg';
import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { UserGroup } from '../src/common/access/user-group';
import { Verdict } from '../src/engine/types';
import { daysToBuild, FeedArchivesJob } from '../src/modules/feeds/feed-archives.job';
import { FeedArchivesService } from '../src/modules/feeds/feed-archives.service';
import { FeedReportsRepository } from '../src/modules/feeds/feed-reports.repository';
import { yaraString } from '../src/modules/feeds/yara-feed';
import { deploymentIdOf, installLicense, removeLicenses, testLicense } from './support/license';
import { CreatedReport, ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';

const run = promisify(execFile);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);

/** Every page of the feed going back from the newest, following next_cursor. */
async function walkBack(t: TestApp, token: string, limit: number): Promise<{ ids: string[]; first: any; pages: number }> {
  const ids: string[] = [];
  let first: any;
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: { status: number; body: any } = await t.request(`/api/feed/reports?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(res.status).toBe(200);
    first ??= res.body;
    pages++;
    ids.push(...res.body.items.map((i: { report_id: string }) => i.report_id));
    cursor = res.body.next_cursor;
    expect(res.body.has_more).toBe(cursor !== null);
  } while (cursor && pages < 100);
  return { ids, first, pages };
}

/** Polls with `since` until caught up; returns what arrived, in order, and the token to keep. */
async function poll(t: TestApp, token: string, since: string, limit: number): Promise<{ ids: string[]; since: string; calls: number }> {
  const ids: string[] = [];
  let calls = 0;
  for (;;) {
    const res = await t.request(`/api/feed/reports?limit=${limit}&since=${since}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.order).toBe('oldest_first');
    calls++;
    ids.push(...res.body.items.map((i: { report_id: string }) => i.report_id));
    since = res.body.next_since;
    if (!res.body.has_more || calls > 100) return { ids, since, calls };
  }
}

describe('Feeds', () => {
  let t: TestApp;
  let admin: string;
  let alice: TestUser;
  let factory: ReportFactory;
  let work: string;

  beforeAll(async () => {
    // No settling delay: the tests control every open transaction themselves.
    t = await TestApp.start({ FEED_SETTLE_SECONDS: '0', FEED_BASE_URL: 'https://sandbox.example.com/' });
    admin = await t.login();
    alice = await t.newUser([UserGroup.User]);
    factory = new ReportFactory(t);
    work = await mkdtemp(join(tmpdir(), 'feeds-'));
    await installLicense(t.app, t.db, testLicense(await deploymentIdOf(t.db)));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await t.close();
  });

  describe('access', () => {
    it('answers 401 to guests and 403 naming the feature without a feeds license', async () => {
      expect((await t.request('/api/feed/reports')).status).toBe(401);
      expect((await t.request('/api/archives/samples')).status).toBe(401);
      await removeLicenses(t.app, t.db);
      try {
        const res = await t.request('/api/feed/reports', { token: alice.token });
        expect(res.status).toBe(403);
        expect(res.body.message).toContain('`feeds`');
      } finally {
        await installLicense(t.app, t.db, testLicense(await deploymentIdOf(t.db)));
      }
    });
  });

  describe('GET /api/feed/reports', () => {
    /** Public submissions in feed order (newest first, id descending on ties). */
    let expected: string[];
    let privateReport: CreatedReport;
    let childIds: string[];

    beforeAll(async () => {
      const made: { id: string; at: number }[] = [];
      // 23 public submissions over 5 instants: most share their created_at with others.
      for (let i = 0; i < 23; i++) {
        const at = Date.now() - 600_000 + (i % 5) * 1000;
        const r = await factory.report({ name: `sample-${i}.exe`, verdict: i % 3 ? Verdict.NoThreat : Verdict.Malicious }, { ownerId: alice.id, createdAt: new Date(at) });
        made.push({ id: r.id, at });
      }
      privateReport = await factory.report({ name: 'private.exe', verdict: Verdict.Malicious }, { ownerId: alice.id, isPrivate: true, createdAt: new Date(Date.now() - 600_000) });
      const bundle = await factory.flow({
        ownerId: alice.id,
        createdAt: new Date(Date.now() - 600_000 + 2000),
        root: { name: 'bundle.zip', children: [{ name: 'inner.exe', verdict: Verdict.Malicious, children: [{ name: 'deeper.js' }] }] },
      });
      made.push({ id: bundle.root.id, at: Date.now() - 600_000 + 2000 });
      childIds = bundle.reports.slice(1).map((r) => r.id);
      // Same comparison as PostgreSQL's: time, then the uuid's bytes (= its lower-case text).
      expected = made
        .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map((m) => m.id);
    });

    it('pages back through every public submission exactly once, ties in created_at broken by id', async () => {
      const { ids, pages, first } = await walkBack(t, alice.token, 5);
      expect(ids).toEqual(expected);
      expect(pages).toBe(5);
      expect(first.order).toBe('newest_first');
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('never shows private reports nor files extracted from a submission', async () => {
      const { ids } = await walkBack(t, admin, 1000);
      expect(ids).not.toContain(privateReport.id);
      for (const id of childIds) expect(ids).not.toContain(id);
    });

    it('describes each report with the facts a SIEM records and a link to the report', async () => {
      const res = await t.request('/api/feed/reports?limit=1', { token: alice.token });
      const item = res.body.items[0];
      const { rows } = await t.db.query('SELECT flow_id, sha256, file_name, file_type, file_kind, size, verdict, threat_level, tags, created_at FROM reports WHERE id = $1', [item.report_id]);
      const row = rows[0];
      expect(item).toEqual({
        report_id: expected[0],
        flow_id: row.flow_id,
        sha256: row.sha256,
        file_name: row.file_name,
        file_type: row.file_type,
        file_kind: row.file_kind,
        size: Number(row.size),
        verdict: row.verdict,
        threat_level: row.threat_level,
        tags: row.tags,
        created_date: row.created_at.toISOString(),
        link: `https://sandbox.example.com/api/reports/${expected[0]}/${row.sha256}`,
        cursor: expect.any(String),
      });
    });

    it('picks up new reports with since, oldest first, across pages, and then answers nothing new', async () => {
      const start = await t.request('/api/feed/reports?limit=3', { token: alice.token });
      let since: string = start.body.next_since;
      const added: string[] = [];
      // 7 new reports, some sharing a created_at, all after the newest one seen.
      const base = Date.now() - 60_000;
      for (let i = 0; i < 7; i++) added.push((await factory.report({ name: `new-${i}.pdf` }, { createdAt: new Date(base + Math.floor(i / 2) * 10) })).id);
      const sorted = added.map((id, i) => ({ id, at: base + Math.floor(i / 2) * 10 })).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)).map((x) => x.id);

      const first = await poll(t, alice.token, since, 3);
      expect(first.ids).toEqual(sorted);
      expect(first.calls).toBe(3);
      since = first.since;

      const again = await poll(t, alice.token, since, 3);
      expect(again.ids).toEqual([]);
      expect(again.since).toBe(since);
    });

    it('holds back reports created after a transaction that is still writing, so a late commit is not skipped', async () => {
      const info = await t.request('/api/feed/reports/info', { token: alice.token });
      let since: string = info.body.since;

      // A report writer whose transaction started first but commits last.
      const slow = new Client({ connectionString: t.config.database.url });
      await slow.connect();
      try {
        await slow.query('BEGIN');
        const { rows } = await slow.query('SELECT now() AS started');
        await new Promise((r) => setTimeout(r, 20));
        // Another writer commits a newer report meanwhile. (The slow one writes only afterwards: writers of one
        // day queue on the statistics trigger's day row, so it must not hold that row yet.)
        const quick = await factory.report({ name: 'quick.exe' }, { createdAt: new Date() });

        // Without the horizon, `quick` would be answered now and `since` would move past `late`.
        const during = await poll(t, alice.token, since, 10);
        expect(during.ids).toEqual([]);
        since = during.since;

        const slowFactory = new ReportFactory({ app: t.app, db: slow } as unknown as TestApp);
        const late = await slowFactory.report({ name: 'late.exe' }, { createdAt: new Date(rows[0].started) });
        await slow.query('COMMIT');
        const after = await poll(t, alice.token, since, 10);
        expect(after.ids).toEqual([late.id, quick.id]);
      } finally {
        await slow.end();
      }
    });

    it('shows the verdict as it is now, after a later change', async () => {
      const id = expected[1];
      await t.db.query(`UPDATE reports SET verdict = 'MALICIOUS', threat_level = 1 WHERE id = $1`, [id]);
      const { ids } = await walkBack(t, alice.token, 1000);
      const res = await t.request('/api/feed/reports?limit=1000', { token: alice.token });
      expect(ids).toContain(id);
      const item = res.body.items.find((i: { report_id: string }) => i.report_id === id);
      expect([item.verdict, item.threat_level]).toEqual(['MALICIOUS', 1]);
    });

    it('with a settle time, answers pollers asking the same thing from one read, for at most a second', async () => {
      // A second process of this deployment, settling reports for 2 s (as production does for 30).
      const settled = await TestApp.start({ FEED_SETTLE_SECONDS: '2' }, { databaseUrl: t.config.database.url });
      try {
        const reads = jest.spyOn(settled.app.get(FeedReportsRepository), 'olderThan');
        const ask = () => settled.request('/api/feed/reports?limit=1000', { token: alice.token });
        const answers = await Promise.all(Array.from({ length: 20 }, ask));
        expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
        for (const a of answers) expect(a.body).toEqual(answers[0].body);
        expect(reads).toHaveBeenCalledTimes(1);

        const [newest] = answers[0].body.items;
        const verdict = newest.verdict === 'SUSPICIOUS' ? 'NO_THREAT' : 'SUSPICIOUS';
        await t.db.query('UPDATE reports SET verdict = $2 WHERE id = $1', [newest.report_id, verdict]);
        await new Promise((r) => setTimeout(r, 1100));
        const later = await ask();
        expect(reads).toHaveBeenCalledTimes(2);
        // Reports of earlier tests may have settled meanwhile and come first: the changed one is looked up.
        expect(later.body.items.find((i: { report_id: string }) => i.report_id === newest.report_id)).toEqual({ ...newest, verdict });
      } finally {
        await settled.close();
      }
    });

    it('refuses bad page sizes, forged tokens and cursor with since (422)', async () => {
      const bad = ['limit=0', 'limit=1001', 'cursor=abc', `since=${Buffer.from('r1|yesterday|x').toString('base64url')}`, 'cursor=$$$'];
      for (const q of bad) {
        const res = await t.request(`/api/feed/reports?${q}`, { token: alice.token });
        expect([q, res.status]).toEqual([q, 422]);
      }
      const page = await t.request('/api/feed/reports?limit=1', { token: alice.token });
      const both = await t.request(`/api/feed/reports?cursor=${page.body.next_cursor}&since=${page.body.next_since}`, { token: alice.token });
      expect(both.status).toBe(422);
      expect(both.body.errors).toEqual([{ field: 'since', messages: [expect.stringContaining('not both')] }]);
    });

    it('answers feed info, the same under the deprecated alias', async () => {
      const info = await t.request('/api/feed/reports/info', { token: alice.token });
      const alias = await t.request('/api/feed/info', { token: alice.token });
      expect(info.status).toBe(200);
      const { rows } = await t.db.query('SELECT count(*)::int AS n, max(created_at) AS newest, min(created_at) AS oldest FROM reports WHERE NOT is_private AND depth = 0');
      expect(info.body).toEqual({
        total: rows[0].n,
        newest_report_date: rows[0].newest.toISOString(),
        oldest_report_date: rows[0].oldest.toISOString(),
        settled_until: expect.any(String),
        settle_seconds: 0,
        page_size: { default: 100, max: 1000 },
        since: expect.any(String),
        formats: { json: '/api/feed/reports', atom: '/api/feed/atom', yara: '/api/feed/yara', archives: '/api/archives/samples' },
      });
      expect({ ...alias.body, settled_until: '' }).toEqual({ ...info.body, settled_until: '' });
    });

    it('reads only through IDX_reports_feed (index scans, bounded by the cursor)', async () => {
      const page = await t.request('/api/feed/reports?limit=2', { token: alice.token });
      const seen: { sql: string; params: unknown[] }[] = [];
      const original = PostgresQueryRunner.prototype.query;
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (this: PostgresQueryRunner, sql: string, params?: unknown[], ...rest: unknown[]) {
        if (/FROM reports r/.test(sql)) seen.push({ sql, params: params ?? [] });
        return (original as (...a: unknown[]) => Promise<unknown>).call(this, sql, params, ...rest);
      } as typeof original);
      try {
        await t.request(`/api/feed/reports?limit=2&cursor=${page.body.next_cursor}`, { token: alice.token });
        await t.request(`/api/feed/reports?limit=2&since=${page.body.next_cursor}`, { token: alice.token });
        await t.request('/api/feed/reports/info', { token: alice.token });
      } finally {
        spy.mockRestore();
      }
      expect(seen.length).toBe(4);
      await t.db.query('ANALYZE reports');
      await t.db.query('SET enable_seqscan = off');
      try {
        for (const q of seen) {
          const { rows } = await t.db.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.params);
          const scans: string[] = [];
          const indexes: string[] = [];
          const walk = (node: Record<string, any>) => {
            if (node['Relation Name']) scans.push(`${node['Node Type']} ${node['Index Name'] ?? ''}`.trim());
            if (node['Index Name']) indexes.push(node['Index Name']);
            for (const child of node.Plans ?? []) walk(child);
          };
          walk(rows[0]['QUERY PLAN'][0].Plan);
          if (/ORDER BY/.test(q.sql)) {
            // Pages: an ordered walk of the index, stopped by LIMIT.
            expect(scans).toEqual([expect.stringMatching(/^Index (Only )?Scan( Backward)? IDX_reports_feed$/)]);
          } else {
            // The info count: the index alone selects the rows (never a sequential scan).
            expect(scans).toHaveLength(1);
            expect(scans[0]).not.toMatch(/Seq Scan/);
            expect(indexes).toEqual(['IDX_reports_feed']);
          }
        }
      } finally {
        await t.db.query('RESET enable_seqscan');
      }
    });
  });

  describe('GET /api/feed/atom', () => {
    let hostile: CreatedReport;
    beforeAll(async () => {
      hostile = await factory.report({ name: '<script>alert("x")</script>&\u0001\'.exe', verdict: Verdict.Malicious, tags: ['a&b'] }, { createdAt: new Date() });
    });

    it('is a valid Atom 1.0 feed with the required elements, every text escaped', async () => {
      const res = await fetch(`${t.url}/api/feed/atom?limit=3`, { headers: { authorization: `Bearer ${alice.token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
      const file = join(work, 'feed.xml');
      await writeFile(file, Buffer.from(await res.arrayBuffer()));
      // A strict XML parser (expat), outside Node: the feed must be well-formed for any reader.
      const script = `
import json, sys, xml.etree.ElementTree as ET
A = '{http://www.w3.org/2005/Atom}'
feed = ET.parse(sys.argv[1]).getroot()
def links(el): return [(l.get('rel'), l.get('href')) for l in el.findall(A + 'link')]
print(json.dumps({
  'tag': feed.tag, 'id': feed.findtext(A + 'id'), 'title': feed.findtext(A + 'title'), 'updated': feed.findtext(A + 'updated'),
  'links': links(feed), 'author': feed.findtext(A + 'author/' + A + 'name'),
  'entries': [{ 'id': e.findtext(A + 'id'), 'title': e.findtext(A + 'title'), 'updated': e.findtext(A + 'updated'),
                'links': links(e), 'summary': e.findtext(A + 'summary'),
                'categories': [c.get('term') for c in e.findall(A + 'category')] } for e in feed.findall(A + 'entry')]
}))`;
      const { stdout } = await run('/usr/bin/python3', ['-c', script, file]);
      const atom = JSON.parse(stdout);
      expect(atom.tag).toBe('{http://www.w3.org/2005/Atom}feed');
      expect(atom.id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(atom.title).toBe('Sandbox reports');
      expect(atom.author).toBe('Sandbox');
      expect(atom.links[0]).toEqual(['self', 'https://sandbox.example.com/api/feed/atom']);
      expect(atom.links.find((l: string[]) => l[0] === 'next')?.[1]).toMatch(/^https:\/\/sandbox\.example\.com\/api\/feed\/atom\?cursor=[A-Za-z0-9_-]+$/);
      expect(atom.entries).toHaveLength(3);
      const entry = atom.entries[0];
      expect(atom.updated).toBe(entry.updated);
      expect(entry).toEqual({
        id: `urn:uuid:${hostile.id}`,
        // The control character is not allowed in XML: dropped; the rest survives as text.
        title: 'MALICIOUS: <script>alert("x")</script>&\'.exe',
        updated: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        links: [['alternate', `https://sandbox.example.com/api/reports/${hostile.id}/${hostile.sha256}`]],
        summary: expect.stringContaining(`Verdict: MALICIOUS (threat level 1).`),
        categories: ['MALICIOUS', 'a&b'],
      });
      // Same id on every request: readers de-duplicate by it.
      const again = await t.request('/api/feed/atom?limit=1', { token: alice.token });
      expect(again.body).toContain(`<id>${atom.id}</id>`);
    });
  });

  describe('GET /api/feed/yara', () => {
    let malicious: CreatedReport;
    let hostileName: CreatedReport;
    let privateMalicious: CreatedReport;
    let clean: CreatedReport;
    const IMPHASH = 'f34d5f2d4577ed6d9ceec516c1f5a744';

    beforeAll(async () => {
      malicious = await factory.report({ name: 'payload.exe', verdict: Verdict.Malicious, imphash: IMPHASH }, { createdAt: secondsAgo(5) });
      hostileName = await factory.report({ name: 'x" }\nrule evil { condition: true } /*\u202e\\.exe', verdict: Verdict.Malicious }, { createdAt: secondsAgo(4) });
      privateMalicious = await factory.report({ name: 'private.exe', verdict: Verdict.Malicious }, { isPrivate: true, ownerId: alice.id, createdAt: secondsAgo(3) });
      clean = await factory.report({ name: 'clean.txt', verdict: Verdict.NoThreat }, { createdAt: secondsAgo(3) });
    });

    it('compiles with YARA and YARA-X and matches the malicious samples only', async () => {
      const res = await t.request('/api/feed/yara', { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      const rules: string = res.body;
      expect(res.headers.get('etag')).toBe(`"${createHash('sha256').update(rules).digest('hex')}"`);
      expect(rules).not.toContain(privateMalicious.sha256);
      expect(rules).toContain(`rule sandbox_imphash_${IMPHASH} : malicious imphash`);
      expect(rules).toContain(`pe.is_pe and pe.imphash() == "${IMPHASH}"`);

      const rulesFile = join(work, 'feed.yar');
      await writeFile(rulesFile, rules);
      const samples = join(work, 'yara-samples');
      await run('mkdir', ['-p', samples]);
      for (const r of [malicious, hostileName, privateMalicious, clean]) await writeFile(join(samples, r.sha256), r.content);

      // libyara 4 (Debian's yara): fails on any compile error or warning (-w off: warnings are not errors; --fail-on-warnings).
      const { stdout } = await run('yara', ['--fail-on-warnings', rulesFile, samples]);
      const matches = stdout.trim().split('\n').map((l) => l.split(' ')).map(([rule, path]) => `${rule} ${path.split('/').pop()}`).sort();
      expect(matches).toEqual(
        [`sandbox_sha256_${malicious.sha256} ${malicious.sha256}`, `sandbox_sha256_${hostileName.sha256} ${hostileName.sha256}`].sort(),
      );

      // YARA-X
      const scanner = yarax.compile(rules) as unknown as { scan(data: Buffer): { ruleIdentifier: string; meta: Record<string, unknown> }[] };
      const hit = scanner.scan(hostileName.content);
      expect(hit.map((m) => m.ruleIdentifier)).toEqual([`sandbox_sha256_${hostileName.sha256}`]);
      expect(hit[0].meta.report_id).toBe(hostileName.id);
      expect(scanner.scan(clean.content)).toEqual([]);
      expect(scanner.scan(privateMalicious.content)).toEqual([]);
    });

    it('escapes meta strings so no name can end the string or the rule', () => {
      expect(yaraString('a"b\\c\nd\u00e9')).toBe('"a\\"b\\\\c\\x0ad\\xc3\\xa9"');
    });

    it('answers its info: counts, window and the SHA-256 of the rules', async () => {
      const [info, feed] = await Promise.all([t.request('/api/feed/yara/info', { token: alice.token }), t.request('/api/feed/yara', { token: alice.token })]);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n, count(DISTINCT sha256)::int AS files, max(created_at) AS newest, min(created_at) AS oldest
                                         FROM reports WHERE verdict = 'MALICIOUS' AND NOT is_private AND sha256 IS NOT NULL`);
      expect(info.body).toEqual({
        rules: rows[0].files + 1,
        hash_rules: rows[0].files,
        imphash_rules: 1,
        reports: rows[0].n,
        window_days: 30,
        newest_report_date: rows[0].newest.toISOString(),
        oldest_report_date: rows[0].oldest.toISOString(),
        sha256: createHash('sha256').update(feed.body).digest('hex'),
      });
    });
  });

  describe('archives', () => {
    const DAY = '2026-11-20';
    const at = (hh: number) => new Date(`${DAY}T${String(hh).padStart(2, '0')}:00:00.000Z`);
    let pubMal: CreatedReport;
    let pubLikely: CreatedReport; // extracted, likely malicious
    let pubSusp: CreatedReport;
    let privMal: CreatedReport;
    let both: CreatedReport; // submitted publicly as suspicious and privately as malicious
    let service: FeedArchivesService;

    const fetchBytes = async (path: string, token?: string) => {
      const res = await fetch(t.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    };
    const extract = async (zip: Buffer, password?: string) => {
      const dir = await mkdtemp(join(work, 'x-'));
      const file = join(dir, 'a.zip');
      await writeFile(file, zip);
      await run('7z', ['x', '-y', password ? `-p${password}` : '-p', `-o${join(dir, 'out')}`, file]);
      const out: Record<string, Buffer> = {};
      for (const name of await readdir(join(dir, 'out'))) out[name] = await readFile(join(dir, 'out', name));
      return out;
    };
    const storedFiles = async () => {
      const root = join(t.config.dataDir, 'feed-archives');
      const found: string[] = [];
      const walk = async (dir: string) => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          if (e.name === '.tmp') continue;
          if (e.isDirectory()) await walk(join(dir, e.name));
          else found.push(e.name);
        }
      };
      await walk(root);
      return found.sort();
    };

    beforeAll(async () => {
      service = t.app.get(FeedArchivesService);
      pubMal = await factory.report({ name: '../../etc/passwd', verdict: Verdict.Malicious, content: randomBytes(200_000) }, { createdAt: at(1) });
      const flow = await factory.flow({ createdAt: at(2), root: { name: 'a.zip', verdict: Verdict.Suspicious, children: [{ name: 'b.exe', verdict: Verdict.LikelyMalicious }] } });
      pubSusp = flow.root;
      pubLikely = flow.reports[1];
      privMal = await factory.report({ name: 'mine.exe', verdict: Verdict.Malicious }, { isPrivate: true, ownerId: alice.id, createdAt: at(3) });
      const shared = randomBytes(1000);
      both = await factory.report({ name: 'shared.doc', verdict: Verdict.Suspicious, content: shared }, { createdAt: at(4) });
      await factory.report({ name: 'shared.doc', verdict: Verdict.Malicious, content: shared }, { isPrivate: true, ownerId: alice.id, createdAt: at(5) });
      // Not archived: clean, another day, and a malicious sample whose bytes are not stored.
      await factory.report({ name: 'clean.txt', verdict: Verdict.NoThreat }, { createdAt: at(6) });
      await factory.report({ name: 'other-day.exe', verdict: Verdict.Malicious }, { createdAt: new Date('2026-11-21T00:00:00.000Z') });
      await factory.report({ name: 'not-stored.exe', verdict: Verdict.Malicious }, { createdAt: at(7), store: false });
    });

    it('builds the day: samples by publicity and most severe verdict, YARA rules; nothing for other days', async () => {
      const outcome = await service.buildDay(DAY);
      expect(outcome).toEqual({ day: DAY, archives: 4, removed: 0, samples: 5, rules: 2, missing: 1 });
      const { rows } = await t.db.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, kind, publicity, type, count FROM feed_archives ORDER BY kind, publicity, type`);
      expect(rows).toEqual([
        { day: DAY, kind: 'samples', publicity: 'private', type: 'malicious', count: 1 },
        { day: DAY, kind: 'samples', publicity: 'public', type: 'malicious', count: 2 },
        { day: DAY, kind: 'samples', publicity: 'public', type: 'suspicious', count: 2 },
        { day: DAY, kind: 'yara', publicity: 'public', type: 'rules', count: 2 },
      ]);
    });

    it('serves a samples archive that 7-Zip extracts with the password "infected" to the sample bytes', async () => {
      const res = await fetchBytes(`/api/archives/samples/public/malicious/${DAY}`, alice.token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="sandbox-samples-public-malicious-${DAY}.zip"`);
      await expect(extract(res.body, 'wrong')).rejects.toThrow();
      const files = await extract(res.body, 'infected');
      expect(Object.keys(files).sort()).toEqual([pubMal.sha256, pubLikely.sha256, 'manifest.json'].sort());
      expect(files[pubMal.sha256].equals(pubMal.content)).toBe(true);
      expect(files[pubLikely.sha256].equals(pubLikely.content)).toBe(true);
      const manifest = JSON.parse(files['manifest.json'].toString());
      expect(manifest.samples.find((s: { sha256: string }) => s.sha256 === pubMal.sha256)).toEqual({
        sha256: pubMal.sha256,
        verdict: 'MALICIOUS',
        file_types: [expect.any(String)],
        report_ids: [pubMal.id],
      });
      // The listing's size and digest are the file's.
      const list = await t.request('/api/archives/samples', { token: alice.token });
      const entry = list.body.find((a: { type: string; publicity: string }) => a.publicity === 'public' && a.type === 'malicious');
      expect([entry.size, entry.sha256, entry.count]).toEqual([res.body.length, sha256(res.body), 2]);

      const susp = await extract((await fetchBytes(`/api/archives/samples/public/suspicious/${DAY}`, alice.token)).body, 'infected');
      expect(Object.keys(susp).sort()).toEqual([pubSusp.sha256, both.sha256, 'manifest.json'].sort());
    });

    it('keeps private archives to administrators: hidden from others\' listings, 403 on download', async () => {
      const userList = await t.request('/api/archives/samples', { token: alice.token });
      expect(userList.body.map((a: { publicity: string; type: string }) => `${a.publicity}/${a.type}`).sort()).toEqual(['public/malicious', 'public/suspicious']);
      const adminList = await t.request('/api/archives/samples', { token: admin });
      expect(adminList.body).toHaveLength(3);
      expect((await fetchBytes(`/api/archives/samples/private/malicious/${DAY}`, alice.token)).status).toBe(403);
      const priv = await fetchBytes(`/api/archives/samples/private/malicious/${DAY}`, admin);
      expect(priv.status).toBe(200);
      const files = await extract(priv.body, 'infected');
      expect(files[privMal.sha256].equals(privMal.content)).toBe(true);
    });

    it('counts sample-archive downloads against the download quota and audits them', async () => {
      const { rows } = await t.db.query(`SELECT actor_id, outcome, details FROM audit_logs WHERE action = 'feed.samples-archive.download' ORDER BY created_at`);
      // Two public downloads, then a refused and an allowed private one.
      expect(rows.map((r) => r.outcome).sort()).toEqual(['failure', 'success', 'success', 'success']);
      expect(rows.map((r) => r.details.status).sort()).toEqual([200, 200, 200, 403]);
      const user = await t.newUser([UserGroup.User]);
      await t.request('/api/admin/settings/api-quota', { token: admin, method: 'POST', body: { scope: 'user', scope_id: user.id, resource: 'download', period: 'minute', limit: 1 } });
      const first = await fetchBytes(`/api/archives/samples/public/malicious/${DAY}`, user.token);
      const second = await fetchBytes(`/api/feed/archives/public/malicious/${DAY}`, user.token);
      expect([first.status, second.status]).toEqual([200, 429]);
    });

    it('serves the YARA archive, whose rules compile and match that day\'s malicious public samples', async () => {
      const res = await fetchBytes(`/api/archives/yara/${DAY}`, alice.token);
      expect(res.status).toBe(200);
      const files = await extract(res.body);
      expect(Object.keys(files)).toEqual([`sandbox-yara-${DAY}.yar`]);
      const scanner = yarax.compile(files[`sandbox-yara-${DAY}.yar`].toString()) as unknown as { scan(d: Buffer): { ruleIdentifier: string }[] };
      expect(scanner.scan(pubMal.content).map((m) => m.ruleIdentifier)).toEqual([`sandbox_sha256_${pubMal.sha256}`]);
      expect(scanner.scan(privMal.content)).toEqual([]);
      const list = await t.request('/api/archives/yara', { token: alice.token });
      expect(list.body).toEqual([expect.objectContaining({ date: DAY, kind: 'yara', publicity: 'public', type: 'rules', count: 2, link: `/api/archives/yara/${DAY}` })]);
    });

    it('answers 404 for a day without archives and 422 for a malformed date, publicity or type', async () => {
      expect((await t.request('/api/archives/yara/2026-11-19', { token: alice.token })).status).toBe(404);
      expect((await t.request('/api/archives/samples/public/malicious/2026-11-19', { token: alice.token })).status).toBe(404);
      for (const path of ['/api/archives/yara/2026-02-30', '/api/archives/yara/20261120', '/api/archives/samples/public/malicious/..%2F..', '/api/archives/samples/secret/malicious/2026-11-20', '/api/archives/samples/public/clean/2026-11-20', '/api/feed/archives/public/malicious/nov-20']) {
        const res = await t.request(path, { token: alice.token });
        expect([path, res.status]).toEqual([path, 422]);
      }
    });

    it('rebuilding a day is idempotent: one archive per kind, the replaced files removed', async () => {
      const filesBefore = await storedFiles();
      expect(filesBefore).toHaveLength(4);
      await service.buildDay(DAY);
      await service.buildDay(DAY);
      const { rows } = await t.db.query('SELECT count(*)::int AS n, count(DISTINCT (kind, publicity, type, day))::int AS keys FROM feed_archives');
      expect(rows[0]).toEqual({ n: 4, keys: 4 });
      const filesAfter = await storedFiles();
      expect(filesAfter).toHaveLength(4);
      const { rows: shas } = await t.db.query('SELECT sha256 FROM feed_archives ORDER BY sha256');
      expect(filesAfter).toEqual(shas.map((r) => r.sha256));
    });

    it('removes a day\'s archive once nothing qualifies any more (verdict changed)', async () => {
      await t.db.query(`UPDATE reports SET verdict = 'NO_THREAT' WHERE id = $1`, [privMal.id]);
      await t.db.query(`UPDATE reports SET verdict = 'SUSPICIOUS' WHERE is_private AND sha256 = $1`, [both.sha256]);
      const outcome = await service.buildDay(DAY);
      expect(outcome.removed).toBe(1);
      expect((await fetchBytes(`/api/archives/samples/private/malicious/${DAY}`, admin)).status).toBe(404);
      expect(await storedFiles()).toHaveLength(3);
    });

    it('answers the same under the deprecated /api/feed/archives aliases', async () => {
      const [list, alias] = await Promise.all([t.request('/api/archives/samples', { token: alice.token }), t.request('/api/feed/archives', { token: alice.token })]);
      expect(alias.status).toBe(200);
      expect(alias.body).toEqual(list.body);
      const a = await fetchBytes(`/api/archives/samples/public/suspicious/${DAY}`, alice.token);
      const b = await fetchBytes(`/api/feed/archives/public/suspicious/${DAY}`, alice.token);
      expect(b.status).toBe(200);
      expect(sha256(b.body)).toBe(sha256(a.body));
    });

    it('the scheduled job builds the last three complete UTC days, never today', async () => {
      expect(daysToBuild(new Date('2026-12-05T00:20:00Z'))).toEqual(['2026-12-02', '2026-12-03', '2026-12-04']);
      const logs: string[] = [];
      const outcome = await t.app.get(FeedArchivesJob).run({ trigger: 'manual', signal: new AbortController().signal, log: (m) => logs.push(m) });
      expect(outcome.counts?.days).toBe(3);
      expect(logs).toHaveLength(3);
      // The jobs module discovers it and runs it nightly.
      const jobs = await t.request('/api/admin/jobs', { token: admin });
      expect(jobs.body.find((j: { name: string }) => j.name === 'feeds.archives')).toEqual(
        expect.objectContaining({ schedule: '20 0 * * *', enabled: true, description: 'Builds the daily YARA and samples archives of the last complete UTC days' }),
      );
    });
  });
});
