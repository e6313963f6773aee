import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
import { FieldErrorDto } from '../../common/errors/error-response.dto';
import { ValidationFailedException } from '../../common/errors/validation';
import { SecretBox } from '../../common/security/secret-box';
import { AuditTrail } from '../audit/audit-trail';
import { AuthServiceConfig, AuthServiceType } from './auth-service.entity';
import { AuthServiceDto, LdapSettingsDto, OidcSettingsDto, SaveAuthServiceDto } from './dtos/auth-service.dto';

interface StoredSecrets {
  client_secret?: string;
  bind_password?: string;
}

interface StoredSettings {
  display_name: string | null;
  allow_insecure_localhost: boolean;
  oidc?: { issuer_url: string; client_id: string; scopes: string[]; groups_claim: string; group_mapping: Record<string, string> };
  ldap?: { url: string; bind_dn: string | null; base_dn: string; user_filter: string; group_attribute: string; group_mapping: Record<string, string> };
}

const LOCALHOST = new Set(['localhost', '127.0.0.1', '[::1]']);
const isUniqueViolation = (err: unknown) => err instanceof QueryFailedError && (err as unknown as { code?: string }).code === '23505';
const sealContext = (name: string) => `auth-service:${name}`;

/**
 * External identity providers as configuration (OIDC, LDAP). Signing users in through them is not
 * implemented yet; this stores what that will need. Secrets are sealed at rest and never answered:
 * a response says only whether one is set, and a save that leaves one out keeps the stored one.
 */
@Injectable()
export class AuthServicesService {
  constructor(
    @InjectRepository(AuthServiceConfig) private readonly services: Repository<AuthServiceConfig>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<AuthServiceDto[]> {
    const rows = await this.services.find({ order: { name: 'ASC' } });
    return rows.map((r) => this.view(r));
  }

  async save(dto: SaveAuthServiceDto): Promise<AuthServiceDto> {
    this.checkShape(dto);
    try {
      return await this.db.transaction(async (tx) => {
        const repo = tx.getRepository(AuthServiceConfig);
        const existing = await repo.findOne({ where: { name: dto.service }, lock: { mode: 'pessimistic_write' } });
        const previous = existing?.sealedSecrets ? this.openSecrets(existing) : {};
        const secrets = this.mergeSecrets(dto, existing?.type === dto.type ? previous : {});
        const row = existing ?? repo.create({ name: dto.service });
        const before = existing ? this.view(existing) : null;
        row.type = dto.type;
        row.enabled = dto.enabled ?? existing?.enabled ?? true;
        row.settings = this.settingsOf(dto) as unknown as Record<string, unknown>;
        const unchanged = existing?.sealedSecrets && JSON.stringify(secrets) === JSON.stringify(previous);
        // Re-sealing unchanged secrets would only churn the ciphertext.
        row.sealedSecrets = unchanged ? existing.sealedSecrets : Object.keys(secrets).length ? this.box.seal(JSON.stringify(secrets), sealContext(dto.service)) : null;
        const saved = await repo.save(row);
        const after = this.view(saved);
        // The views carry only { set: true/false } for secrets: safe for the audit log.
        AuditTrail.describe({ targetType: 'auth-service', targetId: dto.service, before, after });
        return after;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictException(`Auth service ${dto.service} was created concurrently: try again`);
      throw err;
    }
  }

  async remove(name: string): Promise<void> {
    const existing = await this.services.findOneBy({ name });
    if (!existing) throw new NotFoundException(`No auth service ${name}`);
    await this.services.delete({ id: existing.id });
    AuditTrail.describe({ targetType: 'auth-service', targetId: name, before: this.view(existing) });
  }

  /** Per-type rules the DTO cannot express; 422 naming each field. */
  private checkShape(dto: SaveAuthServiceDto): void {
    const problems: FieldErrorDto[] = [];
    const fail = (field: string, message: string) => problems.push({ field, messages: [message] });
    const insecureOk = dto.allow_insecure_localhost === true;
    if (dto.type === AuthServiceType.Oidc) {
      if (dto.ldap !== undefined) fail('ldap', 'ldap settings must not be given for an oidc service');
      const oidc = dto.oidc!;
      const problem = urlProblem(oidc.issuer_url, 'https:', 'http:', insecureOk);
      if (problem) fail('oidc.issuer_url', problem);
      if (oidc.scopes && !oidc.scopes.includes('openid')) fail('oidc.scopes', 'scopes must include openid');
    } else {
      if (dto.oidc !== undefined) fail('oidc', 'oidc settings must not be given for an ldap service');
      const problem = urlProblem(dto.ldap!.url, 'ldaps:', 'ldap:', insecureOk);
      if (problem) fail('ldap.url', problem);
      if (dto.ldap!.bind_password !== undefined && dto.ldap!.bind_dn === undefined) fail('ldap.bind_password', 'bind_password needs bind_dn');
    }
    if (problems.length) throw new ValidationFailedException(problems);
  }

  /** The secrets to store: those given, else the stored ones of the same type; 422 when a required one is missing. */
  private mergeSecrets(dto: SaveAuthServiceDto, stored: StoredSecrets): StoredSecrets {
    if (dto.type === AuthServiceType.Oidc) {
      const clientSecret = dto.oidc!.client_secret ?? stored.client_secret;
      if (!clientSecret) throw new ValidationFailedException([{ field: 'oidc.client_secret', messages: ['client_secret is required when the service is created or its type changes'] }]);
      return { client_secret: clientSecret };
    }
    const ldap = dto.ldap!;
    if (ldap.bind_dn === undefined) return {};
    const bindPassword = ldap.bind_password ?? stored.bind_password;
    if (!bindPassword) throw new ValidationFailedException([{ field: 'ldap.bind_password', messages: ['bind_password is required with bind_dn when the service is created or its type changes'] }]);
    return { bind_password: bindPassword };
  }

  private settingsOf(dto: SaveAuthServiceDto): StoredSettings {
    const common = { display_name: dto.display_name ?? null, allow_insecure_localhost: dto.allow_insecure_localhost ?? false };
    if (dto.type === AuthServiceType.Oidc) {
      const o: OidcSettingsDto = dto.oidc!;
      return {
        ...common,
        oidc: {
          issuer_url: o.issuer_url.replace(/\/+$/, ''),
          client_id: o.client_id,
          scopes: o.scopes ?? ['openid', 'profile', 'email'],
          groups_claim: o.groups_claim ?? 'groups',
          group_mapping: { ...(o.group_mapping ?? {}) },
        },
      };
    }
    const l: LdapSettingsDto = dto.ldap!;
    return {
      ...common,
      ldap: {
        url: l.url,
        bind_dn: l.bind_dn ?? null,
        base_dn: l.base_dn,
        user_filter: l.user_filter ?? '(uid={username})',
        group_attribute: l.group_attribute ?? 'memberOf',
        group_mapping: { ...(l.group_mapping ?? {}) },
      },
    };
  }

  private openSecrets(row: AuthServiceConfig): StoredSecrets {
    return JSON.parse(this.box.open(row.sealedSecrets!, sealContext(row.name))) as StoredSecrets;
  }

  /** What the API shows: settings, and for each secret only whether it is set. */
  private view(row: AuthServiceConfig): AuthServiceDto {
    const s = row.settings as unknown as StoredSettings;
    // Which secrets exist is decided without decrypting: one per type, present iff sealed_secrets is.
    const hasSecret = row.sealedSecrets !== null;
    return {
      service: row.name,
      type: row.type,
      enabled: row.enabled,
      display_name: s.display_name ?? null,
      allow_insecure_localhost: s.allow_insecure_localhost ?? false,
      ...(s.oidc ? { oidc: { ...s.oidc, client_secret: { set: hasSecret } } } : {}),
      ...(s.ldap ? { ldap: { ...s.ldap, bind_password: { set: hasSecret } } } : {}),
      created_at: row.createdAt,
      updated_at: row.updatedAt,
    };
  }
}

/** Why `value` is not an acceptable provider URL, or null. Unencrypted schemes only for localhost, when allowed. */
function urlProblem(value: string, secure: string, insecure: string, insecureOk: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be a ${secure.slice(0, -1)}:// URL`;
  }
  if (url.username || url.password) return 'must not contain credentials';
  if (!url.hostname) return 'must name a host';
  if (url.protocol === secure) return null;
  if (url.protocol === insecure) {
    if (!insecureOk) return `must use ${secure.slice(0, -1)}:// (${insecure.slice(0, -1)}:// only for localhost with allow_insecure_localhost)`;
    if (!LOCALHOST.has(url.hostname)) return `${insecure.slice(0, -1)}:// is allowed for localhost only`;
    return null;
  }
  return `must use ${secure.slice(0, -1)}://`;
}
