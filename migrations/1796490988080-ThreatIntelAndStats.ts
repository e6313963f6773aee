import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Threat intelligence and statistics:
 * - `report_ssdeep_grams` / `report_tlsh_grams`: candidate indexes for similar-file search, kept by
 *   statement-level triggers on `reports` (so every writer, the worker's ReportWriter included, keeps
 *   them without knowing), through the SQL functions `ssdeep_grams()` and `tlsh_grams()` that the
 *   search also uses for its own hash.
 * - `report_verdict_changes`: who changed a report's verdict, when, from what, and why.
 * - `report_daily_stats`: per-day roll-up for `/api/users/stat*`; the same triggers mark the UTC
 *   days whose reports changed in `report_stats_dirty_days`, and the `stats.rollup` job recomputes them.
 */
export class ThreatIntelAndStats1796490988080 implements MigrationInterface {
  name = 'ThreatIntelAndStats1796490988080';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "report_ssdeep_grams" ("report_id" uuid NOT NULL, "block_size" bigint NOT NULL, "gram" text NOT NULL, ` +
        `CONSTRAINT "PK_report_ssdeep_grams" PRIMARY KEY ("report_id", "block_size", "gram"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_report_ssdeep_grams_gram" ON "report_ssdeep_grams" ("block_size", "gram") `);
    await queryRunner.query(
      `ALTER TABLE "report_ssdeep_grams" ADD CONSTRAINT "FK_report_ssdeep_grams_report" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE TABLE "report_tlsh_grams" ("report_id" uuid NOT NULL, "key" integer NOT NULL, CONSTRAINT "PK_report_tlsh_grams" PRIMARY KEY ("report_id", "key"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_report_tlsh_grams_key" ON "report_tlsh_grams" ("key") `);
    await queryRunner.query(
      `ALTER TABLE "report_tlsh_grams" ADD CONSTRAINT "FK_report_tlsh_grams_report" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );

    await queryRunner.query(
      `CREATE TABLE "report_verdict_changes" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "report_id" uuid NOT NULL, "flow_id" uuid NOT NULL, ` +
        `"previous_verdict" text NOT NULL, "verdict" text NOT NULL, "reason" text NOT NULL, "changed_by" uuid, "changed_by_email" text NOT NULL, ` +
        `"created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_report_verdict_changes" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_report_verdict_changes_report" ON "report_verdict_changes" ("report_id", "created_at") `);
    await queryRunner.query(
      `ALTER TABLE "report_verdict_changes" ADD CONSTRAINT "FK_report_verdict_changes_report" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "report_verdict_changes" ADD CONSTRAINT "FK_report_verdict_changes_user" FOREIGN KEY ("changed_by") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );

    await queryRunner.query(
      `CREATE TABLE "report_daily_stats" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "day" date NOT NULL, "owner_id" uuid, "access_group_id" uuid, ` +
        `"is_private" boolean NOT NULL, "kind" text NOT NULL, "key" text NOT NULL, "reports" integer NOT NULL DEFAULT '0', ` +
        `"submissions" integer NOT NULL DEFAULT '0', "occurrences" integer NOT NULL DEFAULT '0', CONSTRAINT "PK_report_daily_stats" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_report_daily_stats_kind_day" ON "report_daily_stats" ("kind", "day") `);
    await queryRunner.query(`CREATE INDEX "IDX_report_daily_stats_day" ON "report_daily_stats" ("day") `);
    await queryRunner.query(
      `CREATE TABLE "report_stats_dirty_days" ("day" date NOT NULL, "marked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
        `CONSTRAINT "PK_report_stats_dirty_days" PRIMARY KEY ("day"))`,
    );

    // The candidate keys of a fuzzy hash; src/engine/hashing/similarity.ts documents (and tests) the same definitions.
    await queryRunner.query(String.raw`
      CREATE FUNCTION ssdeep_grams(hash text) RETURNS TABLE (block_size bigint, gram text)
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT DISTINCT p.block_size, substr(p.part, i, 7)
          FROM (SELECT split_part(hash, ':', 1)::bigint AS bs,
                       left(regexp_replace(split_part(hash, ':', 2), '(.)\1{3,}', '\1\1\1', 'g'), 64) AS p1,
                       left(regexp_replace(split_part(split_part(hash, ':', 3), ',', 1), '(.)\1{3,}', '\1\1\1', 'g'), 64) AS p2
                 WHERE hash ~ '^[0-9]{1,12}:[A-Za-z0-9+/]*:[A-Za-z0-9+/]*$') h
          CROSS JOIN LATERAL (VALUES (h.bs, h.p1), (h.bs * 2, h.p2)) AS p(block_size, part)
          CROSS JOIN LATERAL generate_series(1, length(p.part) - 6) AS i
      $$`);
    await queryRunner.query(String.raw`
      CREATE FUNCTION tlsh_grams(hash text) RETURNS SETOF integer
      LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT (g << 16) | ('x' || substr(s.h, 7 + g * 4, 4))::bit(16)::integer
          FROM (SELECT upper(regexp_replace(hash, '^T1', '')) AS h WHERE hash ~ '^(T1)?[0-9A-Fa-f]{70}$') s
          CROSS JOIN generate_series(0, 15) AS g
      $$`);

    // One function for the three statement-level triggers: transition tables make a bulk INSERT one
    // statement here, not one per row. Days are marked with DO UPDATE (a row lock held until the
    // writer commits) so that the roll-up, which deletes the mark before recomputing, waits for them.
    await queryRunner.query(String.raw`
      CREATE FUNCTION reports_after_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO report_ssdeep_grams (report_id, block_size, gram)
            SELECT n.id, g.block_size, g.gram FROM new_rows n CROSS JOIN LATERAL ssdeep_grams(n.ssdeep) g WHERE n.ssdeep IS NOT NULL;
          INSERT INTO report_tlsh_grams (report_id, key)
            SELECT n.id, k FROM new_rows n CROSS JOIN LATERAL tlsh_grams(n.tlsh) k WHERE n.tlsh IS NOT NULL;
          INSERT INTO report_stats_dirty_days (day)
            SELECT DISTINCT (n.created_at AT TIME ZONE 'UTC')::date FROM new_rows n
            ON CONFLICT (day) DO UPDATE SET marked_at = now();
        ELSIF TG_OP = 'UPDATE' THEN
          DELETE FROM report_ssdeep_grams g USING new_rows n, old_rows o
            WHERE n.id = o.id AND g.report_id = n.id AND n.ssdeep IS DISTINCT FROM o.ssdeep;
          INSERT INTO report_ssdeep_grams (report_id, block_size, gram)
            SELECT n.id, g.block_size, g.gram FROM new_rows n JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL ssdeep_grams(n.ssdeep) g
             WHERE n.ssdeep IS DISTINCT FROM o.ssdeep AND n.ssdeep IS NOT NULL;
          DELETE FROM report_tlsh_grams g USING new_rows n, old_rows o
            WHERE n.id = o.id AND g.report_id = n.id AND n.tlsh IS DISTINCT FROM o.tlsh;
          INSERT INTO report_tlsh_grams (report_id, key)
            SELECT n.id, k FROM new_rows n JOIN old_rows o ON o.id = n.id CROSS JOIN LATERAL tlsh_grams(n.tlsh) k
             WHERE n.tlsh IS DISTINCT FROM o.tlsh AND n.tlsh IS NOT NULL;
          INSERT INTO report_stats_dirty_days (day)
            SELECT DISTINCT d FROM (SELECT (created_at AT TIME ZONE 'UTC')::date AS d FROM new_rows
                                    UNION SELECT (created_at AT TIME ZONE 'UTC')::date FROM old_rows) days
            ON CONFLICT (day) DO UPDATE SET marked_at = now();
        ELSE
          INSERT INTO report_stats_dirty_days (day)
            SELECT DISTINCT (o.created_at AT TIME ZONE 'UTC')::date FROM old_rows o
            ON CONFLICT (day) DO UPDATE SET marked_at = now();
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "reports_after_insert" AFTER INSERT ON "reports" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_after_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "reports_after_update" AFTER UPDATE ON "reports" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_after_change()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "reports_after_delete" AFTER DELETE ON "reports" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reports_after_change()`,
    );

    // Reports written before this migration.
    await queryRunner.query(
      `INSERT INTO report_ssdeep_grams (report_id, block_size, gram) SELECT r.id, g.block_size, g.gram FROM reports r CROSS JOIN LATERAL ssdeep_grams(r.ssdeep) g WHERE r.ssdeep IS NOT NULL`,
    );
    await queryRunner.query(`INSERT INTO report_tlsh_grams (report_id, key) SELECT r.id, k FROM reports r CROSS JOIN LATERAL tlsh_grams(r.tlsh) k WHERE r.tlsh IS NOT NULL`);
    await queryRunner.query(`INSERT INTO report_stats_dirty_days (day) SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date FROM reports`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "reports_after_delete" ON "reports"`);
    await queryRunner.query(`DROP TRIGGER "reports_after_update" ON "reports"`);
    await queryRunner.query(`DROP TRIGGER "reports_after_insert" ON "reports"`);
    await queryRunner.query(`DROP FUNCTION reports_after_change()`);
    await queryRunner.query(`DROP FUNCTION tlsh_grams(text)`);
    await queryRunner.query(`DROP FUNCTION ssdeep_grams(text)`);
    await queryRunner.query(`DROP TABLE "report_stats_dirty_days"`);
    await queryRunner.query(`DROP TABLE "report_daily_stats"`);
    await queryRunner.query(`DROP TABLE "report_verdict_changes"`);
    await queryRunner.query(`DROP TABLE "report_tlsh_grams"`);
    await queryRunner.query(`DROP TABLE "report_ssdeep_grams"`);
  }
}
