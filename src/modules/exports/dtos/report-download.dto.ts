import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsIn, IsOptional } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { DownloadState, ExportFormat, GENERATED_FORMATS, ReportDownload } from '../report-download.entity';

export class StartDownloadQueryDto {
  @ApiProperty({ enum: GENERATED_FORMATS, description: 'The format to generate: `html` or `pdf` (MISP and STIX need no start)' })
  @IsIn(GENERATED_FORMATS, { message: 'format must be one of: html, pdf' })
  format: ExportFormat;
}

export class DownloadQueryDto {
  @ApiProperty({ enum: ExportFormat, enumName: 'ExportFormat', description: 'The format to download' })
  @IsEnum(ExportFormat, { message: 'format must be one of: html, pdf, misp, stix' })
  format: ExportFormat;
}

export class ListDownloadsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: ExportFormat, enumName: 'ExportFormat', description: 'Only this format' })
  @IsOptional() @IsEnum(ExportFormat, { message: 'format must be one of: html, pdf, misp, stix' })
  format?: ExportFormat;

  @ApiPropertyOptional({ enum: DownloadState, enumName: 'DownloadState', description: 'Only downloads in this state' })
  @IsOptional() @IsEnum(DownloadState, { message: 'state must be one of: pending, processing, ready, failed' })
  state?: DownloadState;
}

/** A report export of the caller: its state, size and times. */
export class ReportDownloadDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  report_id: string;

  @ApiProperty({ enum: ExportFormat, enumName: 'ExportFormat' })
  format: ExportFormat;

  @ApiProperty({
    enum: DownloadState,
    enumName: 'DownloadState',
    description: '`pending`: queued; `processing`: being generated; `ready`: download it; `failed`: see `error`, then start again',
  })
  state: DownloadState;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Bytes of the generated file (MISP, STIX: of the last one served)', example: 48213 })
  size: number | null;

  @ApiProperty({ description: 'The name the file is served under', example: 'report-0f6b3a52-4c1e-4e0b-9a55-0c1a1f3f6c11.pdf' })
  file_name: string;

  @ApiProperty({ type: 'integer', description: 'How often you downloaded it', example: 1 })
  download_count: number;

  @ApiProperty({ type: String, nullable: true, description: 'Why the generation failed' })
  error: string | null;

  @ApiProperty({ type: String, format: 'date-time', description: 'When it was (last) started' })
  requested_at: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When a worker began generating it' })
  started_at: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was ready' })
  ready_at: Date | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_downloaded_at: Date | null;

  static from(row: ReportDownload): ReportDownloadDto {
    return {
      id: row.id,
      report_id: row.reportId!,
      format: row.format,
      state: row.state,
      size: row.size === null ? null : Number(row.size),
      file_name: exportFileName(row.reportId!, row.format),
      download_count: row.downloadCount,
      error: row.error,
      requested_at: row.requestedAt,
      started_at: row.startedAt,
      ready_at: row.readyAt,
      last_downloaded_at: row.lastDownloadedAt,
    };
  }
}

export class ReportDownloadPageDto extends PagedResponseDto(ReportDownloadDto) {}

/** The 202 answer while a file is being made. */
export class DownloadPendingDto {
  @ApiProperty({ enum: [DownloadState.Pending, DownloadState.Processing], example: DownloadState.Processing })
  state: DownloadState;

  @ApiProperty({ example: 'The PDF report is being generated: try again in a few seconds' })
  message: string;

  @ApiProperty({ format: 'uuid' })
  report_id: string;

  @ApiProperty({ enum: GENERATED_FORMATS })
  format: ExportFormat;

  @ApiProperty({ type: String, format: 'date-time' })
  requested_at: Date;
}

const EXTENSIONS: Record<ExportFormat, string> = {
  [ExportFormat.Html]: 'html',
  [ExportFormat.Pdf]: 'pdf',
  [ExportFormat.Misp]: 'misp.json',
  [ExportFormat.Stix]: 'stix.json',
};

/** Named by the report id (a UUID), never by the sample's own name, which may be hostile or revealing. */
export function exportFileName(reportId: string, format: ExportFormat): string {
  return `report-${reportId}.${EXTENSIONS[format]}`;
}
