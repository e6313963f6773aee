import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApiDocument } from '../src/app.factory';
import { pendingSchemaChanges } from '../src/database/data-source';
import { OPENAPI_FILE, stableOpenApiJson } from '../src/openapi';
import { describeAccess, routeInventory } from './support/routes';
import { TestApp } from './support/test-app';

describe('Platform', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ BODY_LIMIT: '4096' });
  });
  afterAll(() => t.close());

  describe('access declarations', () => {
    it('every route states who may call it', () => {
      const undeclared = routeInventory(t.app).filter((r) => !r.access).map((r) => r.route);
      expect(undeclared).toEqual([]);
    });

    it('every mutating admin route is audited', () => {
      const unaudited = routeInventory(t.app)
        .filter((r) => r.path.startsWith('/api/admin') && r.method !== 'GET' && !r.audited)
        .map((r) => r.route);
      expect(unaudited).toEqual([]);
    });

    it('matches the reviewed snapshot (a diff here is a permission change)', () => {
      const lines = routeInventory(t.app).map((r) => `${r.route} -> ${describeAccess(r.access)}${r.audited ? ` [audit: ${r.audited}]` : ''}`);
      expect(lines).toMatchSnapshot();
    });
  });

  describe('schema', () => {
    it('migrations and entities agree (no pending schema changes)', async () => {
      expect(await pendingSchemaChanges(t.config.database.url!)).toEqual([]);
    });
  });

  describe('OpenAPI', () => {
    it('the committed openapi/openapi.json is what the code generates (run `npm run openapi`)', () => {
      const committed = readFileSync(join(__dirname, '..', OPENAPI_FILE), 'utf8');
      expect(stableOpenApiJson(buildOpenApiDocument(t.app))).toBe(committed);
    });

    it('every operation has a summary, a tag, its responses, and security unless public', () => {
      const doc = buildOpenApiDocument(t.app);
      const problems: string[] = [];
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(item as Record<string, any>)) {
          const where = `${method.toUpperCase()} ${path}`;
          if (!op.summary) problems.push(`${where}: no summary`);
          if (!op.tags?.length) problems.push(`${where}: no tag`);
          if (!op.security?.length) problems.push(`${where}: no security`);
          if (!Object.keys(op.responses ?? {}).some((s) => s.startsWith('2'))) problems.push(`${where}: no success response`);
          const requiresAuth = !op.security?.some((s: object) => Object.keys(s).length === 0);
          if (requiresAuth && !op.responses?.['401']) problems.push(`${where}: no 401 response`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('serves Swagger UI and the JSON document with both security schemes', async () => {
      const ui = await t.request('/api/docs');
      expect(ui.status).toBe(200);
      expect(ui.body).toContain('swagger');
      const json = await t.request('/api/docs-json');
      expect(json.status).toBe(200);
      expect(Object.keys(json.body.components.securitySchemes).sort()).toEqual(['api-key', 'bearer']);
    });
  });

  describe('errors', () => {
    it('answers an unknown route with a JSON 404 carrying the correlation id', async () => {
      const res = await t.request('/api/does-not-exist');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String), correlationId: res.headers.get('x-request-id') });
    });

    it('keeps a sane X-Request-Id from the caller and replaces a hostile one', async () => {
      const kept = await t.request('/api/system/info', { headers: { 'x-request-id': 'soc-trace-42' } });
      expect(kept.headers.get('x-request-id')).toBe('soc-trace-42');
      const replaced = await t.request('/api/system/info', { headers: { 'x-request-id': 'bad id\twith spaces' } });
      expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers 422 naming each failing field, and refuses unknown fields', async () => {
      const res = await t.request('/api/auth/login', { body: { email: 'not-an-email', password: 'x', extra: 1 } });
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'extra']);
    });

    it('answers 400 to malformed JSON and 413 to a body over the limit, without a stack trace', async () => {
      const malformed = await t.request('/api/auth/login', { body: '{"email":' });
      expect(malformed.status).toBe(400);
      expect(malformed.body.correlationId).toBeDefined();
      const big = await t.request('/api/auth/login', { body: { email: 'a@example.com', password: 'x'.repeat(10_000) } });
      expect(big.status).toBe(413);
      expect(big.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      expect(JSON.stringify(big.body)).not.toMatch(/at .*\.js/);
    });
  });
});
