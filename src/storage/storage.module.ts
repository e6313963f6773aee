import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { FilesystemSampleStore } from './filesystem-sample-store';
import { SampleStore } from './sample-store';
import { SamplesService } from './samples.service';

/** The store STORAGE_DRIVER selects: DATA_DIR/samples, or an S3 bucket (staging under DATA_DIR/samples/.tmp). */
export async function createSampleStore(config: AppConfig): Promise<SampleStore> {
  const root = join(config.dataDir, 'samples');
  if (config.storage.driver === 's3') {
    // Loaded only when used: the AWS SDK is large.
    const { S3SampleStore } = await import('./s3-sample-store');
    return new S3SampleStore(config.storage.s3, join(root, '.tmp'));
  }
  const store = new FilesystemSampleStore(root);
  await store.init();
  return store;
}

/** Content-addressed sample storage, available to every module. */
@Global()
@Module({
  providers: [
    { provide: SampleStore, inject: [APP_CONFIG], useFactory: createSampleStore },
    SamplesService,
  ],
  exports: [SampleStore, SamplesService],
})
export class StorageModule {}
