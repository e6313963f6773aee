/**
 * Writes openapi/openapi.json from the code (npm run openapi). The app is built against a throw-away
 * embedded PostgreSQL, so this needs no setup; a test fails when the committed file is out of date.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOpenApiDocument, createApp } from '../src/app.factory';
import { createLogger } from '../src/common/logging/logger';
import { loadConfig } from '../src/config/app-config';
import { migrate } from '../src/database/data-source';
import { createDatabase, startTemporaryPostgres } from '../src/database/temporary-postgres';
import { OPENAPI_FILE, stableOpenApiJson } from '../src/openapi';

async function main() {
  const pg = await startTemporaryPostgres();
  try {
    const url = await createDatabase(pg.url, 'openapi');
    await migrate(url);
    const config = loadConfig({ DATABASE_URL: url, DATA_DIR: pg.dir, APP_SECRET: 'x'.repeat(32), LOG_LEVEL: 'warn', ADMIN_PASSWORD: 'openapi-writer-only' });
    const app = await createApp(config, createLogger('warn'));
    await app.init();
    const file = join(__dirname, '..', OPENAPI_FILE);
    await writeFile(file, stableOpenApiJson(buildOpenApiDocument(app)));
    await app.close();
    console.log(`Wrote ${OPENAPI_FILE}`);
  } finally {
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
