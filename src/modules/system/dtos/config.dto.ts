import { ApiProperty } from '@nestjs/swagger';

export enum LoginMethod {
  /** Email and password at POST /api/auth/login, answered with a Bearer JWT. */
  Password = 'password',
  /** An API key in the X-Api-Key header. */
  ApiKey = 'api_key',
}

export class ConfigAuthDto {
  @ApiProperty({ enum: LoginMethod, isArray: true, example: [LoginMethod.Password, LoginMethod.ApiKey], description: 'Ways to sign in' })
  methods: LoginMethod[];

  @ApiProperty({ example: '/api/auth/login', description: 'Where the password login is posted' })
  loginUrl: string;

  @ApiProperty({ example: 'X-Api-Key', description: 'Header that carries an API key' })
  apiKeyHeader: string;

  @ApiProperty({ example: true, description: 'Accounts are created by invitation (POST /api/auth/register with an invitation token)' })
  invitations: boolean;

  @ApiProperty({ example: false, description: 'Anyone may create an account without an invitation' })
  selfRegistration: boolean;

  @ApiProperty({ example: 3600, description: 'Lifetime of an access token, seconds' })
  tokenExpiresIn: number;
}

export class ConfigFeaturesDto {
  @ApiProperty({ example: true, description: 'Swagger UI is served at /api/docs' })
  swaggerUi: boolean;

  @ApiProperty({ example: true, description: 'Users may create API keys' })
  apiKeys: boolean;

  @ApiProperty({ example: true, description: 'Past health checks are recorded (GET /api/system/query-healthcheck)' })
  healthHistory: boolean;
}

export class ConfigLimitsDto {
  @ApiProperty({ example: 1048576, description: 'Largest JSON request body, bytes (BODY_LIMIT)' })
  maxBodySize: number;
}

/** What a front end needs to know about this installation. Contains no secrets. */
export class SystemConfigDto {
  @ApiProperty({ example: 'sandbox-platform' })
  name: string;

  @ApiProperty({ example: '0.1.0' })
  version: string;

  @ApiProperty({ type: ConfigAuthDto })
  auth: ConfigAuthDto;

  @ApiProperty({ type: ConfigFeaturesDto })
  features: ConfigFeaturesDto;

  @ApiProperty({ type: ConfigLimitsDto })
  limits: ConfigLimitsDto;
}
