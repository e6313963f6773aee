import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { CatalogService } from './catalog.service';
import { CountryDto, LanguageDto, TermsDto, TranslationsParamsDto, MimeTypeDto, MitreDataDto, SignalGroupDto, YaraAuthorDto, YaraQueryDto, YaraRuleDto } from './dtos/catalog.dto';

@ApiTags('System')
@Controller('api/system')
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  @Get('signal-groups')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get signal groups', description: 'Every signal the engine can raise (the `identifier`s of reports\' allSignalGroups), with its verdict, default strength and ATT&CK techniques.' })
  @ApiOkResponse({ type: [SignalGroupDto] })
  signalGroups(): SignalGroupDto[] {
    return this.catalog.signalGroups();
  }

  @Get('mime-types')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get MIME types', description: 'The file types the engine identifies by content, with their usual extensions.' })
  @ApiOkResponse({ type: [MimeTypeDto] })
  mimeTypes(): MimeTypeDto[] {
    return this.catalog.mimeTypes();
  }

  @Get('yara')
  @Access.authenticated()
  @ApiOperation({
    summary: 'Get YARA rules',
    description:
      'Without `name`: the YARA rules that matched at least one report, most matches first. With `name`: every bundled or uploaded rule whose name contains it ' +
      '(case-insensitive), matched or not. Each with its rule set, author, description, tags, ATT&CK techniques and number of matching reports.',
  })
  @ApiOkResponse({ type: [YaraRuleDto] })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  yara(@Query() query: YaraQueryDto): Promise<YaraRuleDto[]> {
    return this.catalog.yara(query.name);
  }

  @Get('yara-authors')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get YARA rule authors', description: 'The authors (`author` meta) of the rules `GET /api/system/yara` selects with the same `name`, with their rules and matches.' })
  @ApiOkResponse({ type: [YaraAuthorDto] })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  yaraAuthors(@Query() query: YaraQueryDto): Promise<YaraAuthorDto[]> {
    return this.catalog.yaraAuthors(query.name);
  }

  @Get('get-terms/:terms_type')
  @Access.public()
  @ApiOperation({ summary: 'Get terms', description: 'The privacy policy or the terms and conditions (Markdown): the operator\'s text from DATA_DIR/terms/<type>.md, else the built-in default.' })
  @ApiParam({ name: 'terms_type', enum: ['privacy-policy', 'terms-and-conditions'] })
  @ApiOkResponse({ type: TermsDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Unknown terms type' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  terms(@Param('terms_type') type: string): Promise<TermsDto> {
    return this.catalog.terms(type);
  }

  @Get('translations/:lang')
  @Access.public()
  @ApiOperation({ summary: 'Get translations', description: 'The user-interface strings in one language, by key (verdicts, states, navigation, report sections).' })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: { type: 'string' }, example: { 'verdict.MALICIOUS': 'Bösartig' } } })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A language the UI is not translated into' })
  translations(@Param() params: TranslationsParamsDto): Record<string, string> {
    return this.catalog.translations(params.lang);
  }

  @Get('languages')
  @Access.public()
  @ApiOperation({ summary: 'Get languages', description: 'ISO 639-1 languages (code, ISO 639-2 code, English name), by name.' })
  @ApiOkResponse({ type: [LanguageDto] })
  languages(): LanguageDto[] {
    return this.catalog.languages();
  }

  @Get('countries')
  @Access.public()
  @ApiOperation({ summary: 'Get countries', description: 'ISO 3166-1 countries (alpha-2, alpha-3, numeric code, English name), by name.' })
  @ApiOkResponse({ type: [CountryDto] })
  countries(): CountryDto[] {
    return this.catalog.countries();
  }

  @Get('mitre')
  @Access.public()
  @ApiOperation({ summary: 'Get MITRE ATT&CK data', description: 'The ATT&CK tactics and the techniques the engine\'s signals and bundled rules map to, with names and attack.mitre.org links.' })
  @ApiOkResponse({ type: MitreDataDto })
  mitre(): MitreDataDto {
    return this.catalog.mitre();
  }

  @Get('reputation/check-config')
  @Access.public()
  @ApiOperation({
    summary: 'Reputation check config',
    description: 'Whether MetaDefender Cloud reputation look-ups are enabled. This platform makes no cloud reputation look-ups (samples and hashes never leave it): always false.',
  })
  @ApiOkResponse({ schema: { type: 'boolean', example: false } })
  reputationCheckConfig(): boolean {
    return false;
  }
}
