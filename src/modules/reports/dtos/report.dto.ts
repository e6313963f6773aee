import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PagedResponseDto } from '../../../common/http/pagination.dto';
import { Verdict } from '../../../engine/types';
import { Report } from '../report.entity';

/** One report in a list: what a results table shows, never the whole document. */
export class ReportSummaryDto {
  @ApiProperty({ format: 'uuid', description: 'Report id' })
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The submission (flow) the report belongs to' })
  flow_id: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Report of the file this one was extracted from; null for a submitted file' })
  parent_id: string | null;

  @ApiProperty({ type: 'integer', example: 0, description: 'Extraction depth: 0 for the submitted file' })
  depth: number;

  @ApiProperty({ example: 'invoice.exe' })
  file_name: string;

  @ApiProperty({ nullable: true, type: String, example: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' })
  sha256: string | null;

  @ApiProperty({ example: 'PE32 executable (GUI) Intel 80386', description: 'File type as identified from the content' })
  file_type: string;

  @ApiProperty({ example: 'pe', description: 'Stable type key (pe, pdf, zip, ole, javascript ...)' })
  file_kind: string;

  @ApiProperty({ type: 'integer', example: 73802, description: 'Bytes' })
  size: number;

  @ApiProperty({ enum: Verdict, example: Verdict.Malicious })
  verdict: string;

  @ApiProperty({ example: 1, description: 'MetaDefender threat level: -1 (benign) .. 1 (malicious)' })
  threat_level: number;

  @ApiProperty({ type: [String], example: ['upx', 'packed'] })
  tags: string[];

  @ApiProperty({ type: String, format: 'date-time' })
  created_date: Date;

  @ApiProperty({ description: 'Private reports are visible only to the owner, the owner\'s access group and administrators' })
  is_private: boolean;

  static from(r: Report): ReportSummaryDto {
    return {
      id: r.id,
      flow_id: r.flowId,
      parent_id: r.parentId,
      depth: r.depth,
      file_name: r.fileName,
      sha256: r.sha256,
      file_type: r.fileType,
      file_kind: r.fileKind,
      size: Number(r.size),
      verdict: r.verdict,
      threat_level: r.threatLevel,
      tags: r.tags,
      created_date: r.createdAt,
      is_private: r.isPrivate,
    };
  }
}

export class ReportPageDto extends PagedResponseDto(ReportSummaryDto) {}

/** A file extracted from a report, directly or from one of its extracted files. */
export class ExtractedFileDto extends ReportSummaryDto {
  @ApiProperty({ nullable: true, type: String, example: 'archive-member', description: 'How the file came out of its parent' })
  relation: string | null;

  @ApiProperty({ example: 'invoice.zip/payload.exe', description: 'Where the file sits in the submission' })
  origin_path: string;
}

export class TagCountDto {
  @ApiProperty({ example: 'upx' })
  tag: string;

  @ApiProperty({ type: 'integer', example: 12, description: 'Your reports carrying the tag in the period' })
  count: number;
}

/**
 * The report of one analysed file (MetaDefender Sandbox field names). With `filter=` only the
 * selected fields are present; `id` always is.
 */
export class ReportDocumentDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiPropertyOptional({ format: 'uuid' })
  flowId?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Position in the submission\'s file tree: 0 for the submitted file' })
  fileIndex?: number;

  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String })
  parentId?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'archive-member' })
  relation?: string | null;

  @ApiPropertyOptional({ example: 'invoice.zip/payload.exe' })
  originPath?: string;

  @ApiPropertyOptional({
    description: 'name, hash (SHA-256), type, mime, kind, size',
    example: { name: 'payload.exe', hash: '275a…fd0f', type: 'PE32 executable (GUI) Intel 80386', mime: 'application/vnd.microsoft.portable-executable', kind: 'pe', size: 73802 },
  })
  file?: Record<string, unknown>;

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  created_date?: string;

  @ApiPropertyOptional({ enum: ['success', 'failed'] })
  overallState?: string;

  @ApiPropertyOptional({ description: 'verdict, threatLevel, confidence', example: { verdict: 'MALICIOUS', threatLevel: 1, confidence: 0.91 } })
  finalVerdict?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, example: [{ source: 'engine', isRootTag: true, tag: { name: 'upx' } }] })
  allTags?: unknown[];

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, description: 'One group per fired signal, with its evidence and MITRE ATT&CK techniques' })
  allSignalGroups?: unknown[];

  @ApiPropertyOptional({ description: 'Indicators by type: `{ domain: [{ value, origins }] }`', example: { domain: [{ value: 'evil.example', origins: ['strings'] }] } })
  iocs?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Facts per analyzer, plus digests' })
  resources?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, description: 'Files extracted from this one (reportId, name, sha256, type, relation, verdict)' })
  extractedFiles?: unknown[];

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' }, description: 'What could not be analysed, and why' })
  issues?: unknown[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  taskReference?: Record<string, unknown>;

  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } })
  subtaskReferences?: unknown[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  scanOptions?: Record<string, unknown>;
}
