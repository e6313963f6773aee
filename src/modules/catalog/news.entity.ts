import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { User } from '../users/user.entity';

export enum NewsLevel {
  Info = 'info',
  Warning = 'warning',
  Critical = 'critical',
}

/** A news item administrators publish; shown to users (as a notification until they mark it viewed). */
@Entity('news')
export class NewsItem {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'PK_news' })
  id: string;

  @Column({ type: 'text' })
  title: string;

  /** Plain text (Markdown allowed); front ends must render it as text, never as HTML. */
  @Column({ type: 'text' })
  content: string;

  @Column({ type: 'text', default: NewsLevel.Info })
  level: NewsLevel;

  /** Hidden before this instant. */
  @Index('IDX_news_published_at')
  @Column({ name: 'published_at', type: 'timestamptz', default: () => 'now()' })
  publishedAt: Date;

  /** Hidden from this instant; null: shown until removed. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** That a user marked a news item (notification) as viewed. */
@Entity('news_views')
export class NewsView {
  @PrimaryColumn({ name: 'user_id', type: 'uuid', primaryKeyConstraintName: 'PK_news_views' })
  userId: string;

  @PrimaryColumn({ name: 'news_id', type: 'uuid', primaryKeyConstraintName: 'PK_news_views' })
  newsId: string;

  @CreateDateColumn({ name: 'viewed_at', type: 'timestamptz' })
  viewedAt: Date;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_news_views_user' })
  user?: User;

  @ManyToOne(() => NewsItem, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'news_id', foreignKeyConstraintName: 'FK_news_views_news' })
  news?: NewsItem;
}
