import { Global, Module } from '@nestjs/common';
import { QueueService } from './queue.service';

/** The durable PostgreSQL-backed job queue (pg-boss), available to every module. */
@Global()
@Module({
  providers: [QueueService],
  exports: [QueueService],
})
export class QueueModule {}
