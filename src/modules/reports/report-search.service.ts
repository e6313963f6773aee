import { ForbiddenException, Injectable } from '@nestjs/common';
import { Principal } from '../../common/access/principal';
import { UserGroup } from '../../common/access/user-group';
import { ValidationFailedException } from '../../common/errors/validation';
import { Page } from '../../common/http/pagination.dto';
import type { FileKind } from '../../engine/identify/identify';
import { IocType, Verdict } from '../../engine/types';
import { escapeLike } from '../users/admin-users.service';
import { ReportSummaryDto } from './dtos/report.dto';
import { AdvancedSearchQueryDto, normaliseVerdict, SearchQueryDto, SortField } from './dtos/report-query.dto';
import { whereVisible } from './report-visibility';
import { ReportsService } from './reports.service';

/** The type keys the engine assigns (FileKind): a bare word equal to one is also looked up as a type. */
const FILE_KINDS = new Set<FileKind>([
  'pe', 'elf', 'macho', 'java-class', 'dex', 'ole', 'ooxml', 'odf', 'pdf', 'rtf', 'lnk', 'chm', 'tnef', 'zip', 'jar', 'apk', '7z', 'rar',
  'gzip', 'bzip2', 'xz', 'zstd', 'tar', 'cab', 'iso', 'arj', 'cpio', 'image', 'html', 'hta', 'svg', 'xml', 'email', 'javascript',
  'vbscript', 'powershell', 'batch', 'shell', 'python', 'text', 'empty', 'data',
]);

const HASH_BY_LENGTH: Record<number, IocType> = { 32: IocType.Md5, 40: IocType.Sha1, 64: IocType.Sha256, 128: IocType.Sha512 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PREFIXED = /^(name|tag|type|verdict|ioc):\s*(.+)$/i;
/** Trigram search (IDX_reports_file_name_trgm) needs three characters to narrow anything down. */
export const MIN_SUBSTRING = 3;

export type SearchKind = 'md5' | 'sha1' | 'sha256' | 'sha512' | 'id' | 'verdict' | 'name' | 'tag' | 'type' | 'ioc' | 'text';

/** What a simple-search query looks like, and the value to look for. */
export function classifyQuery(raw: string): { kind: SearchKind; value: string } {
  const query = raw.trim();
  const prefixed = PREFIXED.exec(query);
  if (prefixed) {
    const kind = prefixed[1].toLowerCase() as SearchKind;
    const value = prefixed[2].trim();
    if (kind === 'name' && value.length < MIN_SUBSTRING) {
      throw new ValidationFailedException([{ field: 'query', messages: [`a file name to match needs at least ${MIN_SUBSTRING} characters`] }]);
    }
    if (kind === 'verdict') {
      const verdict = normaliseVerdict(value);
      if (!(Object.values(Verdict) as string[]).includes(verdict)) {
        throw new ValidationFailedException([{ field: 'query', messages: [`verdict must be among ${Object.values(Verdict).join(', ')}`] }]);
      }
      return { kind, value: verdict };
    }
    return { kind, value };
  }
  if (/^[0-9a-f]+$/i.test(query) && HASH_BY_LENGTH[query.length]) return { kind: HASH_BY_LENGTH[query.length] as SearchKind, value: query.toLowerCase() };
  if (UUID.test(query)) return { kind: 'id', value: query.toLowerCase() };
  const verdict = normaliseVerdict(query);
  if ((Object.values(Verdict) as string[]).includes(verdict)) return { kind: 'verdict', value: verdict };
  return { kind: 'text', value: query };
}

/**
 * Search results are sorted after they are found, never by walking IDX_reports_created until a page
 * is full: for a rare match that walk reads the whole index, while the matching rows are read through
 * their own index for the count anyway. `+ interval '0 seconds'` keeps the planner off the walk.
 */
const SORT_COLUMNS: Record<SortField, string> = {
  created_date: `r.createdAt + interval '0 seconds'`,
  threat_level: 'r.threatLevel',
  file_name: 'lower(r.fileName)',
  size: 'r.size',
};

/**
 * Report search. Every condition is answered by an index: the columns of `reports` (sha256,
 * verdict, owner, imphash, authentihash, tags and yara_rules GIN, trigram on lower(file_name)) or
 * `report_iocs` (type, value); the report JSON is never searched. Alternatives of a one-box query
 * are a UNION of indexed lookups, so PostgreSQL need not scan to combine them.
 */
@Injectable()
export class ReportSearchService {
  constructor(private readonly reports: ReportsService) {}

  async search(principal: Principal, dto: SearchQueryDto): Promise<Page<ReportSummaryDto>> {
    const { kind, value } = classifyQuery(dto.query);
    const qb = this.reports.summaries();
    const lower = value.toLowerCase();
    switch (kind) {
      case 'md5':
      case 'sha1':
      case 'sha512':
        qb.where('r.id IN (SELECT i.report_id FROM report_iocs i WHERE i.type = :iocType AND i.value = :value)', { iocType: kind, value });
        break;
      case 'sha256':
        qb.where(
          `r.id IN (SELECT s.id FROM reports s WHERE s.sha256 = :value
                    UNION SELECT i.report_id FROM report_iocs i WHERE i.type = 'sha256' AND i.value = :value)`,
          { value },
        );
        break;
      case 'id':
        qb.where('(r.id = :value OR r.flowId = :value)', { value });
        break;
      case 'verdict':
        qb.where('r.verdict = :value', { value });
        break;
      case 'name':
        qb.where(`lower(r.fileName) LIKE :pattern ESCAPE '\\'`, { pattern: `%${escapeLike(lower)}%` });
        break;
      case 'tag':
        qb.where('r.tags && ARRAY[:value, :lower]::text[]', { value, lower });
        break;
      case 'type':
        qb.where('(r.fileKind = :lower OR lower(r.fileType) = :lower)', { lower });
        break;
      case 'ioc':
        qb.where('r.id IN (SELECT i.report_id FROM report_iocs i WHERE i.value IN (:value, :lower))', { value, lower });
        break;
      case 'text': {
        const branches = [
          'SELECT s.id FROM reports s WHERE s.tags && ARRAY[:value, :lower]::text[]',
          'SELECT i.report_id FROM report_iocs i WHERE i.value IN (:value, :lower)',
        ];
        if (value.length >= MIN_SUBSTRING) branches.push(`SELECT s.id FROM reports s WHERE lower(s.file_name) LIKE :pattern ESCAPE '\\'`);
        // File kinds have no index of their own; only a word that is one is looked up as a type.
        if (FILE_KINDS.has(lower as FileKind)) branches.push('SELECT s.id FROM reports s WHERE s.file_kind = :lower');
        qb.where(`r.id IN (${branches.join(' UNION ')})`, { value, lower, pattern: `%${escapeLike(lower)}%` });
        break;
      }
    }
    return this.reports.page(whereVisible(qb, 'r', principal), dto, { by: SORT_COLUMNS.created_date, order: 'DESC' });
  }

  async advancedSearch(principal: Principal, dto: AdvancedSearchQueryDto): Promise<Page<ReportSummaryDto>> {
    this.checkCombinations(dto);
    if (dto.owner && !this.mayFilterByOwner(principal, dto.owner)) {
      throw new ForbiddenException('Only administrators and auditors may search the reports of another user');
    }
    const qb = this.reports.summaries().where('TRUE');
    if (dto.sha256) qb.andWhere('r.sha256 = :sha256', { sha256: dto.sha256 });
    if (dto.file_name) qb.andWhere(`lower(r.fileName) LIKE :pattern ESCAPE '\\'`, { pattern: `%${escapeLike(dto.file_name.toLowerCase())}%` });
    if (dto.file_type) qb.andWhere('(r.fileKind = :fileType OR lower(r.fileType) = :fileType)', { fileType: dto.file_type.toLowerCase() });
    if (dto.verdict?.length) qb.andWhere('r.verdict IN (:...verdicts)', { verdicts: dto.verdict });
    if (dto.threat_level_min !== undefined) qb.andWhere('r.threatLevel >= :tlMin', { tlMin: dto.threat_level_min });
    if (dto.threat_level_max !== undefined) qb.andWhere('r.threatLevel <= :tlMax', { tlMax: dto.threat_level_max });
    if (dto.tag?.length) qb.andWhere('r.tags @> ARRAY[:...tags]::text[]', { tags: dto.tag });
    if (dto.ioc_value) {
      const values = [...new Set([dto.ioc_value, dto.ioc_value.toLowerCase()])];
      qb.andWhere(
        dto.ioc_type
          ? 'r.id IN (SELECT i.report_id FROM report_iocs i WHERE i.type = :iocType AND i.value IN (:...iocValues))'
          : 'r.id IN (SELECT i.report_id FROM report_iocs i WHERE i.value IN (:...iocValues))',
        { iocType: dto.ioc_type, iocValues: values },
      );
    }
    if (dto.imphash) qb.andWhere('r.imphash = :imphash', { imphash: dto.imphash });
    if (dto.authentihash) qb.andWhere('r.authentihash = :authentihash', { authentihash: dto.authentihash });
    if (dto.ssdeep) qb.andWhere('r.ssdeep = :ssdeep', { ssdeep: dto.ssdeep });
    if (dto.yara_rule) qb.andWhere('r.yaraRules @> ARRAY[:yaraRule]::text[]', { yaraRule: dto.yara_rule });
    if (dto.owner) qb.andWhere('r.ownerId = :owner', { owner: dto.owner });
    if (dto.created_from) qb.andWhere('r.createdAt >= :from', { from: new Date(dto.created_from) });
    if (dto.created_to) qb.andWhere('r.createdAt < :to', { to: new Date(dto.created_to) });
    whereVisible(qb, 'r', principal);

    return this.reports.page(qb, dto, { by: SORT_COLUMNS[dto.sort_by], order: dto.sort_order === 'asc' ? 'ASC' : 'DESC' });
  }

  /** Filters that only make sense together, or in order (422 naming the field). */
  private checkCombinations(dto: AdvancedSearchQueryDto): void {
    const errors: { field: string; messages: string[] }[] = [];
    if (dto.ioc_type && !dto.ioc_value) errors.push({ field: 'ioc_value', messages: ['ioc_value is required with ioc_type'] });
    if (dto.threat_level_min !== undefined && dto.threat_level_max !== undefined && dto.threat_level_min > dto.threat_level_max) {
      errors.push({ field: 'threat_level_min', messages: ['threat_level_min must not be above threat_level_max'] });
    }
    if (dto.created_from && dto.created_to && new Date(dto.created_from) > new Date(dto.created_to)) {
      errors.push({ field: 'created_from', messages: ['created_from must not be after created_to'] });
    }
    if (errors.length) throw new ValidationFailedException(errors);
  }

  private mayFilterByOwner(principal: Principal, owner: string): boolean {
    if (principal.kind !== 'user') return false;
    return principal.id === owner || principal.groups.some((g) => g === UserGroup.Admin || g === UserGroup.Auditor);
  }
}
