export const REDACTED = '[redacted]';

/** Keys whose values are secret wherever they appear in the configuration (S3 keys, SMTP password, APP_SECRET ...). */
const SECRET_KEY = /secret|passw(or)?d|pwd|passphrase|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|signing[-_]?key|encryption[-_]?key|^key$|cookie|salt/i;

/**
 * A copy of the configuration fit to show administrators: values under secret-looking keys are
 * replaced, URLs lose their password and query-string values, and finally every known secret value
 * is cut out of every string wherever it appears (e.g. a password repeated inside another setting).
 */
export function redactConfig(config: unknown, knownSecrets: readonly (string | undefined | null)[] = []): unknown {
  const secrets = new Set(knownSecrets.filter((s): s is string => typeof s === 'string' && s.length >= 4));
  const collect = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= 4) secrets.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  const walk = (value: unknown, key: string | null): unknown => {
    if (key !== null && SECRET_KEY.test(key)) {
      collect(value);
      return value === undefined || value === null || value === '' ? null : REDACTED;
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, null));
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    if (typeof value === 'string') return redactUrl(value);
    return value === undefined ? null : value;
  };
  const walked = walk(config, null);
  // Longest first, so a secret that contains another is removed whole.
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return ordered.reduce((text, secret) => text.split(secret).join(REDACTED), value);
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v)]));
    return value;
  };
  return scrub(walked);
}

/** `scheme://user:password@host/path?a=b` → `scheme://user:[redacted]@host/path?a=[redacted]`; other strings unchanged. */
export function redactUrl(value: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
  try {
    const url = new URL(value);
    if (url.password) url.password = REDACTED;
    for (const name of [...url.searchParams.keys()]) url.searchParams.set(name, REDACTED);
    // URL encodes the brackets; show them plainly.
    return url.toString().replace(/%5Bredacted%5D/g, REDACTED);
  } catch {
    // Not parseable: keep nothing after the scheme that could be a credential.
    return value.replace(/(:\/\/)[^@/]*@/, `$1${REDACTED}@`).replace(/\?.*$/, `?${REDACTED}`);
  }
}
