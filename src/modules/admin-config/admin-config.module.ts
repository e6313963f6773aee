import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretBox } from '../../common/security/secret-box';
import { Secrets } from '../../common/security/secrets';
import { AdminConfigController } from './admin-config.controller';
import { AdminConfigService } from './admin-config.service';
import { ExternalTokensSecret } from './external-tokens-secret.entity';

@Module({
  imports: [TypeOrmModule.forFeature([ExternalTokensSecret])],
  controllers: [AdminConfigController],
  providers: [AdminConfigService, { provide: SecretBox, useFactory: (secrets: Secrets) => new SecretBox(secrets), inject: [Secrets] }],
  exports: [AdminConfigService],
})
export class AdminConfigModule {}
