import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { UserGroup } from '../../../common/access/user-group';
import { User } from '../user.entity';

export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'analyst@example.com' })
  email: string;

  @ApiProperty({ example: 'Ada Analyst' })
  name: string;

  @ApiProperty({ enum: UserGroup, isArray: true, example: ['user'] })
  groups: UserGroup[];

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  accessGroupId: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'Europe/Berlin' })
  timezone: string | null;

  @ApiProperty({ nullable: true, type: String, example: 'en-US' })
  locale: string | null;

  @ApiProperty()
  isActive: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'First characters of the API key, when one is set', example: 'sbx_3fA9' })
  apiKeyPrefix: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  apiKeyCreatedAt: Date | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  lastLoginAt: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: Date;

  static from(user: User): UserDto {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      groups: user.groups,
      accessGroupId: user.accessGroupId,
      timezone: user.timezone,
      locale: user.locale,
      isActive: user.isActive,
      apiKeyPrefix: user.apiKeyPrefix,
      apiKeyCreatedAt: user.apiKeyCreatedAt,
      lastLoginAt: user.lastLoginAt,
      createdAt: user.createdAt,
    };
  }
}

/** Optional, but not nullable: `null` is validated (and refused, 422) like any other wrong value. */
export const OptionalNotNull = () => ValidateIf((_: object, value: unknown) => value !== undefined);

const TIMEZONE = /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$|^UTC$/;
const LOCALE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export class UpdateProfileDto {
  @ApiPropertyOptional({ example: 'Ada Analyst' })
  @OptionalNotNull() @IsString() @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ example: 'Europe/Berlin', description: 'IANA time zone' })
  @IsOptional() @Matches(TIMEZONE, { message: 'timezone must be an IANA time zone such as Europe/Berlin' })
  timezone?: string;

  @ApiPropertyOptional({ example: 'en-US', description: 'BCP 47 language tag' })
  @IsOptional() @Matches(LOCALE, { message: 'locale must be a language tag such as en-US' })
  locale?: string;

  @ApiPropertyOptional({ format: 'password', description: 'Required to change the password' })
  @IsOptional() @IsString() @MaxLength(1024)
  current_password?: string;

  @ApiPropertyOptional({ format: 'password', minLength: 12, description: 'New password; signs out every other session' })
  @OptionalNotNull() @IsString() @MinLength(12) @MaxLength(1024)
  new_password?: string;
}

export class ApiKeyDto {
  @ApiProperty({ description: 'The API key. Shown only in this response: store it now.', example: 'sbx_3fA9...' })
  api_key: string;

  @ApiProperty({ example: 'sbx_3fA9' })
  prefix: string;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: Date;
}

export class SetApiKeyDto {
  @ApiProperty({ description: 'A key of your own: 32 to 128 characters from A-Z a-z 0-9 _ -', minLength: 32, maxLength: 128 })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{32,128}$/, { message: 'api_key must be 32 to 128 characters from A-Z a-z 0-9 _ -' })
  api_key: string;
}
