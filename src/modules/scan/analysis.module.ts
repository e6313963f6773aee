import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { EngineRunner } from '../../engine/engine-runner';
import { StorageModule } from '../../storage/storage.module';
import { ReportWriter } from '../reports/report-writer.service';
import { AnalysisWatchdog } from './analysis-watchdog';
import { AnalysisProcessor } from './analysis.processor';
import { ScanModule } from './scan.module';

/**
 * The worker side of scans: the queue consumer (AnalysisProcessor, active in the worker and `all`
 * roles), the engine's thread pool and the report writer. In the `api` role it is inert: no thread
 * is started and nothing consumes the queue.
 */
@Module({
  // FlowsService (the flow lifecycle) from the scan module; SampleStore from the storage module.
  imports: [ScanModule, StorageModule],
  providers: [
    ReportWriter,
    AnalysisProcessor,
    AnalysisWatchdog,
    {
      provide: EngineRunner,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new EngineRunner({ size: config.worker.concurrency, timeoutMs: config.engine.timeout * 1000 }),
    },
  ],
  exports: [ReportWriter, EngineRunner],
})
export class AnalysisModule {}
