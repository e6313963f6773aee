import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export const TAXII_MAX_PAGE_SIZE = 1000;
export const TAXII_DEFAULT_PAGE_SIZE = 100;

/** TAXII lists are comma-separated; a repeated parameter (`match[type]=a&match[type]=b`) counts the same. */
const joinList = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.join(',') : value);
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const TYPES = /^[a-z][a-z0-9-]*[a-z0-9](,[a-z][a-z0-9-]*[a-z0-9])*$/;
const IDS = /^[a-z][a-z0-9-]*[a-z0-9]--[0-9a-fA-F-]{36}(,[a-z][a-z0-9-]*[a-z0-9]--[0-9a-fA-F-]{36})*$/;
const VERSIONS = /^(first|last|all|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z)(,(first|last|all|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z))*$/;

/** Paging and the filters every object-listing endpoint takes (TAXII 2.1 §3.4, §3.5). */
export class TaxiiPageQueryDto {
  @ApiPropertyOptional({ description: 'Only objects added after this time (RFC 3339, UTC, up to microseconds), e.g. the last X-TAXII-Date-Added-Last', example: '2026-01-01T00:00:00.000000Z' })
  @IsOptional() @IsString() @Matches(TIMESTAMP, { message: 'added_after must be an RFC 3339 timestamp in UTC, e.g. 2026-01-01T00:00:00.000Z' })
  added_after?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: TAXII_MAX_PAGE_SIZE, default: TAXII_DEFAULT_PAGE_SIZE, description: 'Most objects in one response' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(TAXII_MAX_PAGE_SIZE)
  limit: number = TAXII_DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'The `next` value of the previous response, to get the following page (with the same filters)' })
  @IsOptional() @IsString() @MaxLength(200)
  next?: string;

  @ApiPropertyOptional({ name: 'match[version]', description: '`last` (default), `first`, `all` or timestamps, comma-separated. Every object here has one version.' })
  @IsOptional() @Transform(joinList) @IsString() @MaxLength(2000) @Matches(VERSIONS, { message: 'match[version] must be first, last, all or RFC 3339 timestamps, comma-separated' })
  'match[version]'?: string;

  @ApiPropertyOptional({ name: 'match[spec_version]', description: 'STIX versions, comma-separated; this server serves 2.1' })
  @IsOptional() @Transform(joinList) @IsString() @MaxLength(100) @Matches(/^\d\.\d(,\d\.\d)*$/, { message: 'match[spec_version] must be versions such as 2.1, comma-separated' })
  'match[spec_version]'?: string;
}

export class TaxiiObjectsQueryDto extends TaxiiPageQueryDto {
  @ApiPropertyOptional({ name: 'match[type]', description: 'STIX object types, comma-separated (e.g. `indicator,malware`)' })
  @IsOptional() @Transform(joinList) @IsString() @MaxLength(2000) @Matches(TYPES, { message: 'match[type] must be STIX object types, comma-separated' })
  'match[type]'?: string;

  @ApiPropertyOptional({ name: 'match[id]', description: 'STIX object ids, comma-separated' })
  @IsOptional() @Transform(joinList) @IsString() @MaxLength(20000) @Matches(IDS, { message: 'match[id] must be STIX ids (type--uuid), comma-separated' })
  'match[id]'?: string;
}

export class TaxiiDiscoveryDto {
  @ApiProperty({ example: 'Sandbox platform TAXII server' })
  title: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ example: 'https://sandbox.example.com/taxii2/api/', description: 'The default API root' })
  default: string;

  @ApiProperty({ type: [String], example: ['https://sandbox.example.com/taxii2/api/'] })
  api_roots: string[];
}

export class TaxiiApiRootDto {
  @ApiProperty({ example: 'Sandbox analyses' })
  title: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ type: [String], example: ['application/taxii+json;version=2.1'] })
  versions: string[];

  @ApiProperty({ type: 'integer', example: 1048576, description: 'Largest request body accepted (this API root is read-only)' })
  max_content_length: number;
}

export class TaxiiCollectionDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Public analyses' })
  title: string;

  @ApiProperty()
  description: string;

  @ApiProperty({ example: true })
  can_read: boolean;

  @ApiProperty({ example: false })
  can_write: boolean;

  @ApiProperty({ type: [String], example: ['application/stix+json;version=2.1'] })
  media_types: string[];
}

export class TaxiiCollectionsDto {
  @ApiProperty({ type: [TaxiiCollectionDto] })
  collections: TaxiiCollectionDto[];
}

export class TaxiiEnvelopeDto {
  @ApiProperty({ description: 'Whether more objects match: ask again with `next`' })
  more: boolean;

  @ApiPropertyOptional({ description: 'Pass as `next` to get the following page' })
  next?: string;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object', additionalProperties: true }, description: 'STIX 2.1 objects; left out when none match' })
  objects?: Record<string, unknown>[];
}

export class TaxiiManifestRecordDto {
  @ApiProperty({ example: 'indicator--c2a8a9f4-6f8d-5c52-9d8e-0f4a1d6c3b21' })
  id: string;

  @ApiProperty({ example: '2026-03-04T05:06:07.089123Z', description: 'When the object was added to the collection (the report creation time)' })
  date_added: string;

  @ApiProperty({ example: '2026-03-04T05:06:07.089Z', description: 'The object version: its `modified`, else `created`, else `date_added`' })
  version: string;

  @ApiProperty({ example: 'application/stix+json;version=2.1' })
  media_type: string;
}

export class TaxiiManifestDto {
  @ApiProperty()
  more: boolean;

  @ApiPropertyOptional()
  next?: string;

  @ApiPropertyOptional({ type: [TaxiiManifestRecordDto] })
  objects?: TaxiiManifestRecordDto[];
}
