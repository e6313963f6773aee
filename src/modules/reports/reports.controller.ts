import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal, CurrentUser } from '../../common/access/current-principal.decorator';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { QuotaResource } from '../quotas/quota-resource.decorator';
import { ExtractedFileDto, ReportDocumentDto, ReportPageDto } from './dtos/report.dto';
import { AdvancedSearchQueryDto, ListReportsQueryDto, ReportFilterQueryDto, SearchQueryDto } from './dtos/report-query.dto';
import { ReportSearchService } from './report-search.service';
import { ReportsService } from './reports.service';
import { FileHashPipe } from './sha256.pipe';

export const reportId = () => new ParseUUIDPipe({ errorHttpStatusCode: 422 });

const PRIVACY =
  ' Private reports are shown only to their owner, members of the owner\'s access group and administrators; to anyone else they do not exist.';

@ApiTags('Reports')
@Controller('api')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly search: ReportSearchService,
  ) {}

  @Get('reports')
  @Access.public()
  @ApiOperation({
    summary: 'Get public reports',
    description: 'Submitted files (not the files extracted from them), newest first, one page at a time, as summaries.' + PRIVACY,
  })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListReportsQueryDto): Promise<ReportPageDto> {
    return this.reports.listVisible(principal, query);
  }

  @Get('me/reports')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get user reports', description: 'Your submissions, private ones included, newest first, as summaries.' })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  listOwn(@CurrentUser() user: UserPrincipal, @Query() query: ListReportsQueryDto): Promise<ReportPageDto> {
    return this.reports.listOwn(user, query);
  }

  @Get('reports/search')
  @Access.public()
  @QuotaResource(QuotaResource.Search)
  @ApiOperation({
    summary: 'Simple search',
    description:
      'One search box over every report, extracted files included. What `query` looks like decides what it matches: a hash, a verdict, ' +
      'a report or flow id, or else file names, tags, file types and IOC values; see the parameter. Newest first.' +
      PRIVACY,
  })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Missing or malformed query' })
  simpleSearch(@CurrentPrincipal() principal: Principal, @Query() query: SearchQueryDto): Promise<ReportPageDto> {
    return this.search.search(principal, query);
  }

  @Get('reports/advanced-search')
  @Access.public()
  @QuotaResource(QuotaResource.Search)
  @ApiOperation({
    summary: 'Advanced search',
    description:
      'Reports matching every filter given (hash, name, type, verdicts, threat level range, tags, an IOC, imphash, authentihash, ssdeep, ' +
      'YARA rule, owner, creation period), sorted and paged. Extracted files included.' +
      PRIVACY,
  })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: '`owner` names another user and you are not an administrator or auditor' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A filter has a malformed value, or filters contradict each other' })
  advancedSearch(@CurrentPrincipal() principal: Principal, @Query() query: AdvancedSearchQueryDto): Promise<ReportPageDto> {
    return this.search.advancedSearch(principal, query);
  }

  @Get('reports/:report_id/files')
  @Access.public()
  @ApiOperation({
    summary: 'Get all files',
    description: 'The files extracted from the report, at any depth, in the order they were found, with their own report ids and verdicts.' + PRIVACY,
  })
  @ApiOkResponse({ type: ExtractedFileDto, isArray: true })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No report with this id is visible to you' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'report_id is not a UUID' })
  files(@CurrentPrincipal() principal: Principal, @Param('report_id', reportId()) id: string): Promise<ExtractedFileDto[]> {
    return this.reports.listFiles(principal, id);
  }

  @Get('reports/:report_id/:file_hash')
  @Access.public()
  @ApiOperation({
    summary: 'Get specific report',
    description:
      'The report of one analysed file. `file_hash` must be the SHA-256 of the report\'s file. `filter` selects parts of the report, as on ' +
      '`GET /api/scan/{flow_id}/report`.' +
      PRIVACY,
  })
  @ApiParam({ name: 'file_hash', description: 'SHA-256 of the report\'s file', example: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' })
  @ApiOkResponse({ type: ReportDocumentDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No visible report with this id, or its file has another hash' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'report_id is not a UUID, file_hash not a SHA-256, or an unknown filter' })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('report_id', reportId()) id: string,
    @Param('file_hash', FileHashPipe) fileHash: string,
    @Query() query: ReportFilterQueryDto,
  ): Promise<ReportDocumentDto> {
    return this.reports.getDocument(principal, id, fileHash, query.filter) as Promise<ReportDocumentDto>;
  }
}
