/**
 * Vendor-side license tool. It holds the signing (private) key, so it runs at the vendor, never on
 * a customer's platform. It signs with the same module the platform verifies with.
 *
 *   npm run license:vendor -- keygen --out <dir>
 *       writes <dir>/private.pem (mode 0600; keep it secret) and <dir>/public.pem (give it to the
 *       platform as LICENSE_PUBLIC_KEY, or build it in as src/modules/license/vendor-key.ts)
 *   npm run license:vendor -- issue --key private.pem --customer "Example Corp" --deployment-id <uuid>
 *       --days 365 [--features feeds,threat-intel] [--scans-per-day N] [--users N] [--license-id ID] --out license.json
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LicensePayload, parsePrivateKey, signLicense } from '../src/modules/license/license-document';
import { LicenseFeature } from '../src/modules/license/requires-feature.decorator';

const USAGE = `usage:
  license-vendor keygen --out <dir>
  license-vendor issue --key <private.pem> --customer <name> --deployment-id <id> --days <n>
                       [--features a,b] [--scans-per-day <n>] [--users <n>] [--license-id <id>] --out <file.json>
features: ${Object.values(LicenseFeature).join(', ')}, or "all"`;

function fail(message: string): never {
  process.stderr.write(`license-vendor: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  if (!/^\d+$/.test(value)) fail(`--${name} must be a whole number`);
  return Number(value);
}

function keygen(args: string[]): void {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  if (!values.out) fail('keygen needs --out <dir>');
  mkdirSync(values.out, { recursive: true });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(values.out, 'private.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(join(values.out, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  process.stdout.write(`wrote ${join(values.out, 'private.pem')} (secret) and ${join(values.out, 'public.pem')}\n`);
}

function issue(args: string[]): void {
  const { values } = parseArgs({
    args,
    options: {
      key: { type: 'string' },
      customer: { type: 'string' },
      'deployment-id': { type: 'string' },
      days: { type: 'string' },
      features: { type: 'string' },
      'scans-per-day': { type: 'string' },
      users: { type: 'string' },
      'license-id': { type: 'string' },
      out: { type: 'string' },
    },
  });
  for (const required of ['key', 'customer', 'deployment-id', 'days', 'out'] as const) if (!values[required]) fail(`issue needs --${required}`);
  const days = positiveInt(values.days, 'days');
  if (!days) fail('--days must be at least 1');
  const known = Object.values(LicenseFeature) as string[];
  const features = values.features === 'all' ? known : (values.features ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  const unknown = features.filter((f) => !known.includes(f));
  if (unknown.length) fail(`unknown feature(s): ${unknown.join(', ')}`);
  const now = new Date();
  const payload: LicensePayload = {
    licenseId: values['license-id'] ?? `LIC-${randomUUID()}`,
    customer: values.customer!,
    deploymentId: values['deployment-id']!,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + days * 86_400_000).toISOString(),
    limits: { scansPerDay: positiveInt(values['scans-per-day'], 'scans-per-day'), users: positiveInt(values.users, 'users') },
    features,
  };
  let signed;
  try {
    signed = signLicense(payload, parsePrivateKey(readFileSync(values.key!, 'utf8')));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
  writeFileSync(values.out!, JSON.stringify(signed, null, 2) + '\n');
  process.stdout.write(`wrote ${values.out}: ${payload.licenseId} for ${payload.customer}, deployment ${payload.deploymentId}, until ${payload.expiresAt}\n`);
}

const [command, ...rest] = process.argv.slice(2);
try {
  if (command === 'keygen') keygen(rest);
  else if (command === 'issue') issue(rest);
  else fail(command ? `unknown command ${command}` : 'no command');
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
