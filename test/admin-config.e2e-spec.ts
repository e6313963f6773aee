import { createHash } from 'node:crypto';
import { UserGroup } from '../src/common/access/user-group';
import { AdminConfigService } from '../src/modules/admin-config/admin-config.service';
import { ReportFactory } from './support/report-factory';
import { ADMIN_PASSWORD, TestApp, TestUser } from './support/test-app';

const APP_SECRET = 'app-secret-for-config-test-0123456789abcdef';
const S3_SECRET = 's3-secret-key-Qw8rT5yU2iO9';
const S3_ENDPOINT_PASSWORD = 'endpoint-pw-Lk3j';
const S3_SIGNATURE = 'sig-Zx9c8v7b';
const SMTP_PASSWORD = 'smtp-password-Mn4b6v';

describe('Admin: app config, external tokens secret, debug reports', () => {
  let t: TestApp;
  let admin: string;
  let auditor: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    t = await TestApp.start({
      APP_SECRET,
      STORAGE_DRIVER: 'filesystem',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID',
      S3_SECRET_ACCESS_KEY: S3_SECRET,
      S3_ENDPOINT: `https://minio:${S3_ENDPOINT_PASSWORD}@minio.internal:9000/?X-Amz-Signature=${S3_SIGNATURE}`,
      S3_BUCKET: 'samples',
      SMTP_HOST: 'smtp.example.com',
      SMTP_USER: 'mailer',
      SMTP_PASSWORD,
      // A secret repeated inside an ordinary setting is still cut out.
      SMTP_FROM: `Sandbox ${SMTP_PASSWORD} <sandbox@example.com>`,
    });
    admin = await t.login();
    auditor = await t.newUser([UserGroup.Auditor]);
    user = await t.newUser([UserGroup.User]);
  });
  afterAll(() => t.close());

  describe('GET /api/admin/app-config', () => {
    it('answers the effective configuration with every secret redacted', async () => {
      const res = await t.request('/api/admin/app-config', { token: auditor.token });
      expect(res.status).toBe(200);
      const body = JSON.stringify(res.body);
      const dbPassword = decodeURIComponent(new URL(t.config.database.url!).password);
      const secrets = [APP_SECRET, ADMIN_PASSWORD, S3_SECRET, S3_ENDPOINT_PASSWORD, S3_SIGNATURE, SMTP_PASSWORD, ...(dbPassword ? [dbPassword] : [])];
      for (const secret of secrets) expect([secret, body.includes(secret)]).toEqual([secret, false]);
      expect(res.body.secret).toBe('[redacted]');
      expect(res.body.admin).toEqual({ email: 'admin@example.com', password: '[redacted]' });
      expect(res.body.storage.s3).toMatchObject({
        secretAccessKey: '[redacted]',
        endpoint: 'https://minio:[redacted]@minio.internal:9000/?X-Amz-Signature=[redacted]',
        bucket: 'samples',
        region: 'us-east-1',
      });
      expect(res.body.smtp).toMatchObject({ host: 'smtp.example.com', user: 'mailer', password: '[redacted]', from: 'Sandbox [redacted] <sandbox@example.com>' });
      if (dbPassword) expect(res.body.database.url).toContain(':[redacted]@');
      // Ordinary settings are shown as they are.
      expect(res.body.http).toMatchObject({ host: '0.0.0.0', port: 8090, bodyLimit: 1048576 });
      expect(res.body.auth.jwtExpiresIn).toBe(3600);
      expect(res.body.role).toBe('api');
    });

    it('shows unset secrets as null', async () => {
      const plain = await TestApp.start();
      try {
        const res = await plain.request('/api/admin/app-config', { token: await plain.login() });
        expect(res.status).toBe(200);
        expect(res.body.storage.s3).toMatchObject({ secretAccessKey: null, accessKeyId: null });
        expect(res.body.smtp.password).toBeNull();
      } finally {
        await plain.close();
      }
    });

    it('is refused to users (403) and guests (401)', async () => {
      expect((await t.request('/api/admin/app-config', { token: user.token })).status).toBe(403);
      expect((await t.request('/api/admin/app-config')).status).toBe(401);
    });
  });

  describe('GET /api/admin/generate-external-tokens-secret', () => {
    it('returns a new secret once, stores it only encrypted and audits its fingerprint', async () => {
      const first = await t.request('/api/admin/generate-external-tokens-secret', { token: admin });
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('no-store');
      const { secret, fingerprint } = first.body;
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(fingerprint).toBe(createHash('sha256').update(secret).digest('hex').slice(0, 16));

      const { rows } = await t.db.query(`SELECT row_to_json(s)::text AS raw FROM external_tokens_secrets s`);
      expect(rows).toHaveLength(1);
      expect(rows[0].raw).not.toContain(secret);
      expect(await t.app.get(AdminConfigService).externalTokensSecret()).toBe(secret);

      const second = await t.request('/api/admin/generate-external-tokens-secret', { token: admin });
      expect(second.status).toBe(200);
      expect(second.body.secret).not.toBe(secret);
      expect(await t.app.get(AdminConfigService).externalTokensSecret()).toBe(second.body.secret);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM external_tokens_secrets`)).rows[0].n).toBe(1);

      const audit = await t.db.query(`SELECT outcome, before, after, row_to_json(a)::text AS raw FROM audit_logs a WHERE action = 'external-tokens-secret.generate' ORDER BY id`);
      expect(audit.rows.map((r) => [r.outcome, r.before, r.after])).toEqual([
        ['success', null, { fingerprint }],
        ['success', { fingerprint }, { fingerprint: second.body.fingerprint }],
      ]);
      for (const { raw } of audit.rows) {
        expect(raw).not.toContain(secret);
        expect(raw).not.toContain(second.body.secret);
      }
    });

    it('is for administrators only: auditors and users 403, guests 401', async () => {
      expect((await t.request('/api/admin/generate-external-tokens-secret', { token: auditor.token })).status).toBe(403);
      expect((await t.request('/api/admin/generate-external-tokens-secret', { token: user.token })).status).toBe(403);
      expect((await t.request('/api/admin/generate-external-tokens-secret')).status).toBe(401);
    });
  });

  describe('GET /api/debug/reports', () => {
    it('answers the stored flow row and its report rows with their full documents, never the archive password', async () => {
      const owner = await t.newUser([UserGroup.User]);
      const flow = await new ReportFactory(t).flow({
        ownerId: owner.id,
        isPrivate: true,
        root: { name: 'bundle.zip', children: [{ name: 'invoice.exe' }, { name: 'readme.txt' }] },
      });
      await t.db.query(`UPDATE flows SET password = 'archive-pw-Hj5k' WHERE id = $1`, [flow.flowId]);

      const res = await t.request(`/api/debug/reports?report_id=${flow.flowId}`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.flow).toMatchObject({ id: flow.flowId, ownerId: owner.id, isPrivate: true });
      expect(res.body.flow.password).toBeUndefined();
      expect(JSON.stringify(res.body)).not.toContain('archive-pw-Hj5k');
      expect(res.body.reports.map((r: any) => [r.fileIndex, r.id, r.sha256])).toEqual(flow.reports.map((r) => [r.fileIndex, r.id, r.sha256]));
      const { rows } = await t.db.query(`SELECT data FROM reports WHERE id = $1`, [flow.root.id]);
      expect(res.body.reports[0].data).toEqual(rows[0].data);

      const one = await t.request(`/api/debug/reports?report_id=${flow.flowId}&file_hash=${flow.reports[1].sha256.toUpperCase()}`, { token: admin });
      expect(one.status).toBe(200);
      expect(one.body.reports.map((r: any) => r.id)).toEqual([flow.reports[1].id]);
    });

    it('answers 404 for an unknown report or file and 422 for bad parameters', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      expect((await t.request(`/api/debug/reports?report_id=${unknown}`, { token: admin })).status).toBe(404);
      const flow = await new ReportFactory(t).flow({ root: { name: 'a.txt' } });
      expect((await t.request(`/api/debug/reports?report_id=${flow.flowId}&file_hash=${'0'.repeat(64)}`, { token: admin })).status).toBe(404);
      for (const query of ['', 'report_id=42', `report_id=${flow.flowId}&file_hash=abc`, `report_id=${flow.flowId}&extra=1`]) {
        const res = await t.request(`/api/debug/reports?${query}`, { token: admin });
        expect([query, res.status]).toEqual([query, 422]);
      }
    });

    it('is for administrators only: auditors and users 403, guests 401', async () => {
      const flow = await new ReportFactory(t).flow({ root: { name: 'a.txt' } });
      expect((await t.request(`/api/debug/reports?report_id=${flow.flowId}`, { token: auditor.token })).status).toBe(403);
      expect((await t.request(`/api/debug/reports?report_id=${flow.flowId}`, { token: user.token })).status).toBe(403);
      expect((await t.request(`/api/debug/reports?report_id=${flow.flowId}`)).status).toBe(401);
    });
  });
});
