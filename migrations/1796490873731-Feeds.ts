import { MigrationInterface, QueryRunner } from 'typeorm';

export class Feeds1796490873731 implements MigrationInterface {
  name = 'Feeds1796490873731';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The reports feed walks public submitted files by (created_at, id) in both directions.
    await queryRunner.query(`CREATE INDEX "IDX_reports_feed" ON "reports" ("created_at", "id") WHERE "is_private" = false AND "depth" = 0`);
    await queryRunner.query(
      `CREATE TABLE "feed_archives" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "day" date NOT NULL, "kind" text NOT NULL, "publicity" text NOT NULL, ` +
        `"type" text NOT NULL, "file_name" text NOT NULL, "size" bigint NOT NULL, "sha256" text NOT NULL, "count" integer NOT NULL, ` +
        `"created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "PK_feed_archives" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_feed_archives_day" ON "feed_archives" ("kind", "publicity", "type", "day") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "feed_archives"`);
    await queryRunner.query(`DROP INDEX "IDX_reports_feed"`);
  }
}
