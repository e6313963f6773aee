import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { AppError, ErrorSource } from '../app-error.entity';

export const ERROR_SORTS = ['date', 'count', 'note'] as const;
export type ErrorSort = (typeof ERROR_SORTS)[number];

export class ErrorFilterQueryDto {
  @ApiPropertyOptional({ enum: ErrorSource, enumName: 'ErrorSource', description: '`server`: errors the API or the worker hit; `client`: errors reported by a browser' })
  @IsOptional() @IsEnum(ErrorSource)
  type?: ErrorSource;

  @ApiPropertyOptional({ description: 'Matches any part of the error message (case-insensitive)', maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200)
  filter?: string;
}

export class ListErrorsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: ErrorSource, enumName: 'ErrorSource', description: '`server`: errors the API or the worker hit; `client`: errors reported by a browser' })
  @IsOptional() @IsEnum(ErrorSource)
  type?: ErrorSource;

  @ApiPropertyOptional({ description: 'Matches any part of the error message (case-insensitive)', maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200)
  filter?: string;

  @ApiPropertyOptional({ enum: ERROR_SORTS, default: 'date', description: '`date`: last seen, newest first; `count`: most frequent first; `note`: noted errors first, by note' })
  @IsOptional() @IsIn(ERROR_SORTS)
  sort: ErrorSort = 'date';
}

export class AppErrorDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ErrorSource, enumName: 'ErrorSource' })
  type: ErrorSource;

  @ApiProperty({ example: 'TypeError', description: 'Class (name) of the error' })
  error_class: string;

  @ApiProperty({ description: 'Message of the latest occurrence, with credentials and query-string values removed' })
  message: string;

  @ApiProperty({ type: String, nullable: true, description: 'Stack of the latest occurrence (at most 40 lines), secrets removed' })
  stack: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'ReportsService.get (src/modules/reports/reports.service.ts)', description: 'First stack frame in the platform\'s own code: part of what groups occurrences' })
  top_frame: string | null;

  @ApiProperty({ type: 'integer', example: 3, description: 'Occurrences in this group' })
  count: number;

  @ApiProperty({ type: String, format: 'date-time' })
  first_seen: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  last_seen: Date;

  @ApiProperty({ type: String, nullable: true, description: 'Correlation id (X-Request-Id) of the latest occurrence: find its log lines with it' })
  last_correlation_id: string | null;

  @ApiProperty({ type: Object, nullable: true, description: 'Where it happened: method, path and status of the request; page URL of a client error; component of background work' })
  context: Record<string, unknown> | null;

  @ApiProperty({ type: String, nullable: true })
  note: string | null;

  static from(e: AppError): AppErrorDto {
    return {
      id: e.id,
      type: e.source,
      error_class: e.errorClass,
      message: e.message,
      stack: e.stack,
      top_frame: e.topFrame,
      count: e.count,
      first_seen: e.firstSeen,
      last_seen: e.lastSeen,
      last_correlation_id: e.lastCorrelationId,
      context: e.context,
      note: e.note,
    };
  }
}

export class AppErrorPageDto extends PagedResponseDto(AppErrorDto) {}

export class NoteDto {
  @ApiProperty({ maxLength: 2000, example: 'Known: fixed in 1.4.2', description: 'The note; an empty string removes it' })
  @IsString() @MaxLength(2000)
  note: string;
}

export class RemovedCountDto {
  @ApiProperty({ type: 'integer', example: 3 })
  deleted: number;
}

/** Longest client report fields accepted (422 above); what is stored is cut further (see error-fingerprint.ts). */
export class ClientErrorDto {
  @ApiProperty({ maxLength: 4000, example: "Cannot read properties of undefined (reading 'verdict')" })
  @IsString() @MinLength(1) @MaxLength(4000)
  message: string;

  @ApiPropertyOptional({ maxLength: 200, example: 'TypeError', description: 'Error class (name)' })
  @IsOptional() @IsString() @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 16000, description: 'Stack trace; only the first 40 lines are kept' })
  @IsOptional() @IsString() @MaxLength(16000)
  stack?: string;

  @ApiPropertyOptional({ maxLength: 2000, example: 'https://sandbox.example.com/reports/123', description: 'Page the error happened on; query-string values are not stored' })
  @IsOptional() @IsString() @MaxLength(2000)
  url?: string;
}
