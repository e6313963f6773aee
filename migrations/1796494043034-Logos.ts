import { MigrationInterface, QueryRunner } from 'typeorm';

export class Logos1796494043034 implements MigrationInterface {
  name = 'Logos1796494043034';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "logos" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "mime" text NOT NULL, "content" bytea NOT NULL, "uploaded_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_logos" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "logo_selection" ("id" smallint NOT NULL DEFAULT 1, "logo" text NOT NULL, "selected_by" uuid, "selected_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_logo_selection" PRIMARY KEY ("id"))`);
  }

  async down(): Promise<void> {
    throw new Error('Logos1796494043034 cannot be reverted: restore from a backup');
  }
}
