import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BlobReader, BlobWriter, configure, ZipReader } from '@zip.js/zip.js';
import { UserGroup } from '../src/common/access/user-group';
import { IocType, Verdict } from '../src/engine/types';
import { SampleStore } from '../src/storage/sample-store';
import { CreatedFlow, CreatedReport, newAccessGroup, ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';

const run = promisify(execFile);
configure({ useWebWorkers: false });

describe('Reports: sample download and deletion', () => {
  let t: TestApp;
  let admin: string;
  let alice: TestUser;
  let bob: TestUser; // alice's teammate
  let carol: TestUser;
  let auditor: TestUser;
  let team: string;
  let factory: ReportFactory;
  let store: SampleStore;
  let work: string;

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    team = await newAccessGroup(t);
    alice = await t.newUser([UserGroup.User], { accessGroupId: team });
    bob = await t.newUser([UserGroup.User], { accessGroupId: team });
    carol = await t.newUser([UserGroup.User]);
    auditor = await t.newUser([UserGroup.Auditor]);
    factory = new ReportFactory(t);
    store = t.app.get(SampleStore);
    work = await mkdtemp(join(tmpdir(), 'reports-samples-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await t.close();
  });

  /** The raw bytes of a response (TestApp.request reads text). */
  const fetchBytes = async (path: string, token?: string) => {
    const res = await fetch(t.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };

  describe('GET /api/files/{hash}', () => {
    let sample: CreatedReport;
    let privateSample: CreatedReport;
    beforeAll(async () => {
      sample = await factory.report({ name: '../../evil name.exe', content: randomBytes(3 * 1024 * 1024 + 17), verdict: Verdict.Malicious }, { ownerId: alice.id });
      privateSample = await factory.report({ name: 'private.doc' }, { ownerId: alice.id, accessGroupId: team, isPrivate: true });
    });

    it('streams the sample as a ZIP encrypted with AES-256 and the password "infected", the entry named by its SHA-256', async () => {
      const res = await fetchBytes(`/api/files/${sample.sha256.toUpperCase()}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${sample.sha256}.zip"`);
      expect(res.headers.get('content-length')).toBeNull(); // streamed, not buffered
      const archive = join(work, 'sample.zip');
      await writeFile(archive, res.body);

      const listing = (await run('/usr/bin/7z', ['l', '-slt', '-pinfected', archive])).stdout;
      expect(listing).toMatch(/Method = AES-256/);
      expect(listing).toMatch(/Encrypted = \+/);
      const out = join(work, 'out');
      await run('/usr/bin/7z', ['x', '-pinfected', `-o${out}`, archive]);
      expect(await readdir(out)).toEqual([sample.sha256]);
      expect((await readFile(join(out, sample.sha256))).equals(sample.content)).toBe(true);
    });

    it('cannot be opened with another password', async () => {
      const res = await fetchBytes(`/api/files/${sample.sha256}`);
      const archive = join(work, 'wrong.zip');
      await writeFile(archive, res.body);
      const refused = await run('/usr/bin/7z', ['t', '-pwrong', archive]).then(
        () => undefined,
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(refused?.code).toBeGreaterThan(0);
      expect(`${refused?.stdout}${refused?.stderr}`).toMatch(/Wrong password/);
      const reader = new ZipReader(new BlobReader(new Blob([res.body])));
      const [entry] = await reader.getEntries();
      if (entry.directory) throw new Error('the archive holds a directory');
      expect(entry.encrypted).toBe(true);
      await expect(entry.getData(new BlobWriter(), { password: 'wrong' })).rejects.toThrow(/password/i);
      const data = await entry.getData(new BlobWriter(), { password: 'infected' });
      expect(Buffer.from(await data.arrayBuffer()).equals(sample.content)).toBe(true);
      await reader.close();
    });

    it('survives a client that goes away mid-download', async () => {
      const abort = new AbortController();
      const res = await fetch(`${t.url}/api/files/${sample.sha256}`, { signal: abort.signal });
      const reader = res.body!.getReader();
      await reader.read();
      abort.abort();
      await reader.read().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await fetchBytes(`/api/files/${sample.sha256}`)).status).toBe(200);
    });

    it('serves a private sample only to those who may see one of its reports (404 to everyone else)', async () => {
      const path = `/api/files/${privateSample.sha256}`;
      expect((await fetchBytes(path)).status).toBe(404);
      expect((await fetchBytes(path, carol.token)).status).toBe(404);
      expect((await fetchBytes(path, auditor.token)).status).toBe(404);
      for (const token of [alice.token, bob.token, admin]) expect((await fetchBytes(path, token)).status).toBe(200);
    });

    it('serves a sample to everyone once one of its reports is public', async () => {
      const content = randomBytes(500);
      const hidden = await factory.report({ name: 'one.bin', content }, { ownerId: alice.id, isPrivate: true });
      expect((await fetchBytes(`/api/files/${hidden.sha256}`, carol.token)).status).toBe(404);
      await factory.report({ name: 'two.bin', content }, { ownerId: bob.id });
      expect((await fetchBytes(`/api/files/${hidden.sha256}`, carol.token)).status).toBe(200);
    });

    it('answers 404 for an unknown or no longer stored file, 422 for a malformed hash', async () => {
      expect((await t.request(`/api/files/${'0'.repeat(64)}`)).status).toBe(404);
      const unstored = await factory.report({ name: 'gone.bin' }, { store: false });
      const gone = await t.request(`/api/files/${unstored.sha256}`);
      expect(gone.status).toBe(404);
      expect(gone.body.message).toMatch(/no longer stored/);
      const bad = await t.request('/api/files/not-a-hash');
      expect(bad.status).toBe(422);
      expect(bad.body.errors[0].field).toBe('hash');
      expect((await t.request(`/api/files/${sample.md5}`)).status).toBe(422);
    });

    it('records every download in the audit log', async () => {
      await fetchBytes(`/api/files/${privateSample.sha256}`, bob.token);
      await fetchBytes(`/api/files/${privateSample.sha256}`, carol.token);
      const { rows } = await t.db.query(
        `SELECT actor_id, outcome, target_type, target_id, details FROM audit_logs WHERE action = 'sample.download' ORDER BY id DESC LIMIT 2`,
      );
      expect(rows[1]).toMatchObject({ actor_id: bob.id, outcome: 'success', target_type: 'sample', target_id: privateSample.sha256, details: expect.objectContaining({ reportId: privateSample.id, status: 200 }) });
      expect(rows[0]).toMatchObject({ actor_id: carol.id, outcome: 'failure', details: expect.objectContaining({ status: 404 }) });
    });

    it('counts against the download quota', async () => {
      const saved = await t.request('/api/admin/settings/api-quota', {
        token: admin,
        body: { scope: 'user', scope_id: carol.id, resource: 'download', period: 'day', limit: 1 },
      });
      expect(saved.status).toBe(200);
      try {
        expect((await fetchBytes(`/api/files/${sample.sha256}`, carol.token)).status).toBe(200);
        expect((await fetchBytes(`/api/files/${sample.sha256}`, carol.token)).status).toBe(429);
        expect((await t.request('/api/reports', { token: carol.token })).status).toBe(200); // other calls are not downloads
      } finally {
        await t.request(`/api/admin/settings/api-quota/${saved.body.id}/remove`, { method: 'POST', token: admin });
      }
    });
  });

  describe('DELETE /api/users/reports/{report_id} and DELETE /api/admin/reports/{report_id}', () => {
    const del = (id: string, token?: string, prefix = '/api/users/reports') => t.request(`${prefix}/${id}`, { method: 'DELETE', token });
    const stored = async (r: CreatedReport) => ({
      row: (await t.db.query('SELECT 1 FROM samples WHERE sha256 = $1', [r.sha256])).rowCount === 1,
      file: await store.exists(r.sha256),
    });
    const reportExists = async (id: string) => (await t.db.query('SELECT 1 FROM reports WHERE id = $1', [id])).rowCount === 1;
    const tree = (owner: TestUser, options: { isPrivate?: boolean } = {}): Promise<CreatedFlow> =>
      factory.flow({
        ownerId: owner.id,
        accessGroupId: team,
        isPrivate: options.isPrivate,
        root: {
          name: 'parcel.zip',
          verdict: Verdict.Suspicious,
          iocs: [{ type: IocType.Domain, value: 'parcel.example' }],
          children: [
            { name: 'loader.exe', verdict: Verdict.Malicious, children: [{ name: 'stage2.bin' }] },
            { name: 'readme.txt' },
          ],
        },
      });

    it('deletes a submission with every extracted file, their IOCs and their samples', async () => {
      const flow = await tree(alice);
      const ids = flow.reports.map((r) => r.id);
      const res = await del(flow.root.id, alice.token);
      expect(res.status).toBe(200);
      expect((await t.db.query('SELECT 1 FROM flows WHERE id = $1', [flow.flowId])).rowCount).toBe(0);
      expect((await t.db.query('SELECT 1 FROM reports WHERE id = ANY($1::uuid[])', [ids])).rowCount).toBe(0);
      expect((await t.db.query('SELECT 1 FROM report_iocs WHERE report_id = ANY($1::uuid[])', [ids])).rowCount).toBe(0);
      for (const r of flow.reports) expect(await stored(r)).toEqual({ row: false, file: false });
      expect((await t.request(`/api/reports/${flow.root.id}/${flow.root.sha256}`, { token: alice.token })).status).toBe(404);
    });

    it('deleting an extracted file removes it and what came out of it, and its entry in the parent\'s report', async () => {
      const flow = await tree(alice);
      const [root, loader, stage2, readme] = flow.reports;
      expect((await del(loader.id, alice.token)).status).toBe(200);
      expect(await reportExists(root.id)).toBe(true);
      expect(await reportExists(readme.id)).toBe(true);
      expect(await reportExists(loader.id)).toBe(false);
      expect(await reportExists(stage2.id)).toBe(false);
      expect(await stored(loader)).toEqual({ row: false, file: false });
      expect(await stored(stage2)).toEqual({ row: false, file: false });
      expect(await stored(root)).toEqual({ row: true, file: true });
      const parent = await t.request(`/api/reports/${root.id}/${root.sha256}?filter=f:extractedFiles`);
      expect(parent.body.extractedFiles.map((f: { reportId: string }) => f.reportId)).toEqual([readme.id]);
      expect((await t.request(`/api/reports/${root.id}/files`)).body.map((f: { id: string }) => f.id)).toEqual([readme.id]);
    });

    it('keeps a sample that another report or a queued submission still uses', async () => {
      const content = randomBytes(1000);
      const mine = await factory.report({ name: 'shared.exe', content }, { ownerId: alice.id });
      const theirs = await factory.report({ name: 'same-bytes.exe', content }, { ownerId: carol.id });
      expect(mine.sha256).toBe(theirs.sha256);
      expect((await del(mine.id, alice.token)).status).toBe(200);
      expect(await stored(theirs)).toEqual({ row: true, file: true });
      expect((await fetchBytes(`/api/files/${theirs.sha256}`)).status).toBe(200);

      const { rows } = await t.db.query(`INSERT INTO flows (kind, owner_id, sample_sha256, file_name) VALUES ('file', $1, $2, 'queued.exe') RETURNING id`, [
        bob.id,
        theirs.sha256,
      ]);
      expect((await del(theirs.id, carol.token)).status).toBe(200);
      expect(await stored(theirs)).toEqual({ row: true, file: true }); // the queued flow still needs it
      await t.db.query('DELETE FROM flows WHERE id = $1', [rows[0].id]);
    });

    it('removes a shared sample with the last report that uses it', async () => {
      const content = randomBytes(800);
      const first = await factory.report({ name: 'a.bin', content }, { ownerId: carol.id });
      const second = await factory.report({ name: 'b.bin', content }, { ownerId: carol.id });
      expect((await del(first.id, carol.token)).status).toBe(200);
      expect(await stored(second)).toEqual({ row: true, file: true });
      expect((await del(second.id, carol.token)).status).toBe(200);
      expect(await stored(second)).toEqual({ row: false, file: false });
    });

    it('refuses someone else\'s visible report (403) and hides an invisible one (404)', async () => {
      const shared = await factory.report({ name: 'public.exe' }, { ownerId: alice.id, accessGroupId: team });
      const hidden = await factory.report({ name: 'hidden.exe' }, { ownerId: alice.id, accessGroupId: team, isPrivate: true });
      expect((await del(shared.id, carol.token)).status).toBe(403);
      expect((await del(shared.id, auditor.token)).status).toBe(403);
      expect((await del(hidden.id, bob.token)).status).toBe(403); // a teammate sees it but may not delete it
      expect((await del(hidden.id, carol.token)).status).toBe(404);
      expect((await del(hidden.id)).status).toBe(401);
      expect(await reportExists(shared.id)).toBe(true);
      expect(await reportExists(hidden.id)).toBe(true);
      expect((await del(hidden.id, admin)).status).toBe(200); // admins delete any report
      expect((await del(shared.id, admin)).status).toBe(200);
      expect((await del(shared.id, admin)).status).toBe(404);
      expect((await del('not-a-uuid', admin)).status).toBe(422);
    });

    it('the deprecated admin route deletes any report, for administrators only', async () => {
      const report = await factory.report({ name: 'old.exe' }, { ownerId: carol.id, isPrivate: true });
      expect((await del(report.id, carol.token, '/api/admin/reports')).status).toBe(403);
      expect((await del(report.id, auditor.token, '/api/admin/reports')).status).toBe(403);
      expect((await del(report.id, admin, '/api/admin/reports')).status).toBe(200);
      expect(await reportExists(report.id)).toBe(false);
      expect(await stored(report)).toEqual({ row: false, file: false });
    });

    it('records deletions in the audit log with the report summary as "before", refusals too', async () => {
      const flow = await tree(alice);
      await del(flow.root.id, carol.token);
      await del(flow.root.id, alice.token);
      const { rows } = await t.db.query(
        `SELECT actor_id, outcome, target_type, target_id, before, details FROM audit_logs WHERE action = 'report.delete' ORDER BY id DESC LIMIT 2`,
      );
      expect(rows[1]).toMatchObject({ actor_id: carol.id, outcome: 'failure', target_id: flow.root.id, details: expect.objectContaining({ status: 403 }) });
      expect(rows[0]).toMatchObject({
        actor_id: alice.id,
        outcome: 'success',
        target_type: 'report',
        target_id: flow.root.id,
        before: expect.objectContaining({ id: flow.root.id, file_name: 'parcel.zip', sha256: flow.root.sha256, verdict: 'SUSPICIOUS' }),
      });
      expect([...rows[0].details.deletedReports].sort()).toEqual(flow.reports.map((r) => r.id).sort());
      expect([...rows[0].details.removedSamples].sort()).toEqual(flow.reports.map((r) => r.sha256).sort());
      expect(rows[0].details.flowDeleted).toBe(true);
    });
  });
});
