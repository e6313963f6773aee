import { UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';

export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 10;
export const DEFAULT_PRIORITY = 1;

/** The highest priority each user group may ask for; a caller gets the best of their groups. */
export const PRIORITY_CAP: Partial<Record<UserGroup, number>> & { default: number } = {
  [UserGroup.Admin]: 10,
  [UserGroup.Intel]: 5,
  default: 3,
};

export const PRIORITY_RULE_DESCRIPTION =
  `Queue priority, ${MIN_PRIORITY} (default) to ${MAX_PRIORITY}; higher runs first. A request above the caller's maximum is lowered to it: ` +
  `${PRIORITY_CAP[UserGroup.Admin]} for administrators, ${PRIORITY_CAP[UserGroup.Intel]} for intel analysts, ${PRIORITY_CAP.default} for everyone else. ` +
  'The answer states the priority applied and the maximum possible.';

export function maxPriorityOf(user: UserPrincipal): number {
  return Math.max(PRIORITY_CAP.default, ...user.groups.map((g) => PRIORITY_CAP[g] ?? PRIORITY_CAP.default));
}

/** The priority a submission is queued with: the requested one (default 1), capped by the caller's groups. */
export function applyPriority(user: UserPrincipal, requested?: number): { applied: number; max_possible: number } {
  const max = maxPriorityOf(user);
  return { applied: Math.min(requested ?? DEFAULT_PRIORITY, max), max_possible: max };
}
