import { Principal } from '../../common/access/principal';
import { ApiQuota, QuotaPeriod, QuotaResource, QuotaScope } from './api-quota.entity';

/** The user-group scope id that covers anonymous callers (who hold no user group). */
export const GUEST_GROUP = 'guest';

export const PERIOD_SECONDS: Readonly<Record<QuotaPeriod, number>> = {
  [QuotaPeriod.Minute]: 60,
  [QuotaPeriod.Hour]: 3_600,
  [QuotaPeriod.Day]: 86_400,
};

export type QuotaRule = Pick<ApiQuota, 'id' | 'scope' | 'scopeId' | 'resource' | 'period' | 'limit'>;

/** A rule that applies to one call, and the counter the call is counted in. */
export interface AppliedQuota {
  rule: QuotaRule;
  bucket: string;
  windowSeconds: number;
}

/**
 * The counter a call is counted in. Quotas count per caller (a user, or for guests the client
 * address), except access-group quotas, which one counter shares across the whole group: the limit
 * is the team's budget, not each member's.
 */
export function quotaBucket(rule: QuotaRule, caller: string): string {
  return rule.scope === QuotaScope.AccessGroup ? `quota:${rule.id}:group` : `quota:${rule.id}:${caller}`;
}

/**
 * Every quota rule, indexed by whom it targets, so finding the rules of a call is a few map lookups.
 * Built once per load of the rules and shared by every request until the next load.
 */
export class QuotaIndex {
  static readonly EMPTY = new QuotaIndex([]);

  private readonly byTarget = new Map<string, QuotaRule[]>();
  readonly size: number;

  constructor(rules: readonly QuotaRule[]) {
    this.size = rules.length;
    for (const rule of rules) {
      const key = QuotaIndex.key(rule.scope, rule.scopeId);
      const list = this.byTarget.get(key);
      if (list) list.push(rule);
      else this.byTarget.set(key, [rule]);
    }
  }

  get empty(): boolean {
    return this.size === 0;
  }

  private static key(scope: QuotaScope, scopeId: string): string {
    return `${scope}\u0000${scopeId}`;
  }

  private rulesOf(scope: QuotaScope, scopeId: string): readonly QuotaRule[] {
    return this.byTarget.get(QuotaIndex.key(scope, scopeId)) ?? [];
  }

  /**
   * The rules that govern one call consuming `resources` (which include `api`). Per (resource,
   * period) the most specific level that has a rule wins: the user's own rule, else their access
   * group's, else their user groups' (the most generous of those when several groups have one;
   * a group without a rule does not make the caller unlimited). Guests are covered by user-group
   * rules with the scope id `guest` and counted per client address.
   *
   * Ordered tightest limit first, so a refusal usually comes before anything else was counted.
   */
  applicable(principal: Principal, ip: string, resources: readonly QuotaResource[]): AppliedQuota[] {
    if (this.size === 0) return [];
    const levels: (readonly QuotaRule[])[] =
      principal.kind === 'user'
        ? [
            this.rulesOf(QuotaScope.User, principal.id),
            principal.accessGroupId ? this.rulesOf(QuotaScope.AccessGroup, principal.accessGroupId) : [],
            principal.groups.flatMap((group) => this.rulesOf(QuotaScope.UserGroup, group)),
          ]
        : [this.rulesOf(QuotaScope.UserGroup, GUEST_GROUP)];

    const chosen = new Map<string, QuotaRule>();
    for (const rules of levels) {
      const atLevel = new Map<string, QuotaRule>();
      for (const rule of rules) {
        if (!resources.includes(rule.resource)) continue;
        const key = `${rule.resource}:${rule.period}`;
        if (chosen.has(key)) continue; // a more specific level already decided
        const other = atLevel.get(key);
        if (!other || rule.limit > other.limit) atLevel.set(key, rule);
      }
      for (const [key, rule] of atLevel) chosen.set(key, rule);
    }
    if (!chosen.size) return [];

    const caller = principal.kind === 'user' ? principal.id : `ip:${ip}`;
    return [...chosen.values()]
      .map((rule) => ({ rule, bucket: quotaBucket(rule, caller), windowSeconds: PERIOD_SECONDS[rule.period] }))
      .sort((a, b) => a.rule.limit - b.rule.limit || a.windowSeconds - b.windowSeconds);
  }
}
