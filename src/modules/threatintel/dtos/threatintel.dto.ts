import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDateString,
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
} from 'class-validator';
import { IocType, Verdict } from '../../../engine/types';
import { ReportSummaryDto } from '../../reports/dtos/report.dto';
import { normaliseVerdict, splitList } from '../../reports/dtos/report-query.dto';

export const MAX_PREVALENCE_IOCS = 100;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const trimEach = ({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v.trim() : v)) : value);
const verdictList = (p: { value: unknown }) => {
  const list = splitList(p);
  return Array.isArray(list) ? list.map((v) => normaliseVerdict(String(v))) : list;
};
const lowerList = (p: { value: unknown }) => {
  const list = splitList(p);
  return Array.isArray(list) ? list.map((v) => String(v).toLowerCase()) : list;
};
const VERDICTS = Object.values(Verdict).join(', ');
const IOC_TYPES = Object.values(IocType).join(', ');

// ------------------------------------------------------------------ prevalence

export class PrevalenceRequestDto {
  @ApiProperty({
    type: [String],
    minItems: 1,
    maxItems: MAX_PREVALENCE_IOCS,
    description: `IOCs of any type: MD5/SHA-1/SHA-256/SHA-512 hashes, domains, IPs, URLs, e-mail addresses ... (1 to ${MAX_PREVALENCE_IOCS}). Hashes and domains match case-insensitively.`,
    example: ['evil.example', '203.0.113.7', '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f'],
  })
  @Transform(trimEach) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_PREVALENCE_IOCS)
  @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(2048, { each: true })
  iocs: string[];
}

export class VerdictCountsDto {
  @ApiProperty({ type: 'integer' }) BENIGN: number;
  @ApiProperty({ type: 'integer' }) UNKNOWN: number;
  @ApiProperty({ type: 'integer' }) NO_THREAT: number;
  @ApiProperty({ type: 'integer' }) INFORMATIONAL: number;
  @ApiProperty({ type: 'integer' }) SUSPICIOUS: number;
  @ApiProperty({ type: 'integer' }) LIKELY_MALICIOUS: number;
  @ApiProperty({ type: 'integer' }) MALICIOUS: number;
}

export class IocPrevalenceDto {
  @ApiProperty({ description: 'The IOC as asked', example: 'evil.example' })
  ioc: string;

  @ApiProperty({ description: 'Whether any report visible to you names it' })
  found: boolean;

  @ApiProperty({ type: [String], description: `IOC types it was recorded as (${IOC_TYPES})`, example: ['domain'] })
  types: string[];

  @ApiProperty({ type: 'integer', description: 'Reports (analysed files, extracted ones included) that name it' })
  reports: number;

  @ApiProperty({ type: 'integer', description: 'Submissions (flows) those reports belong to' })
  submissions: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Creation time of the first such report' })
  first_seen: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Creation time of the latest such report' })
  last_seen: Date | null;

  @ApiProperty({ type: VerdictCountsDto, description: 'Those reports by verdict' })
  verdicts: VerdictCountsDto;
}

// ------------------------------------------------------------------ modify verdict

export class ModifyVerdictDto {
  @ApiProperty({ format: 'uuid', description: 'The report whose verdict changes' })
  @IsUUID('all')
  report_id: string;

  @ApiProperty({ enum: Verdict, enumName: 'Verdict', description: `The new verdict: ${VERDICTS} (case-insensitive)` })
  @Transform(({ value }) => (typeof value === 'string' ? normaliseVerdict(value) : value))
  @IsEnum(Verdict, { message: `verdict must be among ${VERDICTS}` })
  verdict: Verdict;

  @ApiProperty({ description: 'Why: shown with the change and kept in the audit log', minLength: 3, maxLength: 2000, example: 'Confirmed Emotet loader by manual analysis' })
  @Transform(trim) @IsString() @MinLength(3) @MaxLength(2000)
  reason: string;
}

export class VerdictChangeDto {
  @ApiProperty({ format: 'uuid', description: 'Id of the change record' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  report_id: string;

  @ApiProperty({ format: 'uuid' })
  flow_id: string;

  @ApiProperty({ enum: Verdict, enumName: 'Verdict' })
  previous_verdict: string;

  @ApiProperty({ enum: Verdict, enumName: 'Verdict' })
  verdict: string;

  @ApiProperty({ example: 1, description: 'The new threat level (MetaDefender scale)' })
  threat_level: number;

  @ApiProperty({ enum: Verdict, enumName: 'Verdict', nullable: true, description: 'The submission\'s verdict after the change (the most severe of its files); null while it is not finished' })
  flow_verdict: string | null;

  @ApiProperty()
  reason: string;

  @ApiProperty({ description: 'E-mail of the analyst who changed it' })
  changed_by: string;

  @ApiProperty({ type: String, format: 'date-time' })
  changed_at: Date;
}

// ------------------------------------------------------------------ similars

export class SimilarsQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The report to find similar files for (or give `sha256`)' })
  @IsOptional() @IsUUID('all')
  report_id?: string;

  @ApiPropertyOptional({ description: 'SHA-256 of the file to find similar files for (its latest visible report is used)' })
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @Matches(/^[0-9a-f]{64}$/, { message: 'sha256 must be 64 hexadecimal digits' })
  sha256?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50, description: 'Least ssdeep score (0-100, higher is closer) for an ssdeep match' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  min_ssdeep_score: number = 50;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 300, default: 50, description: 'Largest TLSH distance (0 = identical) for a TLSH match' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(300)
  max_tlsh_distance: number = 50;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Most similar reports returned' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit: number = 50;
}

export enum SimilarityKind {
  Imphash = 'imphash',
  Authentihash = 'authentihash',
  Ssdeep = 'ssdeep',
  Tlsh = 'tlsh',
}

export class SimilarReportDto extends ReportSummaryDto {
  @ApiProperty({ enum: SimilarityKind, isArray: true, description: 'Which hashes matched' })
  matched_by: SimilarityKind[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'ssdeep score against the subject (0-100); null without an ssdeep match' })
  ssdeep_score: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'TLSH distance to the subject; null without a TLSH match' })
  tlsh_distance: number | null;
}

export class SimilarsDto {
  @ApiProperty({ format: 'uuid', description: 'The subject report' })
  report_id: string;

  @ApiProperty({ nullable: true, type: String })
  sha256: string | null;

  @ApiProperty({ nullable: true, type: String })
  imphash: string | null;

  @ApiProperty({ nullable: true, type: String })
  authentihash: string | null;

  @ApiProperty({ nullable: true, type: String })
  ssdeep: string | null;

  @ApiProperty({ nullable: true, type: String })
  tlsh: string | null;

  @ApiProperty({ type: [SimilarReportDto], description: 'Other files (not the subject\'s own content), closest first: exact special-hash matches, then by ssdeep score and TLSH distance' })
  similars: SimilarReportDto[];
}

// ------------------------------------------------------------------ feed

export class IntelFeedQueryDto {
  @ApiPropertyOptional({ description: 'Continue after the last page: the `next_cursor` of the previous answer' })
  @IsOptional() @IsString() @MaxLength(300)
  cursor?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Without a cursor: start with reports created at or after this time (default: 24 hours ago)' })
  @IsOptional() @IsDateString({ strict: true })
  since?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'Reports per page' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500)
  limit: number = 100;
}

export class FeedIocDto {
  @ApiProperty({ example: 'domain' }) type: string;
  @ApiProperty({ example: 'evil.example' }) value: string;
  @ApiProperty({ type: [String], example: ['strings'] }) origins: string[];
  @ApiProperty({ description: 'Name of the analysed file it was found in', example: 'invoice.zip/payload.exe' }) found_in: string;
}

export class FeedSignalDto {
  @ApiProperty({ example: 'yara.match' }) identifier: string;
  @ApiProperty({ enum: Verdict, enumName: 'Verdict' }) verdict: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String], example: ['T1059.001'], description: 'ATT&CK technique ids' }) mitre: string[];
  @ApiProperty({ description: 'Name of the analysed file that raised it' }) found_in: string;
}

export class IntelFeedItemDto {
  @ApiProperty({ format: 'uuid' }) report_id: string;
  @ApiProperty({ format: 'uuid' }) flow_id: string;
  @ApiProperty({ nullable: true, type: String }) sha256: string | null;
  @ApiProperty() file_name: string;
  @ApiProperty() file_type: string;
  @ApiProperty() file_kind: string;
  @ApiProperty({ type: 'integer' }) size: number;
  @ApiProperty({ enum: Verdict, enumName: 'Verdict' }) verdict: string;
  @ApiProperty() threat_level: number;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: String, format: 'date-time' }) created_date: Date;
  @ApiProperty({ type: [FeedIocDto], description: 'Every IOC of the submission, extracted files included (not the files\' own digests)' }) iocs: FeedIocDto[];
  @ApiProperty({ type: [FeedSignalDto], description: 'Every signal the submission\'s files raised' }) signals: FeedSignalDto[];
}

export class IntelFeedPageDto {
  @ApiProperty({ type: [IntelFeedItemDto], description: 'Public submissions, oldest first' })
  items: IntelFeedItemDto[];

  @ApiProperty({ description: 'Pass as `cursor` for the next page; when `has_more` is false, poll again later with it' })
  next_cursor: string;

  @ApiProperty({ description: 'Whether more settled reports follow right now' })
  has_more: boolean;
}

// ------------------------------------------------------------------ IOC download

export class DownloadIocsQueryDto {
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only reports created at or after this time' })
  @IsOptional() @IsDateString({ strict: true })
  since?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Only reports created before this time' })
  @IsOptional() @IsDateString({ strict: true })
  until?: string;

  @ApiPropertyOptional({ type: String, description: `Comma-separated IOC types: ${IOC_TYPES}`, example: 'domain,ip,url' })
  @IsOptional() @Transform(lowerList) @IsArray() @ArrayMaxSize(10) @IsEnum(IocType, { each: true, message: `type must be among ${IOC_TYPES}` })
  type?: IocType[];

  @ApiPropertyOptional({ type: String, description: `Comma-separated verdicts: ${VERDICTS}`, example: 'MALICIOUS,LIKELY_MALICIOUS' })
  @IsOptional() @Transform(verdictList) @IsArray() @ArrayMaxSize(7) @IsEnum(Verdict, { each: true, message: `verdict must be among ${VERDICTS}` })
  verdict?: Verdict[];

  @ApiPropertyOptional({ description: 'Include the files\' own digests (md5/sha1/sha256/sha512 of each analysed file); default false' })
  @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean()
  include_file_hashes?: boolean;
}
