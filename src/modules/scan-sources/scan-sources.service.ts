import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { In, Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { FieldErrorDto } from '../../common/errors/error-response.dto';
import { ValidationFailedException } from '../../common/errors/validation';
import { toPage } from '../../common/http/pagination.dto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditTrail } from '../audit/audit-trail';
import { SCAN_OPTION_NAMES } from '../scan/scan-options';
import { PathRefusedError, resolveWatchedDirectory } from './directory-reader';
import {
  ConnectionCheckDto,
  ListScanSourcesQueryDto,
  ListSourceFilesQueryDto,
  ListSubjobsQueryDto,
  RemovedScanSourcesDto,
  SaveScanSourceDto,
  ScanSourceDto,
  ScanSourcePageDto,
  SourceFilePageDto,
  SubjobDetailDto,
  SubjobDto,
  SubjobPageDto,
} from './dtos/scan-source.dto';
import { ScanSource, ScanSourceFile, ScanSourceSubjob, ScanSourceType } from './scan-source.entity';
import { SourceReaders } from './source-readers';

const fieldErrors = (errors: FieldErrorDto[]) => new ValidationFailedException(errors, errors.map((e) => e.messages[0]).join('; '));

/** Scan-source configuration (add, edit, remove, check) and what the polls recorded. */
@Injectable()
export class ScanSourcesService {
  constructor(
    @InjectRepository(ScanSource) private readonly sources: Repository<ScanSource>,
    @InjectRepository(ScanSourceSubjob) private readonly subjobs: Repository<ScanSourceSubjob>,
    @InjectRepository(ScanSourceFile) private readonly files: Repository<ScanSourceFile>,
    private readonly readers: SourceReaders,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(query: ListScanSourcesQueryDto): Promise<ScanSourcePageDto> {
    const qb = this.sources.createQueryBuilder('s').addSelect('s.s3Secret').orderBy('s.name', 'ASC').skip(query.offset).take(query.limit);
    if (query.type) qb.where('s.type = :type', { type: query.type });
    const [rows, total] = await qb.getManyAndCount();
    return toPage(rows.map(toDto), total, query);
  }

  async save(actor: UserPrincipal, dto: SaveScanSourceDto): Promise<ScanSourceDto> {
    const existing = dto.id ? await this.sources.createQueryBuilder('s').addSelect('s.s3Secret').where('s.id = :id', { id: dto.id }).getOne() : null;
    if (dto.id && !existing) throw new NotFoundException('No scan source has this id');
    const source = existing ?? this.sources.create({ id: randomUUID(), ownerId: actor.id, s3Prefix: '', s3ForcePathStyle: true, enabled: true, maxFilesPerPoll: 100, pollInterval: 300 });
    const before = existing ? toDto(existing) : undefined;
    // Files are submitted as the administrator who last saved the source (their groups set priority and visibility).
    source.ownerId = actor.id;

    const errors: FieldErrorDto[] = [];
    const require = (field: string, present: unknown, why: string) => {
      if (present === undefined || present === null || present === '') errors.push({ field, messages: [`${field} is required ${why}`] });
    };
    if (dto.name !== undefined) source.name = dto.name.trim();
    if (dto.type !== undefined) source.type = dto.type;
    require('name', source.name, 'for a new source');
    require('type', source.type, 'for a new source');
    if (dto.enabled !== undefined) source.enabled = dto.enabled;
    if (dto.max_files_per_poll !== undefined) {
      if (dto.max_files_per_poll > this.config.scanSources.maxFilesPerPoll) {
        errors.push({ field: 'max_files_per_poll', messages: [`max_files_per_poll must be at most ${this.config.scanSources.maxFilesPerPoll} (SCAN_SOURCE_MAX_FILES)`] });
      }
      source.maxFilesPerPoll = dto.max_files_per_poll;
    }
    if (dto.poll_interval !== undefined) source.pollInterval = dto.poll_interval;
    const settings = source.scanSettings ?? { options: {}, tags: [], is_private: false };
    source.scanSettings = {
      options: dto.scan_options ? pickOptions(dto.scan_options as Record<string, unknown>) : settings.options,
      tags: dto.tags ? [...new Set(dto.tags.map((t) => t.trim()).filter(Boolean))] : settings.tags,
      is_private: dto.is_private ?? settings.is_private,
    };

    if (source.type === ScanSourceType.Directory) {
      if (dto.directory_path !== undefined) {
        try {
          source.directoryPath = await resolveWatchedDirectory(dto.directory_path, this.config.scanSources.roots);
        } catch (err) {
          if (!(err instanceof PathRefusedError)) throw err;
          errors.push({ field: 'directory_path', messages: [`directory_path ${err.message}`] });
        }
      } else {
        require('directory_path', source.directoryPath, 'for a directory source');
      }
      // A source is one kind: S3 settings of an earlier type are dropped with the secret.
      Object.assign(source, { s3Endpoint: null, s3Region: null, s3Bucket: null, s3Prefix: '', s3AccessKeyId: null, s3Secret: null });
    } else if (source.type === ScanSourceType.S3) {
      if (dto.s3_endpoint !== undefined) source.s3Endpoint = dto.s3_endpoint.replace(/\/+$/, '');
      if (dto.s3_region !== undefined) source.s3Region = dto.s3_region;
      source.s3Region ??= 'us-east-1';
      if (dto.s3_bucket !== undefined) source.s3Bucket = dto.s3_bucket;
      if (dto.s3_prefix !== undefined) source.s3Prefix = dto.s3_prefix;
      if (dto.s3_access_key_id !== undefined) source.s3AccessKeyId = dto.s3_access_key_id;
      if (dto.s3_force_path_style !== undefined) source.s3ForcePathStyle = dto.s3_force_path_style;
      if (dto.s3_secret_access_key !== undefined) source.s3Secret = this.readers.sealSecret(source.id, dto.s3_secret_access_key);
      require('s3_bucket', source.s3Bucket, 'for an S3 source');
      require('s3_access_key_id', source.s3AccessKeyId, 'for an S3 source');
      require('s3_secret_access_key', source.s3Secret, 'for an S3 source');
      source.directoryPath = null;
    }
    if (errors.length) throw fieldErrors(errors);

    const clash = await this.sources.findOneBy({ name: source.name });
    if (clash && clash.id !== source.id) throw new ConflictException(`Another scan source is named "${source.name}"`);
    await this.sources.save(source);
    const saved = await this.get(source.id);
    AuditTrail.describe({ targetType: 'scan_source', targetId: source.id, before, after: saved });
    return saved;
  }

  async remove(ids: string[]): Promise<RemovedScanSourcesDto> {
    const found = await this.sources.find({ where: { id: In(ids) }, select: { id: true, name: true } });
    AuditTrail.describe({ targetType: 'scan_source', details: { removed: found.map((s) => ({ id: s.id, name: s.name })) } });
    if (found.length) await this.sources.delete({ id: In(found.map((s) => s.id)) });
    return { removed: found.length };
  }

  async checkConnection(id: string): Promise<ConnectionCheckDto> {
    const source = await this.sources.createQueryBuilder('s').addSelect('s.s3Secret').where('s.id = :id', { id }).getOne();
    if (!source) throw new NotFoundException('No scan source has this id');
    let result: { ok: boolean; reason: string };
    try {
      result = await this.readers.readerFor(source).check();
    } catch (err) {
      result = { ok: false, reason: err instanceof Error ? err.message : String(err) };
    }
    return { ...result, checked_at: new Date() };
  }

  async listSubjobs(query: ListSubjobsQueryDto): Promise<SubjobPageDto> {
    const [rows, total] = await this.subjobs.findAndCount({
      where: { ...(query.source_id ? { sourceId: query.source_id } : {}), ...(query.state ? { state: query.state } : {}) },
      select: { id: true, sourceId: true, trigger: true, state: true, found: true, submitted: true, skipped: true, failed: true, waiting: true, error: true, startedAt: true, finishedAt: true },
      order: { startedAt: 'DESC', id: 'ASC' },
      skip: query.offset,
      take: query.limit,
    });
    return toPage(rows.map(subjobDto), total, query);
  }

  async getSubjob(id: string): Promise<SubjobDetailDto> {
    const row = await this.subjobs.findOneBy({ id });
    if (!row) throw new NotFoundException('No scan-source subjob has this id');
    return { ...subjobDto(row), items: row.items };
  }

  async listFiles(query: ListSourceFilesQueryDto): Promise<SourceFilePageDto> {
    const qb = this.files
      .createQueryBuilder('f')
      .innerJoin(ScanSource, 's', 's.id = f.source_id')
      .leftJoin('flows', 'fl', 'fl.id = f.flow_id')
      .leftJoin('reports', 'r', 'r.flow_id = f.flow_id AND r.file_index = 0')
      .select([
        'f.id AS id',
        'f.source_id AS source_id',
        's.name AS source_name',
        'f.path AS path',
        'f.size AS size',
        'f.state AS state',
        'f.reason AS reason',
        'f.flow_id AS flow_id',
        'fl.state AS flow_state',
        "fl.final_verdict->>'verdict' AS verdict",
        'r.id AS report_id',
        'f.first_seen_at AS first_seen_at',
        'f.updated_at AS updated_at',
      ]);
    if (query.source_id) qb.andWhere('f.source_id = :sourceId', { sourceId: query.source_id });
    if (query.state) qb.andWhere('f.state = :state', { state: query.state });
    const total = await qb.getCount();
    const rows = await qb.orderBy('f.updated_at', 'DESC').addOrderBy('f.id', 'ASC').offset(query.offset).limit(query.limit).getRawMany();
    return toPage(
      rows.map((r) => ({ ...r, size: Number(r.size), flow_state: r.flow_state ?? null, verdict: r.verdict ?? null, report_id: r.report_id ?? null })),
      total,
      query,
    );
  }

  private async get(id: string): Promise<ScanSourceDto> {
    const source = await this.sources.createQueryBuilder('s').addSelect('s.s3Secret').where('s.id = :id', { id }).getOne();
    if (!source) throw new NotFoundException('No scan source has this id');
    return toDto(source);
  }
}

/** Only the known scan option switches, as booleans. */
function pickOptions(given: Record<string, unknown>): Record<string, boolean> {
  const options: Record<string, boolean> = {};
  for (const name of SCAN_OPTION_NAMES) if (typeof given[name] === 'boolean') options[name] = given[name] as boolean;
  return options;
}

function subjobDto(row: ScanSourceSubjob): SubjobDto {
  return {
    id: row.id,
    source_id: row.sourceId,
    trigger: row.trigger,
    state: row.state,
    found: row.found,
    submitted: row.submitted,
    skipped: row.skipped,
    failed: row.failed,
    waiting: row.waiting,
    error: row.error,
    started_at: row.startedAt,
    finished_at: row.finishedAt,
  };
}

/** The source as answered: everything but the secret, of which only its presence is told. */
export function toDto(s: ScanSource): ScanSourceDto {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    enabled: s.enabled,
    directory_path: s.directoryPath,
    s3_endpoint: s.s3Endpoint,
    s3_region: s.s3Region,
    s3_bucket: s.s3Bucket,
    s3_prefix: s.s3Prefix,
    s3_access_key_id: s.s3AccessKeyId,
    s3_secret_set: !!s.s3Secret,
    s3_force_path_style: s.s3ForcePathStyle,
    scan_options: s.scanSettings?.options ?? {},
    tags: s.scanSettings?.tags ?? [],
    is_private: s.scanSettings?.is_private ?? false,
    max_files_per_poll: s.maxFilesPerPoll,
    poll_interval: s.pollInterval,
    owner_id: s.ownerId,
    last_polled_at: s.lastPolledAt,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}
