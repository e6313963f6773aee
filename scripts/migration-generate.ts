/**
 * Writes a migration with the SQL that brings a database migrated to the current head in line with
 * the entities. Usage: npm run migration:generate -- AddSomething
 * Runs against a throw-away embedded PostgreSQL, so it needs no setup.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrate, pendingSchemaChanges } from '../src/database/data-source';
import { createDatabase, startTemporaryPostgres } from '../src/database/temporary-postgres';

const quote = (sql: string) => '`' + sql.replace(/[\\`]/g, (c) => '\\' + c).replace(/\$\{/g, '\\${') + '`';

async function main() {
  const name = process.argv[2];
  if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) throw new Error('usage: npm run migration:generate -- PascalCaseName');
  const pg = await startTemporaryPostgres();
  try {
    const url = await createDatabase(pg.url, 'gen');
    await migrate(url);
    const up = await pendingSchemaChanges(url);
    if (!up.length) {
      console.log('Entities and migrations agree: nothing to generate.');
      return;
    }
    const stamp = Date.now();
    const className = `${name}${stamp}`;
    const body = up.map((q) => `    await queryRunner.query(${quote(q)});`).join('\n');
    const file = join(__dirname, '..', 'migrations', `${stamp}-${name}.ts`);
    await writeFile(
      file,
      `import { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${className} implements MigrationInterface {\n  name = '${className}';\n\n  async up(queryRunner: QueryRunner): Promise<void> {\n${body}\n  }\n\n  async down(): Promise<void> {\n    throw new Error('${className} cannot be reverted: restore from a backup');\n  }\n}\n`,
    );
    console.log(`Wrote ${file}; add ${className} to migrations/index.ts`);
  } finally {
    await pg.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
