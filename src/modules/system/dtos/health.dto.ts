import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { HealthCheckName, HealthStatus } from '../healthcheck.entity';

export class HealthCheckResultDto {
  @ApiProperty({ enum: HealthCheckName, example: HealthCheckName.Database })
  name: HealthCheckName;

  @ApiProperty({ enum: HealthStatus, example: HealthStatus.Ok })
  status: HealthStatus;

  @ApiProperty({ example: 3, description: 'How long the check took, milliseconds' })
  latencyMs: number;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'Why the check failed; null when it passed' })
  error: string | null;
}

/** The answer of GET /api/system/do-healthcheck (200 when every check is ok, 503 otherwise, same body). */
export class HealthReportDto {
  @ApiProperty({ enum: HealthStatus, description: '`ok` when every check passed, else `down`' })
  status: HealthStatus;

  @ApiProperty({ type: String, format: 'date-time' })
  checkedAt: Date;

  @ApiProperty({ example: 12, description: 'Time for all checks (they run in parallel), milliseconds' })
  durationMs: number;

  @ApiProperty({ type: [HealthCheckResultDto] })
  checks: HealthCheckResultDto[];
}

/** A recorded health check, as administrators see it. */
export class HealthcheckRecordDto extends HealthReportDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'api-1:4711', description: 'host:pid of the process that ran the check' })
  host: string;
}

/** A recorded health check without details: for status pages. */
export class HealthcheckSummaryDto {
  @ApiProperty({ type: String, format: 'date-time' })
  checkedAt: Date;

  @ApiProperty({ enum: HealthStatus })
  status: HealthStatus;
}

export class HealthcheckQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Checks at or after this time (ISO 8601)', example: '2026-01-01T00:00:00Z' })
  @IsOptional() @IsDateString()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Checks before this time (ISO 8601)' })
  @IsOptional() @IsDateString()
  to?: string;
}

export class HealthcheckRecordPageDto extends PagedResponseDto(HealthcheckRecordDto) {}

export class HealthcheckSummaryPageDto extends PagedResponseDto(HealthcheckSummaryDto) {}
