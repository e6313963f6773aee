import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type SecretPurpose = 'jwt' | 'api-key' | 'audit' | 'invitation' | 'encryption';

/**
 * Keys derived (HKDF-SHA256) from one root secret, one key per purpose, so that e.g. the JWT key
 * never doubles as the API-key hashing key. The root secret comes from APP_SECRET or, when unset,
 * from a file generated once under the data directory.
 */
export class Secrets {
  private readonly keys = new Map<SecretPurpose, Buffer>();

  constructor(private readonly root: Buffer) {}

  static load(configured: string | undefined, dataDir: string): Secrets {
    if (configured) return new Secrets(Buffer.from(configured, 'utf8'));
    const file = join(dataDir, 'app-secret');
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, randomBytes(48).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    }
    return new Secrets(Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8'));
  }

  key(purpose: SecretPurpose): Buffer {
    let key = this.keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.root, Buffer.alloc(0), `sandbox-platform/${purpose}`, 32));
      this.keys.set(purpose, key);
    }
    return key;
  }

  /** Keyed hash, hex: deterministic, so it can be looked up by an index. */
  hmac(purpose: SecretPurpose, data: string): string {
    return createHmac('sha256', this.key(purpose)).update(data, 'utf8').digest('hex');
  }
}

/** A random token that is safe in URLs and headers. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
