import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEnum,
  IsInt,
  IsOptional,
  IsUUID,
  isUUID,
  Max,
  Min,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { ALL_USER_GROUPS } from '../../../common/access/user-group';
import { ApiQuota, QuotaPeriod, QuotaResource, QuotaScope } from '../api-quota.entity';
import { GUEST_GROUP } from '../quota-rules';

/** The user-group names a `user_group` quota may target; `guest` stands for anonymous callers. */
export const USER_GROUP_SCOPE_IDS: readonly string[] = [...ALL_USER_GROUPS, GUEST_GROUP];

const MAX_LIMIT = 2 ** 31 - 1; // the column is a PostgreSQL integer

const SCOPE_DESCRIPTION =
  'Whom the quota limits. `user_group`: every member of a user group, each counted separately ' +
  '(`guest` covers anonymous callers, counted per client address). `access_group`: the members of an ' +
  'access group together: one counter shared by the whole group. `user`: one user. When several ' +
  'quotas cover the same resource and period for a caller, the most specific wins (user, then access ' +
  'group, then user group; among user groups the most generous).';

const RESOURCE_DESCRIPTION =
  'What is counted: `api` every API call; `scan`, `search`, `download` the calls that submit a scan, search, or download.';

const PERIOD_DESCRIPTION = 'Length of the counting window. Windows are fixed and aligned to UTC (a `day` starts at 00:00 UTC).';

export class QuotaDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: QuotaScope, enumName: 'QuotaScope', description: SCOPE_DESCRIPTION })
  scope: QuotaScope;

  @ApiProperty({ description: 'User group name (or `guest`), access group id, or user id', example: 'user' })
  scope_id: string;

  @ApiProperty({ enum: QuotaResource, enumName: 'QuotaResource', description: RESOURCE_DESCRIPTION })
  resource: QuotaResource;

  @ApiProperty({ enum: QuotaPeriod, enumName: 'QuotaPeriod', description: PERIOD_DESCRIPTION })
  period: QuotaPeriod;

  @ApiProperty({ type: 'integer', minimum: 0, example: 1000, description: 'Calls allowed per period; 0 refuses every call' })
  limit: number;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updated_at: Date;

  static from(quota: ApiQuota): QuotaDto {
    return {
      id: quota.id,
      scope: quota.scope,
      scope_id: quota.scopeId,
      resource: quota.resource,
      period: quota.period,
      limit: quota.limit,
      created_at: quota.createdAt,
      updated_at: quota.updatedAt,
    };
  }
}

/** scope_id must name something of the kind `scope` says: a user-group name, or a uuid. */
@ValidatorConstraint({ name: 'quotaScopeId' })
class QuotaScopeIdConstraint implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    if (typeof value !== 'string') return false;
    switch ((args.object as SaveQuotaDto).scope) {
      case QuotaScope.UserGroup:
        return USER_GROUP_SCOPE_IDS.includes(value);
      case QuotaScope.User:
      case QuotaScope.AccessGroup:
        return isUUID(value);
      default:
        return true; // the scope itself is reported as invalid
    }
  }

  defaultMessage(args: ValidationArguments): string {
    return (args.object as SaveQuotaDto).scope === QuotaScope.UserGroup
      ? `scope_id must be one of the user groups: ${USER_GROUP_SCOPE_IDS.join(', ')}`
      : `scope_id must be the UUID of the ${(args.object as SaveQuotaDto).scope === QuotaScope.User ? 'user' : 'access group'}`;
  }
}

export class SaveQuotaDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'The quota to change. Without it, a new quota is created, unless one already exists for the same ' +
      'scope, scope_id, resource and period: that one gets the new limit.',
  })
  @IsOptional() @IsUUID()
  id?: string;

  @ApiProperty({ enum: QuotaScope, enumName: 'QuotaScope', description: SCOPE_DESCRIPTION })
  @IsEnum(QuotaScope)
  scope: QuotaScope;

  @ApiProperty({
    description: `For \`user_group\` one of ${USER_GROUP_SCOPE_IDS.join(', ')}; for \`access_group\` the access group id; for \`user\` the user id`,
    example: 'user',
  })
  @Validate(QuotaScopeIdConstraint)
  scope_id: string;

  @ApiProperty({ enum: QuotaResource, enumName: 'QuotaResource', description: RESOURCE_DESCRIPTION })
  @IsEnum(QuotaResource)
  resource: QuotaResource;

  @ApiProperty({ enum: QuotaPeriod, enumName: 'QuotaPeriod', description: PERIOD_DESCRIPTION })
  @IsEnum(QuotaPeriod)
  period: QuotaPeriod;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_LIMIT, example: 1000, description: 'Calls allowed per period; 0 refuses every call' })
  @IsInt() @Min(0) @Max(MAX_LIMIT)
  limit: number;
}
