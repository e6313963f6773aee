import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, StreamableFile } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { AdminUsersService } from './admin-users.service';
import { AdminUpdateUserDto, ListUsersQueryDto, UserPageDto } from './dtos/admin-user.dto';
import { UserDto } from './dtos/user.dto';

const userId = () => new ParseUUIDPipe({ errorHttpStatusCode: 422 });

@ApiTags('Admin')
@Controller('api/admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get users',
    description:
      'Users ordered by email, one page at a time. `filter` finds users by any part of their email or name (case-insensitive); ' +
      'when `ids` is given, `filter` is ignored.',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.users.list(query);
  }

  @Get('import')
  @Access.adminRead()
  @Audited('user.export')
  @ApiOperation({
    summary: 'Get users overview',
    description:
      'Downloads every user as a CSV file: id, email, name, groups (separated by `;`), access_group, is_active, created_at, last_login_at. ' +
      'Cells that a spreadsheet would run as a formula are prefixed with a single quote.',
  })
  @ApiProduces('text/csv')
  @ApiOkResponse({ description: 'CSV file', schema: { type: 'string' } })
  exportCsv(): StreamableFile {
    return new StreamableFile(this.users.exportCsv(), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="users.csv"' });
  }

  @Get(':user_id')
  @Access.adminRead()
  @ApiOperation({ summary: 'Get user', description: 'One user by id.' })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'user_id is not a UUID' })
  get(@Param('user_id', userId()) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Post(':user_id')
  @HttpCode(200)
  @Access.admin()
  @Audited('user.update')
  @ApiOperation({
    summary: 'Edit user',
    description:
      'Changes the name, user groups, access group, active state or password of a user; fields left out are unchanged. ' +
      'Deactivating a user or setting a password signs the user out everywhere. The last active administrator cannot be demoted or deactivated.',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user, or no access group, has this id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The change would leave no active administrator, or deactivates your own account' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  update(@CurrentUser() actor: UserPrincipal, @Param('user_id', userId()) id: string, @Body() dto: AdminUpdateUserDto): Promise<UserDto> {
    return this.users.update(actor, id, dto);
  }

  @Delete(':user_id')
  @Access.admin()
  @Audited('user.delete')
  @ApiOperation({ summary: 'Delete user', description: 'Deletes a user. You cannot delete yourself or the last active administrator.' })
  @ApiOkResponse({ description: 'Deleted' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No user has this id' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The user is you, or the last active administrator' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'user_id is not a UUID' })
  remove(@CurrentUser() actor: UserPrincipal, @Param('user_id', userId()) id: string): Promise<void> {
    return this.users.remove(actor, id);
  }
}
