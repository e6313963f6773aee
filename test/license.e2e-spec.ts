import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Controller, Get, Module, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from '../src/app.module';
import { Access } from '../src/common/access/access.decorator';
import { UserGroup } from '../src/common/access/user-group';
import { Verdict } from '../src/engine/types';
import { LicenseService } from '../src/modules/license/license.service';
import { LicenseFeature, REQUIRED_FEATURE, RequiresFeature } from '../src/modules/license/requires-feature.decorator';
import { deploymentIdOf, installLicense, removeLicenses, testLicense } from './support/license';
import { ReportFactory } from './support/report-factory';
import { TestApp } from './support/test-app';

const run = promisify(execFile);

/** A route of a licensed feature, mounted beside the real application in one test below. */
@Controller('api/test-licensed')
class LicensedTestController {
  @Get()
  @Access.authenticated()
  @RequiresFeature(LicenseFeature.ThreatIntel)
  ok() {
    return { ok: true };
  }
}

async function uploadLicense(t: TestApp, token: string, file: string | Buffer) {
  const form = new FormData();
  form.append('file', new Blob([file]), 'license.json');
  const res = await fetch(`${t.url}/api/system/license/activate/offline`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: (await res.json()) as any };
}

async function submitScan(t: TestApp, token: string) {
  const form = new FormData();
  form.append('file', new Blob([`sample ${Math.random()}`]), 'sample.txt');
  const res = await fetch(`${t.url}/api/scan/file`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

describe('Licensing', () => {
  let t: TestApp;
  let admin: string;
  let deploymentId: string;
  let dir: string;

  beforeAll(async () => {
    t = await TestApp.start({}, { license: 'none' });
    admin = await t.login();
    deploymentId = await deploymentIdOf(t.db);
    dir = await mkdtemp(join(tmpdir(), 'license-test-'));
  });
  afterAll(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => removeLicenses(t.app, t.db));

  it('shows an unlicensed platform with its deployment id, to signed-in users only', async () => {
    expect((await t.request('/api/system/license')).status).toBe(401);
    const user = await t.newUser();
    const res = await t.request('/api/system/license', { token: user.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'none', deploymentId, licenseId: null, features: [], limits: null, onlineActivation: false });
    expect(deploymentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('the vendor command issues a license that offline activation accepts as an uploaded file', async () => {
    const keys = join(dir, 'vendor');
    const opts = { cwd: process.cwd(), env: { ...process.env } };
    await run('npx', ['ts-node', '--transpile-only', 'scripts/license-vendor.ts', 'keygen', '--out', keys], opts);
    const out = join(dir, 'license.json');
    await run(
      'npx',
      ['ts-node', '--transpile-only', 'scripts/license-vendor.ts', 'issue', '--key', join(keys, 'private.pem'), '--customer', 'Example Corp SOC',
        '--deployment-id', deploymentId, '--days', '30', '--features', 'feeds,threat-intel', '--scans-per-day', '100', '--users', '10',
        '--license-id', 'LIC-VENDOR-1', '--out', out],
      opts,
    );
    const file = JSON.parse(await readFile(out, 'utf8'));
    expect(file.payload).toMatchObject({ licenseId: 'LIC-VENDOR-1', customer: 'Example Corp SOC', deploymentId, limits: { scansPerDay: 100, users: 10 }, features: ['feeds', 'threat-intel'] });
    // Signed by a key this platform was not told about: refused.
    expect((await uploadLicense(t, admin, JSON.stringify(file))).status).toBe(400);

    // The same platform trusting the vendor key accepts it.
    const trusting = await TestApp.start({ LICENSE_PUBLIC_KEY: await readFile(join(keys, 'public.pem'), 'utf8') }, { license: 'none' });
    try {
      const token = await trusting.login();
      const own = JSON.parse(await readFile(out, 'utf8'));
      own.payload.deploymentId = await deploymentIdOf(trusting.db);
      // Re-issue for this deployment through the command again, so the signature is the vendor's.
      const out2 = join(dir, 'license2.json');
      await run('npx', ['ts-node', '--transpile-only', 'scripts/license-vendor.ts', 'issue', '--key', join(keys, 'private.pem'), '--customer', 'Example Corp SOC',
        '--deployment-id', own.payload.deploymentId, '--days', '30', '--features', 'feeds,threat-intel', '--scans-per-day', '100', '--out', out2], opts);
      const res = await uploadLicense(trusting, token, await readFile(out2));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'active', customer: 'Example Corp SOC', features: ['feeds', 'threat-intel'], limits: { scansPerDay: 100, users: null }, activationMethod: 'offline', daysLeft: 29 });
    } finally {
      await trusting.close();
    }
  }, 120_000);

  it('activates a license posted as JSON, records it in the audit log, and replaces the previous one', async () => {
    const first = testLicense(deploymentId, { licenseId: 'LIC-A' });
    const res = await t.request('/api/system/license/activate/offline', { token: admin, body: first });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'active', licenseId: 'LIC-A', customer: 'Test Customer', features: ['dynamic-analysis', 'feeds', 'mass-url', 'threat-intel'] });
    const second = await t.request('/api/system/license/activate/offline', { token: admin, body: testLicense(deploymentId, { licenseId: 'LIC-B', features: ['feeds'] }) });
    expect(second.body).toMatchObject({ status: 'active', licenseId: 'LIC-B', features: ['feeds'] });
    const { rows } = await t.db.query('SELECT license_id, deactivated_at IS NULL AS active FROM licenses ORDER BY activated_at');
    expect(rows).toEqual([{ license_id: 'LIC-A', active: false }, { license_id: 'LIC-B', active: true }]);
    const { rows: audit } = await t.db.query(`SELECT action, target_id, outcome FROM audit_logs WHERE action LIKE 'license.%' AND outcome = 'success' ORDER BY created_at`);
    expect(audit.map((a: { action: string; target_id: string }) => [a.action, a.target_id])).toEqual([
      ['license.activate.offline', 'LIC-A'],
      ['license.activate.offline', 'LIC-B'],
    ]);
  });

  it('refuses a license with one byte changed, naming the signature', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM licenses')).rows[0].n;
    const text = JSON.stringify(testLicense(deploymentId, { customer: 'Small Corp', limits: { scansPerDay: 10, users: 5 } }));
    const tampered = text.replace('"scansPerDay":10', '"scansPerDay":90');
    expect(tampered).not.toBe(text);
    const res = await uploadLicense(t, admin, tampered);
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('The license signature does not verify: the file was altered, or it was not issued by this platform\'s vendor');
    expect((await t.db.query('SELECT count(*)::int AS n FROM licenses')).rows[0].n).toBe(before);
  });

  it('refuses an expired license, one for another deployment, and files that are not licenses', async () => {
    const before = (await t.db.query('SELECT count(*)::int AS n FROM licenses')).rows[0].n;
    const expired = testLicense(deploymentId, { issuedAt: '2024-01-01T00:00:00.000Z', expiresAt: '2025-01-01T00:00:00.000Z' });
    let res = await uploadLicense(t, admin, JSON.stringify(expired));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('The license expired on 2025-01-01T00:00:00.000Z');

    const other = testLicense('11111111-2222-3333-4444-555555555555');
    res = await uploadLicense(t, admin, JSON.stringify(other));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe(`The license was issued for deployment 11111111-2222-3333-4444-555555555555, but this platform is deployment ${deploymentId}`);

    res = await uploadLicense(t, admin, 'not json at all');
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ field: 'file', messages: ['The license file is not JSON'] }]);
    res = await uploadLicense(t, admin, JSON.stringify({ format: 'something-else' }));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('Not a valid license file: format must be "sandbox-license/1"');
    res = await uploadLicense(t, admin, Buffer.alloc(70 * 1024, 0x20));
    expect(res.status).toBe(413);
    expect((await t.db.query('SELECT count(*)::int AS n FROM licenses')).rows[0].n).toBe(before);
  });

  it('lets only administrators activate and deactivate', async () => {
    const user = await t.newUser([UserGroup.User, UserGroup.Intel]);
    const auditor = await t.newUser([UserGroup.Auditor]);
    const file = testLicense(deploymentId);
    expect((await t.request('/api/system/license/activate/offline', { body: file })).status).toBe(401);
    expect((await t.request('/api/system/license/activate/offline', { token: user.token, body: file })).status).toBe(403);
    expect((await t.request('/api/system/license/activate/offline', { token: auditor.token, body: file })).status).toBe(403);
    expect((await t.request('/api/system/license/deactivate', { method: 'DELETE', token: user.token })).status).toBe(403);
  });

  it('deactivates: 404 without an active license or for another license id, audited', async () => {
    expect((await t.request('/api/system/license/deactivate', { method: 'DELETE', token: admin })).status).toBe(404);
    await installLicense(t.app, t.db, testLicense(deploymentId, { licenseId: 'LIC-DEACT' }));
    const wrong = await t.request('/api/system/license/deactivate?license_id=LIC-OTHER', { method: 'DELETE', token: admin });
    expect(wrong.status).toBe(404);
    expect(wrong.body.message).toBe('License LIC-OTHER is not the active license');
    expect((await t.request('/api/system/license/deactivate?license_id=LIC-DEACT', { method: 'DELETE', token: admin })).status).toBe(200);
    expect((await t.request('/api/system/license', { token: admin })).body.status).toBe('none');
    const { rows } = await t.db.query(`SELECT target_id FROM audit_logs WHERE action = 'license.deactivate' AND outcome = 'success'`);
    expect(rows).toEqual([{ target_id: 'LIC-DEACT' }]);
  });

  describe('licensed features', () => {
    let gated: NestFastifyApplication;

    beforeAll(async () => {
      // The real application plus one route of a licensed feature: the global guards apply to it as to any route.
      @Module({ imports: [AppModule.forRoot(t.config)], controllers: [LicensedTestController] })
      class WithLicensedRoute {}
      gated = await NestFactory.create<NestFastifyApplication>(WithLicensedRoute, new FastifyAdapter(), { logger: false });
      await gated.init();
      await gated.getHttpAdapter().getInstance().ready();
    });
    afterAll(() => gated.close());

    const call = async (token?: string) => {
      gated.get(LicenseService).invalidate();
      const res = await gated.inject({ method: 'GET', url: '/api/test-licensed', headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.statusCode, body: res.json() };
    };

    it('answers 401 before any license refusal, 403 naming the feature without a license, 200 with it', async () => {
      expect((await call()).status).toBe(401);
      let res = await call(admin);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe(
        "This platform's license does not include the `threat-intel` feature: no license is active (an administrator activates one at POST /api/system/license/activate/offline or /online)",
      );
      await installLicense(t.app, t.db, testLicense(deploymentId, { features: ['feeds'] }));
      res = await call(admin);
      expect(res.status).toBe(403);
      expect(res.body.message).toBe("This platform's license does not include the `threat-intel` feature: ask your vendor for a license that includes it");
      await installLicense(t.app, t.db, testLicense(deploymentId, { features: ['threat-intel'] }));
      expect(await call(admin)).toEqual({ status: 200, body: { ok: true } });
    });

    it('refuses the feature when the stored license was altered in the database', async () => {
      await installLicense(t.app, t.db, testLicense(deploymentId, { features: ['feeds'] }));
      await t.db.query(`UPDATE licenses SET document = jsonb_set(document, '{payload,features}', '["feeds","threat-intel"]') WHERE deactivated_at IS NULL`);
      const res = await call(admin);
      expect(res.status).toBe(403);
      expect(res.body.message).toContain('The license signature does not verify');
    });

    it('every route the application marks with a licensed feature is refused without a license', async () => {
      for (const path of gatedGetRoutes(t.app)) {
        const res = await t.request(path, { token: admin });
        expect([path, res.status]).toEqual([path, 403]);
        expect(res.body.message).toMatch(/^This platform's license does not include the `[a-z-]+` feature/);
      }
    });
  });

  it('an expired license refuses licensed features but existing reports stay readable', async () => {
    const user = await t.newUser();
    const flow = await new ReportFactory(t).flow({ ownerId: user.id, root: { name: 'old.exe', verdict: Verdict.Suspicious } });
    await installLicense(t.app, t.db, testLicense(deploymentId, { issuedAt: '2024-01-01T00:00:00.000Z', expiresAt: '2025-06-30T00:00:00.000Z' }));
    const info = await t.request('/api/system/license', { token: admin });
    expect(info.body).toMatchObject({ status: 'expired', reason: 'The license expired on 2025-06-30T00:00:00.000Z', daysLeft: 0 });
    expect(await t.app.get(LicenseService).featureRefusal(LicenseFeature.Feeds)).toBe(
      "This platform's license does not include the `feeds` feature: The license expired on 2025-06-30T00:00:00.000Z",
    );
    const report = await t.request(`/api/scan/${flow.flowId}/report`, { token: user.token });
    expect(report.status).toBe(200);
    expect(report.body.flowId).toBe(flow.flowId);
    const file = await t.request(`/api/reports/${flow.root.id}/${flow.root.sha256}`, { token: user.token });
    expect(file.status).toBe(200);
  });

  it('enforces scans per day: 429 with Retry-After past the limit; refused submissions are not counted', async () => {
    await installLicense(t.app, t.db, testLicense(deploymentId, { limits: { scansPerDay: 2, users: null } }));
    await t.db.query(`DELETE FROM rate_counters WHERE bucket = 'license:scans'`);
    const user = await t.newUser();
    // An invalid submission (no file) is taken back.
    const invalid = await fetch(`${t.url}/api/scan/file`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` }, body: new FormData() });
    expect(invalid.status).toBe(422);
    expect((await submitScan(t, user.token)).status).toBe(200);
    expect((await submitScan(t, user.token)).status).toBe(200);
    const refused = await submitScan(t, user.token);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/^The license allows 2 scans per day and today's are used up; the count resets at 00:00 UTC \(in \d+ s\)$/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(Math.abs(retryAfter - (midnight.getTime() - Date.now()) / 1000)).toBeLessThan(5);
    expect((await t.request('/api/system/license', { token: admin })).body.usage.scansToday).toBe(2);
    // Unlicensed, the core is not limited.
    await removeLicenses(t.app, t.db);
    expect((await submitScan(t, user.token)).status).toBe(200);
  });

  it('enforces the user limit on invitations (pending ones hold a seat) and registrations', async () => {
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM users WHERE is_active');
    const active: number = rows[0].n;
    await installLicense(t.app, t.db, testLicense(deploymentId, { limits: { scansPerDay: null, users: active + 1 } }));
    const invite = await t.request('/api/admin/invite', { token: admin, body: { email: 'seat@example.com' } });
    expect(invite.status).toBe(200);
    const second = await t.request('/api/admin/invite', { token: admin, body: { email: 'seat2@example.com' } });
    expect(second.status).toBe(403);
    expect(second.body.message).toBe(`The license allows ${active + 1} users; ${active} are active and 1 invitation is pending: deactivate a user or extend the license`);
    const registered = await t.request('/api/auth/register', { body: { token: invite.body.token, password: 'a-long-password-123', name: 'Seat' } });
    expect(registered.status).toBe(200);
    // The limit is reached: a registration with an invitation made before the limit was lowered is refused too.
    await t.db.query(
      `INSERT INTO invitations (token_hash, email, groups, expires_at) VALUES ('x', 'late@example.com', '{user}', now() + interval '1 day')`,
    );
    const late = await t.request('/api/auth/register', { body: { token: 'whatever-token', password: 'a-long-password-123' } });
    expect(late.status).toBe(403);
    expect(late.body.message).toBe(`The license allows ${active + 1} users; ${active + 1} are active: deactivate a user or extend the license`);
    // A reactivation takes a seat too: refused while the limit is reached, accepted once a seat is free.
    const seatId: string = (await t.db.query(`SELECT id FROM users WHERE email = 'seat@example.com'`)).rows[0].id;
    expect((await t.request(`/api/admin/users/${seatId}`, { token: admin, body: { is_active: false } })).status).toBe(200);
    const other = await t.newUser([UserGroup.User], { email: 'seat-other@example.com' });
    const refused = await t.request(`/api/admin/users/${seatId}`, { token: admin, body: { is_active: true } });
    expect(refused.status).toBe(403);
    expect((await t.db.query('SELECT is_active FROM users WHERE id = $1', [seatId])).rows[0].is_active).toBe(false);
    expect((await t.request(`/api/admin/users/${other.id}`, { token: admin, body: { is_active: false } })).status).toBe(200);
    expect((await t.request(`/api/admin/users/${seatId}`, { token: admin, body: { is_active: true } })).status).toBe(200);
  });

  describe('online activation', () => {
    let server: Server;
    let received: { body: any; headers: IncomingMessage['headers'] }[];
    let answer: (req: { body: any }, res: ServerResponse) => void;
    let online: TestApp;
    let onlineAdmin: string;
    let onlineDeployment: string;

    beforeAll(async () => {
      received = [];
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          received.push({ body, headers: req.headers });
          answer({ body }, res);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      online = await TestApp.start({ LICENSE_ACTIVATION_URL: `http://127.0.0.1:${port}/activate`, LICENSE_ACTIVATION_TIMEOUT: '2' }, { license: 'none' });
      onlineAdmin = await online.login();
      onlineDeployment = await deploymentIdOf(online.db);
    });
    afterAll(async () => {
      await online.close();
      await new Promise((resolve) => server.close(resolve));
    });
    beforeEach(() => (received = []));

    const activate = (key = 'KEY-1234-ABCD') => online.request('/api/system/license/activate/online', { token: onlineAdmin, body: { license_key: key } });

    it('sends the key and deployment id, verifies the signed answer and activates it', async () => {
      answer = ({ body }, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(testLicense(body.deploymentId, { licenseId: 'ONLINE-1', features: ['mass-url'] })));
      };
      const res = await activate();
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'active', licenseId: 'ONLINE-1', features: ['mass-url'], activationMethod: 'online', onlineActivation: true });
      expect(received).toHaveLength(1);
      expect(received[0].body).toEqual({ licenseKey: 'KEY-1234-ABCD', deploymentId: onlineDeployment, product: 'sandbox-platform', version: expect.any(String) });
      const { rows } = await online.db.query(`SELECT target_id, to_jsonb(audit_logs)::text AS record FROM audit_logs WHERE action = 'license.activate.online'`);
      expect(rows.map((r: { target_id: string }) => r.target_id)).toEqual(['ONLINE-1']);
      expect(rows[0].record).not.toContain('KEY-1234-ABCD'); // the key itself is recorded nowhere
    });

    it('answers 400 quoting the server when it refuses the key, 502 when it fails or answers a bad license', async () => {
      answer = (_req, res) => {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ message: 'Unknown license key' }));
      };
      let res = await activate('NOPE');
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('The license activation server refused the license key (HTTP 404): Unknown license key');

      answer = (_req, res) => {
        res.statusCode = 503;
        res.end('maintenance');
      };
      res = await activate();
      expect(res.status).toBe(502);
      expect(res.body.message).toBe('The license activation server failed (HTTP 503): maintenance');

      const otherVendor = generateKeyPairSync('ed25519').privateKey;
      answer = ({ body }, res) => res.end(JSON.stringify(testLicense(body.deploymentId, {}, otherVendor)));
      res = await activate();
      expect(res.status).toBe(502);
      expect(res.body.message).toBe(
        "The license activation server answered a license this platform refuses: The license signature does not verify: the file was altered, or it was not issued by this platform's vendor",
      );

      answer = (_req, res) => res.end('<html>not json</html>');
      res = await activate();
      expect(res.status).toBe(502);
      expect(res.body.message).toBe('The license activation server answered something that is not JSON');
      // None of these changed the license in force.
      expect((await online.request('/api/system/license', { token: onlineAdmin })).body.licenseId).toBe('ONLINE-1');
    });

    it('answers 502 with the reason when the server is unreachable or silent', async () => {
      answer = () => undefined; // never answers: the timeout (2 s) ends the wait
      let res = await activate();
      expect(res.status).toBe(502);
      expect(res.body.message).toBe('The license activation server could not be reached: no answer in time');

      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const unreachable = await TestApp.start({ LICENSE_ACTIVATION_URL: `http://127.0.0.1:${port}/activate` }, { license: 'none' });
      try {
        res = await unreachable.request('/api/system/license/activate/online', { token: await unreachable.login(), body: { license_key: 'K' } });
        expect(res.status).toBe(502);
        expect(res.body.message).toBe('The license activation server could not be reached: ECONNREFUSED');
      } finally {
        await unreachable.close();
      }
    });

    it('answers 400 when online activation is not configured, 422 without a key', async () => {
      const res = await t.request('/api/system/license/activate/online', { token: admin, body: { license_key: 'K' } });
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Online activation is not configured (LICENSE_ACTIVATION_URL): activate offline with a license file');
      expect((await activate('')).status).toBe(422);
    });
  });
});

/** GET routes without path parameters that carry @RequiresFeature (on the handler or its controller). */
function gatedGetRoutes(app: TestApp['app']): string[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const paths: string[] = [];
  for (const wrapper of discovery.getControllers()) {
    const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
    if (!controller) continue;
    const base = [Reflect.getMetadata(PATH_METADATA, controller) ?? ''].flat()[0] as string;
    for (const name of scanner.getAllMethodNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, Function>)[name];
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined || Reflect.getMetadata(METHOD_METADATA, handler) !== RequestMethod.GET) continue;
      const feature = Reflect.getMetadata(REQUIRED_FEATURE, handler) ?? Reflect.getMetadata(REQUIRED_FEATURE, controller);
      const full = '/' + [base, [path].flat()[0]].join('/').split('/').filter(Boolean).join('/');
      if (feature && !full.includes(':')) paths.push(full);
    }
  }
  return paths;
}
