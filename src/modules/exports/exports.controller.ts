import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiInternalServerErrorResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiRequestTimeoutResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { QuotaResource } from '../quotas/quota-resource.decorator';
import { reportId } from '../reports/reports.controller';
import {
  DownloadPendingDto,
  DownloadQueryDto,
  ListDownloadsQueryDto,
  ReportDownloadDto,
  ReportDownloadPageDto,
  StartDownloadQueryDto,
} from './dtos/report-download.dto';
import { DownloadResult, ExportsService } from './exports.service';

const PRIVACY = ' A private report of someone else (outside your access group) does not exist for you: 404.';

@ApiTags('Reports')
@Controller('api')
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get('reports/:report_id/download/start')
  @Access.authenticated()
  @Audited('report.export.start')
  @ApiOperation({
    summary: 'Start report format creation',
    description:
      'Starts generating the report as HTML or PDF in the background (the report, the files extracted from it that you may see, their ' +
      'signals, indicators, emulation findings and what could not be analysed). Poll `GET /api/reports/{report_id}/download` (202 until ' +
      'ready) or `GET /api/users/me/downloads`. Starting an export that is already being generated changes nothing; starting a finished ' +
      'or failed one generates it again.' +
      PRIVACY,
  })
  @ApiOkResponse({ type: ReportDownloadDto, description: 'Generation queued (or already under way)' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No report with this id is visible to you' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'report_id is not a UUID, or format is not html or pdf' })
  start(@CurrentUser() user: UserPrincipal, @Param('report_id', reportId()) id: string, @Query() query: StartDownloadQueryDto): Promise<ReportDownloadDto> {
    return this.exports.start(user, id, query.format);
  }

  @Get('reports/:report_id/download')
  @Access.authenticated()
  @QuotaResource(QuotaResource.Download)
  @Audited('report.export.download')
  @ApiOperation({
    summary: 'Download export formats',
    description:
      'Downloads the report as HTML (`text/html`), PDF (`application/pdf`), a MISP event (`application/json`) or a STIX 2.1 bundle ' +
      '(`application/stix+json;version=2.1`), as an attachment named `report-{report_id}.{ext}`. MISP and STIX are made on the spot. ' +
      'HTML and PDF are generated in the background: while they are being made the answer is 202 with `Retry-After`; asking for one ' +
      'that was never started starts it. Each call counts against your `download` quota, 202 answers included: poll ' +
      '`GET /api/users/me/downloads` instead to wait without using it. Every call is recorded in the audit log.' +
      PRIVACY,
  })
  @ApiProduces('text/html', 'application/pdf', 'application/json', 'application/stix+json;version=2.1')
  @ApiOkResponse({ description: 'The file', schema: { type: 'string', format: 'binary' } })
  @ApiAcceptedResponse({ type: DownloadPendingDto, description: 'Being generated: try again after Retry-After seconds' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No report with this id is visible to you' })
  @ApiRequestTimeoutResponse({ type: ErrorResponseDto, description: 'The generation ran out of time (EXPORT_RENDER_TIMEOUT): start it again' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'report_id is not a UUID, or format is not html, pdf, misp or stix' })
  @ApiInternalServerErrorResponse({ type: ErrorResponseDto, description: 'The generation failed (the reason is in your downloads list): start it again' })
  async download(
    @CurrentUser() user: UserPrincipal,
    @Param('report_id', reportId()) id: string,
    @Query() query: DownloadQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile | DownloadPendingDto> {
    return send(await this.exports.download(user, id, query.format), reply);
  }

  @Get('users/me/downloads')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get downloads list',
    description: 'Your report exports (HTML, PDF, MISP, STIX), most recently started first: state, size, times, and why a generation failed.',
  })
  @ApiOkResponse({ type: ReportDownloadPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@CurrentUser() user: UserPrincipal, @Query() query: ListDownloadsQueryDto): Promise<ReportDownloadPageDto> {
    return this.exports.listMine(user, query);
  }
}

/** The file (200), or 202 with Retry-After while it is being made. */
function send(result: DownloadResult, reply: FastifyReply): StreamableFile | DownloadPendingDto {
  if (result.kind === 'file') return result.file;
  void reply.status(202).header('Retry-After', String(result.retryAfter));
  return result.body;
}
