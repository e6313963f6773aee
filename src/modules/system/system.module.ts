import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HealthService } from './health.service';
import { Healthcheck } from './healthcheck.entity';
import { SystemController } from './system.controller';
import { SystemService } from './system.service';

@Module({
  imports: [TypeOrmModule.forFeature([Healthcheck])],
  controllers: [SystemController],
  providers: [SystemService, HealthService],
  exports: [HealthService],
})
export class SystemModule {}
