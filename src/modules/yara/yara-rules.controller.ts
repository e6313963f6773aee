import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { ListYaraRuleSetsQueryDto, SavedYaraRuleSetDto, SaveYaraRuleSetDto, YaraRuleSetDetailDto, YaraRuleSetPageDto } from './dtos/yara-rule.dto';
import { YaraRulesService } from './yara-rules.service';

const setId = () => new ParseUUIDPipe({ errorHttpStatusCode: 422 });

@ApiTags('Admin')
@Controller('api/admin/yara-rules')
export class YaraRulesController {
  constructor(private readonly rules: YaraRulesService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({ summary: 'Get YARA rule sets', description: 'Uploaded YARA rule sets by name, without their sources (each identified by its SHA-256).' })
  @ApiOkResponse({ type: YaraRuleSetPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@Query() query: ListYaraRuleSetsQueryDto): Promise<YaraRuleSetPageDto> {
    return this.rules.list(query);
  }

  @Get(':rule_set_id')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get YARA rule set', description: 'One rule set with its source.' })
  @ApiOkResponse({ type: YaraRuleSetDetailDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No rule set has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'rule_set_id is not a UUID' })
  get(@Param('rule_set_id', setId()) id: string): Promise<YaraRuleSetDetailDto> {
    return this.rules.get(id);
  }

  @Post()
  @HttpCode(200)
  @Access.admin()
  @Audited('yara-rule.save')
  @ApiOperation({
    summary: 'Save YARA rule set',
    description:
      'Creates a rule set, or edits the set whose `id` is given. The source is compiled first: when it does not compile the answer is 422 ' +
      'with the compiler\'s errors and nothing is saved. Enabled sets are scanned with the bundled rules on new analyses.',
  })
  @ApiOkResponse({ type: SavedYaraRuleSetDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No rule set has the given id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Another rule set has this name' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Invalid fields, or a source that does not compile (errors under `source`)' })
  save(@CurrentUser() actor: UserPrincipal, @Body() dto: SaveYaraRuleSetDto): Promise<SavedYaraRuleSetDto> {
    return this.rules.save(actor, dto);
  }

  @Post(':rule_set_id/remove')
  @HttpCode(200)
  @Access.admin()
  @Audited('yara-rule.remove')
  @ApiOperation({ summary: 'Remove YARA rule set', description: 'Removes the rule set; analyses already made keep their matches.' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No rule set has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'rule_set_id is not a UUID' })
  remove(@Param('rule_set_id', setId()) id: string): Promise<void> {
    return this.rules.remove(id);
  }
}
