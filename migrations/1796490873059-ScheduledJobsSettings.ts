import { MigrationInterface, QueryRunner } from 'typeorm';

/** Scheduled jobs and their runs, admin settings groups, and the registry of running platform processes. */
export class ScheduledJobsSettings1796490873059 implements MigrationInterface {
  name = 'ScheduledJobsSettings1796490873059';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "scheduled_jobs" ("name" text NOT NULL, "enabled" boolean, "cron" text, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_by" uuid, CONSTRAINT "PK_scheduled_jobs" PRIMARY KEY ("name"))`);
    await queryRunner.query(`CREATE TABLE "job_runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "job" text NOT NULL, "slot" TIMESTAMP WITH TIME ZONE, "trigger" text NOT NULL, "state" text NOT NULL, "host" text NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "heartbeat_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, "duration_ms" integer, "summary" text, "counts" jsonb, "error" text, "peak_rss" bigint, "peak_heap_used" bigint, "log" jsonb NOT NULL DEFAULT '[]', "log_dropped" integer NOT NULL DEFAULT 0, "stop_requested" boolean NOT NULL DEFAULT false, CONSTRAINT "PK_job_runs" PRIMARY KEY ("id"))`);
    // One row per (job, scheduled slot): the second process that wakes for a slot finds it taken. Manual runs have no slot (NULLs are distinct).
    await queryRunner.query(`CREATE UNIQUE INDEX "IDX_job_runs_slot" ON "job_runs" ("job", "slot") `);
    await queryRunner.query(`CREATE INDEX "IDX_job_runs_job_started" ON "job_runs" ("job", "started_at") `);
    await queryRunner.query(`CREATE INDEX "IDX_job_runs_state" ON "job_runs" ("state") `);
    await queryRunner.query(`CREATE TABLE "settings" ("group" text NOT NULL, "value" jsonb NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_by" uuid, CONSTRAINT "PK_settings" PRIMARY KEY ("group"))`);
    await queryRunner.query(`CREATE TABLE "platform_processes" ("id" text NOT NULL, "host" text NOT NULL, "pid" integer NOT NULL, "role" text NOT NULL, "version" text NOT NULL, "started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_platform_processes" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_platform_processes_seen" ON "platform_processes" ("seen_at") `);
  }

  async down(): Promise<void> {
    throw new Error('ScheduledJobsSettings1796490873059 cannot be reverted: restore from a backup');
  }
}
