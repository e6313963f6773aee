import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiSecurity, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto';
import { UserGroup } from './user-group';

export const ACCESS_RULE = 'access:rule';
export const API_KEY_SCHEME = 'api-key';
export const BEARER_SCHEME = 'bearer';

/**
 * Who may call a route. `public`: anyone, guests included (credentials, when sent, are still checked);
 * `groups: 'any'`: any signed-in user; otherwise a signed-in user holding at least one of the groups.
 */
export type AccessRule = { public: true } | { public: false; groups: readonly UserGroup[] | 'any' };

const unauthorized = ApiUnauthorizedResponse({ description: 'Missing, invalid or expired credentials', type: ErrorResponseDto });
const rateLimited = ApiTooManyRequestsResponse({ description: 'Quota exceeded; see Retry-After', type: ErrorResponseDto });

/**
 * The one place a route states who may call it. The global AccessGuard enforces the rule and denies
 * every route that has none; the same decorator writes the route's Swagger security, so the
 * documentation cannot disagree with the check.
 */
export const Access = {
  public: () =>
    applyDecorators(
      SetMetadata(ACCESS_RULE, { public: true } satisfies AccessRule),
      // Credentials are optional: `{}` in the security list means "no credentials" is also accepted.
      ApiSecurity({}),
      ApiBearerAuth(BEARER_SCHEME),
      ApiSecurity(API_KEY_SCHEME),
      rateLimited,
    ),

  authenticated: () =>
    applyDecorators(
      SetMetadata(ACCESS_RULE, { public: false, groups: 'any' } satisfies AccessRule),
      ApiBearerAuth(BEARER_SCHEME),
      ApiSecurity(API_KEY_SCHEME),
      unauthorized,
      rateLimited,
    ),

  groups: (...groups: UserGroup[]) =>
    applyDecorators(
      SetMetadata(ACCESS_RULE, { public: false, groups } satisfies AccessRule),
      ApiBearerAuth(BEARER_SCHEME),
      ApiSecurity(API_KEY_SCHEME),
      unauthorized,
      ApiForbiddenResponse({ description: `Requires one of the user groups: ${groups.join(', ')}`, type: ErrorResponseDto }),
      rateLimited,
    ),

  /** Admin-panel reads: administrators and auditors (read-only admins). */
  adminRead: () => Access.groups(UserGroup.Admin, UserGroup.Auditor),

  /** Admin-panel changes: administrators only. */
  admin: () => Access.groups(UserGroup.Admin),
};
