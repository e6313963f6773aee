import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { AuthService } from './auth.service';
import { LoginDto, TokenResponseDto } from './dtos/login.dto';

@ApiTags('Auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

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
}
