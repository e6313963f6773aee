import { buildOpenApiDocument } from '../src/app.factory';
import { UserGroup } from '../src/common/access/user-group';
import { IocType, Verdict } from '../src/engine/types';
import { CreatedFlow, CreatedReport, newAccessGroup, ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000);
const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('Reports: reading and listing', () => {
  let t: TestApp;
  let admin: string;
  let alice: TestUser; // owner, in the access group
  let bob: TestUser; // alice's teammate
  let carol: TestUser; // outsider
  let auditor: TestUser;
  let publicFlow: CreatedFlow; // alice: invoice.zip → payload.exe → config.bin
  let privateFlow: CreatedFlow; // alice, private: secret-plan.docm
  let carolReport: CreatedReport; // carol, public: notes.txt
  let payload: CreatedReport;
  let config: CreatedReport;

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    const team = await newAccessGroup(t);
    alice = await t.newUser([UserGroup.User], { accessGroupId: team });
    bob = await t.newUser([UserGroup.User], { accessGroupId: team });
    carol = await t.newUser([UserGroup.User]);
    auditor = await t.newUser([UserGroup.Auditor]);
    const factory = new ReportFactory(t);
    publicFlow = await factory.flow({
      ownerId: alice.id,
      accessGroupId: team,
      createdAt: hoursAgo(3),
      root: {
        name: 'invoice.zip',
        identity: { kind: 'zip', label: 'ZIP archive', mime: 'application/zip' },
        verdict: Verdict.Suspicious,
        tags: ['archive', 'upx'],
        children: [
          {
            name: 'payload.exe',
            identity: { kind: 'pe', label: 'PE32 executable (GUI) Intel 80386', mime: 'application/vnd.microsoft.portable-executable' },
            verdict: Verdict.Malicious,
            tags: ['upx'],
            iocs: [{ type: IocType.Domain, value: 'evil.example' }],
            children: [{ name: 'config.bin', verdict: Verdict.Unknown }],
          },
        ],
      },
    });
    [, payload, config] = publicFlow.reports;
    privateFlow = await factory.flow({
      ownerId: alice.id,
      accessGroupId: team,
      isPrivate: true,
      createdAt: hoursAgo(2),
      root: { name: 'secret-plan.docm', verdict: Verdict.LikelyMalicious, tags: ['macro', 'upx'] },
    });
    carolReport = await factory.report({ name: 'notes.txt', content: 'just some notes\n', tags: ['text'] }, { ownerId: carol.id, createdAt: hoursAgo(1) });
  });
  afterAll(() => t.close());

  describe('GET /api/reports/{report_id}/{file_hash}', () => {
    const url = (r: CreatedReport, query = '') => `/api/reports/${r.id}/${r.sha256}${query}`;

    it('answers the whole report document to anyone when the report is public', async () => {
      const res = await t.request(url(payload));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(JSON.parse(JSON.stringify(payload.document)));
      expect(res.body.finalVerdict.verdict).toBe('MALICIOUS');
      expect(res.body.iocs.domain).toEqual([{ value: 'evil.example', origins: ['strings'] }]);
    });

    it('accepts the hash in upper case', async () => {
      expect((await t.request(`/api/reports/${payload.id}/${payload.sha256.toUpperCase()}`)).status).toBe(200);
    });

    it('selects parts of the report with filter= (repeated or comma-separated); id is always there', async () => {
      const general = await t.request(url(payload, '?filter=general&filter=finalVerdict'));
      expect(general.status).toBe(200);
      expect(Object.keys(general.body).sort()).toEqual(
        ['id', 'file', 'created_date', 'overallState', 'scanOptions', 'fileIndex', 'parentId', 'originPath', 'finalVerdict'].sort(),
      );
      expect(general.body.originPath).toBe('invoice.zip/payload.exe');
      const commas = await t.request(url(payload, '?filter=iocs,allTags'));
      expect(Object.keys(commas.body).sort()).toEqual(['allTags', 'id', 'iocs']);
      const field = await t.request(url(payload, '?filter=f:extractedFiles'));
      expect(field.body).toEqual({ id: payload.id, extractedFiles: [expect.objectContaining({ reportId: config.id, name: 'config.bin', sha256: config.sha256 })] });
      const heavy = await t.request(url(payload, '?filter=o:all'));
      expect(Object.keys(heavy.body).sort()).toEqual(['extractedFiles', 'id', 'issues', 'resources']);
      const all = await t.request(url(payload, '?filter=f:all'));
      expect(all.body).toEqual(JSON.parse(JSON.stringify(payload.document)));
    });

    it('answers 404 when the hash is not the file of that report, or the report does not exist', async () => {
      expect((await t.request(`/api/reports/${payload.id}/${config.sha256}`)).status).toBe(404);
      expect((await t.request(`/api/reports/6c2b8f4e-1d3a-4b7e-9f00-2a5c7d9e1b34/${payload.sha256}`)).status).toBe(404);
    });

    it('answers 422 to a malformed id, hash or filter', async () => {
      const badId = await t.request(`/api/reports/not-a-uuid/${payload.sha256}`);
      expect(badId.status).toBe(422);
      const badHash = await t.request(`/api/reports/${payload.id}/abc`);
      expect(badHash.status).toBe(422);
      expect(badHash.body.errors).toEqual([{ field: 'file_hash', messages: [expect.stringMatching(/SHA-256/)] }]);
      const badFilter = await t.request(url(payload, '?filter=general&filter=f:password'));
      expect(badFilter.status).toBe(422);
      expect(badFilter.body.errors[0].field).toBe('filter');
      expect((await t.request(url(payload, '?unknown=1'))).status).toBe(422);
    });

    it('shows a private report only to its owner, the owner\'s access group and admins (404 to everyone else)', async () => {
      const r = privateFlow.root;
      expect((await t.request(url(r))).status).toBe(404);
      expect((await t.request(url(r), { token: carol.token })).status).toBe(404);
      expect((await t.request(url(r), { token: auditor.token })).status).toBe(404);
      for (const token of [alice.token, bob.token, admin]) {
        const res = await t.request(url(r), { token });
        expect(res.status).toBe(200);
        expect(res.body.id).toBe(r.id);
      }
    });
  });

  describe('GET /api/reports and its deprecated alias GET /api/users/uploads', () => {
    it('lists submitted files newest first as summaries, without the extracted files or private reports for guests', async () => {
      const res = await t.request('/api/reports');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ total: 2, page: 1, limit: 25 });
      expect(ids(res.body.items)).toEqual([carolReport.id, publicFlow.root.id]);
      expect(res.body.items[1]).toEqual({
        id: publicFlow.root.id,
        flow_id: publicFlow.flowId,
        parent_id: null,
        depth: 0,
        file_name: 'invoice.zip',
        sha256: publicFlow.root.sha256,
        file_type: 'ZIP archive',
        file_kind: 'zip',
        size: publicFlow.root.content.length,
        verdict: 'SUSPICIOUS',
        threat_level: 0.5,
        tags: ['archive', 'upx'],
        created_date: expect.any(String),
        is_private: false,
      });
      expect(res.body.items[1]).not.toHaveProperty('data');
    });

    it('includes private reports the caller may see', async () => {
      for (const token of [alice.token, bob.token, admin]) {
        const res = await t.request('/api/reports', { token });
        expect(ids(res.body.items)).toEqual([carolReport.id, privateFlow.root.id, publicFlow.root.id]);
      }
      expect(ids((await t.request('/api/reports', { token: carol.token })).body.items)).toEqual([carolReport.id, publicFlow.root.id]);
    });

    it('filters by verdict, type and tag, and pages', async () => {
      const list = async (query: string, token?: string) => ids((await t.request(`/api/reports?${query}`, { token })).body.items);
      expect(await list('verdict=suspicious')).toEqual([publicFlow.root.id]);
      expect(await list('verdict=likely malicious,suspicious', alice.token)).toEqual([privateFlow.root.id, publicFlow.root.id]);
      expect(await list('type=zip')).toEqual([publicFlow.root.id]);
      expect(await list('type=ZIP archive')).toEqual([publicFlow.root.id]);
      expect(await list('tag=text')).toEqual([carolReport.id]);
      expect(await list('tag=upx', bob.token)).toEqual([privateFlow.root.id, publicFlow.root.id]);
      const second = await t.request('/api/reports?limit=1&page=2');
      expect(second.body).toMatchObject({ total: 2, page: 2, limit: 1 });
      expect(ids(second.body.items)).toEqual([publicFlow.root.id]);
    });

    it('answers 422 to bad filters and paging', async () => {
      for (const query of ['verdict=evil', 'limit=0', 'limit=1000', 'page=x', 'tag=', 'sort=1']) {
        expect({ query, status: (await t.request(`/api/reports?${query}`)).status }).toEqual({ query, status: 422 });
      }
    });

    it('the deprecated alias answers exactly like GET /api/reports and is marked deprecated', async () => {
      for (const token of [undefined, bob.token]) {
        for (const query of ['', '?verdict=suspicious', '?limit=1&page=2']) {
          const target = await t.request(`/api/reports${query}`, { token });
          const alias = await t.request(`/api/users/uploads${query}`, { token });
          expect(alias.status).toBe(target.status);
          expect(alias.body).toEqual(target.body);
        }
      }
      expect((await t.request('/api/users/uploads?verdict=evil')).status).toBe(422);
      const doc = buildOpenApiDocument(t.app);
      expect(doc.paths['/api/users/uploads'].get!.deprecated).toBe(true);
      expect(doc.paths['/api/users/me/uploads'].get!.deprecated).toBe(true);
      expect(doc.paths['/api/admin/reports/{report_id}'].delete!.deprecated).toBe(true);
      expect(doc.paths['/api/reports'].get!.deprecated).toBeUndefined();
    });
  });

  describe('GET /api/me/reports and its deprecated alias GET /api/users/me/uploads', () => {
    it('lists the caller\'s own submissions, private ones included', async () => {
      const res = await t.request('/api/me/reports', { token: alice.token });
      expect(res.status).toBe(200);
      expect(ids(res.body.items)).toEqual([privateFlow.root.id, publicFlow.root.id]);
      expect(res.body.items[0].is_private).toBe(true);
      expect(ids((await t.request('/api/me/reports', { token: bob.token })).body.items)).toEqual([]);
      expect(ids((await t.request('/api/me/reports?tag=macro', { token: alice.token })).body.items)).toEqual([privateFlow.root.id]);
    });

    it('refuses guests (401)', async () => {
      expect((await t.request('/api/me/reports')).status).toBe(401);
      expect((await t.request('/api/users/me/uploads')).status).toBe(401);
    });

    it('the deprecated alias answers exactly like GET /api/me/reports', async () => {
      for (const query of ['', '?verdict=likely_malicious', '?limit=1']) {
        const target = await t.request(`/api/me/reports${query}`, { token: alice.token });
        const alias = await t.request(`/api/users/me/uploads${query}`, { token: alice.token });
        expect(alias.status).toBe(200);
        expect(alias.body).toEqual(target.body);
      }
    });
  });

  describe('GET /api/admin/users/{user_id}/uploads', () => {
    it('lists a user\'s submissions, private ones included, to admins and auditors', async () => {
      for (const token of [admin, auditor.token]) {
        const res = await t.request(`/api/admin/users/${alice.id}/uploads`, { token });
        expect(res.status).toBe(200);
        expect(ids(res.body.items)).toEqual([privateFlow.root.id, publicFlow.root.id]);
      }
    });

    it('refuses other users (403) and guests (401); 404 for an unknown user, 422 for a malformed id', async () => {
      expect((await t.request(`/api/admin/users/${alice.id}/uploads`, { token: bob.token })).status).toBe(403);
      expect((await t.request(`/api/admin/users/${alice.id}/uploads`)).status).toBe(401);
      expect((await t.request('/api/admin/users/6c2b8f4e-1d3a-4b7e-9f00-2a5c7d9e1b34/uploads', { token: admin })).status).toBe(404);
      expect((await t.request('/api/admin/users/nope/uploads', { token: admin })).status).toBe(422);
    });
  });

  describe('GET /api/reports/{report_id}/files', () => {
    it('lists every file extracted from the report, at any depth, with their own reports', async () => {
      const res = await t.request(`/api/reports/${publicFlow.root.id}/files`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        expect.objectContaining({ id: payload.id, parent_id: publicFlow.root.id, depth: 1, file_name: 'payload.exe', sha256: payload.sha256, verdict: 'MALICIOUS', relation: 'archive-member', origin_path: 'invoice.zip/payload.exe' }),
        expect.objectContaining({ id: config.id, parent_id: payload.id, depth: 2, file_name: 'config.bin', sha256: config.sha256, verdict: 'UNKNOWN', origin_path: 'invoice.zip/payload.exe/config.bin' }),
      ]);
      const below = await t.request(`/api/reports/${payload.id}/files`);
      expect(ids(below.body)).toEqual([config.id]);
      expect((await t.request(`/api/reports/${config.id}/files`)).body).toEqual([]);
    });

    it('answers 404 for a private report to outsiders, 422 for a malformed id', async () => {
      const url = `/api/reports/${privateFlow.root.id}/files`;
      expect((await t.request(url)).status).toBe(404);
      expect((await t.request(url, { token: carol.token })).status).toBe(404);
      expect((await t.request(url, { token: bob.token })).status).toBe(200);
      expect((await t.request('/api/reports/xyz/files')).status).toBe(422);
    });
  });

  describe('GET /api/users/get-frequent-tags', () => {
    it('counts the caller\'s own tags, most frequent first', async () => {
      const res = await t.request('/api/users/get-frequent-tags', { token: alice.token });
      expect(res.status).toBe(200);
      // upx: invoice.zip, payload.exe, secret-plan.docm; the others once each, by name.
      expect(res.body).toEqual([
        { tag: 'upx', count: 3 },
        { tag: 'archive', count: 1 },
        { tag: 'macro', count: 1 },
      ]);
      expect((await t.request('/api/users/get-frequent-tags', { token: carol.token })).body).toEqual([{ tag: 'text', count: 1 }]);
      expect((await t.request('/api/users/get-frequent-tags?limit=1', { token: alice.token })).body).toEqual([{ tag: 'upx', count: 3 }]);
    });

    it('refuses guests (401) and bad parameters (422)', async () => {
      expect((await t.request('/api/users/get-frequent-tags')).status).toBe(401);
      expect((await t.request('/api/users/get-frequent-tags?days=0', { token: alice.token })).status).toBe(422);
    });
  });

  describe('GET /api/users/most-interesting', () => {
    it('answers the most severe recent reports the caller may see, extracted files included', async () => {
      const outsider = await t.request('/api/users/most-interesting', { token: carol.token });
      expect(outsider.status).toBe(200);
      expect(ids(outsider.body)).toEqual([payload.id, publicFlow.root.id]);
      const teammate = await t.request('/api/users/most-interesting', { token: bob.token });
      expect(ids(teammate.body)).toEqual([payload.id, privateFlow.root.id, publicFlow.root.id]);
      expect(teammate.body[0]).toMatchObject({ verdict: 'MALICIOUS', threat_level: 1, file_name: 'payload.exe' });
      expect(ids((await t.request('/api/users/most-interesting?limit=1', { token: bob.token })).body)).toEqual([payload.id]);
    });

    it('refuses guests (401) and bad parameters (422)', async () => {
      expect((await t.request('/api/users/most-interesting')).status).toBe(401);
      expect((await t.request('/api/users/most-interesting?limit=500', { token: bob.token })).status).toBe(422);
    });
  });
});
