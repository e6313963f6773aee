import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';
import { Audited } from '../audit/audited.decorator';
import { AuthServicesService } from './auth-services.service';
import { ServiceNamePipe } from './service-name.pipe';
import { AuthServiceDto, SaveAuthServiceDto } from './dtos/auth-service.dto';

@ApiTags('Admin')
@Controller('api/admin/auth-services')
export class AuthServicesController {
  constructor(private readonly services: AuthServicesService) {}

  @Get()
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get auth services',
    description: 'Every external identity provider (OIDC, LDAP) configured. Secrets are never returned: `client_secret` / `bind_password` say only `{ "set": true }`.',
  })
  @ApiOkResponse({ type: [AuthServiceDto] })
  list(): Promise<AuthServiceDto[]> {
    return this.services.list();
  }

  @Post()
  @HttpCode(200)
  @Access.admin()
  @Audited('auth-service.save')
  @ApiOperation({
    summary: 'Save auth service',
    description:
      'Creates the service named `service`, or replaces its settings. Secrets are stored encrypted (AES-256-GCM under a key derived ' +
      'from APP_SECRET); leave `client_secret` / `bind_password` out to keep the stored one. URLs must be https:// (OIDC) or ldaps:// (LDAP); ' +
      'http:// and ldap:// only for localhost with `allow_insecure_localhost`. Signing in through these services is not available yet.',
  })
  @ApiOkResponse({ type: AuthServiceDto, description: 'The service as saved (without secrets)' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'Created concurrently by another call' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Invalid settings, naming each field' })
  save(@Body() dto: SaveAuthServiceDto): Promise<AuthServiceDto> {
    return this.services.save(dto);
  }

  @Post(':service/remove')
  @HttpCode(200)
  @Access.admin()
  @Audited('auth-service.remove')
  @ApiOperation({ summary: 'Remove auth service', description: 'Removes a service and its stored secrets.' })
  @ApiParam({ name: 'service', example: 'corp-sso' })
  @ApiOkResponse({ description: 'Removed' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No service with this name' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'Not a service name' })
  remove(@Param('service', ServiceNamePipe) service: string): Promise<void> {
    return this.services.remove(service);
  }
}
