import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal, CurrentUser } from '../../common/access/current-principal.decorator';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { ReportPageDto, ReportSummaryDto, TagCountDto } from './dtos/report.dto';
import { FrequentTagsQueryDto, ListReportsQueryDto, MostInterestingQueryDto } from './dtos/report-query.dto';
import { reportId } from './reports.controller';
import { ReportsService } from './reports.service';

/** Report routes under /api/users (MetaDefender Sandbox keeps them there). */
@ApiTags('Reports')
@Controller('api/users')
export class UserReportsController {
  constructor(private readonly reports: ReportsService) {}

  @Delete('reports/:report_id')
  @Access.authenticated()
  @Audited('report.delete')
  @ApiOperation({
    summary: 'Delete report',
    description:
      'Deletes a report with every file extracted from it (the whole submission when it is the submitted file), and the stored samples no ' +
      'other report uses. Users can only delete their own reports; administrators any.',
  })
  @ApiOkResponse({ description: 'Deleted' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'The report is someone else\'s' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No report with this id is visible to you' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'report_id is not a UUID' })
  remove(@CurrentUser() user: UserPrincipal, @Param('report_id', reportId()) id: string): Promise<void> {
    return this.reports.remove(user, id);
  }

  @Get('uploads')
  @Access.public()
  @ApiOperation({
    summary: 'Get public reports',
    deprecated: true,
    description: 'Deprecated: use `GET /api/reports`, which this answers exactly like.',
  })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  uploads(@CurrentPrincipal() principal: Principal, @Query() query: ListReportsQueryDto): Promise<ReportPageDto> {
    return this.reports.listVisible(principal, query);
  }

  @Get('me/uploads')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get user reports',
    deprecated: true,
    description: 'Deprecated: use `GET /api/me/reports`, which this answers exactly like.',
  })
  @ApiOkResponse({ type: ReportPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  myUploads(@CurrentUser() user: UserPrincipal, @Query() query: ListReportsQueryDto): Promise<ReportPageDto> {
    return this.reports.listOwn(user, query);
  }

  @Get('get-frequent-tags')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get frequent tags', description: 'The tags most often on your reports in the last `days` days, with how many reports carry each.' })
  @ApiOkResponse({ type: TagCountDto, isArray: true })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  frequentTags(@CurrentUser() user: UserPrincipal, @Query() query: FrequentTagsQueryDto): Promise<TagCountDto[]> {
    return this.reports.frequentTags(user, query);
  }

  @Get('most-interesting')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get most interesting',
    description:
      'Recent reports visible to you with the highest threat level (suspicious and worse, extracted files included), most severe and newest first.',
  })
  @ApiOkResponse({ type: ReportSummaryDto, isArray: true })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  mostInteresting(@CurrentPrincipal() principal: Principal, @Query() query: MostInterestingQueryDto): Promise<ReportSummaryDto[]> {
    return this.reports.mostInteresting(principal, query);
  }
}
