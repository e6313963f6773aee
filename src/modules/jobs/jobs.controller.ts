import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Page } from '../../common/http/pagination.dto';
import { Audited } from '../audit/audited.decorator';
import {
  EditJobDto,
  EditJobResultDto,
  EnableAllResultDto,
  JobDto,
  JobLogLineDto,
  JobLogPageDto,
  JobLogQueryDto,
  JobMemoryDto,
  JobMemoryPeakDto,
  JobMemoryQueryDto,
  JobsConfigDto,
  StopAllResultDto,
} from './dtos/job.dto';
import { JobsService } from './jobs.service';

const jobName = () => ApiParam({ name: 'job_name', example: 'reports.retention', description: 'The job\'s name, as `GET /api/admin/jobs` lists it' });
const unknownJob = () => ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No job with this name' });

@ApiTags('Admin')
@Controller('api/admin/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({ summary: 'Get jobs', description: 'Every scheduled job with its schedule, whether it is enabled or running, its next occurrence and its last run.' })
  @ApiOkResponse({ type: [JobDto] })
  list(): Promise<JobDto[]> {
    return this.jobs.list();
  }

  @Get('config')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get jobs config',
    description: 'How jobs are launched (which process roles fire schedules) and each job\'s configuration: defaults, overrides, period and time limit.',
  })
  @ApiOkResponse({ type: JobsConfigDto })
  config(): Promise<JobsConfigDto> {
    return this.jobs.config();
  }

  @Get('memory/peaks')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get jobs memory peaks', description: 'Per job, the highest memory its process reached during one of its kept runs, and that run.' })
  @ApiOkResponse({ type: [JobMemoryPeakDto] })
  memoryPeaks(): Promise<JobMemoryPeakDto[]> {
    return this.jobs.memoryPeaks();
  }

  @Get('memory')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get job memory details',
    description: 'Memory of the answering process now, and the runs going on in any process with their peaks so far (or, with `job_name`, that job\'s recent runs).',
  })
  @ApiOkResponse({ type: JobMemoryDto })
  @unknownJob()
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  memory(@Query() query: JobMemoryQueryDto): Promise<JobMemoryDto> {
    return this.jobs.memory(query);
  }

  @Post('stop/all')
  @HttpCode(200)
  @Access.admin()
  @Audited('job.stop-all')
  @ApiOperation({ summary: 'Stop all jobs', description: 'Stops every running run in every process and disables every job, so that none starts until `enable/all`.' })
  @ApiOkResponse({ type: StopAllResultDto })
  stopAll(@CurrentUser() actor: UserPrincipal): Promise<StopAllResultDto> {
    return this.jobs.stopAll(actor);
  }

  @Post('enable/all')
  @HttpCode(200)
  @Access.admin()
  @Audited('job.enable-all')
  @ApiOperation({ summary: 'Enable all jobs', description: 'Enables every job on its schedule (disabled-by-default ones included).' })
  @ApiOkResponse({ type: EnableAllResultDto })
  enableAll(@CurrentUser() actor: UserPrincipal): Promise<EnableAllResultDto> {
    return this.jobs.enableAll(actor);
  }

  @Post(':job_name')
  @HttpCode(200)
  @Access.admin()
  @Audited('job.edit')
  @jobName()
  @ApiOperation({
    summary: 'Edit job config',
    description:
      'Enables or disables the job, replaces its schedule with a cron expression (UTC; null restores the default), ' +
      'and with `action` runs it now (in the answering process, whether enabled or not) or stops its running runs in every process.',
  })
  @ApiOkResponse({ type: EditJobResultDto })
  @unknownJob()
  @ApiConflictResponse({ type: ErrorResponseDto, description: '`action: run` while a run of the job is going on' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Invalid field, e.g. a malformed cron expression' })
  edit(@CurrentUser() actor: UserPrincipal, @Param('job_name') name: string, @Body() dto: EditJobDto): Promise<EditJobResultDto> {
    return this.jobs.edit(actor, name, dto);
  }

  @Get(':job_name/log')
  @Access.adminRead()
  @jobName()
  @ApiOperation({ summary: 'Get job log', description: 'The lines the job\'s kept runs logged: newest run first, each run\'s lines in order.' })
  @ApiOkResponse({ type: JobLogPageDto })
  @unknownJob()
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  log(@Param('job_name') name: string, @Query() query: JobLogQueryDto): Promise<Page<JobLogLineDto>> {
    return this.jobs.log(name, query);
  }
}
