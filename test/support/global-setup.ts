import { startTemporaryPostgres } from '../../src/database/temporary-postgres';

/**
 * Starts one real PostgreSQL cluster for the whole run; each test file creates its own database in
 * it (see test-app.ts), so files run in parallel without sharing state. TEST_PG_URL=postgres://...
 * runs the tests against an existing server instead.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_PG_URL) return;
  const pg = await startTemporaryPostgres();
  process.env.TEST_PG_URL = pg.url;
  (globalThis as { __testPg?: typeof pg }).__testPg = pg;
}
