import { MigrationInterface, QueryRunner } from 'typeorm';

/** Error groups, stored log records, external identity providers and the external-tokens secret. */
export class AdminDiagnostics1796491115970 implements MigrationInterface {
  name = 'AdminDiagnostics1796491115970';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "app_errors" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "fingerprint" text NOT NULL, "source" text NOT NULL, "error_class" text NOT NULL, "message" text NOT NULL, "stack" text, "top_frame" text, "count" integer NOT NULL DEFAULT 1, "first_seen" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_seen" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_correlation_id" text, "context" jsonb, "note" text, CONSTRAINT "PK_app_errors" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_app_errors_fingerprint" ON "app_errors" ("fingerprint") `);
    await queryRunner.query(`CREATE INDEX "IDX_app_errors_last_seen" ON "app_errors" ("last_seen") `);

    await queryRunner.query(`CREATE TABLE "logs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "level" text NOT NULL, "level_value" integer NOT NULL, "key" text NOT NULL, "message" text NOT NULL, "related_url" text, "correlation_id" text, "data" jsonb, "note" text, CONSTRAINT "PK_logs" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_logs_created_at" ON "logs" ("created_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_logs_level_created_at" ON "logs" ("level_value", "created_at") `);

    await queryRunner.query(`CREATE TABLE "auth_services" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "type" text NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "settings" jsonb NOT NULL, "sealed_secrets" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_auth_services" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_auth_services_name" ON "auth_services" ("name") `);

    await queryRunner.query(`CREATE TABLE "external_tokens_secrets" ("id" integer NOT NULL, "sealed_secret" text NOT NULL, "fingerprint" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" uuid, CONSTRAINT "PK_external_tokens_secrets" PRIMARY KEY ("id"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "external_tokens_secrets"`);
    await queryRunner.query(`DROP TABLE "auth_services"`);
    await queryRunner.query(`DROP TABLE "logs"`);
    await queryRunner.query(`DROP TABLE "app_errors"`);
  }
}
