import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecretBox } from '../../common/security/secret-box';
import { Secrets } from '../../common/security/secrets';
import { AuthServiceConfig } from './auth-service.entity';
import { AuthServicesController } from './auth-services.controller';
import { AuthServicesService } from './auth-services.service';

@Module({
  imports: [TypeOrmModule.forFeature([AuthServiceConfig])],
  controllers: [AuthServicesController],
  providers: [AuthServicesService, { provide: SecretBox, useFactory: (secrets: Secrets) => new SecretBox(secrets), inject: [Secrets] }],
  exports: [AuthServicesService],
})
export class AuthServicesModule {}
