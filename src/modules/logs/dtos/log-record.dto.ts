import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { LogRecord } from '../log-record.entity';

export const LOG_LEVELS = ['warn', 'error', 'fatal'] as const;
export const LOG_SORTS = ['date', 'note'] as const;
export const LOG_LEVEL_VALUES: Record<(typeof LOG_LEVELS)[number], number> = { warn: 40, error: 50, fatal: 60 };

const FILTER_DESCRIPTION = "Matches any part of the record's `key` or message, or the beginning of its `related_url` or `note` (case-insensitive)";

export class LogFilterQueryDto {
  @ApiPropertyOptional({ description: FILTER_DESCRIPTION, maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200)
  filter?: string;

  @ApiPropertyOptional({ enum: LOG_LEVELS, description: 'This level and above' })
  @IsOptional() @IsIn(LOG_LEVELS)
  level?: (typeof LOG_LEVELS)[number];

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Records logged at or after this time' })
  @IsOptional() @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Records logged before this time' })
  @IsOptional() @IsDateString({ strict: true })
  to?: string;
}

export class ListLogsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: FILTER_DESCRIPTION, maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200)
  filter?: string;

  @ApiPropertyOptional({ enum: LOG_LEVELS, description: 'This level and above' })
  @IsOptional() @IsIn(LOG_LEVELS)
  level?: (typeof LOG_LEVELS)[number];

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Records logged at or after this time' })
  @IsOptional() @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Records logged before this time' })
  @IsOptional() @IsDateString({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: LOG_SORTS, default: 'date', description: '`date`: newest first; `note`: noted records first, by note' })
  @IsOptional() @IsIn(LOG_SORTS)
  sort: (typeof LOG_SORTS)[number] = 'date';
}

export class LogRecordSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at: Date;

  @ApiProperty({ enum: LOG_LEVELS })
  level: string;

  @ApiProperty({ example: 'JobQueue', description: 'Kind of event: the key the code logged, else its component' })
  key: string;

  @ApiProperty()
  message: string;

  @ApiProperty({ type: String, nullable: true, example: 'GET /api/reports/…', description: 'The request or URL the record is about' })
  related_url: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'Correlation id (X-Request-Id) of the request it was logged in' })
  correlation_id: string | null;

  @ApiProperty({ type: String, nullable: true })
  note: string | null;

  static from(r: LogRecord): LogRecordSummaryDto {
    return {
      id: r.id,
      created_at: r.createdAt,
      level: r.level,
      key: r.key,
      message: r.message,
      related_url: r.relatedUrl,
      correlation_id: r.correlationId,
      note: r.note,
    };
  }
}

export class LogRecordDto extends LogRecordSummaryDto {
  @ApiProperty({ type: Object, nullable: true, description: "The record's other fields (error with stack, component, ids ...), at most 8 KB" })
  data: Record<string, unknown> | null;

  static full(r: LogRecord): LogRecordDto {
    return { ...LogRecordSummaryDto.from(r), data: r.data };
  }
}

export class LogRecordPageDto extends PagedResponseDto(LogRecordSummaryDto) {}
