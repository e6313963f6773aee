import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsEnum,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { PaginationQueryDto } from '../../../common/http/pagination.dto';
import { IocType, Verdict } from '../../../engine/types';
import { isReportFilterValue, REPORT_FILTER_HELP } from '../report-filter';

/** `a,b` or `?x=a&x=b` → ['a', 'b']. */
export const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string' || Array.isArray(value)
    ? [value]
        .flat()
        .flatMap((v) => String(v).split(','))
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

/** Verdicts as people type them: `malicious`, `likely malicious`, `LIKELY_MALICIOUS`. */
export const normaliseVerdict = (v: string) => v.trim().toUpperCase().replace(/[\s-]+/g, '_');
const verdictList = (p: { value: unknown }) => {
  const list = splitList(p);
  return Array.isArray(list) ? list.map((v) => normaliseVerdict(String(v))) : list;
};

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

const IsReportFilter = (options?: ValidationOptions) =>
  ValidateBy(
    { name: 'isReportFilter', validator: { validate: (v: unknown) => typeof v === 'string' && isReportFilterValue(v), defaultMessage: () => `each filter must be ${REPORT_FILTER_HELP}` } },
    options,
  );

const VERDICT_HELP = `Comma-separated verdicts: ${Object.values(Verdict).join(', ')} (case-insensitive)`;

export class ReportFilterQueryDto {
  @ApiPropertyOptional({
    type: [String],
    description:
      'Parts of the report to return (repeat the parameter or separate with commas): `general` (file, created_date, overallState, ' +
      'scanOptions, fileIndex, parentId, originPath), `finalVerdict`, `allTags`, `overallState`, `taskReference`, `subtaskReferences`, ' +
      '`allSignalGroups`, `iocs`, `o:all` (resources, extractedFiles, issues), `f:<field>` for one field of the report (e.g. `f:resources`), ' +
      '`f:all` for every field. `id` is always returned. Without it, the whole report.',
    example: ['general', 'finalVerdict'],
  })
  @IsOptional() @Transform(splitList) @IsArray() @ArrayMaxSize(40) @IsReportFilter({ each: true })
  filter?: string[];
}

export class ListReportsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ type: String, description: VERDICT_HELP, example: 'MALICIOUS,LIKELY_MALICIOUS' })
  @IsOptional() @Transform(verdictList) @IsArray() @ArrayMaxSize(7) @IsEnum(Verdict, { each: true, message: `verdict must be among ${Object.values(Verdict).join(', ')}` })
  verdict?: Verdict[];

  @ApiPropertyOptional({ description: 'File type: the type key (`pe`, `pdf`, `zip`, `ole` ...) or the full type label', example: 'pe' })
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  type?: string;

  @ApiPropertyOptional({ description: 'Only reports carrying this tag', example: 'upx' })
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  tag?: string;
}

export class SearchQueryDto extends PaginationQueryDto {
  @ApiProperty({
    description:
      'What to look for. An MD5, SHA-1, SHA-256 or SHA-512 finds the file and every report that names the hash as an IOC; a verdict ' +
      '(`malicious`, `likely malicious` ...) finds reports with that verdict; a report or flow id finds that report; anything else is ' +
      'matched against file names (substring, from 3 characters), tags, file types and IOC values (URLs, domains, IPs, e-mail addresses ...). ' +
      'Prefix with `name:`, `tag:`, `type:`, `verdict:` or `ioc:` to match only that.',
    example: 'evil.example',
    minLength: 1,
    maxLength: 2048,
  })
  @Transform(trim) @IsString() @MinLength(1) @MaxLength(2048)
  query: string;
}

export const SORT_FIELDS = ['created_date', 'threat_level', 'file_name', 'size'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

export class AdvancedSearchQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'SHA-256 of the file', example: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' })
  @IsOptional() @Transform(lower) @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 hexadecimal characters' })
  sha256?: string;

  @ApiPropertyOptional({ description: 'Part of the file name (at least 3 characters), case-insensitive', example: 'invoice', minLength: 3 })
  @IsOptional() @Transform(trim) @IsString() @MinLength(3) @MaxLength(255)
  file_name?: string;

  @ApiPropertyOptional({ description: 'File type: the type key (`pe`, `pdf`, `zip` ...) or the full type label', example: 'pe' })
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200)
  file_type?: string;

  @ApiPropertyOptional({ type: String, description: VERDICT_HELP, example: 'MALICIOUS,SUSPICIOUS' })
  @IsOptional() @Transform(verdictList) @IsArray() @ArrayMaxSize(7) @IsEnum(Verdict, { each: true, message: `verdict must be among ${Object.values(Verdict).join(', ')}` })
  verdict?: Verdict[];

  @ApiPropertyOptional({ minimum: -1, maximum: 1, description: 'Lowest threat level (-1 benign .. 1 malicious)', example: 0.5 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threat_level_min must be a number' }) @Min(-1) @Max(1)
  threat_level_min?: number;

  @ApiPropertyOptional({ minimum: -1, maximum: 1, description: 'Highest threat level', example: 1 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threat_level_max must be a number' }) @Min(-1) @Max(1)
  threat_level_max?: number;

  @ApiPropertyOptional({ type: String, description: 'Comma-separated tags; reports must carry all of them', example: 'upx' })
  @IsOptional() @Transform(splitList) @IsArray() @ArrayMaxSize(10) @IsString({ each: true }) @MaxLength(200, { each: true })
  tag?: string[];

  @ApiPropertyOptional({ enum: IocType, description: 'Type of the IOC in `ioc_value`; without it, any type' })
  @IsOptional() @IsEnum(IocType)
  ioc_type?: IocType;

  @ApiPropertyOptional({ description: 'An IOC the report names, exactly (URL, domain, IP, e-mail, hash ...)', example: 'evil.example' })
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(2048)
  ioc_value?: string;

  @ApiPropertyOptional({ description: 'PE import hash', example: 'f34d5f2d4577ed6d9ceec516c1f5a744' })
  @IsOptional() @Transform(lower) @Matches(/^[0-9a-f]{32}$/, { message: 'imphash must be 32 hexadecimal characters' })
  imphash?: string;

  @ApiPropertyOptional({ description: 'Authenticode hash (SHA-256) of a PE file' })
  @IsOptional() @Transform(lower) @Matches(/^[0-9a-f]{64}$/, { message: 'authentihash must be 64 hexadecimal characters' })
  authentihash?: string;

  @ApiPropertyOptional({ description: 'ssdeep fuzzy hash, exact', example: '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C' })
  @IsOptional() @Transform(trim) @Matches(/^\d{1,10}:[A-Za-z0-9+/]{0,128}:[A-Za-z0-9+/]{0,128}$/, { message: 'ssdeep must look like blocksize:hash:hash' })
  ssdeep?: string;

  @ApiPropertyOptional({ description: 'Name of a YARA rule that matched', example: 'Suspicious_PowerShell_Download' })
  @IsOptional() @Transform(trim) @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, { message: 'yara_rule must be a YARA rule identifier' })
  yara_rule?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Reports of this user. Administrators and auditors only (anyone may give their own id).' })
  @IsOptional() @IsUUID()
  owner?: string;

  @ApiPropertyOptional({ description: 'Reports created at or after this time (ISO 8601)', example: '2026-01-01T00:00:00Z' })
  @IsOptional() @IsDateString()
  created_from?: string;

  @ApiPropertyOptional({ description: 'Reports created before this time (ISO 8601)' })
  @IsOptional() @IsDateString()
  created_to?: string;

  @ApiPropertyOptional({ enum: SORT_FIELDS, default: 'created_date' })
  @IsOptional() @IsIn(SORT_FIELDS)
  sort_by: SortField = 'created_date';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOptional() @Transform(lower) @IsIn(['asc', 'desc'])
  sort_order: 'asc' | 'desc' = 'desc';
}

export class FrequentTagsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 365, default: 30, description: 'Look back this many days' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(365)
  days: number = 30;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Most tags returned' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 20;
}

export class MostInterestingQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 90, default: 7, description: 'Look back this many days' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(90)
  days: number = 7;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 50, default: 10, description: 'Most reports returned' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(50)
  limit: number = 10;
}
