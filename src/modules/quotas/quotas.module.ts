import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGroup } from '../access-groups/access-group.entity';
import { User } from '../users/user.entity';
import { ApiQuota } from './api-quota.entity';
import { QuotaInterceptor } from './quota.interceptor';
import { QuotaService } from './quota.service';
import { QuotasController } from './quotas.controller';
import { RateCounterPruneJob } from './rate-counter-prune.job';
import { RateCounterService } from './rate-counter.service';

@Module({
  imports: [TypeOrmModule.forFeature([ApiQuota, User, AccessGroup])],
  controllers: [QuotasController],
  providers: [RateCounterService, QuotaService, RateCounterPruneJob, { provide: APP_INTERCEPTOR, useClass: QuotaInterceptor }],
  exports: [RateCounterService, QuotaService],
})
export class QuotasModule {}
