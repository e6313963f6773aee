import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StorageModule } from '../../storage/storage.module';
import { User } from '../users/user.entity';
import { AdminReportsController } from './admin-reports.controller';
import { ReportIoc } from './report-ioc.entity';
import { ReportSearchService } from './report-search.service';
import { Report } from './report.entity';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';
import { SampleDownloadService } from './sample-download.service';
import { SamplesController } from './samples.controller';
import { UserReportsController } from './user-reports.controller';

/**
 * Reading, searching, downloading and deleting reports. (Writing them is the worker's ReportWriter.)
 * SampleStore and SamplesService come from the (global) StorageModule, imported here to say so.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Report, ReportIoc, User]), StorageModule],
  controllers: [ReportsController, UserReportsController, SamplesController, AdminReportsController],
  providers: [ReportsService, ReportSearchService, SampleDownloadService],
  exports: [ReportsService],
})
export class ReportsModule {}
