import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QuotasModule } from '../quotas/quotas.module';
import { Deployment } from './deployment.entity';
import { LicenseScanLimitInterceptor } from './license-scan-limit.interceptor';
import { LicenseController } from './license.controller';
import { License } from './license.entity';
import { LicenseGuard } from './license.guard';
import { LicenseService } from './license.service';

/**
 * Licensing: the license in force, its activation, and its enforcement. The LicenseGuard is
 * registered as an APP_GUARD in AppModule, after the AccessGuard (guards run in registration order).
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([License, Deployment]), QuotasModule],
  controllers: [LicenseController],
  providers: [LicenseService, LicenseGuard, { provide: APP_INTERCEPTOR, useClass: LicenseScanLimitInterceptor }],
  exports: [LicenseService, LicenseGuard],
})
export class LicenseModule {}
