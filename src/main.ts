import 'reflect-metadata';
import { join } from 'node:path';
import { AppRole, ConfigError, loadConfig } from './config/app-config';
import { createLogger } from './common/logging/logger';
import { createApp } from './app.factory';
import { migrate } from './database/data-source';
import { startEmbeddedPostgres } from './database/embedded-postgres';

/** `--role api|worker|all` on the command line wins over APP_ROLE. */
function roleFromArgs(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--role' || a.startsWith('--role='));
  if (i < 0) return undefined;
  return argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
}

async function main() {
  const role = roleFromArgs(process.argv.slice(2));
  const config = loadConfig(role ? { ...process.env, APP_ROLE: role } : process.env);
  const logger = createLogger(config.logLevel);

  if (!config.database.url) {
    const pgLog = logger.child({ component: 'embedded-postgres' });
    const pg = await startEmbeddedPostgres({
      clusterDir: join(config.dataDir, 'postgres'),
      passwordFile: join(config.dataDir, 'postgres-password'),
      port: config.database.embeddedPort,
      log: (line) => pgLog.debug(line),
    });
    logger.info({ adopted: pg.adopted, port: config.database.embeddedPort }, 'embedded PostgreSQL ready');
    config.database.url = pg.url;
    process.once('beforeExit', () => void pg.stop());
  }
  if (config.database.migrationsRun) {
    const applied = await migrate(config.database.url);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }

  const app = await createApp(config, logger);
  if (config.role === AppRole.Worker) {
    // No HTTP server: the job queue's consumers and timers keep the process running until SIGTERM/SIGINT,
    // on which the shutdown hooks let running jobs finish (WORKER_SHUTDOWN_TIMEOUT).
    await app.init();
    logger.info({ concurrency: config.worker.concurrency }, 'worker started');
    return;
  }
  await app.listen({ port: config.http.port, host: config.http.host });
  const url = `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${config.http.port}`;
  logger.info({ url, role: config.role }, 'API listening');
  if (config.http.swagger) process.stdout.write(`\n  Swagger UI: ${url}/api/docs\n\n`);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`Failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  }
  process.exit(1);
});
