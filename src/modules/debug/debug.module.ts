import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Report } from '../reports/report.entity';
import { Flow } from '../scan/flow.entity';
import { DebugController } from './debug.controller';
import { DebugService } from './debug.service';

@Module({
  imports: [TypeOrmModule.forFeature([Flow, Report])],
  controllers: [DebugController],
  providers: [DebugService],
})
export class DebugModule {}
