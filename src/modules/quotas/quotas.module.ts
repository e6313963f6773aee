import { Module } from '@nestjs/common';
import { RateCounterService } from './rate-counter.service';

@Module({
  providers: [RateCounterService],
  exports: [RateCounterService],
})
export class QuotasModule {}
