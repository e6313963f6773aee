import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { LicenseFeature } from './requires-feature.decorator';

/**
 * The license file format, and the one implementation of signing and verifying it: the platform
 * (verifier) and the vendor command `scripts/license-vendor.ts` (signer) both use this module, so
 * the two can never disagree on the canonical form.
 *
 * A license file is JSON: `{ format, algorithm, payload, signature }`. The signature is Ed25519 over
 * `LICENSE_FORMAT + "\n" + canonicalJson(payload)`: the format tag in the signed bytes keeps a
 * signature made for anything else by the same key from passing as a license.
 */
export const LICENSE_FORMAT = 'sandbox-license/1';
export const LICENSE_ALGORITHM = 'Ed25519';
/** Largest license file accepted: real ones are well under 2 KB. */
export const MAX_LICENSE_FILE_BYTES = 64 * 1024;
/** Clock difference tolerated between the vendor's and the platform's clocks for `issuedAt`. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface LicenseLimits {
  /** Scan submissions per UTC day across the platform; null: unlimited. */
  scansPerDay: number | null;
  /** Active user accounts; null: unlimited. */
  users: number | null;
}

export interface LicensePayload {
  licenseId: string;
  customer: string;
  deploymentId: string;
  /** ISO 8601 instants. */
  issuedAt: string;
  expiresAt: string;
  limits: LicenseLimits;
  /** Features the license turns on (LicenseFeature values; unknown names are kept and ignored). */
  features: string[];
}

export interface SignedLicense {
  format: typeof LICENSE_FORMAT;
  algorithm: typeof LICENSE_ALGORITHM;
  payload: LicensePayload;
  /** Base64 Ed25519 signature. */
  signature: string;
}

/** Why a license was refused; `code` lets the HTTP edge pick the status. */
export class LicenseError extends Error {
  constructor(
    readonly code: 'malformed' | 'signature' | 'expired' | 'not-yet-valid' | 'deployment',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Deterministic JSON: object keys sorted by code unit, no whitespace, integers only (a license holds
 * no fractions). The same payload always yields the same bytes, whatever order a tool wrote it in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new LicenseError('malformed', 'License numbers must be integers');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new LicenseError('malformed', `License values cannot be of type ${typeof value}`);
}

const signedBytes = (payload: LicensePayload) => Buffer.from(`${LICENSE_FORMAT}\n${canonicalJson(payload)}`, 'utf8');

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; followed by the 32 raw key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A vendor public key from PEM (SPKI) or from base64 of the 32 raw bytes. Throws when it is not an Ed25519 key. */
export function parsePublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  let key: KeyObject;
  if (trimmed.includes('-----BEGIN')) {
    // Environment variables often carry PEM with literal "\n".
    key = createPublicKey(trimmed.replace(/\\n/g, '\n'));
  } else {
    const raw = Buffer.from(trimmed, 'base64');
    if (raw.length !== 32) throw new Error('expected a PEM public key or the base64 of 32 raw Ed25519 key bytes');
    key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 key, got ${key.asymmetricKeyType}`);
  return key;
}

export function parsePrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 private key, got ${key.asymmetricKeyType}`);
  return key;
}

/** Signs a payload (vendor side). */
export function signLicense(payload: LicensePayload, privateKey: KeyObject): SignedLicense {
  const checked = checkPayload(payload);
  return { format: LICENSE_FORMAT, algorithm: LICENSE_ALGORITHM, payload: checked, signature: sign(null, signedBytes(checked), privateKey).toString('base64') };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const malformed = (message: string) => new LicenseError('malformed', `Not a valid license file: ${message}`);

function instant(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(Date.parse(value))) throw malformed(`${field} must be an ISO 8601 date-time`);
  return value;
}

function limit(value: unknown, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw malformed(`limits.${field} must be a non-negative integer or null`);
  return value;
}

function text(value: unknown, field: string, max = 200): string {
  if (typeof value !== 'string' || !value.trim() || value.length > max) throw malformed(`${field} must be a non-empty string of at most ${max} characters`);
  return value;
}

/** The payload's fields, type-checked; the returned object holds exactly the known fields. */
export function checkPayload(value: unknown): LicensePayload {
  if (!isObject(value)) throw malformed('payload must be an object');
  const limits = value.limits === undefined ? {} : value.limits;
  if (!isObject(limits)) throw malformed('limits must be an object');
  if (!Array.isArray(value.features) || value.features.some((f) => typeof f !== 'string' || !/^[a-z0-9-]{1,64}$/.test(f))) {
    throw malformed('features must be a list of feature names');
  }
  const payload: LicensePayload = {
    licenseId: text(value.licenseId, 'licenseId', 100),
    customer: text(value.customer, 'customer'),
    deploymentId: text(value.deploymentId, 'deploymentId', 100),
    issuedAt: instant(value.issuedAt, 'issuedAt'),
    expiresAt: instant(value.expiresAt, 'expiresAt'),
    limits: { scansPerDay: limit(limits.scansPerDay, 'scansPerDay'), users: limit(limits.users, 'users') },
    features: [...new Set(value.features as string[])].sort(),
  };
  if (Date.parse(payload.expiresAt) <= Date.parse(payload.issuedAt)) throw malformed('expiresAt must be after issuedAt');
  return payload;
}

/**
 * Parses a license file and checks its signature against the vendor key. Does not look at dates or
 * the deployment: see checkValidity. The returned payload is the signed one, exactly.
 */
export function verifyLicense(file: unknown, publicKey: KeyObject): SignedLicense {
  if (!isObject(file)) throw malformed('expected a JSON object');
  if (file.format !== LICENSE_FORMAT) throw malformed(`format must be "${LICENSE_FORMAT}"`);
  if (file.algorithm !== LICENSE_ALGORITHM) throw malformed(`algorithm must be "${LICENSE_ALGORITHM}"`);
  if (typeof file.signature !== 'string' || !/^[A-Za-z0-9+/]{86}==$/.test(file.signature)) throw malformed('signature must be a base64 Ed25519 signature');
  if (!isObject(file.payload)) throw malformed('payload must be an object');
  // Verify the payload as received (not a normalised copy): any changed byte of meaning fails here.
  let bytes: Buffer;
  try {
    bytes = Buffer.from(`${LICENSE_FORMAT}\n${canonicalJson(file.payload)}`, 'utf8');
  } catch (err) {
    throw malformed(err instanceof Error ? err.message : String(err));
  }
  if (!verify(null, bytes, publicKey, Buffer.from(file.signature, 'base64'))) {
    throw new LicenseError('signature', 'The license signature does not verify: the file was altered, or it was not issued by this platform\'s vendor');
  }
  const payload = checkPayload(file.payload);
  return { format: LICENSE_FORMAT, algorithm: LICENSE_ALGORITHM, payload, signature: file.signature };
}

/** Throws when the license is for another deployment, not yet valid or expired at `now`. */
export function checkValidity(payload: LicensePayload, deploymentId: string, now = new Date()): void {
  if (payload.deploymentId !== deploymentId) {
    throw new LicenseError('deployment', `The license was issued for deployment ${payload.deploymentId}, but this platform is deployment ${deploymentId}`);
  }
  if (Date.parse(payload.issuedAt) > now.getTime() + CLOCK_SKEW_MS) {
    throw new LicenseError('not-yet-valid', `The license is valid from ${payload.issuedAt}: check this server's clock`);
  }
  if (Date.parse(payload.expiresAt) <= now.getTime()) throw new LicenseError('expired', `The license expired on ${payload.expiresAt}`);
}

/** The features of a payload this platform knows. */
export const knownFeatures = (payload: LicensePayload): LicenseFeature[] =>
  payload.features.filter((f): f is LicenseFeature => (Object.values(LicenseFeature) as string[]).includes(f));
