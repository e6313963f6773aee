import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EngineRunner } from '../src/engine/engine-runner';
import { buildZip } from '../src/engine/testing/samples';
import { SampleStore } from '../src/storage/sample-store';
import { eicar, enqueue, flowRow, reportsOf, submitFile, submitUrl, waitForFlow } from './support/scan-worker';
import { TestApp } from './support/test-app';

/** A small web site for URL scans: redirect chains, an executable download, an endless redirect, a large body. */
function startSite(): Promise<{ server: Server; base: string }> {
  const payload = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('This program cannot be run in DOS mode.\r\n'), randomBytes(256)]);
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/start': (_req, res) => res.writeHead(302, { location: '/r1' }).end(),
    '/r1': (_req, res) => res.writeHead(301, { location: '/r2', 'x-hop': 'one' }).end(),
    '/r2': (req, res) => res.writeHead(307, { location: `http://${req.headers.host}/files/payload.exe` }).end(),
    '/files/payload.exe': (_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(payload),
    '/big': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    },
    '/to-file': (_req, res) => res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
  };
  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    const path = (req.url ?? '/').split('?')[0];
    const loop = /^\/loop\/(\d+)$/.exec(path);
    if (loop) return void res.writeHead(302, { location: `/loop/${Number(loop[1]) + 1}` }).end();
    const route = routes[path];
    if (route) return route(req, res);
    res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>not here</body></html>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('Scan worker', () => {
  let t: TestApp;
  let site: { server: Server; base: string };
  beforeAll(async () => {
    site = await startSite();
    t = await TestApp.start({ APP_ROLE: 'all', URL_ALLOW_PRIVATE: 'true', URL_MAX_REDIRECTS: '3', URL_MAX_BYTES: '65536', URL_FETCH_TIMEOUT: '5', WORKER_CONCURRENCY: '2', ENGINE_MAX_IN_MEMORY: '131072' });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => site.server.close(resolve));
  });

  it('analyses EICAR: MALICIOUS by the bundled YARA rule, searchable columns filled, hashes indexed as IOCs', async () => {
    const data = eicar();
    const id = await submitFile(t, data, 'eicar.com', { scanOptions: { input_file_yara: true } });
    const flow = await waitForFlow(t, id);
    expect(flow).toMatchObject({ state: 'finished', progress: 100, attempts: 1, error: null });
    const [root, ...rest] = await reportsOf(t, id);
    expect(rest).toEqual([]);
    expect(root).toMatchObject({ file_index: 0, parent_id: null, depth: 0, file_name: 'eicar.com', size: String(data.length), sha256: flow.sample_sha256 });
    expect(root.data).toMatchObject({ id: root.id, flowId: id, overallState: 'success', file: { name: 'eicar.com', hash: flow.sample_sha256 } });
    expect(root.data.finalVerdict.verdict).toBe(root.verdict);
    expect(flow.final_verdict?.verdict).toBe(root.verdict);
    expect(root.verdict).toBe('MALICIOUS');
    expect(flow.final_verdict?.verdict).toBe('MALICIOUS');
    expect(root.yara_rules).toContain('EICAR_Test_File');
    expect(root.data.allSignalGroups.map((g: any) => g.identifier)).toContain('yara.match');
    const iocs = (await t.db.query('SELECT type, value, origins FROM report_iocs WHERE report_id = $1 ORDER BY type', [root.id])).rows;
    expect(iocs).toEqual(expect.arrayContaining([
      { type: 'md5', value: root.data.resources.digests.md5, origins: ['file'] },
      { type: 'sha256', value: flow.sample_sha256, origins: ['file'] },
    ]));
    const samples = (await t.db.query('SELECT size FROM samples WHERE sha256 = $1', [flow.sample_sha256])).rows;
    expect(samples).toEqual([{ size: String(data.length) }]);
  });

  it('writes a report per extracted file, linked to its parent, and keeps the extracted bytes', async () => {
    const note = `quarterly figures ${randomBytes(8).toString('hex')}\n`;
    const zip = buildZip([{ name: 'docs/eicar.com', data: eicar() }, { name: 'notes.txt', data: note }]);
    const id = await submitFile(t, zip, 'bundle.zip');
    const flow = await waitForFlow(t, id);
    expect(flow.state).toBe('finished');
    const [root, ...children] = await reportsOf(t, id);
    expect(root).toMatchObject({ file_index: 0, file_kind: 'zip', parent_id: null });
    expect(children.map((c) => [c.file_name, c.parent_id, c.depth, c.data.relation])).toEqual([
      ['eicar.com', root.id, 1, 'archive-member'],
      ['notes.txt', root.id, 1, 'archive-member'],
    ]);
    expect(root.data.extractedFiles.map((e: any) => e.reportId)).toEqual(children.map((c) => c.id));
    expect(children[0].verdict).toBe('MALICIOUS');
    expect(flow.final_verdict?.verdict).toBe('MALICIOUS'); // the most severe file decides the flow
    const store = t.app.get(SampleStore);
    for (const child of children) {
      expect(await store.exists(child.sha256!)).toBe(true);
      expect((await t.db.query('SELECT size FROM samples WHERE sha256 = $1', [child.sha256])).rows).toEqual([{ size: child.size }]);
    }

    // files_download off: the reports are the same, the extracted bytes are not kept.
    const other = `other figures ${randomBytes(8).toString('hex')}\n`;
    const id2 = await submitFile(t, buildZip([{ name: 'other.txt', data: other }]), 'other.zip', { scanOptions: { files_download: false } });
    await waitForFlow(t, id2);
    const [, child] = await reportsOf(t, id2);
    expect(child.file_name).toBe('other.txt');
    expect(await store.exists(child.sha256!)).toBe(false);
    expect((await t.db.query('SELECT 1 FROM samples WHERE sha256 = $1', [child.sha256])).rowCount).toBe(0);
  });

  it('analyses a file above ENGINE_MAX_IN_MEMORY from its first bytes, with the whole file\'s size and digests', async () => {
    const data = Buffer.from(`${'log line with nothing special in it\n'.repeat(8000)}`);
    const id = await submitFile(t, data, 'big.log');
    const flow = await waitForFlow(t, id);
    expect(flow.state).toBe('finished');
    const [root] = await reportsOf(t, id);
    expect(root).toMatchObject({ size: String(data.length), sha256: createHash('sha256').update(data).digest('hex') });
    expect(root.data.resources.digests.md5).toBe(createHash('md5').update(data).digest('hex'));
    expect(root.data.resources.file).toMatchObject({ size: data.length, analysedBytes: 131072 });
    expect(root.data.issues).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'limit', message: expect.stringContaining('ENGINE_MAX_IN_MEMORY') })]));
  });

  it('gives a plain text file NO_THREAT or UNKNOWN, never SUSPICIOUS', async () => {
    const id = await submitFile(t, Buffer.from('Minutes of the meeting.\nAttendees: Alice, Bob.\nNext meeting on Tuesday.\n'), 'minutes.txt');
    expect((await waitForFlow(t, id)).state).toBe('finished');
    const [root] = await reportsOf(t, id);
    expect(['NO_THREAT', 'UNKNOWN']).toContain(root.verdict);
    expect(root.file_kind).toBe('text');
  });

  it('ignores a job re-delivered for a finished flow, and replaces (never duplicates) the reports of a re-run', async () => {
    const id = await submitFile(t, Buffer.from('see https://example.com/a and http://198.51.100.7/x.exe\n'), 'links.txt');
    await waitForFlow(t, id);
    const before = await reportsOf(t, id);
    const iocsBefore = (await t.db.query('SELECT count(*)::int AS n FROM report_iocs i JOIN reports r ON r.id = i.report_id WHERE r.flow_id = $1', [id])).rows[0].n;

    // Re-delivered for a finished flow: the job completes, nothing is written.
    const jobId = await enqueue(t, id);
    await waitFor(async () => (await t.db.query(`SELECT state FROM pgboss.job WHERE id = $1`, [jobId])).rows[0]?.state === 'completed');
    expect((await reportsOf(t, id)).map((r) => r.id)).toEqual(before.map((r) => r.id));

    // A worker that died after writing the reports but before finishing the flow: the re-run replaces them.
    await t.db.query(`UPDATE flows SET state = 'running' WHERE id = $1`, [id]);
    await enqueue(t, id);
    await waitForFlow(t, id);
    const after = await reportsOf(t, id);
    expect(after.map((r) => r.file_index)).toEqual(before.map((r) => r.file_index));
    expect(after.map((r) => r.id)).not.toEqual(before.map((r) => r.id));
    const iocsAfter = (await t.db.query('SELECT count(*)::int AS n FROM report_iocs i JOIN reports r ON r.id = i.report_id WHERE r.flow_id = $1', [id])).rows[0].n;
    expect(iocsAfter).toBe(iocsBefore);
    expect((await flowRow(t, id)).attempts).toBe(2);
  });

  it('analyses a URL: the redirect chain is recorded, the download is the root report\'s analysed child', async () => {
    const url = `${site.base}/start`;
    const id = await submitUrl(t, url);
    const flow = await waitForFlow(t, id);
    expect(flow.state).toBe('finished');
    const [root, body, ...rest] = await reportsOf(t, id);
    expect(rest).toEqual([]);
    expect(root).toMatchObject({ file_index: 0, file_kind: 'url', file_name: url, file_type: 'URL' });
    const facts = root.data.resources.url;
    expect(facts).toMatchObject({ url, ok: true, status: 200, redirects: 3, truncated: false, finalUrl: `${site.base}/files/payload.exe`, fileName: 'payload.exe' });
    expect(facts.chain.map((h: any) => [h.url, h.status, h.address])).toEqual([
      [`${site.base}/start`, 302, '127.0.0.1'],
      [`${site.base}/r1`, 301, '127.0.0.1'],
      [`${site.base}/r2`, 307, '127.0.0.1'],
      [`${site.base}/files/payload.exe`, 200, '127.0.0.1'],
    ]);
    expect(facts.chain[1].headers['x-hop']).toBe('one');
    const signals = root.data.allSignalGroups.map((g: any) => g.identifier);
    expect(signals).toEqual(expect.arrayContaining(['url.redirect_chain', 'url.executable_download']));
    expect(root.data.iocs.url.map((i: any) => i.value)).toEqual(expect.arrayContaining([url, `${site.base}/files/payload.exe`]));

    expect(body).toMatchObject({ file_index: 1, parent_id: root.id, depth: 1, file_name: 'payload.exe', file_kind: 'pe' });
    expect(body.data.relation).toBe('url-download');
    expect(root.data.extractedFiles).toEqual([expect.objectContaining({ reportId: body.id, relation: 'url-download', sha256: body.sha256 })]);
    expect(flow.sample_sha256).toBe(body.sha256);
    // The download is kept in the sample store and recorded.
    expect(await t.app.get(SampleStore).exists(body.sha256!)).toBe(true);
    expect((await t.db.query('SELECT 1 FROM samples WHERE sha256 = $1', [body.sha256])).rowCount).toBe(1);
  });

  it('cuts a body above URL_MAX_BYTES and says so', async () => {
    const id = await submitUrl(t, `${site.base}/big`);
    expect((await waitForFlow(t, id)).state).toBe('finished');
    const [root, body] = await reportsOf(t, id);
    expect(root.data.resources.url).toMatchObject({ ok: true, truncated: true, bytes: 65536 });
    expect(root.data.issues).toEqual([expect.objectContaining({ kind: 'limit', message: expect.stringContaining('URL_MAX_BYTES') })]);
    expect(body.size).toBe('65536');
  });

  it('stops after URL_MAX_REDIRECTS redirects, and refuses redirects to other schemes: finished flows that say so', async () => {
    const loop = await submitUrl(t, `${site.base}/loop/0`);
    const toFile = await submitUrl(t, `${site.base}/to-file`);
    for (const id of [loop, toFile]) expect((await waitForFlow(t, id)).state).toBe('finished');

    const [root, ...none] = await reportsOf(t, loop);
    expect(none).toEqual([]);
    expect(root.data.resources.url).toMatchObject({ ok: false, redirects: 3, error: expect.stringContaining('too many redirects') });
    expect(root.data.resources.url.chain).toHaveLength(4);
    expect(root.data.allSignalGroups.map((g: any) => g.identifier)).toContain('url.unreachable');

    const [fileRoot] = await reportsOf(t, toFile);
    expect(fileRoot.data.resources.url).toMatchObject({ ok: false, refused: true, error: expect.stringContaining('only http and https') });
  });

  it('reports an unreachable URL as a finished flow with url.unreachable, not a failed job', async () => {
    const id = await submitUrl(t, `http://127.0.0.1:${await closedPort()}/`);
    const flow = await waitForFlow(t, id);
    expect(flow).toMatchObject({ state: 'finished', attempts: 1, sample_sha256: null });
    const [root, ...none] = await reportsOf(t, id);
    expect(none).toEqual([]);
    expect(root.sha256).toBeNull();
    expect(root.data.overallState).toBe('success');
    expect(root.data.resources.url).toMatchObject({ ok: false, error: expect.stringContaining('ECONNREFUSED') });
    expect(root.data.allSignalGroups.map((g: any) => g.identifier)).toEqual(['url.unreachable']);
  });
});

describe('Scan worker: failures and SSRF', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ APP_ROLE: 'all', ENGINE_TIMEOUT: '2', SCAN_MAX_ATTEMPTS: '2', WORKER_CONCURRENCY: '1', URL_ALLOW_PRIVATE: 'false', URL_FETCH_TIMEOUT: '3' });
  });
  afterAll(() => t?.close());

  it('ends an analysis that fails every time as a failed flow, after SCAN_MAX_ATTEMPTS, with a failed report giving the reason', async () => {
    // Test-only analyzers in the app's engine: a parser that never returns on files named loop*,
    // stopped at the 2 s ENGINE_TIMEOUT on every attempt.
    t.app.get(EngineRunner).useAnalyzers({ module: join(__dirname, 'support', 'engine-test-analyzers'), exportName: 'hostile' });
    const data = randomBytes(4096);
    const id = await submitFile(t, data, 'loop-forever.bin');
    const flow = await waitForFlow(t, id, 60_000);
    expect(flow).toMatchObject({ state: 'failed', attempts: 2, error: expect.stringContaining('time limit') });
    const [root, ...none] = await reportsOf(t, id);
    expect(none).toEqual([]);
    expect(root).toMatchObject({ verdict: 'UNKNOWN', sha256: flow.sample_sha256, size: String(data.length), file_name: 'loop-forever.bin' });
    expect(root.data.overallState).toBe('failed');
    expect(root.data.issues).toEqual([{ analyzer: 'engine', kind: 'timeout', message: expect.stringContaining('ENGINE_TIMEOUT') }]);
  }, 90_000);

  it('refuses (SSRF) a URL that resolves to a loopback address and reports it', async () => {
    const server = createServer((_req, res) => res.end('internal secret'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    let hits = 0;
    server.on('request', () => hits++);
    try {
      const ids = [await submitUrl(t, `http://127.0.0.1:${port}/`), await submitUrl(t, `http://localhost:${port}/admin`)];
      for (const id of ids) {
        expect((await waitForFlow(t, id)).state).toBe('finished');
        const [root, ...none] = await reportsOf(t, id);
        expect(none).toEqual([]);
        expect(root.data.resources.url).toMatchObject({ ok: false, refused: true, error: expect.stringMatching(/refused: .* loopback address/) });
        expect(root.data.issues).toEqual([expect.objectContaining({ analyzer: 'url-fetch', kind: 'limit' })]);
        expect(root.data.allSignalGroups.map((g: any) => g.identifier)).toEqual(['url.unreachable']);
      }
      expect(hits).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
