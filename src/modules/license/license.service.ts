import { BadGatewayException, BadRequestException, ForbiddenException, Inject, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KeyObject } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DataSource, IsNull } from 'typeorm';
import { UserPrincipal } from '../../common/access/principal';
import { ValidationFailedException } from '../../common/errors/validation';
import { readSmallUpload } from '../../common/http/small-upload';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditTrail } from '../audit/audit-trail';
import { RateCounterService } from '../quotas/rate-counter.service';
import { APP_VERSION } from '../system/version';
import { Deployment } from './deployment.entity';
import { LicenseStatus, LicenseInfoDto } from './dtos/license.dto';
import { ActivationMethod, License } from './license.entity';
import { checkValidity, knownFeatures, LicenseError, LicensePayload, MAX_LICENSE_FILE_BYTES, parsePublicKey, verifyLicense } from './license-document';
import { LicenseFeature } from './requires-feature.decorator';
import { VENDOR_PUBLIC_KEY } from './vendor-key';

/** The license in force, as the guard and the interceptor see it. */
export interface LicenseState {
  status: LicenseStatus;
  /** The verified payload of the active row (also when it has expired); null without one. */
  payload: LicensePayload | null;
  row: License | null;
  /** Why a stored license is not in force (expired, altered, other deployment). */
  reason: string | null;
}

/** Counter bucket of licensed scan submissions (one fixed window per UTC day). */
export const LICENSE_SCANS_BUCKET = 'license:scans';
export const DAY_SECONDS = 86_400;

const NONE: LicenseState = { status: LicenseStatus.None, payload: null, row: null, reason: null };

/**
 * Licenses: activation (offline from a file, online through the vendor's activation server),
 * deactivation, and the answer to "is this feature / this much use licensed?".
 *
 * The state is cached in memory and reloaded at most every CACHE_TTL_MS, so a change made through
 * another API process takes effect here within that time (at once on the process that made it).
 * Every load re-verifies the stored signed document: a row edited in the database counts as no license.
 */
@Injectable()
export class LicenseService implements OnModuleInit {
  static readonly CACHE_TTL_MS = 5_000;
  private readonly logger = new Logger(LicenseService.name);
  private publicKey: KeyObject;
  private deployment?: string;
  private cache?: { state: LicenseState; expiresAt: number };
  private generation = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly counters: RateCounterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    try {
      this.publicKey = parsePublicKey(this.config.license.publicKey ?? VENDOR_PUBLIC_KEY);
    } catch (err) {
      // A bad key would silently refuse every license: stop at start instead.
      throw new Error(`LICENSE_PUBLIC_KEY is not a usable Ed25519 public key: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async deploymentId(): Promise<string> {
    if (!this.deployment) {
      const row = await this.db.getRepository(Deployment).findOneBy({ id: 1 });
      if (!row) throw new Error('The deployment row is missing: the Licensing migration has not run');
      this.deployment = row.deploymentId;
    }
    return this.deployment;
  }

  /** The license state, from the cache when it is fresh. */
  async state(): Promise<LicenseState> {
    const cached = this.cache;
    if (cached && cached.expiresAt > Date.now()) return this.withExpiry(cached.state);
    const generation = this.generation;
    const startedAt = Date.now();
    const state = await this.load();
    // A change made while loading bumped the generation: do not cache what may be stale.
    if (generation === this.generation) this.cache = { state, expiresAt: startedAt + LicenseService.CACHE_TTL_MS };
    return this.withExpiry(state);
  }

  invalidate(): void {
    this.generation++;
    this.cache = undefined;
  }

  /** A cached active license may have expired since it was loaded. */
  private withExpiry(state: LicenseState): LicenseState {
    if (state.status === LicenseStatus.Active && state.payload && Date.parse(state.payload.expiresAt) <= Date.now()) {
      return { ...state, status: LicenseStatus.Expired, reason: `The license expired on ${state.payload.expiresAt}` };
    }
    return state;
  }

  private async load(): Promise<LicenseState> {
    const row = await this.db.getRepository(License).findOneBy({ deactivatedAt: IsNull() });
    if (!row) return NONE;
    try {
      const { payload } = verifyLicense(row.document, this.publicKey);
      try {
        checkValidity(payload, await this.deploymentId());
        return { status: LicenseStatus.Active, payload, row, reason: null };
      } catch (err) {
        if (err instanceof LicenseError && err.code === 'expired') return { status: LicenseStatus.Expired, payload, row, reason: err.message };
        throw err;
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.logger.warn(`The stored license ${row.licenseId} is not in force: ${reason}`);
      return { status: LicenseStatus.Invalid, payload: null, row, reason };
    }
  }

  /** Null when the feature is licensed; otherwise why not (for a 403). */
  async featureRefusal(feature: LicenseFeature): Promise<string | null> {
    const state = await this.state();
    if (state.status === LicenseStatus.Active && state.payload!.features.includes(feature)) return null;
    const base = `This platform's license does not include the \`${feature}\` feature`;
    switch (state.status) {
      case LicenseStatus.None:
        return `${base}: no license is active (an administrator activates one at POST /api/system/license/activate/offline or /online)`;
      case LicenseStatus.Active:
        return `${base}: ask your vendor for a license that includes it`;
      default:
        return `${base}: ${state.reason}`;
    }
  }

  /** The limits in force: only an active license limits anything (an unlicensed platform runs its core unlimited). */
  async limits(): Promise<LicensePayload['limits'] | null> {
    const state = await this.state();
    return state.status === LicenseStatus.Active ? state.payload!.limits : null;
  }

  /**
   * 403 when one more active user would pass the license's user limit. `inviting`: pending
   * invitations hold a seat too. Called before an invitation, a registration or a reactivation.
   */
  async assertUserSeat(inviting: boolean): Promise<void> {
    const max = (await this.limits())?.users;
    if (max === null || max === undefined) return;
    const [{ users, pending }]: { users: number; pending: number }[] = await this.db.query(
      `SELECT (SELECT count(*)::int FROM users WHERE is_active) AS users,
              (SELECT count(*)::int FROM invitations WHERE used_at IS NULL AND expires_at > now()) AS pending`,
    );
    const taken = inviting ? users + pending : users;
    if (taken >= max) {
      throw new ForbiddenException(
        `The license allows ${max} user${max === 1 ? '' : 's'}; ${users} ${users === 1 ? 'is' : 'are'} active` +
          (inviting && pending ? ` and ${pending} invitation${pending === 1 ? ' is' : 's are'} pending` : '') +
          ': deactivate a user or extend the license',
      );
    }
  }

  async info(): Promise<LicenseInfoDto> {
    const [state, deploymentId] = await Promise.all([this.state(), this.deploymentId()]);
    const [scans, [{ count: users }]] = await Promise.all([
      this.counters.peek(LICENSE_SCANS_BUCKET, DAY_SECONDS),
      this.db.query('SELECT count(*)::int AS count FROM users WHERE is_active') as Promise<{ count: number }[]>,
    ]);
    const p = state.payload;
    return {
      status: state.status,
      reason: state.reason,
      deploymentId,
      licenseId: p?.licenseId ?? state.row?.licenseId ?? null,
      customer: p?.customer ?? null,
      issuedAt: p?.issuedAt ?? null,
      expiresAt: p?.expiresAt ?? null,
      daysLeft: p ? Math.max(0, Math.floor((Date.parse(p.expiresAt) - Date.now()) / 86_400_000)) : null,
      features: p ? knownFeatures(p) : [],
      limits: p ? p.limits : null,
      usage: { scansToday: scans.count, users },
      activatedAt: state.row?.activatedAt ?? null,
      activationMethod: state.row?.activationMethod ?? null,
      onlineActivation: Boolean(this.config.license.activationUrl),
    };
  }

  /**
   * Offline activation from a request: multipart/form-data with the license file in the field `file`,
   * or the license file's JSON as the body.
   */
  async activateOfflineRequest(actor: UserPrincipal, request: FastifyRequest): Promise<LicenseInfoDto> {
    let file: unknown;
    if (request.isMultipart()) {
      const upload = await readSmallUpload(request, MAX_LICENSE_FILE_BYTES);
      if (!upload.file) throw fieldError('file', 'Send the license file in the field "file"');
      file = LicenseService.parseFile(upload.file.bytes);
    } else {
      file = request.body;
      if (file === undefined || file === null) throw fieldError('file', 'Send the license file: multipart/form-data in the field "file", or its JSON as the body');
    }
    return this.activateOffline(actor, file);
  }

  /** Offline activation: the license file's JSON, uploaded by an administrator. */
  async activateOffline(actor: UserPrincipal, file: unknown): Promise<LicenseInfoDto> {
    const payload = await this.verifyForActivation(file, (message) => new BadRequestException(message));
    return this.install(actor, file as object, payload, ActivationMethod.Offline);
  }

  /**
   * Online activation: POSTs `{licenseKey, deploymentId, product, version}` to LICENSE_ACTIVATION_URL,
   * which answers the signed license file; it is verified exactly like an uploaded one. The license
   * key is sent to the activation server only, never stored nor logged.
   */
  async activateOnline(actor: UserPrincipal, licenseKey: string): Promise<LicenseInfoDto> {
    const url = this.config.license.activationUrl;
    if (!url) throw new BadRequestException('Online activation is not configured (LICENSE_ACTIVATION_URL): activate offline with a license file');
    const deploymentId = await this.deploymentId();
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ licenseKey, deploymentId, product: 'sandbox-platform', version: APP_VERSION }),
        signal: AbortSignal.timeout(this.config.license.activationTimeout * 1000),
        redirect: 'error',
      });
    } catch (err) {
      throw new BadGatewayException(`The license activation server could not be reached: ${describeNetworkError(err)}`);
    }
    const body = await readLimited(response, MAX_LICENSE_FILE_BYTES).catch((err: unknown) => {
      throw new BadGatewayException(`The license activation server's answer could not be read: ${describeNetworkError(err)}`);
    });
    if (response.status >= 400 && response.status < 500) {
      // The server refused the key (unknown, revoked, out of seats): the administrator's problem to fix, with the server's reason.
      throw new BadRequestException(`The license activation server refused the license key (HTTP ${response.status})${serverReason(body)}`);
    }
    if (!response.ok) throw new BadGatewayException(`The license activation server failed (HTTP ${response.status})${serverReason(body)}`);
    let file: unknown;
    try {
      file = JSON.parse(body);
    } catch {
      throw new BadGatewayException('The license activation server answered something that is not JSON');
    }
    const payload = await this.verifyForActivation(file, (message) => new BadGatewayException(`The license activation server answered a license this platform refuses: ${message}`));
    return this.install(actor, file as object, payload, ActivationMethod.Online);
  }

  async deactivate(actor: UserPrincipal, licenseId?: string): Promise<void> {
    const repo = this.db.getRepository(License);
    const row = await repo.findOneBy({ deactivatedAt: IsNull() });
    if (!row || (licenseId !== undefined && row.licenseId !== licenseId)) {
      throw new NotFoundException(licenseId === undefined ? 'No license is active' : `License ${licenseId} is not the active license`);
    }
    await repo.update({ id: row.id, deactivatedAt: IsNull() }, { deactivatedAt: new Date(), deactivatedBy: actor.id });
    this.invalidate();
    AuditTrail.describe({ targetType: 'license', targetId: row.licenseId, before: summary(row) });
  }

  private async verifyForActivation(file: unknown, refuse: (message: string) => Error): Promise<LicensePayload> {
    try {
      const { payload } = verifyLicense(file, this.publicKey);
      checkValidity(payload, await this.deploymentId());
      return payload;
    } catch (err) {
      if (!(err instanceof LicenseError)) throw err;
      throw refuse(err.message);
    }
  }

  /** Makes `payload` the active license, ending the previous one, in one transaction. */
  private async install(actor: UserPrincipal, file: object, payload: LicensePayload, method: ActivationMethod): Promise<LicenseInfoDto> {
    const before = await this.db.transaction(async (em) => {
      const repo = em.getRepository(License);
      const previous = await repo.findOne({ where: { deactivatedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
      if (previous) await repo.update(previous.id, { deactivatedAt: new Date(), deactivatedBy: actor.id });
      await repo.insert({
        licenseId: payload.licenseId,
        customer: payload.customer,
        deploymentId: payload.deploymentId,
        issuedAt: new Date(payload.issuedAt),
        expiresAt: new Date(payload.expiresAt),
        features: payload.features,
        scansPerDay: payload.limits.scansPerDay,
        maxUsers: payload.limits.users,
        document: file,
        activationMethod: method,
        activatedBy: actor.id,
      });
      return previous;
    });
    this.invalidate();
    AuditTrail.describe({
      targetType: 'license',
      targetId: payload.licenseId,
      before: before ? summary(before) : null,
      after: { licenseId: payload.licenseId, customer: payload.customer, expiresAt: payload.expiresAt, features: payload.features, limits: payload.limits, method },
    });
    return this.info();
  }

  /** Parses an uploaded license file's bytes (422 when it is not a JSON object). */
  static parseFile(bytes: Buffer): unknown {
    if (bytes.length > MAX_LICENSE_FILE_BYTES) throw fieldError('file', `A license file is at most ${MAX_LICENSE_FILE_BYTES} bytes`);
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      throw fieldError('file', 'The license file is not JSON');
    }
  }
}

const fieldError = (field: string, message: string) => new ValidationFailedException([{ field, messages: [message] }], message);

const summary = (row: License) => ({ licenseId: row.licenseId, customer: row.customer, expiresAt: row.expiresAt, features: row.features });

function describeNetworkError(err: unknown): string {
  // Duck-typed: fetch's DOMException may come from another realm.
  const name = (err as { name?: unknown })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return 'no answer in time';
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** The server's own message, when it sent a short one (JSON `message`/`error` or plain text), quoted for the administrator. */
function serverReason(body: string): string {
  let reason = body.trim();
  try {
    const json = JSON.parse(body) as { message?: unknown; error?: unknown };
    reason = String(json.message ?? json.error ?? '');
  } catch {
    /* plain text */
  }
  reason = reason.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
  return reason ? `: ${reason}` : '';
}

/** Reads a response body, refusing more than `max` bytes (a hostile or broken server cannot flood memory). */
async function readLimited(response: Response, max: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) throw new Error(`more than ${max} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
