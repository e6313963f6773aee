import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobRunner } from './job-runner.service';
import { JobRun } from './job-run.entity';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { ScheduledJobRecord } from './scheduled-job.entity';

/**
 * Scheduled jobs: discovers every @ScheduledJob method in the application, schedules it in worker
 * (and all-in-one) processes, runs each occurrence once across all processes, and serves `/api/admin/jobs`.
 */
@Global()
@Module({
  imports: [DiscoveryModule, TypeOrmModule.forFeature([JobRun, ScheduledJobRecord])],
  controllers: [JobsController],
  providers: [JobRunner, JobsService],
  exports: [JobRunner],
})
export class JobsModule {}
