import { MigrationInterface, QueryRunner } from 'typeorm';

export class Licensing1796490895136 implements MigrationInterface {
  name = 'Licensing1796490895136';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "deployment" ("id" smallint NOT NULL DEFAULT 1, "deployment_id" uuid NOT NULL DEFAULT gen_random_uuid(), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_deployment" PRIMARY KEY ("id"))`);
    // The deployment id is generated here, once per installation.
    await queryRunner.query(`INSERT INTO "deployment" ("id") VALUES (1)`);
    await queryRunner.query(`CREATE TABLE "licenses" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "license_id" text NOT NULL, "customer" text NOT NULL, "deployment_id" text NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "features" text array NOT NULL DEFAULT '{}', "scans_per_day" integer, "max_users" integer, "document" jsonb NOT NULL, "activation_method" text NOT NULL, "activated_by" uuid, "activated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deactivated_at" TIMESTAMP WITH TIME ZONE, "deactivated_by" uuid, CONSTRAINT "PK_licenses" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_licenses_active" ON "licenses" ("deployment_id") WHERE "deactivated_at" IS NULL`);
  }

  async down(): Promise<void> {
    throw new Error('Licensing1796490895136 cannot be reverted: restore from a backup');
  }
}
