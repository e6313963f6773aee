import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { ConsumesUserSeat } from '../license/requires-feature.decorator';
import { AuthService } from './auth.service';
import { RegisterDto } from './dtos/invitation.dto';
import { LoginDto, TokenResponseDto } from './dtos/login.dto';
import { InvitationsService } from './invitations.service';

@ApiTags('Auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly invitations: InvitationsService,
  ) {}

  @Post('login')
  @HttpCode(200)
  @Access.public()
  @Audited('auth.login')
  @ApiOperation({
    summary: 'Log in',
    description: 'Exchanges email and password for a JWT. Repeated failures for one account or address are slowed down, then refused with 429.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Wrong email or password' })
  @ApiTooManyRequestsResponse({ type: ErrorResponseDto, description: 'Too many failed logins; see Retry-After' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  login(@Body() dto: LoginDto, @Ip() ip: string): Promise<TokenResponseDto> {
    return this.auth.login(dto, ip);
  }

  @Post('register')
  @HttpCode(200)
  @Access.public()
  @Audited('auth.register')
  @ConsumesUserSeat('registration')
  @ApiOperation({
    summary: 'Register with an invitation',
    description:
      'Creates the account an administrator invited (email, user groups and access group come from the invitation) and returns a JWT. ' +
      'Each invitation token works once, until it expires.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'The invitation token is unknown, already used or expired (the message says which)' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'A user with the invited email is already registered' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto })
  register(@Body() dto: RegisterDto): Promise<TokenResponseDto> {
    return this.invitations.register(dto);
  }
}
