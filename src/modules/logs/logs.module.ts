import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ErrorsModule } from '../errors/errors.module';
import { LogRecord } from './log-record.entity';
import { LogStore } from './log-store.service';
import { LogsController } from './logs.controller';
import { LogsService } from './logs.service';

@Module({
  imports: [TypeOrmModule.forFeature([LogRecord]), ErrorsModule],
  controllers: [LogsController],
  providers: [LogsService, LogStore],
  exports: [LogStore],
})
export class LogsModule {}
