import { SelectQueryBuilder } from 'typeorm';
import { Principal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';

/** Who may see a flow or report: public ones to everyone; private ones to the owner, the owner's access group, and admins. */
export interface Visible {
  isPrivate: boolean;
  ownerId: string | null;
  accessGroupId: string | null;
}

export function canSee(principal: Principal, item: Visible): boolean {
  if (!item.isPrivate) return true;
  if (principal.kind !== 'user') return false;
  if (principal.groups.includes(UserGroup.Admin)) return true;
  if (item.ownerId && item.ownerId === principal.id) return true;
  return !!item.accessGroupId && item.accessGroupId === principal.accessGroupId;
}

/** The same rule as a query condition on an entity with is_private / owner_id / access_group_id columns. */
export function whereVisible<T extends object>(qb: SelectQueryBuilder<T>, alias: string, principal: Principal): SelectQueryBuilder<T> {
  if (principal.kind === 'user' && principal.groups.includes(UserGroup.Admin)) return qb;
  if (principal.kind !== 'user') return qb.andWhere(`${alias}.isPrivate = false`);
  return qb.andWhere(
    `(${alias}.isPrivate = false OR ${alias}.ownerId = :visOwner OR (${alias}.accessGroupId IS NOT NULL AND ${alias}.accessGroupId = :visGroup))`,
    { visOwner: principal.id, visGroup: principal.accessGroupId },
  );
}
