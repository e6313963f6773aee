import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SystemModule } from '../system/system.module';
import { AdminStatsController } from './admin-stats.controller';
import { AdminStatsService } from './admin-stats.service';
import { PlatformProcess } from './platform-process.entity';
import { ProcessRegistryService } from './process-registry.service';

/** `/api/admin/stat*`: platform-wide statistics, service states and scan-queue health; the process heartbeat registry. */
@Module({
  imports: [TypeOrmModule.forFeature([PlatformProcess]), SystemModule],
  controllers: [AdminStatsController],
  providers: [AdminStatsService, ProcessRegistryService],
  exports: [ProcessRegistryService],
})
export class AdminStatsModule {}
