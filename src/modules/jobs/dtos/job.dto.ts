import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength, ValidateIf } from 'class-validator';
import { PagedResponseDto, PaginationQueryDto } from '../../../common/http/pagination.dto';
import { AppRole } from '../../../config/app-config';
import { JobRun, JobRunState, JobTrigger } from '../job-run.entity';

const toNumber = (v: string | null) => (v === null ? null : Number(v));

export class JobRunDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'reports.retention' })
  job: string;

  @ApiProperty({ enum: JobTrigger, enumName: 'JobTrigger' })
  trigger: JobTrigger;

  @ApiProperty({ enum: JobRunState, enumName: 'JobRunState', description: '`overrun`: still running past the job\'s time limit' })
  state: JobRunState;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The scheduled occurrence the run served; null for manual runs' })
  slot: Date | null;

  @ApiProperty({ example: 'worker-1:4242', description: 'host:pid of the process that ran it' })
  host: string;

  @ApiProperty({ type: String, format: 'date-time' })
  started_at: Date;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finished_at: Date | null;

  @ApiProperty({ type: 'integer', nullable: true })
  duration_ms: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'Removed 12 flows, 30 reports, 9 samples' })
  summary: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' }, nullable: true, example: { flows: 12 } })
  counts: Record<string, number> | null;

  @ApiProperty({ type: String, nullable: true })
  error: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Highest resident set size of the process during the run, bytes' })
  peak_rss: number | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Highest V8 heap use of the process during the run, bytes' })
  peak_heap_used: number | null;

  @ApiProperty({ type: 'integer', description: 'Lines in the run\'s log' })
  log_lines: number;

  @ApiProperty({ type: 'integer', description: 'Lines the run logged beyond the kept maximum' })
  log_dropped: number;

  static from(run: JobRun): JobRunDto {
    return {
      id: run.id,
      job: run.job,
      trigger: run.trigger,
      state: run.state,
      slot: run.slot,
      host: run.host,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      duration_ms: run.durationMs,
      summary: run.summary,
      counts: run.counts,
      error: run.error,
      peak_rss: toNumber(run.peakRss),
      peak_heap_used: toNumber(run.peakHeapUsed),
      log_lines: run.log?.length ?? 0,
      log_dropped: run.logDropped,
    };
  }
}

export class JobDto {
  @ApiProperty({ example: 'reports.retention' })
  name: string;

  @ApiProperty({ example: 'Removes reports and samples older than the retention settings' })
  description: string;

  @ApiProperty({ example: '0 3 * * *', description: 'The schedule in force (cron in UTC, or `every N s`, or `not scheduled`)' })
  schedule: string;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({ description: 'A run is going on in some process' })
  running: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Next scheduled occurrence; null when disabled or unscheduled' })
  next_run_at: Date | null;

  @ApiProperty({ type: JobRunDto, nullable: true })
  last_run: JobRunDto | null;
}

export class JobConfigDto {
  @ApiProperty({ example: 'reports.retention' })
  name: string;

  @ApiProperty()
  description: string;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({ description: 'Whether the job is enabled on a fresh install' })
  default_enabled: boolean;

  @ApiProperty({ example: '0 3 * * *', description: 'The schedule in force' })
  schedule: string;

  @ApiProperty({ example: '0 3 * * *', description: 'The declared cron expression (UTC)' })
  default_cron: string;

  @ApiProperty({ type: String, nullable: true, description: 'An administrator\'s cron expression replacing the default' })
  cron_override: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Period in seconds from the configuration, for jobs scheduled by interval' })
  interval_seconds: number | null;

  @ApiProperty({ type: 'integer', description: 'A run going on longer is reported as `overrun`' })
  timeout_ms: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  updated_at: Date | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Administrator who last changed it' })
  updated_by: string | null;
}

export class JobsProcessDto {
  @ApiProperty({ example: 'api-1:4242' })
  host: string;

  @ApiProperty({ enum: AppRole, enumName: 'AppRole' })
  role: AppRole;

  @ApiProperty({ description: 'This process fires schedules (its role is one of scheduling_roles)' })
  schedules: boolean;
}

export class JobsConfigDto {
  @ApiProperty({ enum: AppRole, isArray: true, description: 'Roles whose processes fire schedules; each occurrence runs once across them all' })
  scheduling_roles: AppRole[];

  @ApiProperty({ type: JobsProcessDto, description: 'The process that answered' })
  process: JobsProcessDto;

  @ApiProperty({ type: 'integer', description: 'Runs kept per job' })
  runs_kept_per_job: number;

  @ApiProperty({ type: 'integer', description: 'Log lines kept per run' })
  max_log_lines: number;

  @ApiProperty({ type: [JobConfigDto] })
  jobs: JobConfigDto[];
}

export const JOB_ACTIONS = ['run', 'stop'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export class EditJobDto {
  @ApiPropertyOptional({ description: 'Run on its schedule (true) or not (false)' })
  @IsOptional() @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, example: '0 4 * * *', description: 'Cron expression (5 or 6 fields, UTC) replacing the default schedule; null restores the default' })
  @ValidateIf((o: EditJobDto) => o.cron !== null) @IsOptional() @IsString() @MaxLength(100)
  cron?: string | null;

  @ApiPropertyOptional({ enum: JOB_ACTIONS, description: '`run`: start a run now in this process (409 if one is going on); `stop`: stop its running runs in every process' })
  @IsOptional() @IsIn(JOB_ACTIONS)
  action?: JobAction;
}

export class EditJobResultDto {
  @ApiProperty({ type: JobDto })
  job: JobDto;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The run started by `action: run`' })
  run_id: string | null;

  @ApiProperty({ type: [String], description: 'Runs asked to stop by `action: stop`' })
  stopped_runs: string[];
}

export class StopAllResultDto {
  @ApiProperty({ type: [String], description: 'Runs asked to stop' })
  stopped_runs: string[];

  @ApiProperty({ type: [String], description: 'Jobs now disabled' })
  disabled: string[];
}

export class EnableAllResultDto {
  @ApiProperty({ type: [String], description: 'Jobs now enabled' })
  enabled: string[];
}

export class ProcessMemoryDto {
  @ApiProperty({ example: 'worker-1:4242' })
  host: string;

  @ApiProperty({ enum: AppRole, enumName: 'AppRole' })
  role: AppRole;

  @ApiProperty({ type: 'integer', description: 'Resident set size, bytes' })
  rss: number;

  @ApiProperty({ type: 'integer' })
  heap_total: number;

  @ApiProperty({ type: 'integer' })
  heap_used: number;

  @ApiProperty({ type: 'integer' })
  external: number;

  @ApiProperty({ type: 'integer' })
  array_buffers: number;

  @ApiProperty({ type: String, format: 'date-time' })
  sampled_at: Date;
}

export class JobMemoryQueryDto {
  @ApiPropertyOptional({ example: 'reports.retention', description: 'Also list the recent runs of this job with their peaks' })
  @IsOptional() @IsString() @MaxLength(200)
  job_name?: string;
}

export class JobMemoryDto {
  @ApiProperty({ type: ProcessMemoryDto, description: 'The answering process, now' })
  process: ProcessMemoryDto;

  @ApiProperty({ type: [JobRunDto], description: 'Runs going on in any process, with their peaks so far; with job_name, that job\'s recent runs (newest first, at most 50)' })
  runs: JobRunDto[];
}

export class JobMemoryPeakDto {
  @ApiProperty({ example: 'reports.retention' })
  job: string;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Highest peak RSS over the kept runs, bytes' })
  peak_rss: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  peak_heap_used: number | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The run with the highest RSS' })
  run_id: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  at: Date | null;

  @ApiProperty({ type: 'integer', description: 'Runs measured' })
  runs: number;
}

export class JobLogQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this run\'s lines' })
  @IsOptional() @IsUUID()
  run_id?: string;
}

export class JobLogLineDto {
  @ApiProperty({ format: 'uuid' })
  run_id: string;

  @ApiProperty({ type: String, format: 'date-time' })
  at: string;

  @ApiProperty({ example: 'Removed batch 1: 500 flows' })
  message: string;
}

export class JobLogPageDto extends PagedResponseDto(JobLogLineDto) {}
