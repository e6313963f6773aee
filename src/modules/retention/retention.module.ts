import { Module } from '@nestjs/common';
import { RetentionController } from './retention.controller';
import { RetentionService } from './retention.service';

/** The `reports.retention` job and `/api/admin/retention-calculation` (settings group `retention`). */
@Module({
  controllers: [RetentionController],
  providers: [RetentionService],
})
export class RetentionModule {}
