import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { UserGroup } from '../src/common/access/user-group';
import { EICAR_SHA256, eicar } from '../src/engine/testing/eicar';
import { buildZip } from '../src/engine/testing/samples';
import { zipArchive } from '../src/engine/testing/zip-writer';
import { Auth, bearer, FlowReport, getJson, pollUntilFinished, reportList, signalIds, submitFile, submitUrl } from './support/scan-http';
import { TestApp, TestUser } from './support/test-app';

/**
 * The scan pipeline end to end, through HTTP only, with the worker running in the app (APP_ROLE all):
 * upload, queue, worker, engine, report writer, poll, report and file endpoints. Small engine limits
 * keep the bombs small.
 */
const run = promisify(execFile);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

const MAX_FILE_BYTES = 256 * 1024;
const MAX_TOTAL_BYTES = 1024 * 1024;
/** Longest a single flow may take here (the worker polls the queue; pollPause is honoured). */
const FLOW_TIMEOUT_MS = 45_000;
const NOT_A_THREAT = ['NO_THREAT', 'UNKNOWN'];
const FLAGGED = ['SUSPICIOUS', 'LIKELY_MALICIOUS', 'MALICIOUS'];

describe('Scan end to end over HTTP (API and worker in one app)', () => {
  let t: TestApp;
  let owner: TestUser;
  let stranger: TestUser;
  let work: string;
  let site: { server: Server; base: string };
  const page = Buffer.from(`<!doctype html><html><head><title>Quarterly report</title></head><body><p>figures ${randomBytes(6).toString('hex')}</p></body></html>\n`);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sandbox-scan-e2e-'));
    const server = createServer((req, res) => {
      if (req.url === '/docs/report.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    site = { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    t = await TestApp.start({
      APP_ROLE: 'all',
      WORKER_CONCURRENCY: '2',
      URL_ALLOW_PRIVATE: 'true',
      URL_FETCH_TIMEOUT: '5',
      ENGINE_MAX_FILE_BYTES: String(MAX_FILE_BYTES),
      ENGINE_MAX_TOTAL_BYTES: String(MAX_TOTAL_BYTES),
    });
    owner = await t.newUser([UserGroup.User]);
    stranger = await t.newUser([UserGroup.User]);
  });
  afterAll(async () => {
    await t?.close();
    if (site) await new Promise((resolve) => site.server.close(resolve));
    if (work) await rm(work, { recursive: true, force: true });
  });

  const as = (user: TestUser): Auth => bearer(user.token);
  const submit = (data: Uint8Array, name: string, fields: Record<string, string> = {}, user = owner) => submitFile(t.url, as(user), data, name, fields);
  const finished = (flowId: string, filter: string[] = [], user = owner) =>
    pollUntilFinished(t.url, as(user), flowId, { filter, timeoutMs: FLOW_TIMEOUT_MS });
  const rootOf = (flow: FlowReport) => {
    const root = reportList(flow).find((r) => r.fileIndex === 0);
    if (!root) throw new Error(`flow ${flow.flowId} has no root report: ${JSON.stringify(flow)}`);
    return root;
  };
  const childrenOf = (flow: FlowReport, parentId: string) => reportList(flow).filter((r) => r.parentId === parentId);

  /** An AES-256 zip of `files`, made with the 7z command line. */
  async function aesZip(password: string, files: Record<string, Uint8Array>): Promise<Uint8Array> {
    const dir = join(work, randomBytes(4).toString('hex'));
    await mkdir(dir);
    for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
    await run('7z', ['a', '-tzip', '-mem=AES256', `-p${password}`, '-bd', '-y', join(dir, 'out.zip'), ...Object.keys(files)], { cwd: dir });
    const zip = await readFile(join(dir, 'out.zip'));
    await rm(dir, { recursive: true, force: true });
    return zip;
  }

  it('EICAR uploaded as a file: the flow finishes MALICIOUS, and so does its report', async () => {
    const flowId = await submit(eicar(), 'eicar.com');
    const flow = await finished(flowId, ['general', 'finalVerdict', 'allSignalGroups']);
    expect(flow).toMatchObject({ flowId, state: 'finished', error: null, reportsAmount: 1, finalVerdict: { verdict: 'MALICIOUS' } });
    const root = rootOf(flow);
    expect(root).toMatchObject({ fileIndex: 0, parentId: null, overallState: 'success', file: { name: 'eicar.com', hash: EICAR_SHA256 }, finalVerdict: { verdict: 'MALICIOUS' } });
    expect(signalIds(root)).toContain('yara.match');

    const doc = await getJson(t.url, `/api/reports/${root.id}/${EICAR_SHA256}?filter=finalVerdict`, as(owner));
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual({ id: root.id, finalVerdict: expect.objectContaining({ verdict: 'MALICIOUS' }) });
  });

  it('EICAR in an AES-256 zip, uploaded with its password: the child report and the flow are MALICIOUS; the password is not shown', async () => {
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const zip = await aesZip(password, { 'eicar.com': eicar(), 'notes.txt': Buffer.from('meeting notes\n') });
    expect(Buffer.from(zip).includes(Buffer.from(eicar()))).toBe(false); // really encrypted
    const [withPassword, withoutPassword] = await Promise.all([
      submit(zip, 'invoice.zip', { password }),
      submit(zip, 'invoice-no-password.zip'),
    ]);

    // The poll endpoint, with filters: general + finalVerdict + signals, sorted by verdict.
    const flow = await finished(withPassword, ['general', 'finalVerdict', 'allSignalGroups']);
    expect(flow).toMatchObject({ state: 'finished', error: null, reportsAmount: 3, finalVerdict: { verdict: 'MALICIOUS' } });
    const root = rootOf(flow);
    expect(root.file).toMatchObject({ name: 'invoice.zip', kind: 'zip', hash: sha256(zip) });
    expect(signalIds(root)).toContain('archive.encrypted');
    const children = childrenOf(flow, root.id);
    expect(children.map((c) => c.file.name).sort()).toEqual(['eicar.com', 'notes.txt']);
    const child = children.find((c) => c.file.name === 'eicar.com')!;
    expect(child).toMatchObject({ parentId: root.id, originPath: 'invoice.zip/eicar.com', file: { hash: EICAR_SHA256 }, finalVerdict: { verdict: 'MALICIOUS' } });
    expect(children.find((c) => c.file.name === 'notes.txt')!.finalVerdict.verdict).not.toBe('MALICIOUS');

    // Only the verdicts: filter=finalVerdict, most severe first.
    const verdicts = await getJson<FlowReport>(t.url, `/api/scan/${withPassword}/report?filter=finalVerdict&sorting=verdict:desc`, as(owner));
    expect(verdicts.status).toBe(200);
    const ordered = Object.values(verdicts.body.reports);
    expect(ordered[0]).toEqual({ id: child.id, finalVerdict: expect.objectContaining({ verdict: 'MALICIOUS' }) });
    expect(ordered.every((r) => Object.keys(r).sort().join() === 'finalVerdict,id')).toBe(true);

    // The heavy sections: the archive says it was opened with a submitted password, without its value.
    const whole = await getJson<FlowReport>(t.url, `/api/scan/${withPassword}/report?filter=f:all`, as(owner));
    expect(whole.body.reports[root.id].resources.archive).toMatchObject({ encrypted: true, password: { opened: true, password: '(a submitted password, withheld)' } });
    expect(JSON.stringify(whole.body)).not.toContain(password);

    // The files endpoint of the submitted file's report.
    const files = await getJson<any[]>(t.url, `/api/reports/${root.id}/files`, as(owner));
    expect(files.status).toBe(200);
    expect(files.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: child.id, parent_id: root.id, depth: 1, file_name: 'eicar.com', sha256: EICAR_SHA256, verdict: 'MALICIOUS', relation: 'archive-member', origin_path: 'invoice.zip/eicar.com' }),
      ]),
    );
    expect(files.body).toHaveLength(2);

    // Without the password the content stays locked: no children, and the report says why.
    const locked = await finished(withoutPassword, ['general', 'finalVerdict', 'allSignalGroups']);
    expect(locked).toMatchObject({ state: 'finished', reportsAmount: 1 });
    expect(signalIds(rootOf(locked))).toContain('archive.password_unknown');
    expect(locked.finalVerdict?.verdict).not.toBe('MALICIOUS');
  });

  it('gives a plain text file NO_THREAT or UNKNOWN, never SUSPICIOUS or worse', async () => {
    const text = Buffer.from('Minutes of the meeting\n\nAttendees: Alice, Bob, Carol.\nBudget approved; next meeting on Tuesday at 10:00.\n');
    const flowId = await submit(text, 'minutes.txt');
    const flow = await finished(flowId, ['general', 'finalVerdict', 'allSignalGroups']);
    expect(flow.state).toBe('finished');
    expect(NOT_A_THREAT).toContain(flow.finalVerdict?.verdict);
    const root = rootOf(flow);
    expect(NOT_A_THREAT).toContain(root.finalVerdict.verdict);
    expect(root.file.kind).toBe('text');
    for (const group of root.allSignalGroups ?? []) expect(FLAGGED).not.toContain(group.verdict.verdict);
  });

  describe('hostile archives', () => {
    const zeros = Buffer.alloc(16 * 1024 * 1024); // 64x ENGINE_MAX_FILE_BYTES, deflates to ~16 KB
    const escapee = `sandbox-e2e-escape-${randomBytes(4).toString('hex')}.sh`;

    it('a zip bomb, a gzip bomb lying about its size, a zip member lying about its size and a zip with ../ names finish with reports that say what was refused; the worker goes on', async () => {
      const bomb = zipArchive([{ name: 'zeros.bin', data: zeros, method: 'deflate' }]);
      // gzip whose trailer declares 1000 bytes (ISIZE) while the stream inflates to 16 MiB.
      const gzipLiar = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]), deflateRawSync(zeros), Buffer.from([0, 0, 0, 0, 0xe8, 3, 0, 0])]);
      // A zip member whose headers declare 1000 bytes while its data inflates to 16 MiB.
      const zipLiar = zipArchive([{ name: 'small.txt', data: zeros, method: 'deflate', declaredSize: 1000 }]);
      const traversal = zipArchive([
        { name: `../../../../../../../../tmp/${escapee}`, data: Buffer.from('#!/bin/sh\necho escaped\n') },
        { name: '/etc/cron.d/sandbox-e2e', data: Buffer.from('* * * * * root true\n') },
        { name: '..\\..\\Windows\\win.ini', data: Buffer.from('[fonts]\n') },
        { name: 'readme.txt', data: Buffer.from('nothing to see\n') },
      ]);
      for (const file of [bomb, gzipLiar, zipLiar]) expect(file.length).toBeLessThan(64 * 1024);
      const [bombId, gzipLiarId, zipLiarId, traversalId] = await Promise.all([
        submit(bomb, 'bomb.zip'),
        submit(gzipLiar, 'liar.bin.gz'),
        submit(zipLiar, 'liar.zip'),
        submit(traversal, 'traversal.zip'),
      ]);
      const filter = ['general', 'finalVerdict', 'allSignalGroups', 'o:all'];

      for (const [flowId, member, refusal] of [
        [bombId, 'zeros.bin', `declared size ${zeros.length} bytes exceeds the ${MAX_FILE_BYTES}-byte per-file limit`],
        [gzipLiarId, 'liar.bin', 'expanded beyond'],
      ]) {
        const flow = await finished(flowId, filter);
        expect(flow).toMatchObject({ state: 'finished', error: null, reportsAmount: 1 }); // nothing extracted
        const root = rootOf(flow);
        expect(signalIds(root)).toContain('archive.bomb');
        const evidence = root.allSignalGroups.find((g: any) => g.identifier === 'archive.bomb').signals.flatMap((s: any) => s.evidence);
        expect(evidence).toEqual([expect.stringMatching(new RegExp(`^${member.replace('.', '\\.')}: ${refusal}`))]);
        expect(root.issues).toEqual(expect.arrayContaining([{ analyzer: 'archive', kind: 'limit', message: evidence[0] }]));
        expect(root.resources.archive.members).toEqual([expect.objectContaining({ name: member, refused: expect.any(String) })]);
        expect(FLAGGED).toContain(flow.finalVerdict?.verdict);
      }

      // 7-Zip itself holds a zip member to the size its headers declare: the rest is a data error, nothing is extracted.
      const liar = await finished(zipLiarId, filter);
      expect(liar).toMatchObject({ state: 'finished', error: null, reportsAmount: 1 });
      const liarRoot = rootOf(liar);
      expect(signalIds(liarRoot).some((id) => id === 'archive.bomb' || id === 'archive.malformed')).toBe(true);
      expect(liarRoot.issues).toEqual(expect.arrayContaining([expect.objectContaining({ analyzer: 'archive', message: expect.stringContaining('small.txt') })]));

      const flow = await finished(traversalId, filter);
      expect(flow).toMatchObject({ state: 'finished', error: null });
      const root = rootOf(flow);
      expect(signalIds(root)).toContain('archive.path_traversal');
      const evidence = root.allSignalGroups.find((g: any) => g.identifier === 'archive.path_traversal').signals.flatMap((s: any) => s.evidence);
      expect(evidence).toEqual(expect.arrayContaining([`../../../../../../../../tmp/${escapee}`, '/etc/cron.d/sandbox-e2e', '..\\..\\Windows\\win.ini']));
      expect(root.resources.archive.unsafeNames.map((u: any) => u.name)).toEqual(expect.arrayContaining([`../../../../../../../../tmp/${escapee}`]));
      expect(FLAGGED).toContain(flow.finalVerdict?.verdict);
      // Members are analysed under their last name segment only: nothing names a path outside the submission.
      const files = await getJson<any[]>(t.url, `/api/reports/${root.id}/files`, as(owner));
      expect(files.status).toBe(200);
      for (const f of files.body) {
        expect(f.file_name).not.toMatch(/[\\/]|^\.\.?$/);
        expect(f.origin_path).not.toContain('..');
        expect(f.origin_path.startsWith('traversal.zip/')).toBe(true);
      }
      expect(files.body.map((f) => f.file_name)).toEqual(expect.arrayContaining([escapee, 'readme.txt']));
      expect(existsSync(join('/tmp', escapee))).toBe(false);

      // The worker survived all of it: a normal submission still finishes.
      const after = await finished(await submit(eicar(), 'after-the-bombs.com'), ['finalVerdict']);
      expect(after).toMatchObject({ state: 'finished', finalVerdict: { verdict: 'MALICIOUS' } });
    }, 120_000);
  });

  it('a private report does not exist for another user: 404 on the poll, the report and the files endpoints', async () => {
    const note = Buffer.from(`private note ${randomBytes(8).toString('hex')}\n`);
    const zip = buildZip([{ name: 'note.txt', data: note }]);
    const flowId = await submit(zip, 'private.zip', { is_private: 'true' });
    const flow = await finished(flowId, ['general', 'finalVerdict']);
    expect(flow.state).toBe('finished');
    const root = rootOf(flow);
    const [child] = childrenOf(flow, root.id);
    expect(child.file.hash).toBe(sha256(note));

    const paths = {
      poll: `/api/scan/${flowId}/report`,
      report: `/api/reports/${root.id}/${sha256(zip)}`,
      childReport: `/api/reports/${child.id}/${sha256(note)}`,
      files: `/api/reports/${root.id}/files`,
    };
    for (const [name, path] of Object.entries(paths)) {
      expect([name, (await getJson(t.url, path, as(owner))).status]).toEqual([name, 200]);
      const refused = await getJson(t.url, path, as(stranger));
      expect([name, refused.status]).toEqual([name, 404]);
      expect(JSON.stringify(refused.body)).not.toMatch(/private\.zip|note\.txt|finalVerdict/);
      // Guests: the poll needs credentials (401); the public report endpoints do not show it either.
      expect([name, (await getJson(t.url, path)).status]).toEqual([name, name === 'poll' ? 401 : 404]);
    }
    // Nor is it listed.
    const listed = await getJson(t.url, '/api/reports?limit=100', as(stranger));
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(root.id);
  });

  it('a URL scan of a local HTTP server finishes with the body as the root report\'s child', async () => {
    const url = `${site.base}/docs/report.html`;
    const flowId = await submitUrl(t.url, as(owner), url);
    const flow = await finished(flowId, ['general', 'finalVerdict', 'f:relation']);
    expect(flow).toMatchObject({ state: 'finished', error: null, reportsAmount: 2 });
    const root = rootOf(flow);
    expect(root.file).toMatchObject({ name: url, kind: 'url' });
    const [body, ...rest] = childrenOf(flow, root.id);
    expect(rest).toEqual([]);
    expect(body).toMatchObject({ fileIndex: 1, relation: 'url-download', file: { name: 'report.html', hash: sha256(page), size: page.length } });
    expect(FLAGGED).not.toContain(body.finalVerdict.verdict);

    const files = await getJson<any[]>(t.url, `/api/reports/${root.id}/files`, as(owner));
    expect(files.body).toEqual([expect.objectContaining({ id: body.id, parent_id: root.id, relation: 'url-download', sha256: sha256(page), size: page.length })]);
    const doc = await getJson(t.url, `/api/reports/${body.id}/${sha256(page)}?filter=general`, as(owner));
    expect(doc.status).toBe(200);
    expect(doc.body.file).toMatchObject({ name: 'report.html', hash: sha256(page) });
  });
});
