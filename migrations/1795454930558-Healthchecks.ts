import { MigrationInterface, QueryRunner } from 'typeorm';

export class Healthchecks1795454930558 implements MigrationInterface {
  name = 'Healthchecks1795454930558';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "healthchecks" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "checked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "status" text NOT NULL, "duration_ms" integer NOT NULL, "checks" jsonb NOT NULL, "host" text NOT NULL, CONSTRAINT "PK_6e39317ebd7d4e7a6c78fdbc6df" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_healthchecks_checked_at" ON "healthchecks" ("checked_at") `);
  }

  async down(): Promise<void> {
    throw new Error('Healthchecks1795454930558 cannot be reverted: restore from a backup');
  }
}
