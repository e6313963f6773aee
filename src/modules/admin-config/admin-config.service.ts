import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { SecretBox } from '../../common/security/secret-box';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditTrail } from '../audit/audit-trail';
import { redactConfig } from './config-redaction';
import { ExternalTokensSecretDto } from './dtos/admin-config.dto';
import { ExternalTokensSecret } from './external-tokens-secret.entity';

const SEAL_CONTEXT = 'external-tokens-secret';

/** Password of a connection URL, to be cut out wherever else it appears. */
function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

@Injectable()
export class AdminConfigService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(ExternalTokensSecret) private readonly tokensSecrets: Repository<ExternalTokensSecret>,
    private readonly box: SecretBox,
  ) {}

  /** The effective configuration with every secret redacted (by key name, in URLs, and by value). */
  effectiveConfig(): Record<string, unknown> {
    const c = this.config as AppConfig & { smtp?: { password?: string } };
    const known = [c.secret, c.admin.password, urlPassword(c.database.url), c.storage.s3.secretAccessKey, c.smtp?.password];
    return redactConfig(this.config, known) as Record<string, unknown>;
  }

  /** A new random secret replaces the old one; only its sealed form and fingerprint are stored. */
  async generateExternalTokensSecret(actorId: string | null): Promise<ExternalTokensSecretDto> {
    const secret = randomBytes(32).toString('base64url');
    const fingerprint = createHash('sha256').update(secret).digest('hex').slice(0, 16);
    const previous = await this.tokensSecrets.findOneBy({ id: 1 });
    await this.tokensSecrets.upsert(
      { id: 1, sealedSecret: this.box.seal(secret, SEAL_CONTEXT), fingerprint, createdAt: new Date(), createdBy: actorId },
      ['id'],
    );
    AuditTrail.describe({ targetType: 'external-tokens-secret', before: previous ? { fingerprint: previous.fingerprint } : null, after: { fingerprint } });
    const saved = await this.tokensSecrets.findOneByOrFail({ id: 1 });
    return { secret, fingerprint, created_at: saved.createdAt };
  }

  /** The secret in use, for the code that encrypts external tokens; null when none was generated. */
  async externalTokensSecret(): Promise<string | null> {
    const row = await this.tokensSecrets.findOneBy({ id: 1 });
    return row ? this.box.open(row.sealedSecret, SEAL_CONTEXT) : null;
  }
}
