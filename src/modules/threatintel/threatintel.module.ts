import { Module } from '@nestjs/common';
import { FeedsModule } from '../feeds/feeds.module';
import { IntelFeedService } from './intel-feed.service';
import { ThreatIntelController } from './threatintel.controller';
import { ThreatIntelService } from './threatintel.service';
import { VerdictService } from './verdict.service';

/**
 * `/api/threatintel/*`: IOC prevalence, analyst verdicts, similar files, the advanced feed and the IOC
 * CSV. The similarity candidate indexes are kept by triggers on `reports` (migration ThreatIntelAndStats).
 */
@Module({
  imports: [FeedsModule],
  controllers: [ThreatIntelController],
  providers: [ThreatIntelService, VerdictService, IntelFeedService],
})
export class ThreatIntelModule {}
