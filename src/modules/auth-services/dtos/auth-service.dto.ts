import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEnum,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  Validate,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { ALL_USER_GROUPS } from '../../../common/access/user-group';
import { AuthServiceType } from '../auth-service.entity';

const MAX_MAPPINGS = 100;

/** `{ "<claim value or group DN>": "<user group>" }`: at most 100 entries, known user groups only. */
@ValidatorConstraint({ name: 'groupMapping' })
class GroupMappingConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
    const entries = Object.entries(value as Record<string, unknown>);
    return (
      entries.length <= MAX_MAPPINGS &&
      entries.every(([k, v]) => k.length >= 1 && k.length <= 500 && typeof v === 'string' && (ALL_USER_GROUPS as string[]).includes(v))
    );
  }
  defaultMessage(): string {
    return `group_mapping must be an object of at most ${MAX_MAPPINGS} entries, each mapping a name (1-500 characters) to one of: ${ALL_USER_GROUPS.join(', ')}`;
  }
}

const GROUP_MAPPING_SCHEMA = { type: 'object', additionalProperties: { type: 'string', enum: ALL_USER_GROUPS }, example: { 'sandbox-admins': 'admin', analysts: 'user' } } as const;

export class OidcSettingsDto {
  @ApiProperty({ example: 'https://login.example.com/realms/corp', description: 'Issuer URL (https; http only for localhost with allow_insecure_localhost)' })
  @IsString() @MaxLength(2000)
  issuer_url: string;

  @ApiProperty({ maxLength: 500, example: 'sandbox' })
  @IsString() @MinLength(1) @MaxLength(500)
  client_id: string;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Required when the service is created; left out on an update, the stored one is kept. Never returned.', writeOnly: true })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1000)
  client_secret?: string;

  @ApiPropertyOptional({ type: [String], default: ['openid', 'profile', 'email'], description: 'Must include `openid`' })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(20) @IsString({ each: true }) @Matches(/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/, { each: true, message: 'each scope must be 1-100 printable characters without spaces, quotes or backslashes' })
  scopes?: string[];

  @ApiPropertyOptional({ default: 'groups', maxLength: 200, description: 'ID-token claim holding the user\'s groups' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  groups_claim?: string;

  @ApiPropertyOptional({ ...GROUP_MAPPING_SCHEMA, description: 'Claim value → user group' })
  @IsOptional() @Validate(GroupMappingConstraint)
  group_mapping?: Record<string, string>;
}

export class LdapSettingsDto {
  @ApiProperty({ example: 'ldaps://ldap.example.com:636', description: 'Server URL (ldaps; ldap only for localhost with allow_insecure_localhost)' })
  @IsString() @MaxLength(2000)
  url: string;

  @ApiPropertyOptional({ maxLength: 1000, example: 'cn=sandbox,ou=services,dc=example,dc=com', description: 'Left out: anonymous bind' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1000)
  bind_dn?: string;

  @ApiPropertyOptional({ maxLength: 1000, description: 'Required with bind_dn when first set; left out on an update, the stored one is kept. Never returned.', writeOnly: true })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(1000)
  bind_password?: string;

  @ApiProperty({ maxLength: 1000, example: 'ou=people,dc=example,dc=com' })
  @IsString() @MinLength(1) @MaxLength(1000)
  base_dn: string;

  @ApiPropertyOptional({ default: '(uid={username})', maxLength: 1000, description: 'LDAP filter finding a user; `{username}` stands for the (escaped) name typed at sign-in' })
  @IsOptional() @IsString() @MaxLength(1000) @Matches(/^\(.*\{username\}.*\)$/s, { message: 'user_filter must be a parenthesised LDAP filter containing {username}' })
  user_filter?: string;

  @ApiPropertyOptional({ default: 'memberOf', maxLength: 200 })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  group_attribute?: string;

  @ApiPropertyOptional({ ...GROUP_MAPPING_SCHEMA, description: 'Group DN → user group' })
  @IsOptional() @Validate(GroupMappingConstraint)
  group_mapping?: Record<string, string>;
}

export class SaveAuthServiceDto {
  @ApiProperty({ example: 'corp-sso', description: 'Identifier of the service: lower-case letters, digits, - and _ (the `{service}` of the remove route)' })
  @IsString() @Matches(/^[a-z0-9][a-z0-9_-]{0,62}$/, { message: 'service must be 1-63 lower-case letters, digits, - or _, starting with a letter or digit' })
  service: string;

  @ApiProperty({ enum: AuthServiceType, enumName: 'AuthServiceType' })
  @IsEnum(AuthServiceType)
  type: AuthServiceType;

  @ApiPropertyOptional({ default: true })
  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ maxLength: 100, example: 'Corporate SSO' })
  @IsOptional() @IsString() @MaxLength(100)
  display_name?: string;

  @ApiPropertyOptional({ default: false, description: 'Allow http:// or ldap:// (unencrypted) URLs, for localhost only: for a test identity provider' })
  @IsOptional() @IsBoolean()
  allow_insecure_localhost?: boolean;

  @ApiPropertyOptional({ type: OidcSettingsDto, description: 'Required with type `oidc`' })
  @ValidateIf((o: SaveAuthServiceDto) => o.type === AuthServiceType.Oidc || o.oidc !== undefined)
  @IsDefined() @ValidateNested() @Type(() => OidcSettingsDto)
  oidc?: OidcSettingsDto;

  @ApiPropertyOptional({ type: LdapSettingsDto, description: 'Required with type `ldap`' })
  @ValidateIf((o: SaveAuthServiceDto) => o.type === AuthServiceType.Ldap || o.ldap !== undefined)
  @IsDefined() @ValidateNested() @Type(() => LdapSettingsDto)
  ldap?: LdapSettingsDto;
}

export class SecretStateDto {
  @ApiProperty({ description: 'Whether a value is stored (it is never returned)' })
  set: boolean;
}

export class OidcSettingsViewDto {
  @ApiProperty() issuer_url: string;
  @ApiProperty() client_id: string;
  @ApiProperty({ type: SecretStateDto }) client_secret: SecretStateDto;
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty() groups_claim: string;
  @ApiProperty(GROUP_MAPPING_SCHEMA) group_mapping: Record<string, string>;
}

export class LdapSettingsViewDto {
  @ApiProperty() url: string;
  @ApiProperty({ type: String, nullable: true }) bind_dn: string | null;
  @ApiProperty({ type: SecretStateDto }) bind_password: SecretStateDto;
  @ApiProperty() base_dn: string;
  @ApiProperty() user_filter: string;
  @ApiProperty() group_attribute: string;
  @ApiProperty(GROUP_MAPPING_SCHEMA) group_mapping: Record<string, string>;
}

export class AuthServiceDto {
  @ApiProperty({ example: 'corp-sso' }) service: string;
  @ApiProperty({ enum: AuthServiceType, enumName: 'AuthServiceType' }) type: AuthServiceType;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true }) display_name: string | null;
  @ApiProperty() allow_insecure_localhost: boolean;
  @ApiPropertyOptional({ type: OidcSettingsViewDto }) oidc?: OidcSettingsViewDto;
  @ApiPropertyOptional({ type: LdapSettingsViewDto }) ldap?: LdapSettingsViewDto;
  @ApiProperty({ type: String, format: 'date-time' }) created_at: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at: Date;
}
