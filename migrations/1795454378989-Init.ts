import { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1795454378989 implements MigrationInterface {
  name = 'Init1795454378989';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "access_groups" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "description" text NOT NULL DEFAULT '', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ae49c2b86796456a21aaf57bbf2" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_access_groups_name" ON "access_groups" ("name") `);
    await queryRunner.query(`CREATE TABLE "audit_logs" ("id" BIGSERIAL NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_id" uuid, "actor_email" text, "actor_ip" text, "action" text NOT NULL, "outcome" text NOT NULL, "target_type" text, "target_id" text, "before" jsonb, "after" jsonb, "details" jsonb, "correlation_id" text, "prev_hash" text NOT NULL, "hash" text NOT NULL, CONSTRAINT "PK_1bb179d048bbc581caa3b013439" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_audit_logs_actor_id" ON "audit_logs" ("actor_id") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_logs_action" ON "audit_logs" ("action") `);
    await queryRunner.query(`CREATE INDEX "IDX_audit_logs_created_at" ON "audit_logs" ("created_at") `);
    await queryRunner.query(`CREATE TABLE "invitations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "token_hash" text NOT NULL, "email" text NOT NULL, "groups" text array NOT NULL DEFAULT '{user}', "access_group_id" uuid, "created_by" uuid, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_5dec98cfdfd562e4ad3648bbb07" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_invitations_token_hash" ON "invitations" ("token_hash") `);
    await queryRunner.query(`CREATE TABLE "api_quotas" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "scope" text NOT NULL, "scope_id" text NOT NULL, "resource" text NOT NULL, "period" text NOT NULL, "limit" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_01c523db45aeaac0ea80169aa12" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_api_quotas_rule" ON "api_quotas" ("scope", "scope_id", "resource", "period") `);
    await queryRunner.query(`CREATE TABLE "rate_counters" ("bucket" text NOT NULL, "window_start" TIMESTAMP WITH TIME ZONE NOT NULL, "count" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_c4a28677a260fe97a55b6412620" PRIMARY KEY ("bucket", "window_start"))`);
    await queryRunner.query(`CREATE INDEX "IDX_rate_counters_window_start" ON "rate_counters" ("window_start") `);
    await queryRunner.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" text NOT NULL, "name" text NOT NULL DEFAULT '', "password_hash" text, "groups" text array NOT NULL DEFAULT '{user}', "access_group_id" uuid, "timezone" text, "locale" text, "is_active" boolean NOT NULL DEFAULT true, "token_version" integer NOT NULL DEFAULT '0', "api_key_hash" text, "api_key_prefix" text, "api_key_created_at" TIMESTAMP WITH TIME ZONE, "last_login_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_email" ON "users" ("email") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_users_api_key_hash" ON "users" ("api_key_hash") `);
    await queryRunner.query(`ALTER TABLE "users" ADD CONSTRAINT "FK_users_access_group" FOREIGN KEY ("access_group_id") REFERENCES "access_groups"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
    // The audit log is append-only: refuse changes to recorded rows, whoever asks.
    await queryRunner.query(`CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$`);
    await queryRunner.query(`CREATE TRIGGER audit_logs_no_update_delete BEFORE UPDATE OR DELETE ON "audit_logs" FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`);
    await queryRunner.query(`CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON "audit_logs" FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()`);
  }

  async down(): Promise<void> {
    throw new Error('Init1795454378989 cannot be reverted: restore from a backup');
  }
}
