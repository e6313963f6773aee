import { Body, Controller, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { QuotaDto, SaveQuotaDto } from './dtos/quota.dto';
import { QuotaService } from './quota.service';

@ApiTags('Admin')
@Controller('api/admin/settings/api-quota')
export class QuotasController {
  constructor(private readonly quotas: QuotaService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({ summary: 'Get API quotas', description: 'Every API quota: whom it limits, what it counts, per which period, and the limit.' })
  @ApiOkResponse({ type: [QuotaDto], description: 'Every quota, ordered by scope, scope_id, resource and period' })
  list(): Promise<QuotaDto[]> {
    return this.quotas.list();
  }

  @Post()
  @HttpCode(200)
  @Access.admin()
  @Audited('quota.save')
  @ApiOperation({
    summary: 'Save API quota',
    description:
      'Creates a quota, or changes the one named by `id`. Without `id`, a quota for the same scope, scope_id, ' +
      'resource and period is updated rather than duplicated. Takes effect at once on this API process and ' +
      'within 5 seconds on the others. Calls over a quota are answered 429 with Retry-After and RateLimit-* headers.',
  })
  @ApiOkResponse({ type: QuotaDto, description: 'The quota as saved' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No quota with this id, or the user or access group named by scope_id does not exist' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Changing the quota `id` would duplicate another quota' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  save(@Body() dto: SaveQuotaDto): Promise<QuotaDto> {
    return this.quotas.save(dto);
  }

  @Post(':quota_id/remove')
  @HttpCode(200)
  @Access.admin()
  @Audited('quota.remove')
  @ApiOperation({ summary: 'Remove API quota', description: 'Removes one quota; the calls it limited are no longer limited by it, at once.' })
  @ApiParam({ name: 'quota_id', format: 'uuid' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No quota with this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'quota_id is not a UUID' })
  remove(@Param('quota_id', new ParseUUIDPipe({ errorHttpStatusCode: HttpStatus.UNPROCESSABLE_ENTITY })) id: string): Promise<void> {
    return this.quotas.remove(id);
  }
}
