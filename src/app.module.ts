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
import { LicenseGuard } from './modules/license/license.guard';
import { LicenseModule } from './modules/license/license.module';
import { CatalogModule } from './modules/catalog/catalog.module';
import { QuotasModule } from './modules/quotas/quotas.module';
import { ReportsModule } from './modules/reports/reports.module';
import { AnalysisModule } from './modules/scan/analysis.module';
import { FeedsModule } from './modules/feeds/feeds.module';
import { ScanModule } from './modules/scan/scan.module';
import { SystemModule } from './modules/system/system.module';
import { UsersModule } from './modules/users/users.module';
import { YaraModule } from './modules/yara/yara.module';
import { EmailsModule } from './modules/emails/emails.module';
import { ScanSourcesModule } from './modules/scan-sources/scan-sources.module';
import { JobsModule } from './modules/jobs/jobs.module';
import { SettingsModule } from './modules/settings/settings.module';
import { RetentionModule } from './modules/retention/retention.module';
import { AdminStatsModule } from './modules/admin-stats/admin-stats.module';
import { QueueModule } from './queue/queue.module';
import { StorageModule } from './storage/storage.module';
import { ExportsModule } from './modules/exports/exports.module';
import { TaxiiModule } from './modules/taxii/taxii.module';
import { AdminConfigModule } from './modules/admin-config/admin-config.module';
import { AuthServicesModule } from './modules/auth-services/auth-services.module';
import { DebugModule } from './modules/debug/debug.module';
import { ErrorsModule } from './modules/errors/errors.module';
import { LogsModule } from './modules/logs/logs.module';
import { StatsModule } from './modules/stats/stats.module';
import { ThreatIntelModule } from './modules/threatintel/threatintel.module';

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
        AdminStatsModule,
        RetentionModule,
        SettingsModule,
        JobsModule,
        AuditModule,
        AuthModule,
        LicenseModule,
        CatalogModule,
        QuotasModule,
        UsersModule,
        AccessGroupsModule,
        SystemModule,
        ReportsModule,
        YaraModule,
        StorageModule,
        ScanModule,
        AnalysisModule,
        ErrorsModule,
        LogsModule,
        AuthServicesModule,
        AdminConfigModule,
        DebugModule,
        FeedsModule,
        EmailsModule,
        ScanSourcesModule,
        ExportsModule,
        TaxiiModule,
        ThreatIntelModule,
        StatsModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AccessGuard },
        // After the AccessGuard: a caller without credentials hears 401 before any license refusal.
        { provide: APP_GUARD, useClass: LicenseGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }
}
