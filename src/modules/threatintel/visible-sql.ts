import { Principal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';

/**
 * The visibility rule of src/modules/reports/report-visibility.ts as a raw SQL condition on a
 * `reports` alias, its values appended to `params` (positional, `$n`).
 */
export function visibleSql(alias: string, principal: Principal, params: unknown[]): string {
  if (principal.kind === 'user' && principal.groups.includes(UserGroup.Admin)) return 'TRUE';
  if (principal.kind !== 'user') return `${alias}.is_private = false`;
  params.push(principal.id, principal.accessGroupId);
  const owner = `$${params.length - 1}::uuid`;
  const group = `$${params.length}::uuid`;
  return `(${alias}.is_private = false OR ${alias}.owner_id = ${owner} OR (${alias}.access_group_id IS NOT NULL AND ${alias}.access_group_id = ${group}))`;
}
