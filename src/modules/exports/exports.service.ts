import { HttpException, HttpStatus, Inject, Injectable, InternalServerErrorException, StreamableFile } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { Page, toPage } from '../../common/http/pagination.dto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { toMispEvent } from '../../engine/exports/misp';
import { toStixBundle } from '../../engine/exports/stix';
import { QueueService } from '../../queue/queue.service';
import { AuditTrail } from '../audit/audit-trail';
import { ReportsService } from '../reports/reports.service';
import { DownloadPendingDto, exportFileName, ListDownloadsQueryDto, ReportDownloadDto } from './dtos/report-download.dto';
import { EXPORT_QUEUE, ExportJob, exportJobOptions, staleAfterSeconds } from './export-job';
import { ExportFilesService } from './export-files.service';
import { ExportSubjectsService } from './export-subjects.service';
import { DownloadState, ExportFormat, GENERATED_FORMATS, ReportDownload } from './report-download.entity';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  [ExportFormat.Html]: 'text/html; charset=utf-8',
  [ExportFormat.Pdf]: 'application/pdf',
  [ExportFormat.Misp]: 'application/json; charset=utf-8',
  [ExportFormat.Stix]: 'application/stix+json;version=2.1',
};

/** Seconds a client is told to wait before asking again for a file being made. */
export const RETRY_AFTER_SECONDS = 2;

/** What `GET /download` answers: the file, or "not yet" (202). */
export type DownloadResult = { kind: 'file'; file: StreamableFile } | { kind: 'pending'; body: DownloadPendingDto; retryAfter: number };

const LABELS: Record<ExportFormat, string> = { html: 'HTML', pdf: 'PDF', misp: 'MISP', stix: 'STIX' };

/**
 * Report exports for signed-in users. HTML and PDF are generated in the background by the worker
 * (ExportProcessor) after `start`, and served once ready; MISP and STIX are made on each download.
 * Every route applies the report visibility rule first: a report the caller cannot see is 404.
 */
@Injectable()
export class ExportsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(ReportDownload) private readonly downloads: Repository<ReportDownload>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly reports: ReportsService,
    private readonly subjects: ExportSubjectsService,
    private readonly files: ExportFilesService,
    private readonly queue: QueueService,
  ) {}

  /** Starts (or restarts) generating the report as HTML or PDF; one already under way is left to finish. */
  async start(user: UserPrincipal, reportId: string, format: ExportFormat): Promise<ReportDownloadDto> {
    await this.reports.findVisible(user, reportId);
    const row = await this.queueGeneration(user, reportId, format);
    AuditTrail.describe({ targetType: 'report', targetId: reportId, details: { format, state: row.state } });
    return ReportDownloadDto.from(row);
  }

  async download(user: UserPrincipal, reportId: string, format: ExportFormat): Promise<DownloadResult> {
    await this.reports.findVisible(user, reportId);
    AuditTrail.describe({ targetType: 'report', targetId: reportId, details: { format } });
    if (!GENERATED_FORMATS.includes(format)) return this.onTheSpot(user, reportId, format);

    let row = await this.downloads.findOneBy({ reportId, userId: user.id, format });
    if (!row || this.isStale(row)) row = await this.queueGeneration(user, reportId, format);
    if (row.state === DownloadState.Failed) {
      AuditTrail.describe({ details: { state: row.state } });
      const message = `Generating the ${LABELS[format]} report failed: ${row.error ?? 'unknown reason'}. Start it again with /download/start.`;
      if (row.errorKind === 'timeout') throw new HttpException(message, HttpStatus.REQUEST_TIMEOUT);
      // 500 per the contract; the reason is in the downloads list (GET /api/users/me/downloads).
      throw new InternalServerErrorException(message);
    }
    if (row.state === DownloadState.Ready && row.fileSha256) {
      const content = await this.files.get(row.fileSha256);
      if (content) {
        await this.countDownload(row.id);
        AuditTrail.describe({ details: { state: row.state, size: Number(row.size) } });
        return {
          kind: 'file',
          file: new StreamableFile(content, {
            type: CONTENT_TYPES[format],
            disposition: `attachment; filename="${exportFileName(reportId, format)}"`,
            length: row.size === null ? undefined : Number(row.size),
          }),
        };
      }
      // The stored file is gone (removed from the store by hand, lost bucket): make it again.
      row = await this.queueGeneration(user, reportId, format, true);
    }
    AuditTrail.describe({ details: { state: row.state } });
    return {
      kind: 'pending',
      retryAfter: RETRY_AFTER_SECONDS,
      body: {
        state: row.state,
        message: `The ${LABELS[format]} report is being generated: try again in a few seconds`,
        report_id: reportId,
        format,
        requested_at: row.requestedAt,
      },
    };
  }

  /** The caller's exports, most recently started first. */
  async listMine(user: UserPrincipal, query: ListDownloadsQueryDto): Promise<Page<ReportDownloadDto>> {
    const qb = this.downloads
      .createQueryBuilder('d')
      .where('d.userId = :user', { user: user.id })
      .andWhere('d.reportId IS NOT NULL');
    if (query.format) qb.andWhere('d.format = :format', { format: query.format });
    if (query.state) qb.andWhere('d.state = :state', { state: query.state });
    const [rows, total] = await qb
      .orderBy('d.requestedAt', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .offset((query.page - 1) * query.limit)
      .limit(query.limit)
      .getManyAndCount();
    return toPage(rows.map(ReportDownloadDto.from), total, query);
  }

  /** MISP and STIX: deterministic documents of the report as it is now, made per request and recorded as a download. */
  private async onTheSpot(user: UserPrincipal, reportId: string, format: ExportFormat): Promise<DownloadResult> {
    const subject = await this.subjects.load(user, reportId);
    const document = format === ExportFormat.Stix ? toStixBundle(subject) : toMispEvent(subject);
    const bytes = Buffer.from(JSON.stringify(document, null, 2), 'utf8');
    await this.db.query(
      `INSERT INTO report_downloads (report_id, user_id, format, state, size, ready_at, download_count, last_downloaded_at)
       VALUES ($1, $2, $3, 'ready', $4, now(), 1, now())
       ON CONFLICT (report_id, user_id, format) DO UPDATE
         SET size = EXCLUDED.size, ready_at = now(), requested_at = now(), download_count = report_downloads.download_count + 1, last_downloaded_at = now()`,
      [reportId, user.id, format, bytes.length],
    );
    AuditTrail.describe({ details: { state: DownloadState.Ready, size: bytes.length } });
    return {
      kind: 'file',
      file: new StreamableFile(bytes, { type: CONTENT_TYPES[format], disposition: `attachment; filename="${exportFileName(reportId, format)}"`, length: bytes.length }),
    };
  }

  /**
   * Puts the export in `pending` with a new generation and queues its job, unless it is already
   * pending or processing and not stale (`force`: even then, e.g. its file vanished while ready).
   * One statement, so concurrent starts queue one job.
   */
  private async queueGeneration(user: UserPrincipal, reportId: string, format: ExportFormat, force = false): Promise<ReportDownload> {
    const [queued]: { id: string; generation: number }[] = await this.db.query(
      `INSERT INTO report_downloads (report_id, user_id, format, state, generation)
       VALUES ($1, $2, $3, 'pending', 1)
       ON CONFLICT (report_id, user_id, format) DO UPDATE
         SET state = 'pending', generation = report_downloads.generation + 1, requested_at = now(), started_at = NULL, ready_at = NULL,
             error = NULL, error_kind = NULL
         WHERE $5 OR report_downloads.state NOT IN ('pending', 'processing')
            OR report_downloads.requested_at < now() - make_interval(secs => $4)
       RETURNING id, generation`,
      [reportId, user.id, format, staleAfterSeconds(this.config), force],
    );
    if (queued) {
      try {
        await this.queue.send<ExportJob>(EXPORT_QUEUE, { downloadId: queued.id, generation: queued.generation }, exportJobOptions(this.config));
      } catch (err) {
        // Not left `pending` with no job behind it: failed, so that the next start queues it again.
        await this.db.query(`UPDATE report_downloads SET state = 'failed', error = 'could not be queued', error_kind = 'error' WHERE id = $1 AND generation = $2`, [
          queued.id,
          queued.generation,
        ]);
        throw err;
      }
    }
    return this.downloads.findOneByOrFail({ reportId, userId: user.id, format });
  }

  private isStale(row: ReportDownload): boolean {
    const pending = row.state === DownloadState.Pending || row.state === DownloadState.Processing;
    return pending && Date.now() - row.requestedAt.getTime() > staleAfterSeconds(this.config) * 1000;
  }

  private async countDownload(id: string): Promise<void> {
    await this.db.query('UPDATE report_downloads SET download_count = download_count + 1, last_downloaded_at = now() WHERE id = $1', [id]);
  }
}
