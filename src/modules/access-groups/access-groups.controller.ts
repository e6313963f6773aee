import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { AccessGroupsService } from './access-groups.service';
import { AccessGroupDto, SaveAccessGroupDto } from './dtos/access-group.dto';

@ApiTags('Admin')
@Controller('api/admin/access-groups')
export class AccessGroupsController {
  constructor(private readonly groups: AccessGroupsService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({ summary: 'Get access groups', description: 'Every access group, by name, with the number of users in it.' })
  @ApiOkResponse({ type: AccessGroupDto, isArray: true })
  list(): Promise<AccessGroupDto[]> {
    return this.groups.list();
  }

  @Post()
  @HttpCode(200)
  @Access.admin()
  @Audited('access-group.save')
  @ApiOperation({ summary: 'Save access group', description: 'Creates a group, or edits the group whose `id` is given. Names are unique.' })
  @ApiOkResponse({ type: AccessGroupDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No group has the given id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Another group has this name' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  save(@Body() dto: SaveAccessGroupDto): Promise<AccessGroupDto> {
    return this.groups.save(dto);
  }

  @Post(':group_id/remove')
  @HttpCode(200)
  @Access.admin()
  @Audited('access-group.remove')
  @ApiOperation({ summary: 'Remove access group', description: 'Removes the group. Its members are kept and no longer belong to any group.' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No group has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'group_id is not a UUID' })
  remove(@Param('group_id', new ParseUUIDPipe({ errorHttpStatusCode: 422 })) id: string): Promise<void> {
    return this.groups.remove(id);
  }
}
