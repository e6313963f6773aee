import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';
import { BOOLEAN_MESSAGE, SCAN_OPTION_DEFAULTS, SCAN_OPTION_DESCRIPTIONS, SCAN_OPTION_NAMES, ScanOptions, toBoolean } from '../scan-options';
import { MAX_PRIORITY, PRIORITY_RULE_DESCRIPTION } from '../priority';

/** Applies the validation and the Swagger documentation of one boolean option to a DTO property. */
function booleanOption(target: object, name: string, description: string, defaultValue?: boolean): void {
  IsOptional()(target, name);
  Transform(toBoolean)(target, name);
  IsBoolean({ message: BOOLEAN_MESSAGE })(target, name);
  ApiPropertyOptional({ type: Boolean, description, default: defaultValue })(target, name);
}

/** The scan option switches (see scan-options.ts), every one optional. */
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface ScanOptionsDto extends Partial<ScanOptions> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class ScanOptionsDto {}
for (const name of SCAN_OPTION_NAMES) booleanOption(ScanOptionsDto.prototype, name, SCAN_OPTION_DESCRIPTIONS[name], SCAN_OPTION_DEFAULTS[name]);

const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value);

/** `a,b` or repeated fields → ['a', 'b'], trimmed, without empties and duplicates. */
const toTagList = ({ value }: { value: unknown }) => {
  if (value === undefined || value === null) return value;
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((v) => typeof v === 'string')) return value;
  return [...new Set(items.flatMap((v: string) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
};

const CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

/** The form fields of a submission, file or URL: options plus description, tags, password, profile and priority. */
export class SubmissionFieldsDto extends ScanOptionsDto {
  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Only the submitter, the members of their access group and administrators see the flow and its reports' })
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: BOOLEAN_MESSAGE })
  is_private?: boolean;

  @ApiPropertyOptional({ maxLength: 4096, example: 'Attachment of the phishing mail reported by finance' })
  @IsOptional() @IsString() @MaxLength(4096)
  description?: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Tags: comma-separated (`a,b`) or the field repeated; at most 50, each at most 64 characters',
    example: ['phishing', 'finance'],
  })
  @IsOptional() @Transform(toTagList) @IsArray({ message: 'tags must be text (comma-separated) or a list of texts' })
  @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true })
  @Matches(CONTROL_CHARS, { each: true, message: 'tags must not contain control characters' })
  tags?: string[];

  @ApiPropertyOptional({ format: 'password', maxLength: 256, description: 'Password of an encrypted archive; kept only until the analysis ends' })
  @IsOptional() @IsString() @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'Id or name of one of your saved scan profiles: its options are applied first, then the fields of this request' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  scan_profile?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PRIORITY, default: 1, description: PRIORITY_RULE_DESCRIPTION })
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(MAX_PRIORITY)
  priority?: number;
}

/** The multipart form of `POST /api/scan/file` (documentation: the file itself is read from the stream). */
export class ScanFileFormDto extends SubmissionFieldsDto {
  @ApiProperty({ type: 'string', format: 'binary', description: `The file to analyse (one file; at most MAX_UPLOAD_SIZE bytes)` })
  file: unknown;
}

export const MAX_URL_LENGTH = 2048;

/** Why `value` is not a URL a scan accepts, or null when it is. */
export function urlProblem(value: unknown): string | null {
  if (typeof value !== 'string' || !value.length) return 'must be an http:// or https:// URL';
  if (value.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters long`;
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'must not contain spaces or control characters';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return `must use http or https${scheme ? ` (not ${scheme}:)` : ''}`;
  if (!/^https?:\/\/[^/?#\\]/i.test(value)) return 'must name a host (http://host/...)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not a valid URL';
  }
  if (!url.hostname) return 'must name a host (http://host/...)';
  if (url.username || url.password) return 'must not contain credentials (user:password@)';
  return null;
}

export class ScanUrlDto extends SubmissionFieldsDto {
  @ApiProperty({ maxLength: MAX_URL_LENGTH, example: 'https://example.com/invoice.zip', description: 'http or https URL with a host and no credentials' })
  @ValidateBy({
    name: 'isScanUrl',
    validator: {
      validate: (value: unknown) => urlProblem(value) === null,
      defaultMessage: (args) => `url ${urlProblem(args?.value)}`,
    },
  })
  url: string;
}

export class ScanPriorityDto {
  @ApiProperty({ type: 'integer', example: 1, description: 'The priority the analysis was queued with' })
  applied: number;

  @ApiProperty({ type: 'integer', example: 3, description: "The highest priority the caller's user groups allow" })
  max_possible: number;
}

export class ScanSubmittedDto {
  @ApiProperty({ format: 'uuid', description: 'Poll `GET /api/scan/{flow_id}/report` or follow `GET /api/scan/{flow_id}/events`' })
  flow_id: string;

  @ApiProperty({ type: ScanPriorityDto })
  priority: ScanPriorityDto;
}
