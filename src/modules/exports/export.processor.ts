import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { renderHtmlReport } from '../../engine/exports/html';
import { PdfRenderer, PdfRenderTimeoutError } from '../../engine/exports/pdf';
import { QueueJob, QueueService } from '../../queue/queue.service';
import { ExportFormat } from './report-download.entity';
import { EXPORT_QUEUE, ExportJob } from './export-job';
import { ExportFilesService } from './export-files.service';
import { ExportSubjectsService } from './export-subjects.service';

/** Generations one worker process runs at once: Chromium pages are heavy, analyses come first. */
const CONCURRENCY = 1;

/**
 * The worker side of HTML and PDF exports (worker and `all` roles): renders the report the job
 * names, stores the file in the sample store and marks the download ready (or failed, with why).
 *
 * Rendering runs here, not in the API: a PDF takes Chromium about a second and much memory, which
 * belongs with the other heavy work; Chromium itself runs in its own processes, so the worker's event
 * loop stays free meanwhile. Jobs are idempotent: a re-delivered job (its worker died) renders again,
 * a job of an older generation (the export was started again since) does nothing.
 */
@Injectable()
export class ExportProcessor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ExportProcessor.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: QueueService,
    private readonly subjects: ExportSubjectsService,
    private readonly files: ExportFilesService,
    private readonly pdf: PdfRenderer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.queue.consumes) return;
    await this.queue.work<ExportJob>(EXPORT_QUEUE, (job) => this.handle(job), { concurrency: CONCURRENCY, pollingIntervalSeconds: 0.5 });
  }

  /** After the queue has let running jobs finish. */
  async onApplicationShutdown(): Promise<void> {
    await this.pdf.close();
  }

  private handle(job: QueueJob<ExportJob>): Promise<void> {
    const { downloadId, generation } = job.data ?? ({} as ExportJob);
    if (typeof downloadId !== 'string' || !/^[0-9a-f-]{36}$/i.test(downloadId) || !Number.isInteger(generation)) {
      this.logger.warn(`Export job ${job.id} is malformed: dropped`);
      return Promise.resolve();
    }
    return this.generate(downloadId, generation);
  }

  async generate(downloadId: string, generation: number): Promise<void> {
    // TypeORM answers an UPDATE with [rows, count].
    const [[claimed]]: [{ report_id: string | null; user_id: string | null; format: ExportFormat; file_sha256: string | null }[], number] = await this.db.query(
      `UPDATE report_downloads SET state = 'processing', started_at = now()
        WHERE id = $1 AND generation = $2 AND state IN ('pending', 'processing')
        RETURNING report_id, user_id, format, file_sha256`,
      [downloadId, generation],
    );
    if (!claimed) return; // started again, finished or deleted meanwhile
    const started = Date.now();
    let file: { sha256: string; size: number };
    try {
      if (!claimed.report_id || !claimed.user_id) throw new GenerationError('the report or its requester no longer exists');
      const principal = await this.subjects.principalOf(claimed.user_id);
      if (!principal) throw new GenerationError('the requesting account no longer exists or is deactivated');
      const subject = await this.subjects.load(principal, claimed.report_id).catch((err: unknown) => {
        throw (err as { status?: number })?.status === 404 ? new GenerationError('the report is no longer visible to the requester') : err;
      });
      const html = renderHtmlReport(subject);
      const bytes = claimed.format === ExportFormat.Pdf ? await this.pdf.render(html, { marking: subject.isPrivate ? 'TLP:AMBER' : 'TLP:CLEAR' }) : Buffer.from(html, 'utf8');
      file = await this.files.put(bytes);
    } catch (err) {
      const timeout = err instanceof PdfRenderTimeoutError;
      const reason = err instanceof GenerationError || timeout ? err.message : `generation failed: ${(err as Error)?.message ?? String(err)}`;
      this.logger.warn({ err, downloadId }, `Export ${downloadId} (${claimed.format}) failed: ${reason}`);
      await this.db.query(
        `UPDATE report_downloads SET state = 'failed', error = $3, error_kind = $4 WHERE id = $1 AND generation = $2`,
        [downloadId, generation, reason.slice(0, 1000), timeout ? 'timeout' : 'error'],
      );
      return;
    }
    const [done]: [unknown[], number] = await this.db.query(
      `UPDATE report_downloads SET state = 'ready', file_sha256 = $3, size = $4, ready_at = now(), error = NULL, error_kind = NULL
        WHERE id = $1 AND generation = $2 RETURNING id`,
      [downloadId, generation, file.sha256, file.size],
    );
    if (!done.length) {
      await this.files.releaseIfUnused(file.sha256); // started again meanwhile: this one is not wanted
      return;
    }
    if (claimed.file_sha256 && claimed.file_sha256 !== file.sha256) await this.files.releaseIfUnused(claimed.file_sha256);
    this.logger.log(`Export ${downloadId} (${claimed.format}) ready: ${file.size} bytes in ${Date.now() - started} ms`);
  }
}

/** A failure with a reason fit for the requester (shown in their downloads list). */
class GenerationError extends Error {}
