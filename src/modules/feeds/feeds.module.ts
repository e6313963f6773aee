import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { StorageModule } from '../../storage/storage.module';
import { FeedArchive } from './feed-archive.entity';
import { createFeedArchiveStore, FeedArchiveStore } from './feed-archive.store';
import { FeedArchivesJob } from './feed-archives.job';
import { FeedArchivesService } from './feed-archives.service';
import { FeedReportsRepository } from './feed-reports.repository';
import { FeedSourcesRepository } from './feed-sources.repository';
import { ArchivesController, FeedsController } from './feeds.controller';
import { FeedsService } from './feeds.service';
import { YaraFeedService } from './yara-feed.service';

/** SIEM feeds (`/api/feed/*`: reports as JSON and Atom, YARA rules) and the daily archives (`/api/archives/*`). */
@Module({
  imports: [TypeOrmModule.forFeature([FeedArchive]), StorageModule],
  controllers: [FeedsController, ArchivesController],
  providers: [
    FeedsService,
    YaraFeedService,
    FeedArchivesService,
    FeedArchivesJob,
    FeedReportsRepository,
    FeedSourcesRepository,
    { provide: FeedArchiveStore, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createFeedArchiveStore(config.dataDir) },
  ],
  exports: [FeedArchivesService, FeedReportsRepository],
})
export class FeedsModule {}
