import { UserGroup } from '../src/common/access/user-group';
import { SecretBox } from '../src/common/security/secret-box';
import { Secrets } from '../src/common/security/secrets';
import { TestApp, TestUser } from './support/test-app';

const SERVICES = '/api/admin/auth-services';
const CLIENT_SECRET = 'oidc-client-secret-Zq9!never-echoed';
const NEW_CLIENT_SECRET = 'rotated-client-secret-Xk2#also-hidden';
const BIND_PASSWORD = 'ldap-bind-password-Pw7$hidden';

const oidcService = (overrides: Record<string, unknown> = {}, oidc: Record<string, unknown> = {}) => ({
  service: 'corp-sso',
  type: 'oidc',
  display_name: 'Corporate SSO',
  oidc: {
    issuer_url: 'https://login.example.com/realms/corp/',
    client_id: 'sandbox',
    client_secret: CLIENT_SECRET,
    scopes: ['openid', 'email', 'groups'],
    groups_claim: 'roles',
    group_mapping: { 'sandbox-admins': 'admin', analysts: 'user' },
    ...oidc,
  },
  ...overrides,
});

const ldapService = (ldap: Record<string, unknown> = {}, overrides: Record<string, unknown> = {}) => ({
  service: 'corp-ldap',
  type: 'ldap',
  ldap: {
    url: 'ldaps://ldap.example.com:636',
    bind_dn: 'cn=sandbox,ou=services,dc=example,dc=com',
    bind_password: BIND_PASSWORD,
    base_dn: 'ou=people,dc=example,dc=com',
    user_filter: '(&(objectClass=person)(uid={username}))',
    group_mapping: { 'cn=soc,ou=groups,dc=example,dc=com': 'intel' },
    ...ldap,
  },
  ...overrides,
});

describe('Admin: auth services', () => {
  let t: TestApp;
  let admin: string;
  let auditor: TestUser;
  let user: TestUser;
  /** Every response body seen, to check at the end that no secret was ever echoed. */
  const seen: string[] = [];

  beforeAll(async () => {
    t = await TestApp.start();
    admin = await t.login();
    auditor = await t.newUser([UserGroup.Auditor]);
    user = await t.newUser([UserGroup.User]);
  });
  afterAll(() => t.close());

  const call = async (path: string, options: Parameters<TestApp['request']>[1] = {}) => {
    const res = await t.request(path, { token: admin, ...options });
    seen.push(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
    return res;
  };
  const save = (body: unknown) => call(SERVICES, { body });
  const list = async () => (await call(SERVICES, { token: auditor.token })).body as any[];

  it('creates an OIDC service and shows only whether its secret is set', async () => {
    const res = await save(oidcService());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      service: 'corp-sso',
      type: 'oidc',
      enabled: true,
      display_name: 'Corporate SSO',
      allow_insecure_localhost: false,
      oidc: {
        issuer_url: 'https://login.example.com/realms/corp',
        client_id: 'sandbox',
        client_secret: { set: true },
        scopes: ['openid', 'email', 'groups'],
        groups_claim: 'roles',
        group_mapping: { 'sandbox-admins': 'admin', analysts: 'user' },
      },
    });
    expect(res.body.ldap).toBeUndefined();
    expect(await list()).toEqual([res.body]);
  });

  it('stores the secret encrypted: the raw row does not contain it', async () => {
    const { rows } = await t.db.query(`SELECT row_to_json(s)::text AS raw, sealed_secrets FROM auth_services s WHERE name = 'corp-sso'`);
    expect(rows).toHaveLength(1);
    expect(rows[0].raw).not.toContain(CLIENT_SECRET);
    expect(rows[0].sealed_secrets).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('keeps the stored secret when an update leaves it out, and replaces it when given', async () => {
    const { rows: [before] } = await t.db.query(`SELECT sealed_secrets FROM auth_services WHERE name = 'corp-sso'`);
    const kept = await save(oidcService({ enabled: false }, { client_secret: undefined, client_id: 'sandbox-2' }));
    expect(kept.status).toBe(200);
    expect(kept.body).toMatchObject({ enabled: false, oidc: { client_id: 'sandbox-2', client_secret: { set: true } } });
    const { rows: [after] } = await t.db.query(`SELECT sealed_secrets FROM auth_services WHERE name = 'corp-sso'`);
    expect(after.sealed_secrets).toBe(before.sealed_secrets);
    const rotated = await save(oidcService({}, { client_secret: NEW_CLIENT_SECRET }));
    expect(rotated.status).toBe(200);
    const { rows: [third] } = await t.db.query(`SELECT sealed_secrets FROM auth_services WHERE name = 'corp-sso'`);
    expect(third.sealed_secrets).not.toBe(before.sealed_secrets);
    expect(third.sealed_secrets).not.toContain(NEW_CLIENT_SECRET);
    // It opens under the APP_SECRET-derived key, for this service only.
    const box = new SecretBox(t.app.get(Secrets));
    expect(JSON.parse(box.open(third.sealed_secrets, 'auth-service:corp-sso'))).toEqual({ client_secret: NEW_CLIENT_SECRET });
    expect(() => box.open(third.sealed_secrets, 'auth-service:other')).toThrow();
  });

  it('creates an LDAP service; anonymous bind stores no secret', async () => {
    const res = await save(ldapService());
    expect(res.status).toBe(200);
    expect(res.body.ldap).toEqual({
      url: 'ldaps://ldap.example.com:636',
      bind_dn: 'cn=sandbox,ou=services,dc=example,dc=com',
      bind_password: { set: true },
      base_dn: 'ou=people,dc=example,dc=com',
      user_filter: '(&(objectClass=person)(uid={username}))',
      group_attribute: 'memberOf',
      group_mapping: { 'cn=soc,ou=groups,dc=example,dc=com': 'intel' },
    });
    const anonymous = await save(ldapService({ bind_dn: undefined, bind_password: undefined }, { service: 'anon-ldap' }));
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.ldap).toMatchObject({ bind_dn: null, bind_password: { set: false } });
    expect((await list()).map((s) => s.service)).toEqual(['anon-ldap', 'corp-ldap', 'corp-sso']);
  });

  it('allows http:// and ldap:// only for localhost, and only when asked to', async () => {
    const local = await save(oidcService({ service: 'dev-idp', allow_insecure_localhost: true }, { issuer_url: 'http://localhost:8080/realms/dev' }));
    expect(local.status).toBe(200);
    const localLdap = await save(ldapService({ url: 'ldap://127.0.0.1:389' }, { service: 'dev-ldap', allow_insecure_localhost: true }));
    expect(localLdap.status).toBe(200);
  });

  it('refuses invalid settings with 422 naming each field', async () => {
    const cases: [unknown, string][] = [
      [oidcService({}, { issuer_url: 'http://login.example.com' }), 'oidc.issuer_url'],
      [oidcService({ allow_insecure_localhost: true }, { issuer_url: 'http://login.example.com' }), 'oidc.issuer_url'],
      [oidcService({}, { issuer_url: 'https://user:pw@login.example.com' }), 'oidc.issuer_url'],
      [oidcService({}, { issuer_url: 'not a url' }), 'oidc.issuer_url'],
      [oidcService({}, { issuer_url: 'ftp://login.example.com' }), 'oidc.issuer_url'],
      [oidcService({ service: 'new-idp' }, { client_secret: undefined }), 'oidc.client_secret'],
      [oidcService({}, { scopes: ['email'] }), 'oidc.scopes'],
      [oidcService({}, { group_mapping: { admins: 'root' } }), 'oidc.group_mapping'],
      [oidcService({}, { client_id: '' }), 'oidc.client_id'],
      [oidcService({ oidc: undefined }), 'oidc'],
      [oidcService({ ldap: ldapService().ldap }), 'ldap'],
      [oidcService({ service: 'Bad Name!' }), 'service'],
      [oidcService({ type: 'saml' }), 'type'],
      [ldapService({ url: 'ldap://ldap.example.com' }), 'ldap.url'],
      [ldapService({ user_filter: 'uid=*' }), 'ldap.user_filter'],
      [ldapService({ base_dn: undefined }), 'ldap.base_dn'],
      [ldapService({ bind_password: undefined }, { service: 'new-ldap' }), 'ldap.bind_password'],
      // Switching type cannot keep the other type's secret.
      [ldapService({ bind_password: undefined }, { service: 'corp-sso' }), 'ldap.bind_password'],
    ];
    for (const [body, field] of cases) {
      const res = await save(body);
      expect([field, res.status]).toEqual([field, 422]);
      expect(res.body.errors.map((e: any) => e.field)).toContain(field);
    }
    // Nothing was created or changed by the refused calls.
    expect((await list()).map((s) => s.service)).toEqual(['anon-ldap', 'corp-ldap', 'corp-sso', 'dev-idp', 'dev-ldap']);
  });

  it('removes a service (404 when unknown, 422 for a bad name)', async () => {
    expect((await call(`${SERVICES}/dev-idp/remove`, { method: 'POST' })).status).toBe(200);
    expect((await call(`${SERVICES}/dev-idp/remove`, { method: 'POST' })).status).toBe(404);
    expect((await call(`${SERVICES}/${encodeURIComponent('Bad Name')}/remove`, { method: 'POST' })).status).toBe(422);
    expect((await list()).map((s) => s.service)).not.toContain('dev-idp');
  });

  it('audits saves and removals without any secret value', async () => {
    const { rows } = await t.db.query(`SELECT action, outcome, target_id, row_to_json(a)::text AS raw FROM audit_logs a WHERE action LIKE 'auth-service.%' ORDER BY id`);
    expect(rows.filter((r) => r.outcome === 'success').map((r) => [r.action, r.target_id])).toEqual([
      ['auth-service.save', 'corp-sso'],
      ['auth-service.save', 'corp-sso'],
      ['auth-service.save', 'corp-sso'],
      ['auth-service.save', 'corp-ldap'],
      ['auth-service.save', 'anon-ldap'],
      ['auth-service.save', 'dev-idp'],
      ['auth-service.save', 'dev-ldap'],
      ['auth-service.remove', 'dev-idp'],
    ]);
    const rotation = rows.filter((r) => r.outcome === 'success')[2].raw;
    expect(JSON.parse(rotation).after.oidc.client_secret).toEqual({ set: true });
    for (const { raw } of rows) {
      for (const secret of [CLIENT_SECRET, NEW_CLIENT_SECRET, BIND_PASSWORD]) expect(raw).not.toContain(secret);
    }
  });

  it('never echoed a secret in any response', () => {
    expect(seen.length).toBeGreaterThan(20);
    for (const body of seen) {
      for (const secret of [CLIENT_SECRET, NEW_CLIENT_SECRET, BIND_PASSWORD]) expect(body).not.toContain(secret);
    }
  });

  it('lets auditors read but not change, and refuses users (403) and guests (401)', async () => {
    expect((await t.request(SERVICES, { token: auditor.token, body: oidcService() })).status).toBe(403);
    expect((await t.request(`${SERVICES}/corp-sso/remove`, { method: 'POST', token: auditor.token })).status).toBe(403);
    for (const [method, path, body] of [['GET', SERVICES], ['POST', SERVICES, oidcService()], ['POST', `${SERVICES}/corp-sso/remove`]] as const) {
      expect((await t.request(path, { method, body, token: user.token })).status).toBe(403);
      expect((await t.request(path, { method, body })).status).toBe(401);
    }
    expect((await list()).map((s) => s.service)).toContain('corp-sso');
  });
});
