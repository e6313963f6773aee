import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserGroup } from '../src/common/access/user-group';
import { ScanSourcesPollJob } from '../src/modules/scan-sources/scan-sources.job';
import { TestApp, TestUser } from './support/test-app';

const CONFIG = '/api/admin/scan-sources/config';
const S3_KEY = 'AKIDGOODKEY';
const S3_SECRET = 's3-Secret-Never-Echoed-7';

/** A minimal S3-compatible server (path style): HeadBucket, ListObjectsV2, GetObject; 403 for any other access key. */
class FakeS3 {
  readonly objects = new Map<string, Buffer>();
  readonly requests: string[] = [];
  private server!: Server;
  port = 0;

  constructor(readonly bucket: string) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://s3.local');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const key = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1];
    if (key !== S3_KEY) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message></Error>');
      return;
    }
    const [, bucket, ...rest] = url.pathname.split('/');
    if (bucket !== this.bucket) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : '<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>');
      return;
    }
    const objectKey = decodeURIComponent(rest.join('/'));
    if (req.method === 'HEAD' && !objectKey) {
      res.writeHead(200);
      res.end();
    } else if (req.method === 'GET' && !objectKey && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      const contents = keys
        .map((k) => `<Contents><Key>${k}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>"${etag(this.objects.get(k)!)}"</ETag><Size>${this.objects.get(k)!.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
        .join('');
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${this.bucket}</Name><Prefix>${prefix}</Prefix>` +
          `<KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
      );
    } else if (req.method === 'GET' && this.objects.has(objectKey)) {
      const body = this.objects.get(objectKey)!;
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, etag: `"${etag(body)}"` });
      res.end(body);
    } else {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
    }
  }
}

const etag = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('Admin: scan sources', () => {
  let t: TestApp;
  let admin: TestUser;
  let root: string;
  let outside: string;
  const s3 = new FakeS3('samples');
  const runJob = () => t.app.get(ScanSourcesPollJob).run({ trigger: 'manual', signal: new AbortController().signal, log: () => undefined });
  const save = (body: Record<string, unknown>, token = admin.token) => t.request(CONFIG, { token, body });
  const flowNames = async () => (await t.db.query("SELECT file_name FROM flows WHERE description LIKE 'Scan source %' ORDER BY file_name")).rows.map((r) => r.file_name);
  const old = async (path: string) => utimes(path, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'scan-source-root-'));
    outside = await mkdtemp(join(tmpdir(), 'scan-source-outside-'));
    await s3.start();
    t = await TestApp.start({ SCAN_SOURCE_ROOTS: root, SCAN_SOURCE_SETTLE_SECONDS: '60', MAX_UPLOAD_SIZE: '1000' });
    admin = await t.newUser([UserGroup.Admin]);
  });
  afterAll(async () => {
    await t.close();
    await s3.stop();
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  describe('directory sources', () => {
    it('refuses paths outside the allowed roots, relative paths and symbolic links that escape the root (422 naming directory_path)', async () => {
      await symlink(outside, join(root, 'escape'));
      for (const directory_path of [outside, 'relative/inbox', join(root, 'escape'), join(root, 'missing'), `${root}/../${outside.split('/').pop()}`]) {
        const res = await save({ name: 'bad', type: 'directory', directory_path });
        expect(res.status).toBe(422);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['directory_path']);
      }
      const escape = await save({ name: 'bad', type: 'directory', directory_path: join(root, 'escape') });
      expect(escape.body.message).toContain('must lie inside one of the allowed roots');
      expect((await t.db.query('SELECT count(*)::int AS n FROM scan_sources')).rows[0].n).toBe(0);
    });

    it('submits each settled file once, skips links and oversized files with the reason, and waits for files still being written', async () => {
      const inbox = join(root, 'inbox');
      await mkdir(join(inbox, 'sub'), { recursive: true });
      await writeFile(join(inbox, 'a.txt'), 'first sample');
      await writeFile(join(inbox, 'sub', 'b.bin'), Buffer.from([1, 2, 3, 4]));
      await writeFile(join(inbox, 'big.bin'), Buffer.alloc(2000, 7));
      await writeFile(join(outside, 'secret.txt'), 'outside the root');
      await symlink(join(outside, 'secret.txt'), join(inbox, 'link.txt'));
      for (const f of ['a.txt', 'sub/b.bin', 'big.bin']) await old(join(inbox, f));
      await writeFile(join(inbox, 'fresh.txt'), 'being written');

      const created = await save({ name: 'Inbox', type: 'directory', directory_path: inbox, tags: ['inbox'], scan_options: { osint: false } });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ name: 'Inbox', type: 'directory', directory_path: inbox, enabled: true, owner_id: admin.id, tags: ['inbox'], scan_options: { osint: false }, s3_secret_set: false });
      const sourceId = created.body.id;

      const first = await runJob();
      expect(first.counts).toMatchObject({ sources: 1, found: 5, submitted: 2, skipped: 2, waiting: 1, failed: 0 });
      expect(await flowNames()).toEqual(['a.txt', 'b.bin']);
      const { rows: flows } = await t.db.query("SELECT owner_id, tags, scan_options->>'osint' AS osint, state FROM flows WHERE file_name = 'a.txt'");
      expect(flows).toEqual([{ owner_id: admin.id, tags: ['inbox'], osint: 'false', state: 'queued' }]);

      const subjobs = await t.request(`/api/admin/scan-sources/subjobs?source_id=${sourceId}`, { token: admin.token });
      expect(subjobs.status).toBe(200);
      expect(subjobs.body.items).toHaveLength(1);
      expect(subjobs.body.items[0]).toMatchObject({ state: 'finished', trigger: 'manual', found: 5, submitted: 2, skipped: 2, failed: 0, waiting: 1, error: null });
      const detail = await t.request(`/api/admin/scan-sources/subjobs/${subjobs.body.items[0].id}`, { token: admin.token });
      const byPath = Object.fromEntries(detail.body.items.map((i: { path: string }) => [i.path, i]));
      expect(Object.keys(byPath).sort()).toEqual(['a.txt', 'big.bin', 'fresh.txt', 'link.txt', 'sub/b.bin']);
      expect(byPath['a.txt']).toMatchObject({ state: 'submitted', size: 12, reason: null, flow_id: expect.any(String) });
      expect(byPath['big.bin']).toMatchObject({ state: 'skipped', reason: expect.stringContaining('larger than the scan size limit') });
      expect(byPath['link.txt']).toMatchObject({ state: 'skipped', reason: expect.stringContaining('links are never followed') });
      expect(byPath['fresh.txt']).toMatchObject({ state: 'waiting' });

      // Second poll: the fresh file looked the same twice, so it goes; nothing else is submitted again.
      const second = await runJob();
      expect(second.counts).toMatchObject({ submitted: 1, skipped: 0, waiting: 0, failed: 0 });
      expect(await flowNames()).toEqual(['a.txt', 'b.bin', 'fresh.txt']);
      const third = await runJob();
      expect(third.counts).toMatchObject({ found: 5, submitted: 0 });
      expect(await flowNames()).toEqual(['a.txt', 'b.bin', 'fresh.txt']);

      // A changed file is a new version: submitted again once settled.
      await writeFile(join(inbox, 'a.txt'), 'first sample, edited');
      await old(join(inbox, 'a.txt'));
      expect((await runJob()).counts).toMatchObject({ submitted: 1 });
      expect(await flowNames()).toEqual(['a.txt', 'a.txt', 'b.bin', 'fresh.txt']);

      const files = await t.request(`/api/admin/scan-sources/files?source_id=${sourceId}&limit=50`, { token: admin.token });
      expect(files.status).toBe(200);
      expect(files.body.total).toBe(5);
      const file = files.body.items.find((f: { path: string }) => f.path === 'sub/b.bin');
      expect(file).toMatchObject({ source_id: sourceId, source_name: 'Inbox', size: 4, state: 'submitted', flow_state: 'queued', verdict: null, report_id: null });
      expect(file.flow_id).toBe(byPath['sub/b.bin'].flow_id);

      const check = await t.request(`/api/admin/scan-sources/${sourceId}/check-connection`, { token: admin.token });
      expect(check.status).toBe(200);
      expect(check.body).toMatchObject({ ok: true, reason: expect.stringContaining('4 file(s) found') });

      // Disabled: not polled.
      expect((await save({ id: sourceId, enabled: false })).body.enabled).toBe(false);
      expect((await runJob()).counts).toMatchObject({ sources: 0 });
    });
  });

  describe('S3 sources', () => {
    it('lists and submits the objects under the prefix, keeps the secret encrypted and never answers it', async () => {
      s3.objects.set('in/one.exe', Buffer.from('MZ fake executable'));
      s3.objects.set('in/docs/two.doc', Buffer.from('fake document'));
      s3.objects.set('in/huge.iso', Buffer.alloc(5000, 1));
      s3.objects.set('elsewhere/three.js', Buffer.from('not under the prefix'));
      const res = await save({
        name: 'Bucket',
        type: 's3',
        s3_endpoint: `http://127.0.0.1:${s3.port}`,
        s3_bucket: 'samples',
        s3_prefix: 'in/',
        s3_access_key_id: S3_KEY,
        s3_secret_access_key: S3_SECRET,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ type: 's3', s3_bucket: 'samples', s3_prefix: 'in/', s3_access_key_id: S3_KEY, s3_secret_set: true, s3_region: 'us-east-1' });
      expect(JSON.stringify(res.body)).not.toContain(S3_SECRET);
      const stored = (await t.db.query('SELECT s3_secret FROM scan_sources WHERE id = $1', [res.body.id])).rows[0].s3_secret;
      expect(stored).toMatch(/^v1\./);
      expect(stored).not.toContain(S3_SECRET);
      const list = await t.request(CONFIG, { token: admin.token });
      expect(JSON.stringify(list.body)).not.toContain(S3_SECRET);
      expect(list.body.items.find((s: { id: string }) => s.id === res.body.id).s3_secret_set).toBe(true);

      const check = await t.request(`/api/admin/scan-sources/${res.body.id}/check-connection`, { token: admin.token });
      expect(check.body).toMatchObject({ ok: true, reason: 'bucket samples reachable; 3 object(s) under the prefix' });

      const before = await flowNames();
      const outcome = await runJob();
      expect(outcome.counts).toMatchObject({ sources: 1, found: 3, submitted: 2, skipped: 1, failed: 0 });
      expect((await flowNames()).filter((n) => !before.includes(n)).sort()).toEqual(['one.exe', 'two.doc']);
      expect(s3.requests.some((r) => r.startsWith('GET /samples/elsewhere'))).toBe(false);
      expect((await runJob()).counts).toMatchObject({ submitted: 0 });

      // Editing without a secret keeps it.
      expect((await save({ id: res.body.id, s3_prefix: 'in/docs/' })).body.s3_secret_set).toBe(true);
      expect((await t.request(`/api/admin/scan-sources/${res.body.id}/check-connection`, { token: admin.token })).body.ok).toBe(true);
    });

    it('reports wrong credentials in check-connection and as a failed subjob', async () => {
      const res = await save({ name: 'Wrong key', type: 's3', s3_endpoint: `http://127.0.0.1:${s3.port}`, s3_bucket: 'samples', s3_access_key_id: 'AKIDWRONG', s3_secret_access_key: 'nope-nope' });
      expect(res.status).toBe(200);
      const check = await t.request(`/api/admin/scan-sources/${res.body.id}/check-connection`, { token: admin.token });
      expect(check.status).toBe(200);
      expect(check.body.ok).toBe(false);
      expect(check.body.reason).toMatch(/^access denied \(HTTP 403\)/);
      const outcome = await runJob();
      expect(outcome.counts?.errors).toBe(1);
      const subjobs = await t.request(`/api/admin/scan-sources/subjobs?source_id=${res.body.id}`, { token: admin.token });
      expect(subjobs.body.items[0]).toMatchObject({ state: 'failed', submitted: 0, error: expect.stringContaining('HTTP 403') });
    });

    it('requires the S3 fields of an S3 source (422 naming them)', async () => {
      const res = await save({ name: 'Incomplete', type: 's3', s3_bucket: 'samples' });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['s3_access_key_id', 's3_secret_access_key']);
    });
  });

  describe('administration', () => {
    it('removes sources with their files and subjobs, leaves the flows, and is admin-only', async () => {
      const user = await t.newUser([UserGroup.User]);
      const auditor = await t.newUser([UserGroup.Auditor]);
      expect((await t.request(CONFIG, { token: user.token })).status).toBe(403);
      expect((await t.request(CONFIG, { token: auditor.token })).status).toBe(200);
      expect((await save({ name: 'x', type: 'directory', directory_path: root }, auditor.token)).status).toBe(403);
      expect((await t.request('/api/admin/scan-sources/subjobs/not-a-uuid', { token: admin.token })).status).toBe(422);
      expect((await t.request('/api/admin/scan-sources/subjobs/00000000-0000-4000-8000-000000000000', { token: admin.token })).status).toBe(404);
      expect((await t.request('/api/admin/scan-sources/00000000-0000-4000-8000-000000000000/check-connection', { token: admin.token })).status).toBe(404);

      const flowsBefore = (await t.db.query('SELECT count(*)::int AS n FROM flows')).rows[0].n;
      const ids = (await t.request(CONFIG, { token: admin.token })).body.items.map((s: { id: string }) => s.id);
      const removed = await t.request(CONFIG, { method: 'DELETE', token: admin.token, body: { ids } });
      expect(removed.status).toBe(200);
      expect(removed.body).toEqual({ removed: ids.length });
      const counts = (await t.db.query('SELECT (SELECT count(*) FROM scan_sources)::int AS s, (SELECT count(*) FROM scan_source_files)::int AS f, (SELECT count(*) FROM scan_source_subjobs)::int AS j')).rows[0];
      expect(counts).toEqual({ s: 0, f: 0, j: 0 });
      expect((await t.db.query('SELECT count(*)::int AS n FROM flows')).rows[0].n).toBe(flowsBefore);
      const { rows } = await t.db.query("SELECT action FROM audit_logs WHERE action LIKE 'scan-source.%' AND actor_id = $1", [admin.id]);
      expect(new Set(rows.map((r) => r.action))).toEqual(new Set(['scan-source.save', 'scan-source.remove']));
      expect((await t.request(CONFIG, { method: 'DELETE', token: admin.token, body: { ids: ['nope'] } })).status).toBe(422);
    });
  });
});
