import { Module } from '@nestjs/common';
import { StatsRollupJob } from './stats-rollup.job';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

/** `/api/users/stat*` and `/api/users/info/yara`, from the daily roll-up the `stats.rollup` job keeps. */
@Module({
  controllers: [StatsController],
  providers: [StatsService, StatsRollupJob],
  exports: [StatsRollupJob],
})
export class StatsModule {}
