import { ArgumentMetadata, Inject, Injectable, Logger, ServiceUnavailableException, UnsupportedMediaTypeException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Repository } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { createValidationPipe, ValidationFailedException } from '../../common/errors/validation';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { QueueService } from '../../queue/queue.service';
import { SampleStore, StagedSample } from '../../storage/sample-store';
import { SamplesService } from '../../storage/samples.service';
import { AuditTrail } from '../audit/audit-trail';
import { SettingsService } from '../settings/settings.service';
import { ANALYSIS_QUEUE, AnalysisJob } from './analysis-job';
import { analysisJobOptions } from './analysis-queue';
import { ScanSubmittedDto, ScanUrlDto, SubmissionFieldsDto } from './dtos/scan.dto';
import { Flow, FlowKind, FlowState } from './flow.entity';
import { FlowsService } from './flows.service';
import { FormFields, readMultipartSubmission } from './multipart-submission';
import { applyPriority } from './priority';
import { resolveScanOptions, ScanOptions } from './scan-options';
import { ScanProfilesService } from './scan-profiles.service';

const BIDI_AND_CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const MAX_NAME_LENGTH = 255;

/**
 * The client's file name, made safe to show: the last path segment only, without control and
 * bidirectional-override characters, at most 255 characters (keeping the extension), `fallback`
 * when nothing is left. Never used as a path: samples are stored under their SHA-256.
 */
export function displayFileName(name: string | undefined, fallback: string): string {
  let n = name ?? '';
  // Multipart headers are decoded as Latin-1: recover names a client sent as raw UTF-8.
  if (/[\u0080-\u00ff]/.test(n) && !/[^\u0000-\u00ff]/.test(n)) {
    const utf8 = Buffer.from(n, 'latin1').toString('utf8');
    if (!utf8.includes('\ufffd')) n = utf8;
  }
  n = (n.split(/[\\/]/).pop() ?? '').normalize('NFC').replace(BIDI_AND_CONTROL, '').trim();
  if (n === '.' || n === '..') n = '';
  const chars = Array.from(n); // code points: never cut a surrogate pair
  if (chars.length > MAX_NAME_LENGTH) {
    const ext = /\.[A-Za-z0-9]{1,10}$/.exec(n)?.[0] ?? '';
    n = chars.slice(0, MAX_NAME_LENGTH - ext.length).join('') + ext;
  }
  return n || fallback;
}

const validationPipe = createValidationPipe();

/** Validates `plain` against a DTO class exactly as the global pipe validates bodies (422 naming each field). */
export async function validateAs<T extends object>(metatype: new () => T, plain: unknown): Promise<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new ValidationFailedException([], 'The request body must be an object of fields');
  }
  return validationPipe.transform({ ...plain }, { type: 'body', metatype } as ArgumentMetadata) as Promise<T>;
}

interface Prepared {
  options: ScanOptions & { scan_profile: string | null };
  isPrivate: boolean;
  tags: string[];
  priority: { applied: number; max_possible: number };
}

/** Scan submissions: files (streamed into the sample store) and URLs; each becomes a queued flow. */
@Injectable()
export class ScanService {
  private readonly logger = new Logger(ScanService.name);

  constructor(
    @InjectRepository(Flow) private readonly flowsRepo: Repository<Flow>,
    private readonly flows: FlowsService,
    private readonly samples: SamplesService,
    private readonly store: SampleStore,
    private readonly queue: QueueService,
    private readonly profiles: ScanProfilesService,
    private readonly settings: SettingsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async submitFile(user: UserPrincipal, request: FastifyRequest): Promise<ScanSubmittedDto> {
    if (!request.isMultipart()) throw new UnsupportedMediaTypeException('Send the file as multipart/form-data, in the field "file"');
    const maxBytes = this.config.scan.maxUploadSize;
    const { fields, file } = await readMultipartSubmission(request, this.store, maxBytes);
    if (!file) {
      const message = typeof fields.file === 'string' ? 'file must be a file part (with a filename), not a text field' : 'file is required: send the file in the multipart field "file"';
      throw new ValidationFailedException([{ field: 'file', messages: [message] }], message);
    }
    const { staged } = file;
    const name = displayFileName(file.filename, staged.sha256);
    AuditTrail.describe({ details: { kind: FlowKind.File, sha256: staged.sha256, name, size: staged.size } });
    delete fields.file;
    return this.submitStaged(user, staged, name, fields);
  }

  async submitUrl(user: UserPrincipal, request: FastifyRequest): Promise<ScanSubmittedDto> {
    let raw: unknown = request.body ?? {};
    if (request.isMultipart()) raw = (await readMultipartSubmission(request, undefined, 0)).fields satisfies FormFields;
    const dto = await validateAs(ScanUrlDto, raw);
    const url = new URL(dto.url).href;
    AuditTrail.describe({ details: { kind: FlowKind.Url, url } });
    const prepared = await this.prepare(user, dto);
    const flow = await this.flowsRepo.save(this.flowsRepo.create({ ...this.flowFields(user, dto, prepared), kind: FlowKind.Url, url }));
    return this.enqueue(flow, prepared);
  }

  /**
   * A file the platform fetched itself (scan sources): streamed into the store under the same size
   * limit (SampleTooLargeError past MAX_UPLOAD_SIZE), with the same options, privacy, priority and
   * queueing as an upload by `user`.
   */
  async submitContent(user: UserPrincipal, content: Readable, fileName: string, fields: Record<string, unknown>): Promise<ScanSubmittedDto> {
    const staged = await this.store.stage(content, { maxBytes: this.config.scan.maxUploadSize });
    return this.submitStaged(user, staged, displayFileName(fileName, staged.sha256), fields);
  }

  /** Validates the fields, commits the staged file to the store with its flow, queues the analysis; the staging file is always removed. */
  private async submitStaged(user: UserPrincipal, staged: StagedSample, fileName: string, fields: Record<string, unknown>): Promise<ScanSubmittedDto> {
    try {
      const dto = await validateAs(SubmissionFieldsDto, fields);
      const prepared = await this.prepare(user, dto);
      const flow = await this.samples.commitAndReference(staged, (manager) =>
        manager.save(
          this.flowsRepo.create({
            ...this.flowFields(user, dto, prepared),
            kind: FlowKind.File,
            sampleSha256: staged.sha256,
            fileName,
            fileSize: String(staged.size),
          }),
        ),
      );
      return await this.enqueue(flow, prepared);
    } finally {
      await staged.discard().catch((err: unknown) => this.logger.warn({ err }, 'Could not remove a staging file'));
    }
  }

  /** Options (defaults ← profile ← request), privacy (settings ← profile ← request), tags and priority of a submission. */
  private async prepare(user: UserPrincipal, dto: SubmissionFieldsDto): Promise<Prepared> {
    let profileOptions: Record<string, unknown> = {};
    let profileName: string | null = null;
    if (dto.scan_profile !== undefined) {
      const profile = await this.profiles.resolve(user.id, dto.scan_profile);
      if (!profile) {
        const message = `scan_profile: you have no scan profile with the id or name "${dto.scan_profile}"`;
        throw new ValidationFailedException([{ field: 'scan_profile', messages: [message] }], message);
      }
      profileOptions = profile.options;
      profileName = profile.name;
    }
    const options = resolveScanOptions(profileOptions, dto as Record<string, unknown>);
    const defaults = await this.settings.get('scan');
    const isPrivate = dto.is_private ?? (typeof profileOptions.is_private === 'boolean' ? profileOptions.is_private : defaults.private_by_default);
    const tags = [...new Set([...defaults.default_tags, ...(dto.tags ?? [])])];
    return { options: { ...options, scan_profile: profileName }, isPrivate, tags, priority: applyPriority(user, dto.priority) };
  }

  private flowFields(user: UserPrincipal, dto: SubmissionFieldsDto, prepared: Prepared): Partial<Flow> {
    return {
      ownerId: user.id,
      accessGroupId: user.accessGroupId,
      isPrivate: prepared.isPrivate,
      description: dto.description ?? '',
      tags: prepared.tags,
      scanOptions: prepared.options,
      password: dto.password ?? null,
      priority: prepared.priority.applied,
      state: FlowState.Queued,
    };
  }

  /** Queues the analysis of a new flow; a flow that cannot be queued is failed (503, the client may resubmit). */
  private async enqueue(flow: Flow, prepared: Prepared): Promise<ScanSubmittedDto> {
    AuditTrail.describe({ targetType: 'flow', targetId: flow.id, details: { flowId: flow.id, isPrivate: flow.isPrivate, priority: flow.priority } });
    try {
      // The worker's retry, backoff and expiry policy (shared with its watchdog), one job per flow.
      await this.queue.send<AnalysisJob>(ANALYSIS_QUEUE, { flowId: flow.id }, { ...analysisJobOptions(this.config, prepared.priority.applied), singletonKey: flow.id });
    } catch (err) {
      this.logger.error({ err, flowId: flow.id }, 'Could not queue an analysis');
      await this.flows.markFailed(flow.id, 'the analysis could not be queued').catch(() => undefined);
      throw new ServiceUnavailableException('The analysis could not be queued: try again shortly');
    }
    return { flow_id: flow.id, priority: prepared.priority };
  }
}
