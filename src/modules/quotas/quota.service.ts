import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { AccessGroup } from '../access-groups/access-group.entity';
import { AuditTrail } from '../audit/audit-trail';
import { User } from '../users/user.entity';
import { ApiQuota, QuotaScope } from './api-quota.entity';
import { QuotaDto, SaveQuotaDto } from './dtos/quota.dto';
import { QuotaIndex } from './quota-rules';

const isUniqueViolation = (err: unknown) => err instanceof QueryFailedError && (err as unknown as { code?: string }).code === '23505';

/**
 * Quota rules: the admin operations on them, and the in-memory copy every request is checked
 * against. The copy is reloaded at most every CACHE_TTL_MS, so a change made through another API
 * process takes effect within that time; a change made through this process takes effect at once.
 */
@Injectable()
export class QuotaService {
  static readonly CACHE_TTL_MS = 5_000;

  private cache?: { index: QuotaIndex; expiresAt: number };
  private loading?: { generation: number; promise: Promise<QuotaIndex> };
  /** Bumped on every change, so a load that started before the change never installs what it read. */
  private generation = 0;

  constructor(
    @InjectRepository(ApiQuota) private readonly quotas: Repository<ApiQuota>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(AccessGroup) private readonly accessGroups: Repository<AccessGroup>,
  ) {}

  /** The rules when the in-memory copy is fresh; undefined when they must be loaded (see index()). */
  cachedIndex(): QuotaIndex | undefined {
    const cache = this.cache;
    return cache && cache.expiresAt > Date.now() ? cache.index : undefined;
  }

  /** The rules, loading them when the copy is stale; concurrent callers share one load. */
  index(): Promise<QuotaIndex> {
    const cached = this.cachedIndex();
    if (cached) return Promise.resolve(cached);
    if (this.loading?.generation === this.generation) return this.loading.promise;
    const generation = this.generation;
    const startedAt = Date.now();
    const promise = this.quotas
      .find({ select: { id: true, scope: true, scopeId: true, resource: true, period: true, limit: true } })
      .then((rules) => {
        const index = rules.length ? new QuotaIndex(rules) : QuotaIndex.EMPTY;
        if (generation === this.generation) this.cache = { index, expiresAt: startedAt + QuotaService.CACHE_TTL_MS };
        return index;
      })
      .finally(() => {
        if (this.loading?.promise === promise) this.loading = undefined;
      });
    this.loading = { generation, promise };
    return promise;
  }

  /** Drops the in-memory copy: the next request reloads the rules. */
  invalidate(): void {
    this.generation++;
    this.cache = undefined;
  }

  async list(): Promise<QuotaDto[]> {
    const quotas = await this.quotas.find({ order: { scope: 'ASC', scopeId: 'ASC', resource: 'ASC', period: 'ASC' } });
    return quotas.map((q) => QuotaDto.from(q));
  }

  /**
   * Creates a quota, or changes one: the one named by `id`, else the one with the same scope,
   * scope_id, resource and period (there is at most one such rule), whose limit is replaced.
   */
  async save(dto: SaveQuotaDto): Promise<QuotaDto> {
    const rule = { scope: dto.scope, scopeId: dto.scope_id, resource: dto.resource, period: dto.period };
    let before: ApiQuota | null;
    if (dto.id) {
      before = await this.quotas.findOneBy({ id: dto.id });
      if (!before) throw new NotFoundException('Quota not found');
    } else {
      before = await this.quotas.findOneBy(rule);
    }
    await this.assertTargetExists(dto.scope, dto.scope_id);

    let id: string;
    try {
      if (before) {
        id = before.id;
        await this.quotas.update({ id }, { ...rule, limit: dto.limit });
      } else {
        const inserted = await this.quotas.insert({ ...rule, limit: dto.limit });
        id = (inserted.identifiers[0] as { id: string }).id;
      }
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException('Another quota already has this scope, scope_id, resource and period: change that one');
      throw err;
    }
    this.invalidate();
    const retargeted = before && (before.scope !== rule.scope || before.scopeId !== rule.scopeId || before.resource !== rule.resource || before.period !== rule.period);
    if (retargeted) await this.clearCounters(id); // what was counted under the old rule does not belong to the new one

    const after = await this.quotas.findOneByOrFail({ id });
    AuditTrail.describe({ targetType: 'quota', targetId: id, before: before ? QuotaDto.from(before) : null, after: QuotaDto.from(after) });
    return QuotaDto.from(after);
  }

  async remove(id: string): Promise<void> {
    const quota = await this.quotas.findOneBy({ id });
    if (!quota) throw new NotFoundException('Quota not found');
    await this.quotas.delete({ id });
    this.invalidate();
    await this.clearCounters(id);
    AuditTrail.describe({ targetType: 'quota', targetId: id, before: QuotaDto.from(quota), after: null });
  }

  private async assertTargetExists(scope: QuotaScope, scopeId: string): Promise<void> {
    if (scope === QuotaScope.User && !(await this.users.existsBy({ id: scopeId }))) throw new NotFoundException('User not found');
    if (scope === QuotaScope.AccessGroup && !(await this.accessGroups.existsBy({ id: scopeId }))) throw new NotFoundException('Access group not found');
  }

  /** Counters of a quota are named `quota:<id>:...` (see quotaBucket). */
  private async clearCounters(quotaId: string): Promise<void> {
    await this.quotas.query(`DELETE FROM rate_counters WHERE bucket LIKE $1`, [`quota:${quotaId}:%`]);
  }
}
