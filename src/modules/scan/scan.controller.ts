import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal, CurrentUser } from '../../common/access/current-principal.decorator';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { QuotaResource } from '../quotas/quota-resource.decorator';
import { FlowReportDto, FlowReportQueryDto } from './dtos/flow-report.dto';
import { ScanFileFormDto, ScanSubmittedDto, ScanUrlDto } from './dtos/scan.dto';
import { REPORT_FILTER_HELP } from '../reports/report-filter';
import { SORTING_HELP } from './flow-report-filter';
import { FlowReportService } from './flow-report.service';
import { FlowStreamService } from './flow-stream.service';
import { closingUnreadBody } from './multipart-submission';
import { PRIORITY_RULE_DESCRIPTION } from './priority';
import { ScanService } from './scan.service';

const flowId = () => new ParseUUIDPipe({ errorHttpStatusCode: 422 });

const OPTIONS_HELP =
  'Options are booleans (true/false, 1/0 or yes/no); those not given take their defaults, after the options of `scan_profile` when one is named. ' +
  'The flow records them all as its `scan_options`. ' +
  PRIORITY_RULE_DESCRIPTION;

@ApiTags('Scan')
@ApiExtraModels(ScanFileFormDto, ScanUrlDto)
@Controller('api/scan')
export class ScanController {
  constructor(
    private readonly scans: ScanService,
    private readonly reports: FlowReportService,
    private readonly streams: FlowStreamService,
  ) {}

  @Post('file')
  @HttpCode(200)
  @Access.authenticated()
  @QuotaResource(QuotaResource.Scan)
  @Audited('scan.submit')
  @ApiOperation({
    summary: 'Scan file',
    description:
      'Uploads one file (multipart/form-data, field `file`) and queues its analysis. The upload is streamed to storage while it is hashed ' +
      '(MD5, SHA-1, SHA-256, SHA-512) and stored once per content, under its SHA-256. Form fields may come before or after the file; ' +
      '`tags` may be comma-separated or repeated. ' +
      OPTIONS_HELP +
      ' Answers the flow id to poll at `GET /api/scan/{flow_id}/report` or follow at `GET /api/scan/{flow_id}/events`.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ type: ScanFileFormDto })
  @ApiOkResponse({ type: ScanSubmittedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed multipart body, or the upload was interrupted' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The file is larger than MAX_UPLOAD_SIZE (nothing is stored), or too many form fields' })
  @ApiUnsupportedMediaTypeResponse({ type: ErrorResponseDto, description: 'The request is not multipart/form-data' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'No file, or a form field is invalid (each one is named); unknown scan_profile' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The analysis could not be queued' })
  submitFile(@CurrentUser() user: UserPrincipal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ScanSubmittedDto> {
    return closingUnreadBody(request, reply, () => this.scans.submitFile(user, request));
  }

  @Post('url')
  @HttpCode(200)
  @Access.authenticated()
  @QuotaResource(QuotaResource.Scan)
  @Audited('scan.submit')
  @ApiOperation({
    summary: 'Scan URL',
    description:
      'Queues the analysis of a URL: the worker downloads it (redirects, size and time limits, no private addresses unless allowed) and analyses what it gets. ' +
      'Send JSON or multipart/form-data with the field `url` (http or https, a host, no credentials, at most 2048 characters) and the same options as `POST /api/scan/file`. ' +
      OPTIONS_HELP,
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ schema: { $ref: getSchemaPath(ScanUrlDto) } })
  @ApiOkResponse({ type: ScanSubmittedDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed body' })
  @ApiPayloadTooLargeResponse({ type: ErrorResponseDto, description: 'The body is larger than BODY_LIMIT, or too many form fields' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Invalid URL or option (each field is named); unknown scan_profile' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'The analysis could not be queued' })
  submitUrl(@CurrentUser() user: UserPrincipal, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ScanSubmittedDto> {
    return closingUnreadBody(request, reply, () => this.scans.submitUrl(user, request));
  }

  @Get(':flow_id/report')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Poll a scan',
    description:
      'State and progress of a flow and the reports written so far, one per analysed file (the submitted file has `fileIndex` 0). ' +
      'Poll until `allFinished`, waiting `pollPause` seconds in between, or follow `GET /api/scan/{flow_id}/events` instead. ' +
      'Private flows are visible to their submitter, the members of the submitter\'s access group and administrators; to anyone else they do not exist (404).\n\n' +
      '`filter` (repeated or comma-separated) chooses the sections of each report: `general` (file, created_date, overallState, scanOptions, fileIndex, parentId, originPath), ' +
      '`finalVerdict`, `allTags`, `overallState`, `taskReference`, `subtaskReferences`, `allSignalGroups`, `iocs`; ' +
      '`o:all` adds the optional heavy sections (resources, extractedFiles, issues); `f:<field>` selects one top-level field of the report (e.g. `f:resources`); ' +
      '`f:all` selects every field. Selections add up. Without `filter`: general, finalVerdict, allTags, overallState.\n\n' +
      `\`sorting\` (repeated or comma-separated, first key first) orders the reports: ${SORTING_HELP}; the default is fileIndex:asc.`,
  })
  @ApiOkResponse({ type: FlowReportDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No flow with this id that the caller may see' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: `flow_id is not a UUID, or an unknown filter (${REPORT_FILTER_HELP}) or sorting` })
  report(@CurrentPrincipal() principal: Principal, @Param('flow_id', flowId()) id: string, @Query() query: FlowReportQueryDto): Promise<FlowReportDto> {
    return this.reports.report(principal, id, query);
  }

  @Get(':flow_id/events')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Follow a scan live',
    description:
      'Server-sent events (text/event-stream) of the flow\'s progress: each event\'s data is JSON `{flowId, state, progress, message}`. ' +
      'The first event is the current state; the stream ends after the `finished` or `failed` event. A comment line every 15 s keeps it open through proxies. ' +
      'Same visibility as the report.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string', example: 'data: {"flowId":"…","state":"running","progress":40,"message":"analyzers"}\n\n' } } } })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No flow with this id that the caller may see' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'flow_id is not a UUID' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: 'Progress cannot be followed right now (database unreachable, server stopping)' })
  events(@CurrentPrincipal() principal: Principal, @Param('flow_id', flowId()) id: string, @Res() reply: FastifyReply): Promise<void> {
    return this.streams.stream(principal, id, reply);
  }
}
