import { MigrationInterface, QueryRunner } from 'typeorm';

export class News1796493953909 implements MigrationInterface {
  name = 'News1796493953909';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "news" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "title" text NOT NULL, "content" text NOT NULL, "level" text NOT NULL DEFAULT 'info', "published_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE, "created_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_news" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_news_published_at" ON "news" ("published_at") `);
    await queryRunner.query(`CREATE TABLE "news_views" ("user_id" uuid NOT NULL, "news_id" uuid NOT NULL, "viewed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_news_views" PRIMARY KEY ("user_id", "news_id"))`);
    await queryRunner.query(`ALTER TABLE "news_views" ADD CONSTRAINT "FK_news_views_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "news_views" ADD CONSTRAINT "FK_news_views_news" FOREIGN KEY ("news_id") REFERENCES "news"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(): Promise<void> {
    throw new Error('News1796493953909 cannot be reverted: restore from a backup');
  }
}
