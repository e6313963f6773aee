import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { AdminStatsService } from './admin-stats.service';
import {
  AdminStatDto,
  AdminDailyStatDto,
  DailyStatQueryDto,
  ScanHealthDto,
  ScanStatesDto,
  ScanStatesQueryDto,
  ServicesStatDto,
  StatRangeQueryDto,
} from './dtos/admin-stats.dto';

const badRange = ApiBadRequestResponse({ type: ErrorResponseDto, description: '`from` is not before `to`, or the period is too long' });
const invalid = ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A malformed date' });

@ApiTags('Admin')
@Controller('api/admin/stat')
export class AdminStatsController {
  constructor(private readonly stats: AdminStatsService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get stat',
    description: 'Platform-wide counts for the period (default the last 30 days): submissions, reports, verdicts of submitted files; stored files and users now.',
  })
  @ApiOkResponse({ type: AdminStatDto })
  @badRange
  @invalid
  stat(@Query() query: StatRangeQueryDto): Promise<AdminStatDto> {
    return this.stats.stat(query);
  }

  @Get('daily')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get daily stat', description: 'Platform-wide counts per UTC day (default the last 30 days, at most 366), days without activity included.' })
  @ApiOkResponse({ type: [AdminDailyStatDto] })
  @badRange
  @invalid
  daily(@Query() query: DailyStatQueryDto): Promise<AdminDailyStatDto[]> {
    return this.stats.daily(query);
  }

  @Get('services')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get services stat',
    description: 'The platform\'s services and their state: API and worker processes alive (by heartbeat), database, job queue and sample storage (probed now, 2 s each).',
  })
  @ApiOkResponse({ type: ServicesStatDto })
  services(): Promise<ServicesStatDto> {
    return this.stats.services();
  }

  @Get('scan/health')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get scan jobs health',
    description: 'Queue depth per queue, age of the oldest waiting job, and queue jobs and analyses that failed in the last hour and day.',
  })
  @ApiOkResponse({ type: ScanHealthDto })
  scanHealth(): Promise<ScanHealthDto> {
    return this.stats.scanHealth();
  }

  @Get('scan/states')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get scans states', description: 'Submissions per analysis state (queued, running, finished, failed), optionally for those created in a period.' })
  @ApiOkResponse({ type: ScanStatesDto })
  @badRange
  @invalid
  scanStates(@Query() query: ScanStatesQueryDto): Promise<ScanStatesDto> {
    return this.stats.scanStates(query);
  }
}
