import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ScanModule } from '../scan/scan.module';
import { User } from '../users/user.entity';
import { ScanSource, ScanSourceFile, ScanSourceSubjob } from './scan-source.entity';
import { ScanSourcePoller } from './scan-source-poller.service';
import { ScanSourcesController } from './scan-sources.controller';
import { ScanSourcesPollJob } from './scan-sources.job';
import { ScanSourcesService } from './scan-sources.service';
import { SourceReaders } from './source-readers';

/** Watched directories and S3 buckets the platform pulls files from and submits for analysis on a schedule. */
@Module({
  imports: [TypeOrmModule.forFeature([ScanSource, ScanSourceSubjob, ScanSourceFile, User]), ScanModule],
  controllers: [ScanSourcesController],
  providers: [SourceReaders, ScanSourcesService, ScanSourcePoller, ScanSourcesPollJob],
})
export class ScanSourcesModule {}
