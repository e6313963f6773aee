import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { SETTINGS_VALUES_SCHEMA, SettingsGroupDto } from './dtos/settings.dto';
import { GeneralSettingsDto, RetentionSettingsDto, ScanSettingsDto, SETTINGS_GROUP_NAMES } from './settings-groups';
import { SettingsService } from './settings.service';

const groupParam = () =>
  ApiParam({
    name: 'group',
    enum: SETTINGS_GROUP_NAMES,
    description: '`general`: platform name, public URL, sign-in banner; `retention`: how long analyses and files are kept; `scan`: defaults for new submissions',
  });

@ApiTags('Admin')
@ApiExtraModels(GeneralSettingsDto, RetentionSettingsDto, ScanSettingsDto)
@Controller('api/admin/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get(':group')
  @Access.adminRead()
  @groupParam()
  @ApiOperation({ summary: 'Get settings group', description: 'Every setting of the group: saved values, defaults for those never saved.' })
  @ApiOkResponse({ type: SettingsGroupDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No settings group with this name' })
  read(@Param('group') group: string): Promise<SettingsGroupDto> {
    return this.settings.read(group);
  }

  @Post(':group')
  @HttpCode(200)
  @Access.admin()
  @Audited('settings.save')
  @groupParam()
  @ApiOperation({
    summary: 'Save settings group',
    description: 'Changes the settings given; the others keep their values. The whole group is validated, and the change is audited with the values before and after. Applies at once in every process.',
  })
  @ApiBody({ schema: SETTINGS_VALUES_SCHEMA, description: 'Some or all settings of the group' })
  @ApiOkResponse({ type: SettingsGroupDto, description: 'The group as saved' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No settings group with this name' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'A setting is invalid or unknown: `errors` names each one' })
  save(@CurrentUser() actor: UserPrincipal, @Param('group') group: string, @Body() body: Record<string, unknown>): Promise<SettingsGroupDto> {
    return this.settings.save(actor, group, body);
  }
}
