import { generateKeyPairSync, KeyObject, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Client } from 'pg';
import { LicensePayload, signLicense, SignedLicense } from '../../src/modules/license/license-document';
import { LicenseService } from '../../src/modules/license/license.service';
import { LicenseFeature } from '../../src/modules/license/requires-feature.decorator';

/**
 * The tests' own vendor key pair (the built-in vendor key has no private key here). TestApp passes
 * the public half as LICENSE_PUBLIC_KEY, so licenses signed with TEST_VENDOR_KEY verify.
 */
const pair = generateKeyPairSync('ed25519');
export const TEST_VENDOR_KEY: KeyObject = pair.privateKey;
export const TEST_VENDOR_PUBLIC_PEM = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();

export const ALL_FEATURES = Object.values(LicenseFeature);

/** A license signed by the test vendor key: every feature, no limits, valid for a year, unless overridden. */
export function testLicense(deploymentId: string, overrides: Partial<LicensePayload> = {}, key: KeyObject = TEST_VENDOR_KEY): SignedLicense {
  const now = Date.now();
  return signLicense(
    {
      licenseId: `LIC-TEST-${randomUUID()}`,
      customer: 'Test Customer',
      deploymentId,
      issuedAt: new Date(now - 60_000).toISOString(),
      expiresAt: new Date(now + 365 * 86_400_000).toISOString(),
      limits: { scansPerDay: null, users: null },
      features: [...ALL_FEATURES],
      ...overrides,
    },
    key,
  );
}

export async function deploymentIdOf(db: Client): Promise<string> {
  const { rows } = await db.query('SELECT deployment_id FROM deployment WHERE id = 1');
  return rows[0].deployment_id;
}

/**
 * Stores `file` as the active license straight in the database (no signature or date checks: tests
 * use it to plant expired or altered licenses too) and drops the app's cached license.
 */
export async function installLicense(app: INestApplication, db: Client, file: SignedLicense): Promise<void> {
  const p = file.payload;
  await db.query('UPDATE licenses SET deactivated_at = now() WHERE deactivated_at IS NULL');
  await db.query(
    `INSERT INTO licenses (license_id, customer, deployment_id, issued_at, expires_at, features, scans_per_day, max_users, document, activation_method)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'offline')`,
    [p.licenseId, p.customer, p.deploymentId, p.issuedAt, p.expiresAt, p.features, p.limits.scansPerDay, p.limits.users, JSON.stringify(file)],
  );
  app.get(LicenseService).invalidate();
}

/** Removes every license (the platform runs unlicensed). */
export async function removeLicenses(app: INestApplication, db: Client): Promise<void> {
  await db.query('UPDATE licenses SET deactivated_at = now() WHERE deactivated_at IS NULL');
  app.get(LicenseService).invalidate();
}
