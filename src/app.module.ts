import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './common/access/access.guard';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { AppConfig } from './config/app-config';
import { CoreModule } from './config/core.module';
import { dataSourceOptions } from './database/data-source';
import { AccessGroupsModule } from './modules/access-groups/access-groups.module';
import { AuditModule } from './modules/audit/audit.module';
import { AuthModule } from './modules/auth/auth.module';
import { QuotasModule } from './modules/quotas/quotas.module';
import { ReportsModule } from './modules/reports/reports.module';
import { AnalysisModule } from './modules/scan/analysis.module';
import { ScanModule } from './modules/scan/scan.module';
import { SystemModule } from './modules/system/system.module';
import { UsersModule } from './modules/users/users.module';
import { YaraModule } from './modules/yara/yara.module';
import { QueueModule } from './queue/queue.module';
import { StorageModule } from './storage/storage.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.database.url) throw new Error('AppModule needs a database URL (the embedded PostgreSQL is started by main.ts)');
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        TypeOrmModule.forRoot(dataSourceOptions(config.database.url, config.database.poolSize)),
        ScheduleModule.forRoot(),
        DiscoveryModule,
        QueueModule,
        AuditModule,
        AuthModule,
        QuotasModule,
        UsersModule,
        AccessGroupsModule,
        SystemModule,
        ReportsModule,
        YaraModule,
        StorageModule,
        ScanModule,
        AnalysisModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
