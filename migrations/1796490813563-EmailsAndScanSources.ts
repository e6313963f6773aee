import { MigrationInterface, QueryRunner } from 'typeorm';

export class EmailsAndScanSources1796490813563 implements MigrationInterface {
  name = 'EmailsAndScanSources1796490813563';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "emails" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "template" text NOT NULL, "subject" text NOT NULL, "variables" jsonb NOT NULL DEFAULT '{}', "audience" jsonb NOT NULL, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_emails" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_emails_created" ON "emails" ("created_at") `);
    await queryRunner.query(`CREATE TABLE "email_deliveries" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email_id" uuid NOT NULL, "user_id" uuid, "address" text NOT NULL, "recipient_name" text NOT NULL DEFAULT '', "state" text NOT NULL DEFAULT 'queued', "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "sent_at" TIMESTAMP WITH TIME ZONE, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_email_deliveries" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_email_deliveries_email" ON "email_deliveries" ("email_id") `);
    await queryRunner.query(`ALTER TABLE "email_deliveries" ADD CONSTRAINT "FK_email_deliveries_email" FOREIGN KEY ("email_id") REFERENCES "emails"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await queryRunner.query(`CREATE TABLE "scan_sources" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "type" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "directory_path" text, "s3_endpoint" text, "s3_region" text, "s3_bucket" text, "s3_prefix" text NOT NULL DEFAULT '', "s3_access_key_id" text, "s3_secret" text, "s3_force_path_style" boolean NOT NULL DEFAULT true, "scan_settings" jsonb NOT NULL DEFAULT '{}', "max_files_per_poll" integer NOT NULL DEFAULT '100', "poll_interval" integer NOT NULL DEFAULT '300', "owner_id" uuid, "lease_until" TIMESTAMP WITH TIME ZONE, "last_polled_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_scan_sources" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_scan_sources_name" ON "scan_sources" ("name") `);
    await queryRunner.query(`ALTER TABLE "scan_sources" ADD CONSTRAINT "FK_scan_sources_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);

    await queryRunner.query(`CREATE TABLE "scan_source_subjobs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "source_id" uuid NOT NULL, "trigger" text NOT NULL, "state" text NOT NULL DEFAULT 'running', "found" integer NOT NULL DEFAULT '0', "submitted" integer NOT NULL DEFAULT '0', "skipped" integer NOT NULL DEFAULT '0', "failed" integer NOT NULL DEFAULT '0', "waiting" integer NOT NULL DEFAULT '0', "error" text, "items" jsonb NOT NULL DEFAULT '[]', "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_scan_source_subjobs" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_scan_source_subjobs_source" ON "scan_source_subjobs" ("source_id", "started_at") `);
    await queryRunner.query(`ALTER TABLE "scan_source_subjobs" ADD CONSTRAINT "FK_scan_source_subjobs_source" FOREIGN KEY ("source_id") REFERENCES "scan_sources"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);

    await queryRunner.query(`CREATE TABLE "scan_source_files" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "source_id" uuid NOT NULL, "path" text NOT NULL, "size" bigint NOT NULL, "version" text NOT NULL, "state" text NOT NULL, "reason" text, "flow_id" uuid, "subjob_id" uuid, "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_scan_source_files" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_scan_source_files_path" ON "scan_source_files" ("source_id", "path") `);
    await queryRunner.query(`CREATE INDEX "IDX_scan_source_files_updated" ON "scan_source_files" ("updated_at") `);
    await queryRunner.query(`ALTER TABLE "scan_source_files" ADD CONSTRAINT "FK_scan_source_files_source" FOREIGN KEY ("source_id") REFERENCES "scan_sources"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(): Promise<void> {
    throw new Error('EmailsAndScanSources1796490813563 cannot be reverted: restore from a backup');
  }
}
