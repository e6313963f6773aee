import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { ScanOptionsDto } from '../../scan/dtos/scan.dto';
import { BOOLEAN_MESSAGE, toBoolean } from '../../scan/scan-options';
import { FlowState } from '../../scan/flow.entity';
import { ScanSourceType, SourceFileState, SubjobState } from '../scan-source.entity';

const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;

export class SaveScanSourceDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The source to change; without it a new source is added. Fields left out keep their values.' })
  @IsOptional() @IsUUID()
  id?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'Mail gateway drop folder', description: 'Unique name (required for a new source)' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(100) @Matches(NO_CONTROL, { message: 'name must not contain control characters' })
  name?: string;

  @ApiPropertyOptional({ enum: ScanSourceType, enumName: 'ScanSourceType', description: '`directory`: a watched directory on this server; `s3`: an S3-compatible bucket (required for a new source)' })
  @IsOptional() @IsEnum(ScanSourceType)
  type?: ScanSourceType;

  @ApiPropertyOptional({ type: Boolean, default: true, description: 'Disabled sources are not polled' })
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: BOOLEAN_MESSAGE })
  enabled?: boolean;

  @ApiPropertyOptional({
    example: '/srv/sandbox-inbox/mail-gateway',
    maxLength: 4096,
    description: 'For `directory`: an absolute path inside one of the SCAN_SOURCE_ROOTS (checked after resolving symbolic links)',
  })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(4096) @Matches(NO_CONTROL, { message: 'directory_path must not contain control characters' })
  directory_path?: string;

  @ApiPropertyOptional({ example: 'https://s3.eu-central-1.amazonaws.com', description: 'For `s3`: the endpoint URL (AWS when left out)' })
  @IsOptional() @IsString() @MaxLength(2048) @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/, { message: 's3_endpoint must be an http:// or https:// URL' })
  s3_endpoint?: string;

  @ApiPropertyOptional({ example: 'us-east-1', default: 'us-east-1' })
  @IsOptional() @IsString() @Matches(/^[a-z0-9-]{1,64}$/, { message: 's3_region must be a region name such as us-east-1' })
  s3_region?: string;

  @ApiPropertyOptional({ example: 'incoming-samples', description: 'For `s3`: the bucket name (required)' })
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 's3_bucket must be a bucket name (3-63 lower-case letters, digits, dots, hyphens)' })
  s3_bucket?: string;

  @ApiPropertyOptional({ example: 'quarantine/', default: '', description: 'For `s3`: only keys starting with this prefix' })
  @IsOptional() @IsString() @MaxLength(1024) @Matches(NO_CONTROL, { message: 's3_prefix must not contain control characters' })
  s3_prefix?: string;

  @ApiPropertyOptional({ example: 'AKIAIOSFODNN7EXAMPLE', description: 'For `s3`: the access key id (required)' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(256) @Matches(/^[\x21-\x7e]+$/, { message: 's3_access_key_id must be printable ASCII without spaces' })
  s3_access_key_id?: string;

  @ApiPropertyOptional({ format: 'password', writeOnly: true, description: 'For `s3`: the secret access key; stored encrypted, never answered. Leave out to keep the current one.' })
  @IsOptional() @IsString() @MinLength(1) @MaxLength(256) @Matches(/^[\x21-\x7e]+$/, { message: 's3_secret_access_key must be printable ASCII without spaces' })
  s3_secret_access_key?: string;

  @ApiPropertyOptional({ type: Boolean, default: true, description: 'Path-style bucket addressing (most S3-compatible servers need it)' })
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: BOOLEAN_MESSAGE })
  s3_force_path_style?: boolean;

  @ApiPropertyOptional({ type: ScanOptionsDto, description: 'Scan option switches every file of this source is submitted with' })
  @IsOptional() @ValidateNested() @Type(() => ScanOptionsDto)
  scan_options?: ScanOptionsDto;

  @ApiPropertyOptional({ type: [String], example: ['mail-gateway'], description: 'Tags given to every submission (at most 50, each at most 64 characters)' })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(64, { each: true })
  @Matches(NO_CONTROL, { each: true, message: 'tags must not contain control characters' })
  tags?: string[];

  @ApiPropertyOptional({ type: Boolean, default: false, description: 'Submissions are private to the owning administrator and their access group' })
  @IsOptional() @Transform(toBoolean) @IsBoolean({ message: BOOLEAN_MESSAGE })
  is_private?: boolean;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 10000, default: 100, description: 'Most files submitted per poll (capped by SCAN_SOURCE_MAX_FILES); the rest wait for the next poll' })
  @IsOptional() @IsInt() @Min(1) @Max(10000)
  max_files_per_poll?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 60, maximum: 86400, default: 300, description: 'Seconds between scheduled polls' })
  @IsOptional() @IsInt() @Min(60) @Max(86400)
  poll_interval?: number;
}

export class ScanSourceDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ScanSourceType, enumName: 'ScanSourceType' })
  type: ScanSourceType;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The resolved directory (directory sources)' })
  directory_path: string | null;

  @ApiProperty({ type: String, nullable: true })
  s3_endpoint: string | null;

  @ApiProperty({ type: String, nullable: true })
  s3_region: string | null;

  @ApiProperty({ type: String, nullable: true })
  s3_bucket: string | null;

  @ApiProperty()
  s3_prefix: string;

  @ApiProperty({ type: String, nullable: true })
  s3_access_key_id: string | null;

  @ApiProperty({ description: 'Whether a secret access key is stored (the key itself is never answered)' })
  s3_secret_set: boolean;

  @ApiProperty()
  s3_force_path_style: boolean;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'boolean' }, description: 'Scan option switches set for this source' })
  scan_options: Record<string, boolean>;

  @ApiProperty({ type: [String] })
  tags: string[];

  @ApiProperty()
  is_private: boolean;

  @ApiProperty({ type: 'integer' })
  max_files_per_poll: number;

  @ApiProperty({ type: 'integer' })
  poll_interval: number;

  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'The administrator files are submitted as' })
  owner_id: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_polled_at: Date | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updated_at: Date;
}

export class ScanSourcePageDto extends PagedResponseDto(ScanSourceDto) {}

export class ListScanSourcesQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: ScanSourceType, enumName: 'ScanSourceType' })
  @IsOptional() @IsEnum(ScanSourceType)
  type?: ScanSourceType;
}

export class RemoveScanSourcesDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: 100, description: 'Sources to remove, with the files recorded from them and their subjobs' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsUUID('all', { each: true })
  ids: string[];
}

export class RemovedScanSourcesDto {
  @ApiProperty({ type: 'integer', example: 1, description: 'Sources removed (ids that matched none are ignored)' })
  removed: number;
}

export class ConnectionCheckDto {
  @ApiProperty({ description: 'Whether the source could be listed (and, for S3, the bucket reached with these credentials)' })
  ok: boolean;

  @ApiProperty({ example: 'bucket incoming-samples reachable; 12 objects under the prefix (first page)', description: 'What was found, or why it failed' })
  reason: string;

  @ApiProperty({ type: String, format: 'date-time' })
  checked_at: Date;
}

export class SubjobItemDto {
  @ApiProperty({ example: 'invoices/invoice-4711.pdf', description: 'Relative to the directory, or the object key' })
  path: string;

  @ApiProperty({ type: 'integer' })
  size: number;

  @ApiProperty({ enum: SourceFileState, enumName: 'ScanSourceFileState' })
  state: SourceFileState;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  flow_id: string | null;
}

export class SubjobDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  source_id: string;

  @ApiProperty({ example: 'schedule', description: '`schedule`, or `manual` when an administrator ran the job' })
  trigger: string;

  @ApiProperty({ enum: SubjobState, enumName: 'ScanSourceSubjobState' })
  state: SubjobState;

  @ApiProperty({ type: 'integer', description: 'Files listed in the source' })
  found: number;

  @ApiProperty({ type: 'integer' })
  submitted: number;

  @ApiProperty({ type: 'integer', description: 'Not submitted, for good (too large, symbolic link ...)' })
  skipped: number;

  @ApiProperty({ type: 'integer' })
  failed: number;

  @ApiProperty({ type: 'integer', description: 'Left for a later poll (still changing, or over the per-poll limit)' })
  waiting: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why the whole poll failed' })
  error: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  started_at: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finished_at: Date | null;
}

export class SubjobDetailDto extends SubjobDto {
  @ApiProperty({ type: [SubjobItemDto], description: 'Every file this poll acted on, with what happened and why' })
  items: SubjobItemDto[];
}

export class SubjobPageDto extends PagedResponseDto(SubjobDto) {}

export class ListSubjobsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  source_id?: string;

  @ApiPropertyOptional({ enum: SubjobState, enumName: 'ScanSourceSubjobState' })
  @IsOptional() @IsEnum(SubjobState)
  state?: SubjobState;
}

export class SourceFileDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  source_id: string;

  @ApiProperty()
  source_name: string;

  @ApiProperty({ example: 'invoices/invoice-4711.pdf' })
  path: string;

  @ApiProperty({ type: 'integer' })
  size: number;

  @ApiProperty({ enum: SourceFileState, enumName: 'ScanSourceFileState' })
  state: SourceFileState;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The flow it was submitted as: `GET /api/scan/{flow_id}/report`' })
  flow_id: string | null;

  @ApiProperty({ enum: FlowState, enumName: 'FlowState', nullable: true })
  flow_state: FlowState | null;

  @ApiProperty({ type: String, nullable: true, example: 'malicious', description: 'Final verdict once analysed' })
  verdict: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Report of the file itself: `GET /api/reports/{report_id}`' })
  report_id: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  first_seen_at: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updated_at: Date;
}

export class SourceFilePageDto extends PagedResponseDto(SourceFileDto) {}

export class ListSourceFilesQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID()
  source_id?: string;

  @ApiPropertyOptional({ enum: SourceFileState, enumName: 'ScanSourceFileState' })
  @IsOptional() @IsEnum(SourceFileState)
  state?: SourceFileState;
}
