import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { LoginMethod, SystemConfigDto } from './dtos/config.dto';
import { SystemInfoDto, VersionDto } from './dtos/system.dto';
import { APP_VERSION } from './version';

export const APP_NAME = 'sandbox-platform';

@Injectable()
export class SystemService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  info(): SystemInfoDto {
    return { name: APP_NAME, message: 'API is working' };
  }

  version(): VersionDto {
    return { version: APP_VERSION, node: process.version };
  }

  /** Front-end configuration: what this installation offers. Only facts a guest may know; no secrets, no internals. */
  frontendConfig(): SystemConfigDto {
    return {
      name: APP_NAME,
      version: APP_VERSION,
      auth: {
        methods: [LoginMethod.Password, LoginMethod.ApiKey],
        loginUrl: '/api/auth/login',
        apiKeyHeader: 'X-Api-Key',
        invitations: true,
        selfRegistration: false,
        tokenExpiresIn: this.config.auth.jwtExpiresIn,
      },
      features: {
        swaggerUi: this.config.http.swagger,
        apiKeys: true,
        healthHistory: this.config.health.interval > 0,
      },
      limits: { maxBodySize: this.config.http.bodyLimit },
    };
  }
}
