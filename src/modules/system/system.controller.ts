import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { SystemConfigDto } from './dtos/config.dto';
import { HealthcheckQueryDto, HealthcheckRecordPageDto, HealthcheckSummaryPageDto, HealthReportDto } from './dtos/health.dto';
import { SystemInfoDto, VersionDto } from './dtos/system.dto';
import { HealthService } from './health.service';
import { HealthStatus } from './healthcheck.entity';
import { SystemService } from './system.service';

@ApiTags('System')
@Controller('api/system')
export class SystemController {
  constructor(
    private readonly system: SystemService,
    private readonly health: HealthService,
  ) {}

  @Get('info')
  @Access.public()
  @ApiOperation({ summary: 'Service information', description: 'General information about the web service, to show that the API is working.' })
  @ApiOkResponse({ type: SystemInfoDto })
  info(): SystemInfoDto {
    return this.system.info();
  }

  @Get('version')
  @Access.public()
  @ApiOperation({ summary: 'Version', description: 'The version of the web service.' })
  @ApiOkResponse({ type: VersionDto })
  version(): VersionDto {
    return this.system.version();
  }

  @Get('config')
  @Access.public()
  @ApiOperation({
    summary: 'Front-end configuration',
    description: 'What a front end needs to know about this installation: name and version, sign-in methods, enabled features and size limits.',
  })
  @ApiOkResponse({ type: SystemConfigDto })
  config(): SystemConfigDto {
    return this.system.frontendConfig();
  }

  @Get('do-healthcheck')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Do a health check',
    description:
      'Checks the database, the job queue and the storage now (each within 2 s) and returns the state of each, with its latency and, ' +
      'when it failed, the reason. 200 when every check passed, 503 with the same body when one did not.',
  })
  @ApiOkResponse({ type: HealthReportDto, description: 'Every check passed' })
  @ApiServiceUnavailableResponse({ type: HealthReportDto, description: 'At least one check failed (same body as 200)' })
  async doHealthcheck(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReportDto> {
    const report = await this.health.check();
    void reply.status(report.status === HealthStatus.Ok ? 200 : 503);
    return report;
  }

  @Get('query-full-healthcheck')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Query past health checks',
    description: 'Recorded health checks (one per HEALTHCHECK_INTERVAL, kept HEALTHCHECK_RETENTION_DAYS), newest first, with every check, its latency and error.',
  })
  @ApiOkResponse({ type: HealthcheckRecordPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  queryFullHealthcheck(@Query() query: HealthcheckQueryDto): Promise<HealthcheckRecordPageDto> {
    return this.health.listFull(query);
  }

  @Get('query-healthcheck')
  @Access.public()
  @ApiOperation({
    summary: 'Query past health checks (sanitized)',
    description: 'Recorded health checks, newest first: time and overall status only, for status pages.',
  })
  @ApiOkResponse({ type: HealthcheckSummaryPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  queryHealthcheck(@Query() query: HealthcheckQueryDto): Promise<HealthcheckSummaryPageDto> {
    return this.health.listSanitized(query);
  }
}
