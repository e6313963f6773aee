import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';
import { UserGroup } from '../src/common/access/user-group';
import { IocType, Verdict } from '../src/engine/types';
import { CreatedFlow, CreatedReport, ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
const ids = (items: { id: string }[]) => items.map((i) => i.id).sort();
const IMPHASH = 'f34d5f2d4577ed6d9ceec516c1f5a744';
const AUTHENTIHASH = 'a'.repeat(64);
const NAMED_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

describe('Reports: search', () => {
  let t: TestApp;
  let admin: string;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let auditor: TestUser;
  let invoice: CreatedReport; // alice, public, malicious PE
  let pdf: CreatedReport; // bob, public, suspicious PDF
  let secret: CreatedReport; // carol, private, malicious, names evil.example too
  let bundle: CreatedFlow; // alice, public: bundle.zip → dropper.js

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    alice = await t.newUser([UserGroup.User]);
    bob = await t.newUser([UserGroup.User]);
    carol = await t.newUser([UserGroup.User]);
    auditor = await t.newUser([UserGroup.Auditor]);
    const factory = new ReportFactory(t);
    invoice = await factory.report(
      {
        name: 'Invoice_2024.exe',
        identity: { kind: 'pe', label: 'PE32 executable (GUI) Intel 80386', mime: 'application/vnd.microsoft.portable-executable' },
        verdict: Verdict.Malicious,
        tags: ['upx', 'packed'],
        iocs: [
          { type: IocType.Domain, value: 'evil.example' },
          { type: IocType.Url, value: 'http://evil.example/stage2.exe' },
          { type: IocType.Ip, value: '203.0.113.9' },
          { type: IocType.Md5, value: NAMED_MD5 },
        ],
        imphash: IMPHASH,
        authentihash: AUTHENTIHASH,
        yaraRules: ['Loader_Stage1'],
      },
      { ownerId: alice.id, createdAt: hoursAgo(5) },
    );
    pdf = await factory.report(
      {
        name: 'quarterly-report.pdf',
        identity: { kind: 'pdf', label: 'PDF document, version 1.7', mime: 'application/pdf' },
        verdict: Verdict.Suspicious,
        tags: ['pdf-javascript'],
        iocs: [{ type: IocType.Domain, value: 'other.example' }],
      },
      { ownerId: bob.id, createdAt: hoursAgo(4) },
    );
    secret = await factory.report(
      {
        name: 'carol-secret.exe',
        identity: { kind: 'pe', label: 'PE32 executable (console) x86-64', mime: 'application/vnd.microsoft.portable-executable' },
        verdict: Verdict.Malicious,
        tags: ['upx'],
        iocs: [{ type: IocType.Domain, value: 'evil.example' }],
        yaraRules: ['Loader_Stage1'],
      },
      { ownerId: carol.id, isPrivate: true, createdAt: hoursAgo(3) },
    );
    bundle = await factory.flow({
      ownerId: alice.id,
      createdAt: hoursAgo(2),
      root: {
        name: 'bundle.zip',
        identity: { kind: 'zip', label: 'ZIP archive', mime: 'application/zip' },
        verdict: Verdict.NoThreat,
        children: [
          {
            name: 'dropper.js',
            identity: { kind: 'javascript', label: 'JavaScript source', mime: 'application/javascript' },
            verdict: Verdict.LikelyMalicious,
            iocs: [{ type: IocType.Url, value: 'https://cdn.bad.example/x.ps1' }],
          },
        ],
      },
    });
  });
  afterAll(() => t.close());

  const search = async (query: string, token?: string) => {
    const res = await t.request(`/api/reports/search?query=${encodeURIComponent(query)}`, { token });
    if (res.status !== 200) throw new Error(`search ${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return ids(res.body.items);
  };
  const advanced = async (query: string, token?: string) => {
    const res = await t.request(`/api/reports/advanced-search?${query}`, { token });
    if (res.status !== 200) throw new Error(`advanced-search ${query}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  describe('GET /api/reports/search', () => {
    it('finds a file by its SHA-256, MD5, SHA-1 or SHA-512, in either case', async () => {
      for (const hash of [invoice.sha256, invoice.md5, invoice.sha1, invoice.sha512, invoice.sha256.toUpperCase()]) {
        expect(await search(hash)).toEqual([invoice.id]);
      }
    });

    it('finds the reports naming a hash as an IOC', async () => {
      expect(await search(NAMED_MD5)).toEqual([invoice.id]);
    });

    it('finds files extracted from a submission by their hash and name', async () => {
      const dropper = bundle.reports[1];
      expect(await search(dropper.sha256)).toEqual([dropper.id]);
      expect(await search('dropper')).toEqual([dropper.id]);
    });

    it('matches file names by substring, case-insensitively, with LIKE wildcards taken literally', async () => {
      expect(await search('INVOICE')).toEqual([invoice.id]);
      expect(await search('voice_20')).toEqual([invoice.id]);
      expect(await search('name:report')).toEqual([pdf.id]);
      expect(await search('%%%')).toEqual([]);
      expect(await search('7z')).toEqual([]); // too short to match names (a tag or IOC value still could)
      expect(await search('invoic__2024')).toEqual([]); // `_` is not a wildcard
    });

    it('matches a verdict by name', async () => {
      expect(await search('suspicious')).toEqual([pdf.id]);
      expect(await search('likely malicious')).toEqual([bundle.reports[1].id]);
      expect(await search('verdict:MALICIOUS')).toEqual([invoice.id]);
      expect(await search('malicious', admin)).toEqual([invoice.id, secret.id].sort());
    });

    it('matches tags and file types', async () => {
      expect(await search('packed')).toEqual([invoice.id]);
      expect(await search('tag:upx')).toEqual([invoice.id]);
      expect(await search('pdf')).toEqual([pdf.id]); // a type key (and part of the name)
      expect(await search('type:pe')).toEqual([invoice.id]);
      expect(await search('type:javascript')).toEqual([bundle.reports[1].id]);
    });

    it('matches any IOC value: domain, URL, IP', async () => {
      expect(await search('evil.example')).toEqual([invoice.id]);
      expect(await search('EVIL.example')).toEqual([invoice.id]);
      expect(await search('http://evil.example/stage2.exe')).toEqual([invoice.id]);
      expect(await search('203.0.113.9')).toEqual([invoice.id]);
      expect(await search('ioc:https://cdn.bad.example/x.ps1')).toEqual([bundle.reports[1].id]);
    });

    it('finds a report by its id, and every report of a flow by the flow id', async () => {
      expect(await search(pdf.id)).toEqual([pdf.id]);
      expect(await search(bundle.flowId)).toEqual(ids(bundle.reports));
    });

    it('keeps private reports out of other people\'s results', async () => {
      for (const q of [secret.sha256, secret.md5, 'carol-secret', 'evil.example', secret.id]) {
        expect(await search(q)).not.toContain(secret.id);
        expect(await search(q, bob.token)).not.toContain(secret.id);
        expect(await search(q, auditor.token)).not.toContain(secret.id);
        expect(await search(q, carol.token)).toContain(secret.id);
        expect(await search(q, admin)).toContain(secret.id);
      }
    });

    it('pages the results newest first', async () => {
      const res = await t.request('/api/reports/search?query=upx&limit=1&page=2', { token: admin });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 2, page: 2, limit: 1 });
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([invoice.id]);
    });

    it('answers 422 to a missing, empty or too long query, and to an unknown verdict', async () => {
      for (const q of ['', '?query=', '?query=%20%20', `?query=${'a'.repeat(2049)}`, '?query=verdict:evil', '?query=name:ab', '?query=x&foo=1']) {
        const res = await t.request(`/api/reports/search${q}`);
        expect({ q, status: res.status }).toEqual({ q, status: 422 });
      }
    });
  });

  describe('GET /api/reports/advanced-search', () => {
    it('filters by each field', async () => {
      const cases: [string, string[]][] = [
        [`sha256=${invoice.sha256.toUpperCase()}`, [invoice.id]],
        ['file_name=REPORT', [pdf.id]],
        ['file_type=pdf', [pdf.id]],
        ['file_type=PE32 executable (GUI) Intel 80386', [invoice.id]],
        ['verdict=malicious,suspicious', [invoice.id, pdf.id]],
        ['verdict=likely_malicious', [bundle.reports[1].id]],
        ['threat_level_min=0.6', [invoice.id, bundle.reports[1].id]],
        ['threat_level_min=0.4&threat_level_max=0.8', [pdf.id, bundle.reports[1].id]],
        ['tag=upx,packed', [invoice.id]],
        ['tag=upx', [invoice.id]],
        ['ioc_type=domain&ioc_value=evil.example', [invoice.id]],
        ['ioc_type=ip&ioc_value=evil.example', []],
        ['ioc_value=other.example', [pdf.id]],
        [`ioc_type=md5&ioc_value=${invoice.md5}`, [invoice.id]],
        [`imphash=${IMPHASH.toUpperCase()}`, [invoice.id]],
        [`authentihash=${AUTHENTIHASH}`, [invoice.id]],
        [`ssdeep=${encodeURIComponent(pdf.ssdeep)}`, [pdf.id]],
        ['yara_rule=Loader_Stage1', [invoice.id]],
        [`created_from=${encodeURIComponent(hoursAgo(4.5).toISOString())}&created_to=${encodeURIComponent(hoursAgo(3.5).toISOString())}`, [pdf.id]],
        [`owner=${alice.id}&verdict=malicious`, [invoice.id]],
      ];
      for (const [query, expected] of cases) {
        const body = await advanced(query, alice.token);
        expect({ query, ids: ids(body.items) }).toEqual({ query, ids: [...expected].sort() });
      }
    });

    it('combines filters, sorts and pages', async () => {
      const byName = await advanced('sort_by=file_name&sort_order=asc');
      expect(byName.items.map((i: { file_name: string }) => i.file_name)).toEqual(['bundle.zip', 'dropper.js', 'Invoice_2024.exe', 'quarterly-report.pdf']);
      const byThreat = await advanced('sort_by=threat_level&limit=2');
      expect(byThreat).toMatchObject({ total: 4, limit: 2 });
      expect(byThreat.items.map((i: { id: string }) => i.id)).toEqual([invoice.id, bundle.reports[1].id]);
      const oldest = await advanced('sort_order=asc&limit=1&page=1');
      expect(oldest.items[0].id).toBe(invoice.id);
    });

    it('keeps private reports out of other people\'s results', async () => {
      expect(ids((await advanced('yara_rule=Loader_Stage1')).items)).toEqual([invoice.id]);
      expect(ids((await advanced('yara_rule=Loader_Stage1', bob.token)).items)).toEqual([invoice.id]);
      expect(ids((await advanced('yara_rule=Loader_Stage1', carol.token)).items)).toEqual([invoice.id, secret.id].sort());
      expect(ids((await advanced(`sha256=${secret.sha256}`, auditor.token)).items)).toEqual([]);
    });

    it('lets only admins and auditors filter by another user (403), anyone by themselves', async () => {
      expect((await t.request(`/api/reports/advanced-search?owner=${alice.id}`, { token: bob.token })).status).toBe(403);
      expect((await t.request(`/api/reports/advanced-search?owner=${alice.id}`)).status).toBe(403);
      expect(ids((await advanced(`owner=${carol.id}`, admin)).items)).toEqual([secret.id]);
      expect(ids((await advanced(`owner=${carol.id}`, auditor.token)).items)).toEqual([]); // auditors do not see private reports
      expect(ids((await advanced(`owner=${bob.id}`, bob.token)).items)).toEqual([pdf.id]);
    });

    it('answers 422 naming the field for malformed or contradictory filters', async () => {
      const cases: [string, string][] = [
        ['sha256=xyz', 'sha256'],
        ['file_name=ab', 'file_name'],
        ['verdict=evil', 'verdict'],
        ['threat_level_min=2', 'threat_level_min'],
        ['threat_level_max=abc', 'threat_level_max'],
        ['threat_level_min=0.9&threat_level_max=0.1', 'threat_level_min'],
        ['ioc_type=domain', 'ioc_value'],
        ['ioc_type=hostname&ioc_value=x', 'ioc_type'],
        ['imphash=123', 'imphash'],
        ['authentihash=zz', 'authentihash'],
        ['ssdeep=not-a-hash', 'ssdeep'],
        ['yara_rule=1bad rule', 'yara_rule'],
        ['owner=me', 'owner'],
        ['created_from=yesterday', 'created_from'],
        ['created_from=2026-02-01T00:00:00Z&created_to=2026-01-01T00:00:00Z', 'created_from'],
        ['sort_by=data', 'sort_by'],
        ['sort_order=sideways', 'sort_order'],
        ['limit=0', 'limit'],
        ['query=x', 'query'],
      ];
      for (const [query, field] of cases) {
        const res = await t.request(`/api/reports/advanced-search?${query}`, { token: admin });
        expect({ query, status: res.status, fields: res.body.errors?.map((e: { field: string }) => e.field) }).toEqual({
          query,
          status: 422,
          fields: [field],
        });
      }
    });
  });

  describe('indexes', () => {
    // Plans on a handful of rows say little: give the planner a realistic table first (run last, so the
    // other tests see only their own reports).
    beforeAll(async () => {
      const { rows } = await t.db.query(
        `INSERT INTO flows (kind, owner_id, state, created_at) VALUES ('file', $1, 'finished', now() - interval '40 days') RETURNING id`,
        [bob.id],
      );
      await t.db.query(
        `INSERT INTO reports (flow_id, file_index, depth, owner_id, is_private, sha256, file_name, file_type, file_kind, mime, size, verdict,
                              threat_level, tags, data, created_at)
         SELECT $1, g, 0, $2, g % 10 = 0, encode(sha256(g::text::bytea), 'hex'), 'filler-' || g || '.bin', 'data', 'data',
                'application/octet-stream', 100, CASE WHEN g % 50 = 0 THEN 'SUSPICIOUS' ELSE 'NO_THREAT' END, CASE WHEN g % 50 = 0 THEN 0.5 ELSE 0.1 END,
                CASE WHEN g % 3 = 0 THEN ARRAY['common'] ELSE '{}'::text[] END, '{}'::jsonb, now() - (g || ' minutes')::interval
           FROM generate_series(1, 20000) g`,
        [rows[0].id, bob.id],
      );
      await t.db.query(
        `INSERT INTO report_iocs (report_id, type, value)
         SELECT id, 'domain', 'host-' || file_index || '.example' FROM reports WHERE flow_id = $1
         UNION ALL SELECT id, 'sha256', sha256 FROM reports WHERE flow_id = $1`,
        [rows[0].id],
      );
      await t.db.query('ANALYZE reports');
      await t.db.query('ANALYZE report_iocs');
    });

    /** Runs `call` and returns every SELECT it sent to PostgreSQL through TypeORM, with parameters. */
    async function capture(call: () => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
      const seen: { sql: string; params: unknown[] }[] = [];
      const original = PostgresQueryRunner.prototype.query;
      const spy = jest.spyOn(PostgresQueryRunner.prototype, 'query').mockImplementation(function (this: PostgresQueryRunner, sql: string, params?: unknown[], ...rest: unknown[]) {
        if (/^\s*SELECT/i.test(sql) && /"reports"|FROM reports|report_iocs/.test(sql)) seen.push({ sql, params: params ?? [] });
        return (original as (...a: unknown[]) => Promise<unknown>).call(this, sql, params, ...rest);
      } as typeof original);
      try {
        await call();
      } finally {
        spy.mockRestore();
      }
      return seen;
    }

    /**
     * The table scans of the plan PostgreSQL picks when sequential scans are priced out (as they would
     * be on a large table): `bounded` when an index condition limits the rows read.
     */
    async function scansOf(sql: string, params: unknown[]): Promise<{ scan: string; bounded: boolean }[]> {
      await t.db.query('SET enable_seqscan = off');
      try {
        const { rows } = await t.db.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        const scans: { scan: string; bounded: boolean }[] = [];
        const walk = (node: Record<string, any>) => {
          if (/Scan/.test(node['Node Type']) && node['Relation Name']) {
            scans.push({
              scan: `${node['Node Type']} on ${node['Relation Name']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`,
              bounded: node['Node Type'] === 'Bitmap Heap Scan' || !!node['Index Cond'],
            });
          }
          for (const child of node.Plans ?? []) walk(child);
        };
        walk(rows[0]['QUERY PLAN'][0].Plan);
        return scans;
      } finally {
        await t.db.query('RESET enable_seqscan');
      }
    }

    /** Every query behind these calls (the page and, with limit=1, the count) reads only index-selected rows. */
    it('answers searches, lists and dashboards from indexes, never by scanning reports or IOCs', async () => {
      const calls: { url: string; token?: string; walks?: boolean }[] = [
        { url: `/api/reports/search?limit=1&query=${invoice.sha256}` },
        { url: `/api/reports/search?limit=1&query=${invoice.md5}` },
        { url: '/api/reports/search?limit=1&query=evil.example', token: bob.token },
        { url: '/api/reports/search?limit=1&query=name:invoice' },
        { url: '/api/reports/search?limit=1&query=tag:upx' },
        { url: '/api/reports/search?limit=1&query=malicious' },
        { url: `/api/reports/search?limit=1&query=${bundle.flowId}` },
        { url: '/api/reports/advanced-search?limit=1&ioc_type=domain&ioc_value=evil.example', token: bob.token },
        { url: '/api/reports/advanced-search?limit=1&ioc_value=203.0.113.9' },
        { url: `/api/reports/advanced-search?limit=1&imphash=${IMPHASH}` },
        { url: `/api/reports/advanced-search?limit=1&authentihash=${AUTHENTIHASH}` },
        { url: '/api/reports/advanced-search?limit=1&yara_rule=Loader_Stage1&tag=upx' },
        { url: '/api/reports/advanced-search?limit=1&verdict=malicious,suspicious&sort_by=threat_level' },
        { url: '/api/reports/advanced-search?limit=1&file_name=invoice' },
        { url: `/api/reports/advanced-search?limit=1&sha256=${invoice.sha256}` },
        { url: `/api/reports/${invoice.id}/${invoice.sha256}` },
        { url: `/api/reports/${bundle.root.id}/files` },
        { url: '/api/me/reports?limit=1', token: alice.token },
        { url: '/api/users/most-interesting', token: bob.token },
        { url: '/api/users/get-frequent-tags', token: alice.token },
        { url: `/api/files/${invoice.sha256}`, token: bob.token },
        // Listing every visible submission reads them all to count them; the page itself walks IDX_reports_created.
        { url: '/api/reports?limit=1', token: bob.token, walks: true },
      ];
      const problems: string[] = [];
      for (const { url, token, walks } of calls) {
        const queries = await capture(async () => {
          const res = await t.request(url, { token });
          if (res.status !== 200) problems.push(`${url}: ${res.status}`);
        });
        if (!queries.length) problems.push(`${url}: no query captured`);
        for (const q of queries) {
          for (const { scan, bounded } of await scansOf(q.sql, q.params)) {
            if (bounded || walks) continue;
            problems.push(`${url}: ${scan} reads every row in ${q.sql}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('would notice a query that reads every row (the check is not vacuous)', async () => {
      // File types have no index of their own (see the report): a type lookup is the known full read.
      const queries = await capture(() => t.request('/api/reports/search?limit=1&query=type:pdf'));
      const scans = (await Promise.all(queries.map((q) => scansOf(q.sql, q.params)))).flat();
      expect(scans.some((s) => !s.bounded)).toBe(true);
    });
  });
});
