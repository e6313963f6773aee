import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsOptional, Matches } from 'class-validator';
import { AppRole } from '../../../config/app-config';
import { Verdict } from '../../../engine/types';

export class StatRangeQueryDto {
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-01T00:00:00Z', description: 'Start of the period (inclusive); default 30 days before `to`' })
  @IsOptional() @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2026-12-01T00:00:00Z', description: 'End of the period (exclusive); default now' })
  @IsOptional() @IsDateString({ strict: true })
  to?: string;
}

export class ScanStatesQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Only submissions created at or after this time' })
  @IsOptional() @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only submissions created before this time' })
  @IsOptional() @IsDateString({ strict: true })
  to?: string;
}

const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export class DailyStatQueryDto {
  @ApiPropertyOptional({ example: '2026-11-05', description: 'First day (UTC, YYYY-MM-DD); default 29 days before `to`' })
  @IsOptional() @Matches(DAY_PATTERN, { message: 'from must be a date YYYY-MM-DD' }) @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ example: '2026-12-04', description: 'Last day (UTC, YYYY-MM-DD, inclusive); default today. At most 366 days' })
  @IsOptional() @Matches(DAY_PATTERN, { message: 'to must be a date YYYY-MM-DD' }) @IsDateString({ strict: true })
  to?: string;
}

export class SubmissionCountsDto {
  @ApiProperty({ type: 'integer', description: 'Submissions (flows) created in the period' })
  total: number;

  @ApiProperty({ type: 'integer' })
  files: number;

  @ApiProperty({ type: 'integer' })
  urls: number;

  @ApiProperty({ type: 'integer', description: 'Of them, analyses that ended failed' })
  failed: number;
}

export class ReportCountsDto {
  @ApiProperty({ type: 'integer', description: 'Reports (analysed files) created in the period' })
  total: number;

  @ApiProperty({ type: 'integer', description: 'Submitted files' })
  submitted: number;

  @ApiProperty({ type: 'integer', description: 'Files extracted from them' })
  extracted: number;
}

export class StoredSamplesDto {
  @ApiProperty({ type: 'integer', description: 'Files in the sample store now' })
  count: number;

  @ApiProperty({ type: 'integer', description: 'Their total size, bytes' })
  bytes: number;
}

export class UserCountsDto {
  @ApiProperty({ type: 'integer' })
  total: number;

  @ApiProperty({ type: 'integer', description: 'Accounts not deactivated' })
  active: number;
}

export class AdminStatDto {
  @ApiProperty({ type: String, format: 'date-time' })
  from: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  to: Date;

  @ApiProperty({ type: SubmissionCountsDto })
  submissions: SubmissionCountsDto;

  @ApiProperty({ type: ReportCountsDto })
  reports: ReportCountsDto;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { MALICIOUS: 3, SUSPICIOUS: 1, NO_THREAT: 20 },
    description: `Submitted files in the period by verdict; every verdict is present (${Object.values(Verdict).join(', ')})`,
  })
  verdicts: Record<Verdict, number>;

  @ApiProperty({ type: StoredSamplesDto, description: 'Now, not limited to the period' })
  samples: StoredSamplesDto;

  @ApiProperty({ type: UserCountsDto, description: 'Now, not limited to the period' })
  users: UserCountsDto;
}

export class AdminDailyStatDto {
  @ApiProperty({ example: '2026-12-04', description: 'UTC day' })
  date: string;

  @ApiProperty({ type: 'integer', description: 'Submissions created that day' })
  submissions: number;

  @ApiProperty({ type: 'integer', description: 'Reports (submitted and extracted files) created that day' })
  reports: number;

  @ApiProperty({ type: 'integer', description: 'Submitted files judged MALICIOUS or LIKELY_MALICIOUS' })
  malicious: number;

  @ApiProperty({ type: 'integer', description: 'Submitted files judged SUSPICIOUS' })
  suspicious: number;

  @ApiProperty({ type: 'integer', description: 'Submissions of that day whose analysis failed' })
  failed: number;
}

export enum ServiceStatus {
  Up = 'up',
  Down = 'down',
}

export class ServiceStatDto {
  @ApiProperty({ example: 'database', description: '`api`, `worker`, `database`, `queue`, `storage`' })
  name: string;

  @ApiProperty({ enum: ServiceStatus, enumName: 'ServiceStatus', description: '`api`/`worker`: up when at least one process of the role is alive' })
  status: ServiceStatus;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Live processes serving it (api, worker); null for the others' })
  instances: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Probe time, ms (database, queue, storage)' })
  latency_ms: number | null;

  @ApiProperty({ type: String, nullable: true, description: 'Why it is down, or a detail (driver, version)' })
  detail: string | null;
}

export class PlatformProcessDto {
  @ApiProperty({ example: 'worker-1' })
  host: string;

  @ApiProperty({ type: 'integer' })
  pid: number;

  @ApiProperty({ enum: AppRole, enumName: 'AppRole' })
  role: string;

  @ApiProperty({ example: '0.1.0' })
  version: string;

  @ApiProperty({ type: String, format: 'date-time' })
  started_at: Date;

  @ApiProperty({ type: String, format: 'date-time', description: 'Last heartbeat' })
  seen_at: Date;
}

export class ServicesStatDto {
  @ApiProperty({ type: String, format: 'date-time' })
  checked_at: Date;

  @ApiProperty({ type: [ServiceStatDto] })
  services: ServiceStatDto[];

  @ApiProperty({ type: [PlatformProcessDto], description: 'Processes whose heartbeat is recent (every 15 s; gone after 45 s of silence)' })
  processes: PlatformProcessDto[];
}

export class QueueDepthDto {
  @ApiProperty({ example: 'analysis' })
  name: string;

  @ApiProperty({ type: 'integer' })
  waiting: number;

  @ApiProperty({ type: 'integer' })
  active: number;

  @ApiProperty({ type: 'integer', description: 'Jobs that failed for good and are not archived yet' })
  failed: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Age of the oldest job that could start but has not, seconds' })
  oldest_waiting_seconds: number | null;
}

export class ScanHealthDto {
  @ApiProperty({ type: 'integer', description: 'Jobs waiting in every queue' })
  waiting: number;

  @ApiProperty({ type: 'integer' })
  active: number;

  @ApiProperty({ type: 'integer', nullable: true })
  oldest_waiting_seconds: number | null;

  @ApiProperty({ type: 'integer', description: 'Queue jobs that failed for good (after their retries) in the last hour' })
  failed_jobs_last_hour: number;

  @ApiProperty({ type: 'integer', description: 'Same, last 24 hours' })
  failed_jobs_last_day: number;

  @ApiProperty({ type: 'integer', description: 'Submissions whose analysis ended failed in the last hour' })
  failed_flows_last_hour: number;

  @ApiProperty({ type: 'integer', description: 'Same, last 24 hours' })
  failed_flows_last_day: number;

  @ApiProperty({ type: 'integer', description: 'Submissions whose analysis finished in the last hour' })
  finished_flows_last_hour: number;

  @ApiProperty({ type: [QueueDepthDto] })
  queues: QueueDepthDto[];
}

export class ScanStatesDto {
  @ApiProperty({ type: 'integer' })
  queued: number;

  @ApiProperty({ type: 'integer' })
  running: number;

  @ApiProperty({ type: 'integer' })
  finished: number;

  @ApiProperty({ type: 'integer' })
  failed: number;

  @ApiProperty({ type: 'integer', description: 'All submissions in the period' })
  total: number;
}
