import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Flow } from './flow.entity';
import { FlowEventsService } from './flow-events.service';
import { FlowReportService } from './flow-report.service';
import { FlowStreamService } from './flow-stream.service';
import { FlowsService } from './flows.service';
import { ScanProfile } from './scan-profile.entity';
import { ScanProfilesController } from './scan-profiles.controller';
import { ScanProfilesService } from './scan-profiles.service';
import { ScanController } from './scan.controller';
import { ScanService } from './scan.service';

/**
 * Scan submission (files and URLs → flows on the analysis queue), scan profiles, and following a
 * flow (poll and live events). FlowsService is exported for the worker, which drives the lifecycle.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Flow, ScanProfile])],
  controllers: [ScanProfilesController, ScanController],
  providers: [FlowsService, ScanService, ScanProfilesService, FlowReportService, FlowEventsService, FlowStreamService],
  exports: [FlowsService, FlowReportService, ScanService],
})
export class ScanModule {}
