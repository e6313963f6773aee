import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsBoolean, IsInt, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';

/** Longest retention an administrator can set: 100 years (0 keeps forever). */
export const MAX_RETENTION_DAYS = 36_500;

/** Platform identity, shown in the UI, e-mails and links the platform writes. */
export class GeneralSettingsDto {
  @ApiProperty({ example: 'Sandbox', minLength: 1, maxLength: 100, description: 'Name the platform shows to its users' })
  @IsString() @MinLength(1) @MaxLength(100)
  platform_name: string = 'Sandbox';

  @ApiProperty({ type: String, nullable: true, example: 'https://sandbox.example.com', description: 'Address users reach the platform at (http or https, no query); null when unset' })
  @ValidateIf((o: GeneralSettingsDto) => o.public_url !== null)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }) @MaxLength(2048) @Matches(/^[^?#]*$/, { message: 'public_url must not contain a query or fragment' })
  public_url: string | null = null;

  @ApiProperty({ example: '', maxLength: 2000, description: 'Notice shown on the sign-in page (e.g. an acceptable-use banner); empty for none' })
  @IsString() @MaxLength(2000)
  login_banner: string = '';
}

/** How long analyses are kept; the `reports.retention` job applies it daily. */
export class RetentionSettingsDto {
  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_RETENTION_DAYS, example: 0, description: 'Submissions (flows with all their reports) older than this many days are removed; 0 keeps them forever' })
  @IsInt() @Min(0) @Max(MAX_RETENTION_DAYS)
  report_max_age_days: number = 0;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_RETENTION_DAYS,
    example: 0,
    description: 'Stored files older than this many days that no report or submission refers to are removed; 0 keeps them. A file still referenced is never removed',
  })
  @IsInt() @Min(0) @Max(MAX_RETENTION_DAYS)
  sample_max_age_days: number = 0;
}

/** Defaults for new submissions (the limits of an analysis are deployment configuration, not settings). */
export class ScanSettingsDto {
  @ApiProperty({ example: false, description: 'Submissions are private unless the submitter says otherwise' })
  @IsBoolean()
  private_by_default: boolean = false;

  @ApiProperty({ type: [String], example: ['corp'], maxItems: 20, description: 'Tags every new submission carries (at most 20, each 1..64 characters)' })
  @ArrayMaxSize(20) @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(64, { each: true })
  default_tags: string[] = [];
}

/** Every settings group, by its name in `/api/admin/settings/{group}`. */
export const SETTINGS_GROUPS = {
  general: GeneralSettingsDto,
  retention: RetentionSettingsDto,
  scan: ScanSettingsDto,
} as const;

export type SettingsGroupName = keyof typeof SETTINGS_GROUPS;
/** The values of a group, e.g. `SettingsOf<'retention'>`. */
export type SettingsOf<G extends SettingsGroupName> = InstanceType<(typeof SETTINGS_GROUPS)[G]>;

export const SETTINGS_GROUP_NAMES = Object.keys(SETTINGS_GROUPS) as SettingsGroupName[];

export const isSettingsGroup = (name: string): name is SettingsGroupName => Object.prototype.hasOwnProperty.call(SETTINGS_GROUPS, name);

/** A group's defaults: the property initialisers of its class. */
export function settingsDefaults<G extends SettingsGroupName>(group: G): SettingsOf<G> {
  return { ...new SETTINGS_GROUPS[group]() } as SettingsOf<G>;
}
