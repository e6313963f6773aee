import { applyDecorators, Controller, Get, Header, Param, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Access } from '../../common/access/access.decorator';
import { CurrentPrincipal } from '../../common/access/current-principal.decorator';
import { Principal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { LicenseFeature, RequiresFeature } from '../license/requires-feature.decorator';
import { QuotaResource } from '../quotas/quota-resource.decorator';
import { ArchiveDayPipe, ArchivePublicityPipe, SampleArchiveTypePipe } from './archive-params';
import { ArchiveDto } from './dtos/archive.dto';
import { FeedInfoDto, FeedPageDto, FeedQueryDto, YaraFeedInfoDto } from './dtos/feed.dto';
import { ArchiveKind, ArchivePublicity, SampleArchiveType, YARA_ARCHIVE_TYPE } from './feed-archive.entity';
import { FeedArchivesService } from './feed-archives.service';
import { FeedsService } from './feeds.service';
import { RequestBaseUrl } from './request-base-url.decorator';
import { YaraFeedService } from './yara-feed.service';

const FEED_SCOPE =
  ' The feed holds **public submitted files** only: private reports and files extracted from a submission never appear. ' +
  'A report appears once settled (`settled_until`, FEED_SETTLE_SECONDS), so that a poller never misses one that was still being written.';

const INFO = () =>
  applyDecorators(
    Access.authenticated(),
    ApiOkResponse({ type: FeedInfoDto }),
  );

const LIST_SAMPLES_DESCRIPTION =
  'Daily archives of the samples of malicious (`malicious`: MALICIOUS or LIKELY_MALICIOUS) and `suspicious` reports, per UTC day, built ' +
  'each night by the `feeds.archives` job. `private` archives (samples of private reports) are listed to administrators only.';

const DOWNLOAD_SAMPLES = (deprecated: boolean) =>
  applyDecorators(
    Access.authenticated(),
    QuotaResource(QuotaResource.Download),
    Audited('feed.samples-archive.download'),
    ApiOperation({
      summary: 'Download Samples Archive',
      deprecated,
      description:
        (deprecated ? 'Deprecated alias of `GET /api/archives/samples/{publicity}/{type}/{date}`. ' : '') +
        'The samples of one UTC day as a ZIP archive encrypted (AES-256) with the password `infected`: each sample named by its SHA-256, ' +
        'plus `manifest.json` (verdict, file types and report ids per sample). `private` archives are for administrators only (403 otherwise). ' +
        'Counts against the `download` quota; every download is recorded in the audit log.',
    }),
    ApiParam({ name: 'publicity', enum: ArchivePublicity }),
    ApiParam({ name: 'type', enum: SampleArchiveType }),
    ApiParam({ name: 'date', description: 'UTC day, YYYY-MM-DD', example: '2026-12-04' }),
    ApiProduces('application/zip'),
    ApiOkResponse({ description: 'ZIP archive, password `infected`', schema: { type: 'string', format: 'binary' } }),
    ApiForbiddenResponse({ type: ErrorResponseDto, description: 'A `private` archive, and you are not an administrator' }),
    ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No archive of this kind for that day' }),
    ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Unknown publicity or type, or date not YYYY-MM-DD' }),
  );

@ApiTags('Feeds')
@RequiresFeature(LicenseFeature.Feeds)
@Controller('api/feed')
export class FeedsController {
  constructor(
    private readonly feeds: FeedsService,
    private readonly yara: YaraFeedService,
    private readonly archives: FeedArchivesService,
  ) {}

  @Get('reports')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get Reports Feed',
    description:
      'Finished reports for SIEMs, as JSON, one bounded page at a time, by an opaque cursor over (creation time, report id).\n\n' +
      '- **Start / go back**: without parameters, the newest page, newest first; keep `next_since`, then follow `next_cursor` ' +
      '(as `cursor`) for older pages while `has_more`.\n' +
      '- **Poll**: `since=<next_since>` answers the reports newer than it, **oldest first**; store the new `next_since` after ' +
      'processing the page and call again at once while `has_more`.\n\n' +
      'Each report is answered once in each direction, whatever the ties in creation time. Verdicts are read when you call: a ' +
      'verdict changed later shows on reports answered later (an answer is reused for identical calls for up to a second).' +
      FEED_SCOPE,
  })
  @ApiOkResponse({ type: FeedPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'limit out of range, a token this feed did not issue, or both cursor and since' })
  @Header('Content-Type', 'application/json; charset=utf-8')
  reports(@Query() query: FeedQueryDto, @RequestBaseUrl() base: string): Promise<Buffer> {
    // Already JSON: the bytes are sent as they are.
    return this.feeds.pageJson(query, base);
  }

  @Get('reports/info')
  @INFO()
  @ApiOperation({ summary: 'Get Reports Feed Info', description: 'Feed metadata: reports in it, newest and oldest, settled horizon, page sizes, and a `since` token for "from now on".' })
  reportsInfo(): Promise<FeedInfoDto> {
    return this.feeds.info();
  }

  @Get('info')
  @INFO()
  @ApiOperation({ summary: 'Get Reports Feed Info', deprecated: true, description: 'Deprecated alias of `GET /api/feed/reports/info`.' })
  info(): Promise<FeedInfoDto> {
    return this.feeds.info();
  }

  @Get('atom')
  @Access.authenticated()
  @Header('Content-Type', 'application/atom+xml; charset=utf-8')
  @ApiOperation({
    summary: 'Get Reports Feed',
    deprecated: true,
    description:
      'The reports feed as Atom 1.0 (RFC 4287), newest first: one entry per report (id `urn:uuid:<report id>`, the verdict in title, ' +
      'category and summary), `cursor` and a `next` link for older pages. Deprecated: poll `GET /api/feed/reports` with `since`.' +
      FEED_SCOPE,
  })
  @ApiProduces('application/atom+xml')
  @ApiOkResponse({ description: 'Atom 1.0 document', schema: { type: 'string' } })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'limit out of range, a cursor this feed did not issue, or since (not supported here)' })
  atom(@Query() query: FeedQueryDto, @RequestBaseUrl() base: string): Promise<string> {
    return this.feeds.atom(query, base);
  }

  @Get('yara')
  @Access.authenticated()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @ApiOperation({
    summary: 'Get Yara Feed',
    description:
      'YARA rules (YARA 4 and YARA-X) for the files of public MALICIOUS reports of the last FEED_YARA_DAYS days, extracted files ' +
      'included: one rule per file (`sandbox_sha256_<sha256>`: size and SHA-256), and one per PE import hash ' +
      '(`sandbox_imphash_<imphash>`, tagged `imphash`: broader, may match variants). The ETag is the SHA-256 of the text.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'YARA source', schema: { type: 'string' } })
  async yaraFeed(@RequestBaseUrl() base: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const rules = await this.yara.rules(base);
    void reply.header('etag', `"${rules.sha256}"`);
    return rules.text;
  }

  @Get('yara/info')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get Yara Feed Info', description: 'What `GET /api/feed/yara` holds now: rule counts, reports, window, newest and oldest report, SHA-256 of the text.' })
  @ApiOkResponse({ type: YaraFeedInfoDto })
  yaraInfo(@RequestBaseUrl() base: string): Promise<YaraFeedInfoDto> {
    return this.yara.info(base);
  }

  @Get('archives')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get Daily Samples Archives', deprecated: true, description: `Deprecated alias of \`GET /api/archives/samples\`. ${LIST_SAMPLES_DESCRIPTION}` })
  @ApiOkResponse({ type: ArchiveDto, isArray: true })
  listSamplesArchives(@CurrentPrincipal() principal: Principal): Promise<ArchiveDto[]> {
    return this.archives.list(ArchiveKind.Samples, principal);
  }

  @Get('archives/:publicity/:type/:date')
  @DOWNLOAD_SAMPLES(true)
  downloadSamplesArchive(
    @CurrentPrincipal() principal: Principal,
    @Param('publicity', ArchivePublicityPipe) publicity: ArchivePublicity,
    @Param('type', SampleArchiveTypePipe) type: SampleArchiveType,
    @Param('date', ArchiveDayPipe) day: string,
  ): Promise<StreamableFile> {
    return this.archives.open(principal, { kind: ArchiveKind.Samples, publicity, type, day });
  }
}

@ApiTags('Feeds')
@RequiresFeature(LicenseFeature.Feeds)
@Controller('api/archives')
export class ArchivesController {
  constructor(private readonly archives: FeedArchivesService) {}

  @Get('samples')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get Daily Samples Archives', description: LIST_SAMPLES_DESCRIPTION })
  @ApiOkResponse({ type: ArchiveDto, isArray: true })
  listSamples(@CurrentPrincipal() principal: Principal): Promise<ArchiveDto[]> {
    return this.archives.list(ArchiveKind.Samples, principal);
  }

  @Get('samples/:publicity/:type/:date')
  @DOWNLOAD_SAMPLES(false)
  downloadSamples(
    @CurrentPrincipal() principal: Principal,
    @Param('publicity', ArchivePublicityPipe) publicity: ArchivePublicity,
    @Param('type', SampleArchiveTypePipe) type: SampleArchiveType,
    @Param('date', ArchiveDayPipe) day: string,
  ): Promise<StreamableFile> {
    return this.archives.open(principal, { kind: ArchiveKind.Samples, publicity, type, day });
  }

  @Get('yara')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get Daily Yara Archives', description: 'Daily archives of the YARA rules generated for the public malicious reports of each UTC day (see `GET /api/feed/yara`).' })
  @ApiOkResponse({ type: ArchiveDto, isArray: true })
  listYara(@CurrentPrincipal() principal: Principal): Promise<ArchiveDto[]> {
    return this.archives.list(ArchiveKind.Yara, principal);
  }

  @Get('yara/:date')
  @Access.authenticated()
  @ApiOperation({ summary: 'Download Yara Archive', description: 'The YARA rules of one UTC day as a ZIP archive (not encrypted: it holds rules, no samples).' })
  @ApiParam({ name: 'date', description: 'UTC day, YYYY-MM-DD', example: '2026-12-04' })
  @ApiProduces('application/zip')
  @ApiOkResponse({ description: 'ZIP archive with one `.yar` file', schema: { type: 'string', format: 'binary' } })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No YARA archive for that day' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'date is not YYYY-MM-DD' })
  downloadYara(@CurrentPrincipal() principal: Principal, @Param('date', ArchiveDayPipe) day: string): Promise<StreamableFile> {
    return this.archives.open(principal, { kind: ArchiveKind.Yara, publicity: ArchivePublicity.Public, type: YARA_ARCHIVE_TYPE, day });
  }
}
