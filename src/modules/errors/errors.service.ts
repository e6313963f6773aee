import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Readable } from 'node:stream';
import { Brackets, Repository, SelectQueryBuilder } from 'typeorm';
import { Page, toPage } from '../../common/http/pagination.dto';
import { AuditTrail } from '../audit/audit-trail';
import { csvRow } from '../../common/http/csv';
import { AppError, ErrorSource } from './app-error.entity';
import { AppErrorDto, ClientErrorDto, ErrorFilterQueryDto, ListErrorsQueryDto, RemovedCountDto } from './dtos/app-error.dto';
import { ClientErrorRateLimiter } from './client-error-rate-limiter';
import { ErrorRecorder } from './error-recorder.service';
import { redactSecrets } from './error-fingerprint';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const EXPORT_BATCH = 500;
export const ERROR_CSV_COLUMNS = ['id', 'type', 'error_class', 'message', 'count', 'first_seen', 'last_seen', 'last_correlation_id', 'top_frame', 'note'] as const;

/** The administrators' view of recorded errors, and the intake of errors reported by browsers. */
@Injectable()
export class ErrorsService {
  private readonly logger = new Logger('ErrorsService');

  constructor(
    @InjectRepository(AppError) private readonly errors: Repository<AppError>,
    private readonly recorder: ErrorRecorder,
    private readonly rateLimiter: ClientErrorRateLimiter,
  ) {}

  async list(query: ListErrorsQueryDto): Promise<Page<AppErrorDto>> {
    const qb = this.filtered(query);
    if (query.sort === 'count') qb.orderBy('e.count', 'DESC').addOrderBy('e.lastSeen', 'DESC');
    else if (query.sort === 'note') qb.orderBy('e.note', 'ASC', 'NULLS LAST').addOrderBy('e.lastSeen', 'DESC');
    else qb.orderBy('e.lastSeen', 'DESC');
    const [rows, total] = await qb.addOrderBy('e.id', 'ASC').skip(query.offset).take(query.limit).getManyAndCount();
    return toPage(rows.map(AppErrorDto.from), total, query);
  }

  async removeMatching(query: ErrorFilterQueryDto): Promise<RemovedCountDto> {
    const ids = this.filtered(query).select('e.id');
    const result = await this.errors.createQueryBuilder().delete().from(AppError).where(`id IN (${ids.getQuery()})`).setParameters(ids.getParameters()).execute();
    const deleted = result.affected ?? 0;
    AuditTrail.describe({ targetType: 'app-error', details: { type: query.type ?? null, filter: query.filter ?? null, deleted } });
    return { deleted };
  }

  async remove(id: string): Promise<void> {
    const error = await this.errors.findOneBy({ id });
    if (!error) throw new NotFoundException(`No recorded error ${id}`);
    await this.errors.delete({ id });
    AuditTrail.describe({ targetType: 'app-error', targetId: id, before: { error_class: error.errorClass, message: error.message, count: error.count } });
  }

  async setNote(id: string, note: string): Promise<AppErrorDto> {
    const error = await this.errors.findOneBy({ id });
    if (!error) throw new NotFoundException(`No recorded error ${id}`);
    const before = error.note;
    error.note = note.trim() === '' ? null : note;
    await this.errors.update({ id }, { note: error.note });
    AuditTrail.describe({ targetType: 'app-error', targetId: id, before: { note: before }, after: { note: error.note } });
    return AppErrorDto.from(error);
  }

  /** A browser's error report: rate-limited per address, grouped like server errors, stored within a second. */
  logClientError(dto: ClientErrorDto, address: string, userAgent: string | undefined): void {
    this.rateLimiter.take(address);
    this.recorder.add({
      source: ErrorSource.Client,
      errorClass: dto.name?.trim() || 'Error',
      message: dto.message,
      stack: dto.stack ?? null,
      context: {
        ...(dto.url ? { url: redactSecrets(dto.url).slice(0, 500) } : {}),
        ...(userAgent ? { user_agent: userAgent.slice(0, 300) } : {}),
      },
    });
  }

  /** Every error group as CSV, in keyset batches, so memory stays flat however many there are. */
  exportCsv(): Readable {
    const errors = this.errors;
    async function* lines(): AsyncGenerator<string> {
      yield csvRow(ERROR_CSV_COLUMNS);
      let after: string | undefined;
      for (;;) {
        const qb = errors.createQueryBuilder('e').orderBy('e.id', 'ASC').take(EXPORT_BATCH);
        if (after) qb.where('e.id > :after', { after });
        const rows = await qb.getMany();
        if (rows.length) {
          yield rows
            .map((e) => csvRow([e.id, e.source, e.errorClass, e.message, e.count, e.firstSeen.toISOString(), e.lastSeen.toISOString(), e.lastCorrelationId, e.topFrame, e.note]))
            .join('');
        }
        if (rows.length < EXPORT_BATCH) return;
        after = rows[rows.length - 1].id;
      }
    }
    const stream = Readable.from(lines(), { objectMode: false });
    stream.on('error', (err) => this.logger.error({ err }, 'Error export failed'));
    return stream;
  }

  private filtered(query: ErrorFilterQueryDto): SelectQueryBuilder<AppError> {
    const qb = this.errors.createQueryBuilder('e');
    if (query.type) qb.andWhere('e.source = :type', { type: query.type });
    if (query.filter) {
      qb.andWhere(
        new Brackets((w) => w.where(`e.message ILIKE :filter ESCAPE '\\'`, { filter: `%${escapeLike(query.filter!)}%` })),
      );
    }
    return qb;
  }
}
