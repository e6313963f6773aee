import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { Page, toPage } from '../../common/http/pagination.dto';
import { AuditTrail } from '../audit/audit-trail';
import { NewsDto, NewsQueryDto, SaveNewsDto } from './dtos/news.dto';
import { NewsItem, NewsLevel, NewsView } from './news.entity';

const toDto = (n: NewsItem, viewed: boolean | null): NewsDto => ({
  id: n.id,
  title: n.title,
  content: n.content,
  level: n.level,
  published_at: n.publishedAt,
  expires_at: n.expiresAt,
  viewed,
});

/** News items: administrators publish them; everyone reads the current ones; users mark them viewed. */
@Injectable()
export class NewsService {
  constructor(
    @InjectRepository(NewsItem) private readonly news: Repository<NewsItem>,
    @InjectRepository(NewsView) private readonly views: Repository<NewsView>,
  ) {}

  /** Current items (published, not expired), newest first, with the caller's viewed flag. */
  async list(principal: Principal, query: NewsQueryDto): Promise<Page<NewsDto>> {
    const [items, total] = await this.news
      .createQueryBuilder('n')
      .where('n.published_at <= now()')
      .andWhere('(n.expires_at IS NULL OR n.expires_at > now())')
      .orderBy('n.published_at', 'DESC')
      .addOrderBy('n.id', 'ASC')
      .skip(query.offset)
      .take(query.limit)
      .getManyAndCount();
    let viewed = new Set<string>();
    if (principal.kind === 'user' && items.length) {
      const rows = await this.views.createQueryBuilder('v').where('v.user_id = :user', { user: principal.id }).andWhere('v.news_id IN (:...ids)', { ids: items.map((i) => i.id) }).getMany();
      viewed = new Set(rows.map((r) => r.newsId));
    }
    return toPage(items.map((n) => toDto(n, principal.kind === 'user' ? viewed.has(n.id) : null)), total, query);
  }

  async save(actor: UserPrincipal, dto: SaveNewsDto): Promise<NewsDto> {
    const fields = {
      title: dto.title.trim(),
      content: dto.content,
      level: dto.level ?? NewsLevel.Info,
      ...(dto.published_at ? { publishedAt: dto.published_at } : {}),
      expiresAt: dto.expires_at ?? null,
    };
    let saved: NewsItem;
    if (dto.id) {
      const before = await this.news.findOneBy({ id: dto.id });
      if (!before) throw new NotFoundException(`No news item with id ${dto.id}`);
      saved = await this.news.save({ ...before, ...fields });
      AuditTrail.describe({ targetType: 'news', targetId: saved.id, before: { title: before.title, level: before.level }, after: { title: saved.title, level: saved.level } });
    } else {
      saved = await this.news.save(this.news.create({ ...fields, createdBy: actor.id }));
      AuditTrail.describe({ targetType: 'news', targetId: saved.id, after: { title: saved.title, level: saved.level } });
    }
    return toDto(saved, null);
  }

  async remove(id: string): Promise<void> {
    const item = await this.news.findOneBy({ id });
    if (!item) throw new NotFoundException(`No news item with id ${id}`);
    await this.news.delete({ id });
    AuditTrail.describe({ targetType: 'news', targetId: id, before: { title: item.title, level: item.level } });
  }

  /** Marks a news item (notification) viewed by the caller; again is harmless. */
  async markViewed(user: UserPrincipal, id: string): Promise<void> {
    if (!(await this.news.existsBy({ id }))) throw new NotFoundException(`No notification with id ${id}`);
    await this.views.createQueryBuilder().insert().into(NewsView).values({ userId: user.id, newsId: id }).orIgnore().execute();
  }
}
