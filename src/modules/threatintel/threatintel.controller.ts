import { Body, Controller, Get, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal, CurrentUser } from '../../common/access/current-principal.decorator';
import { Principal, UserPrincipal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { LicenseFeature, RequiresFeature } from '../license/requires-feature.decorator';
import { QuotaResource } from '../quotas/quota-resource.decorator';
import {
  DownloadIocsQueryDto,
  IntelFeedPageDto,
  IntelFeedQueryDto,
  IocPrevalenceDto,
  MAX_PREVALENCE_IOCS,
  ModifyVerdictDto,
  PrevalenceRequestDto,
  SimilarsDto,
  SimilarsQueryDto,
  VerdictChangeDto,
} from './dtos/threatintel.dto';
import { IntelFeedService } from './intel-feed.service';
import { ThreatIntelService } from './threatintel.service';
import { VerdictService } from './verdict.service';

const PRIVACY = ' Only reports visible to you count: public ones, your own, your access group\'s, and every report for administrators.';

@ApiTags('Threat intelligence')
@RequiresFeature(LicenseFeature.ThreatIntel)
@Controller('api/threatintel')
export class ThreatIntelController {
  constructor(
    private readonly intel: ThreatIntelService,
    private readonly verdicts: VerdictService,
    private readonly feeds: IntelFeedService,
  ) {}

  @Post('get-prevalence')
  @HttpCode(200)
  @Access.authenticated()
  @QuotaResource(QuotaResource.Search)
  @ApiOperation({
    summary: 'Get prevalence of IOCs',
    description:
      `For up to ${MAX_PREVALENCE_IOCS} IOCs of any type (hashes, domains, IPs, URLs, e-mail addresses ...): how many reports and submissions ` +
      'name each, when it was first and last seen, and those reports by verdict. Answered from the IOC index, in the order asked.' +
      PRIVACY,
  })
  @ApiBody({ type: PrevalenceRequestDto })
  @ApiOkResponse({ type: [IocPrevalenceDto] })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Malformed JSON' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: `No IOCs, more than ${MAX_PREVALENCE_IOCS}, or an empty or overlong one` })
  prevalence(@CurrentPrincipal() principal: Principal, @Body() dto: PrevalenceRequestDto): Promise<IocPrevalenceDto[]> {
    return this.intel.prevalence(principal, dto.iocs);
  }

  @Post('modify-verdict')
  @HttpCode(200)
  @Access.groups(UserGroup.Intel, UserGroup.Admin)
  @Audited('report.verdict.modify')
  @ApiOperation({
    summary: 'Modify verdict for a given report',
    description:
      'Replaces a report\'s verdict with an analyst\'s (confidence 1), everywhere it shows: report lists, search, feeds and statistics, the report ' +
      'document\'s `finalVerdict` (with `override`: who, when, from what and why), its parent\'s `extractedFiles`, and the ' +
      'submission\'s verdict in the scan poll (recomputed as the most severe of its files). Audited with the verdicts before and after.',
  })
  @ApiOkResponse({ type: VerdictChangeDto, description: 'The recorded change' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No report with this id is visible to you' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'report_id is not a UUID, an unknown verdict, or no reason' })
  modifyVerdict(@CurrentUser() user: UserPrincipal, @Body() dto: ModifyVerdictDto): Promise<VerdictChangeDto> {
    return this.verdicts.modify(user, dto);
  }

  @Get('get-similars')
  @Access.authenticated()
  @QuotaResource(QuotaResource.Search)
  @ApiOperation({
    summary: 'Get reports with the same special hashes (fuzzyfsio, imphash, ssdeep, authentihash)',
    description:
      'Reports of other files similar to a report\'s file (`report_id`) or to a file (`sha256`): the same imphash or Authenticode ' +
      'authentihash, an ssdeep score of at least `min_ssdeep_score`, or a TLSH distance of at most `max_tlsh_distance`. Candidates come ' +
      'from indexes (ssdeep 7-grams per block size, TLSH body groups) and are scored exactly (ssdeep 2.14 fuzzy_compare, TLSH 3 distance); ' +
      'at most 2,000 candidates are scored per call. Closest first.' +
      PRIVACY,
  })
  @ApiOkResponse({ type: SimilarsDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No visible report with this id or SHA-256' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Neither or both of report_id and sha256, or a malformed parameter' })
  similars(@CurrentPrincipal() principal: Principal, @Query() query: SimilarsQueryDto): Promise<SimilarsDto> {
    return this.intel.similars(principal, query);
  }

  @Get('feed')
  @Access.groups(UserGroup.Intel, UserGroup.Admin, UserGroup.Auditor)
  @ApiOperation({
    summary: 'Get feeds with more data',
    description:
      'The advanced feed: public submissions, oldest first, each with every IOC and signal (with ATT&CK techniques) of all its files. Page ' +
      'with `next_cursor` like a SIEM feed: reports appear only once settled (FEED_SETTLE_SECONDS), so a cursor never skips one that ' +
      'commits late. Without a cursor the feed starts at `since` (default: 24 hours ago).',
  })
  @ApiOkResponse({ type: IntelFeedPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A cursor this feed did not issue, or a malformed parameter' })
  feed(@Query() query: IntelFeedQueryDto): Promise<IntelFeedPageDto> {
    return this.feeds.feed(query);
  }

  @Get('download-iocs')
  @Access.groups(UserGroup.Intel, UserGroup.Admin, UserGroup.Auditor)
  @QuotaResource(QuotaResource.Download)
  @ApiOperation({
    summary: 'Download iocs of reports in csv format',
    description:
      'Every IOC of every report (extracted files included), oldest report first, as CSV: ' +
      'report_id, flow_id, file_sha256, file_name, verdict, threat_level, report_created, ioc_type, ioc_value, origins (`;`-separated). ' +
      'Streamed page by page, whatever the size. Cells a spreadsheet would run as a formula are prefixed with a single quote.' +
      PRIVACY,
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV file', schema: { type: 'string' } })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A malformed date, type or verdict, or `until` not after `since`' })
  downloadIocs(@CurrentPrincipal() principal: Principal, @Query() query: DownloadIocsQueryDto): StreamableFile {
    return new StreamableFile(this.feeds.iocCsv(principal, query), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="iocs.csv"' });
  }
}
