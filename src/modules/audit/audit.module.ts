import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AccessDeniedListener } from '../../common/access/principal';
import { AuditController } from './audit.controller';
import { AuditAccessDeniedListener, AuditInterceptor } from './audit.interceptor';
import { AuditService } from './audit.service';

@Global()
@Module({
  controllers: [AuditController],
  providers: [
    AuditService,
    { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
    { provide: AccessDeniedListener, useClass: AuditAccessDeniedListener },
  ],
  exports: [AuditService, AccessDeniedListener],
})
export class AuditModule {}
