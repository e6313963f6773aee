import { MigrationInterface, QueryRunner } from 'typeorm';

export class SearchIndexes1795457272410 implements MigrationInterface {
  name = 'SearchIndexes1795457272410';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "IDX_flows_sample" ON "flows" ("sample_sha256") `);
    await queryRunner.query(`CREATE INDEX "IDX_reports_ssdeep" ON "reports" ("ssdeep") `);
    await queryRunner.query(`CREATE INDEX "IDX_reports_kind" ON "reports" ("file_kind", "created_at") `);
  }

  async down(): Promise<void> {
    throw new Error('SearchIndexes1795457272410 cannot be reverted: restore from a backup');
  }
}
