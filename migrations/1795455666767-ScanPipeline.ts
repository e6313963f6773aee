import { MigrationInterface, QueryRunner } from 'typeorm';

export class ScanPipeline1795455666767 implements MigrationInterface {
  name = 'ScanPipeline1795455666767';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "flows" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "kind" text NOT NULL, "owner_id" uuid, "access_group_id" uuid, "is_private" boolean NOT NULL DEFAULT false, "sample_sha256" text, "file_name" text, "file_size" bigint, "url" text, "description" text NOT NULL DEFAULT '', "tags" text array NOT NULL DEFAULT '{}', "scan_options" jsonb NOT NULL DEFAULT '{}', "password" text, "priority" integer NOT NULL DEFAULT '0', "state" text NOT NULL DEFAULT 'queued', "progress" integer NOT NULL DEFAULT '0', "progress_message" text, "error" text, "attempts" integer NOT NULL DEFAULT '0', "final_verdict" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_c346955f4318ef565e6928462fe" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_flows_state" ON "flows" ("state") `);
    await queryRunner.query(`CREATE INDEX "IDX_flows_owner_created" ON "flows" ("owner_id", "created_at") `);
    await queryRunner.query(`CREATE TABLE "reports" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "flow_id" uuid NOT NULL, "file_index" integer NOT NULL, "parent_id" uuid, "depth" integer NOT NULL DEFAULT '0', "owner_id" uuid, "access_group_id" uuid, "is_private" boolean NOT NULL DEFAULT false, "sha256" text, "file_name" text NOT NULL, "file_type" text NOT NULL, "file_kind" text NOT NULL, "mime" text NOT NULL, "size" bigint NOT NULL DEFAULT '0', "verdict" text NOT NULL, "threat_level" real NOT NULL, "confidence" real NOT NULL DEFAULT '0', "tags" text array NOT NULL DEFAULT '{}', "yara_rules" text array NOT NULL DEFAULT '{}', "imphash" text, "authentihash" text, "ssdeep" text, "tlsh" text, "data" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d9013193989303580053c0b5ef6" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_reports_authentihash" ON "reports" ("authentihash") `);
    await queryRunner.query(`CREATE INDEX "IDX_reports_imphash" ON "reports" ("imphash") `);
    await queryRunner.query(`CREATE INDEX "IDX_reports_owner" ON "reports" ("owner_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_reports_verdict" ON "reports" ("verdict", "created_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_reports_created" ON "reports" ("created_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_reports_sha256" ON "reports" ("sha256") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_reports_flow" ON "reports" ("flow_id", "file_index") `);
    await queryRunner.query(`CREATE TABLE "report_iocs" ("report_id" uuid NOT NULL, "type" text NOT NULL, "value" text NOT NULL, "origins" text array NOT NULL DEFAULT '{}', CONSTRAINT "PK_1ba4e27495e3fb2a770c294965a" PRIMARY KEY ("report_id", "type", "value"))`);
    await queryRunner.query(`CREATE INDEX "IDX_report_iocs_value" ON "report_iocs" ("value") `);
    await queryRunner.query(`CREATE INDEX "IDX_report_iocs_type_value" ON "report_iocs" ("type", "value") `);
    await queryRunner.query(`CREATE TABLE "scan_profiles" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "owner_id" uuid NOT NULL, "name" text NOT NULL, "options" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c7f975dffad9722e1acd15fd5dd" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_scan_profiles_owner_name" ON "scan_profiles" ("owner_id", "name") `);
    await queryRunner.query(`CREATE TABLE "yara_rules" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "source" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "rule_names" text array NOT NULL DEFAULT '{}', "author" text NOT NULL DEFAULT '', "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_db2e2655d3a390950717f7173ad" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_yara_rules_name" ON "yara_rules" ("name") `);
    await queryRunner.query(`CREATE TABLE "samples" ("sha256" text NOT NULL, "size" bigint NOT NULL, "md5" text NOT NULL, "sha1" text NOT NULL, "sha512" text NOT NULL, "first_seen" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_307c4caaeb03cfaf7343b9ea910" PRIMARY KEY ("sha256"))`);
    await queryRunner.query(`ALTER TABLE "reports" ADD CONSTRAINT "FK_reports_flow" FOREIGN KEY ("flow_id") REFERENCES "flows"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "report_iocs" ADD CONSTRAINT "FK_report_iocs_report" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    // Indexes TypeORM cannot declare: GIN for array containment (tags, YARA rules), trigrams for
    // substring search on file names.
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`CREATE INDEX "IDX_reports_tags" ON "reports" USING gin ("tags")`);
    await queryRunner.query(`CREATE INDEX "IDX_reports_yara" ON "reports" USING gin ("yara_rules")`);
    await queryRunner.query(`CREATE INDEX "IDX_reports_file_name_trgm" ON "reports" USING gin (lower("file_name") gin_trgm_ops)`);
  }

  async down(): Promise<void> {
    throw new Error('ScanPipeline1795455666767 cannot be reverted: restore from a backup');
  }
}
