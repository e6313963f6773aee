import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Report exports per user: HTML and PDF generated in the background, MISP and STIX served on the spot.
 * Deleting a report or a user leaves the row (ids nulled) so that the cleanup job can remove its stored file.
 */
export class ReportDownloads1796490938921 implements MigrationInterface {
  name = 'ReportDownloads1796490938921';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "report_downloads" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "report_id" uuid, "user_id" uuid, "format" text NOT NULL, "state" text NOT NULL, "generation" integer NOT NULL DEFAULT '0', "file_sha256" text, "size" bigint, "error" text, "error_kind" text, "download_count" integer NOT NULL DEFAULT '0', "requested_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "ready_at" TIMESTAMP WITH TIME ZONE, "last_downloaded_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_2a57acbdf3a7f79085601ad2d24" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_report_downloads_unique" ON "report_downloads" ("report_id", "user_id", "format") `);
    await queryRunner.query(`CREATE INDEX "IDX_report_downloads_user" ON "report_downloads" ("user_id", "requested_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_report_downloads_file" ON "report_downloads" ("file_sha256") `);
    await queryRunner.query(
      `ALTER TABLE "report_downloads" ADD CONSTRAINT "FK_report_downloads_report" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "report_downloads" ADD CONSTRAINT "FK_report_downloads_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "report_downloads"`);
  }
}
