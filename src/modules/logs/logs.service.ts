import { Injectable, NotFoundException, UnprocessableEntityException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, SelectQueryBuilder } from 'typeorm';
import { Page, toPage } from '../../common/http/pagination.dto';
import { AuditTrail } from '../audit/audit-trail';
import { RemovedCountDto } from '../errors/dtos/app-error.dto';
import { ListLogsQueryDto, LOG_LEVEL_VALUES, LogFilterQueryDto, LogRecordDto, LogRecordSummaryDto } from './dtos/log-record.dto';
import { LogRecord } from './log-record.entity';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The administrators' view of stored log records. */
@Injectable()
export class LogsService {
  constructor(@InjectRepository(LogRecord) private readonly logs: Repository<LogRecord>) {}

  async list(query: ListLogsQueryDto): Promise<Page<LogRecordSummaryDto>> {
    const qb = this.filtered(query);
    if (query.sort === 'note') qb.orderBy('l.note', 'ASC', 'NULLS LAST').addOrderBy('l.createdAt', 'DESC');
    else qb.orderBy('l.createdAt', 'DESC');
    const [rows, total] = await qb.addOrderBy('l.id', 'ASC').skip(query.offset).take(query.limit).getManyAndCount();
    return toPage(rows.map(LogRecordSummaryDto.from), total, query);
  }

  async get(id: string): Promise<LogRecordDto> {
    const record = await this.logs.findOneBy({ id });
    if (!record) throw new NotFoundException(`No log record ${id}`);
    return LogRecordDto.full(record);
  }

  async removeMatching(query: LogFilterQueryDto): Promise<RemovedCountDto> {
    const ids = this.filtered(query).select('l.id');
    const result = await this.logs.createQueryBuilder().delete().from(LogRecord).where(`id IN (${ids.getQuery()})`).setParameters(ids.getParameters()).execute();
    const deleted = result.affected ?? 0;
    AuditTrail.describe({ targetType: 'log', details: { filter: query.filter ?? null, level: query.level ?? null, from: query.from ?? null, to: query.to ?? null, deleted } });
    return { deleted };
  }

  async remove(id: string): Promise<void> {
    const result = await this.logs.delete({ id });
    if (!result.affected) throw new NotFoundException(`No log record ${id}`);
    AuditTrail.describe({ targetType: 'log', targetId: id });
  }

  async setNote(id: string, note: string): Promise<LogRecordDto> {
    const record = await this.logs.findOneBy({ id });
    if (!record) throw new NotFoundException(`No log record ${id}`);
    const before = record.note;
    record.note = note.trim() === '' ? null : note;
    await this.logs.update({ id }, { note: record.note });
    AuditTrail.describe({ targetType: 'log', targetId: id, before: { note: before }, after: { note: record.note } });
    return LogRecordDto.full(record);
  }

  private filtered(query: LogFilterQueryDto): SelectQueryBuilder<LogRecord> {
    if (query.from && query.to && Date.parse(query.from) >= Date.parse(query.to)) {
      throw new UnprocessableEntityException('`from` must be before `to`');
    }
    const qb = this.logs.createQueryBuilder('l');
    if (query.level) qb.andWhere('l.levelValue >= :level', { level: LOG_LEVEL_VALUES[query.level] });
    if (query.from) qb.andWhere('l.createdAt >= :from', { from: query.from });
    if (query.to) qb.andWhere('l.createdAt < :to', { to: query.to });
    if (query.filter) {
      const text = escapeLike(query.filter);
      qb.andWhere(
        `(l.key ILIKE :anywhere ESCAPE '\\' OR l.message ILIKE :anywhere ESCAPE '\\' OR l.related_url ILIKE :prefix ESCAPE '\\' OR l.note ILIKE :prefix ESCAPE '\\')`,
        { anywhere: `%${text}%`, prefix: `${text}%` },
      );
    }
    return qb;
  }
}
