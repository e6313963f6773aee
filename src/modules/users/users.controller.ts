import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnprocessableEntityResponse, ApiBadRequestResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { ApiKeyDto, SetApiKeyDto, UpdateProfileDto, UserDto } from './dtos/user.dto';
import { UsersService } from './users.service';

@ApiTags('Users')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get the current user', description: 'User model of the authenticated caller.' })
  @ApiOkResponse({ type: UserDto })
  async me(@CurrentUser() user: UserPrincipal): Promise<UserDto> {
    return UserDto.from(await this.users.get(user.id));
  }

  @Get('profile')
  @Access.authenticated()
  @ApiOperation({ summary: 'Get profile', description: 'Profile data of the authenticated caller.' })
  @ApiOkResponse({ type: UserDto })
  async profile(@CurrentUser() user: UserPrincipal): Promise<UserDto> {
    return UserDto.from(await this.users.get(user.id));
  }

  @Post('profile')
  @HttpCode(200)
  @Access.authenticated()
  @Audited('user.profile.update')
  @ApiOperation({ summary: 'Update profile', description: 'Name, time zone, locale; a password change needs current_password and signs out other sessions.' })
  @ApiOkResponse({ type: UserDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'current_password missing or wrong' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  updateProfile(@CurrentUser() user: UserPrincipal, @Body() dto: UpdateProfileDto): Promise<UserDto> {
    return this.users.updateProfile(user.id, dto);
  }

  @Delete('reset-timezone-locale')
  @Access.authenticated()
  @ApiOperation({ summary: 'Reset time zone and locale', description: 'Clears the time zone and locale settings of the caller.' })
  @ApiOkResponse({ description: 'Reset' })
  resetTimezoneLocale(@CurrentUser() user: UserPrincipal): Promise<void> {
    return this.users.resetTimezoneLocale(user.id);
  }

  @Post('api-key/create')
  @HttpCode(200)
  @Access.authenticated()
  @Audited('user.api-key.create')
  @ApiOperation({ summary: 'Create API key', description: 'Creates a new API key for the caller, replacing any previous one. The key is shown once.' })
  @ApiOkResponse({ type: ApiKeyDto })
  createApiKey(@CurrentUser() user: UserPrincipal): Promise<ApiKeyDto> {
    return this.users.createApiKey(user.id);
  }

  @Post('api-key/set')
  @HttpCode(200)
  @Access.authenticated()
  @Audited('user.api-key.set')
  @ApiOperation({ summary: 'Set API key', description: 'Sets an API key chosen by the caller, replacing any previous one.' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'The key is already in use' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  setApiKey(@CurrentUser() user: UserPrincipal, @Body() dto: SetApiKeyDto): Promise<ApiKeyDto> {
    return this.users.setApiKey(user.id, dto.api_key);
  }

  @Post('api-key/remove')
  @HttpCode(200)
  @Access.authenticated()
  @Audited('user.api-key.remove')
  @ApiOperation({ summary: 'Remove API key', description: "Removes the caller's API key; requests with it are refused from now on." })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No API key is set' })
  removeApiKey(@CurrentUser() user: UserPrincipal): Promise<void> {
    return this.users.removeApiKey(user.id);
  }
}
