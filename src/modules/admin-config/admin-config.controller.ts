import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../../common/access/access.decorator';
import { CurrentUser } from '../../common/access/current-principal.decorator';
import { UserPrincipal } from '../../common/access/principal';
import { Audited } from '../audit/audited.decorator';
import { AdminConfigService } from './admin-config.service';
import { ExternalTokensSecretDto } from './dtos/admin-config.dto';

@ApiTags('Admin')
@Controller('api/admin')
export class AdminConfigController {
  constructor(private readonly adminConfig: AdminConfigService) {}

  @Get('app-config')
  @Access.adminRead()
  @ApiOperation({
    summary: 'Get app config',
    description:
      'The effective configuration of this process (from the environment, after defaults). Secrets are replaced by `[redacted]` ' +
      '(unset ones are null): APP_SECRET, passwords, keys and tokens by name, the password and query values of URLs, and any ' +
      'secret value wherever else it appears.',
  })
  @ApiOkResponse({ description: 'The configuration, grouped as in src/config/app-config.ts', schema: { type: 'object', additionalProperties: true } })
  appConfig(): Record<string, unknown> {
    return this.adminConfig.effectiveConfig();
  }

  @Get('generate-external-tokens-secret')
  @Access.admin()
  @Audited('external-tokens-secret.generate')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Generate external tokens secret',
    description:
      'Generates a new random secret for encrypting external auth tokens, replacing the previous one, and returns it this once ' +
      '(stored only encrypted; the audit log records its fingerprint, never the secret).',
  })
  @ApiOkResponse({ type: ExternalTokensSecretDto })
  generateExternalTokensSecret(@CurrentUser() admin: UserPrincipal): Promise<ExternalTokensSecretDto> {
    return this.adminConfig.generateExternalTokensSecret(admin.id);
  }
}
