import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Validation against the OASIS STIX 2.1 JSON schemas (oasis-open/cti-stix2-json-schemas), kept
 * outside the project in ../shared/schemas. The project must run without them: `stixSchemas()`
 * answers null when they are missing and the tests that need them skip, saying why.
 */
export const STIX_SCHEMA_DIR = resolve(process.env.STIX_SCHEMA_DIR ?? join(__dirname, '../../../shared/schemas/stix2.1/schemas'));
const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas';

export interface StixSchemas {
  /** Validates the bundle and then every object by its own type; returns readable errors ([] when valid). */
  validateBundle(bundle: { objects: { type: string; id: string }[] }): string[];
}

let cached: StixSchemas | null | undefined;

export function stixSchemas(): StixSchemas | null {
  if (cached !== undefined) return cached;
  if (!existsSync(join(STIX_SCHEMA_DIR, 'common', 'bundle.json'))) return (cached = null);
  // unicodeRegExp off: one OASIS pattern uses an escape unicode mode rejects (see shared/schemas/README.md).
  const ajv = new Ajv2020({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  // ajv-formats has no IDN formats; an ASCII (or punycode) host name is what our exports emit.
  ajv.addFormat('idn-hostname', /^(?=.{1,253}$)([a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?)(\.[a-z0-9\u00a1-\uffff]([a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?)*\.?$/i);
  for (const dir of ['common', 'observables', 'sdos', 'sros']) {
    for (const file of readdirSync(join(STIX_SCHEMA_DIR, dir)).filter((f) => f.endsWith('.json'))) {
      ajv.addSchema(JSON.parse(readFileSync(join(STIX_SCHEMA_DIR, dir, file), 'utf8')));
    }
  }
  const byType = new Map<string, ValidateFunction>();
  const validatorFor = (type: string): ValidateFunction | undefined => {
    if (!byType.has(type)) {
      const dir = ['relationship', 'sighting'].includes(type)
        ? 'sros'
        : existsSync(join(STIX_SCHEMA_DIR, 'observables', `${type}.json`))
          ? 'observables'
          : type === 'marking-definition' || type === 'bundle'
            ? 'common'
            : 'sdos';
      const validate = ajv.getSchema(`${BASE}/${dir}/${type}.json`);
      if (validate) byType.set(type, validate);
    }
    return byType.get(type);
  };
  const describe = (where: string, errors: ErrorObject[] | null | undefined) =>
    (errors ?? []).map((e) => `${where}${e.instancePath} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);

  cached = {
    validateBundle(bundle) {
      const problems: string[] = [];
      const validateBundle = validatorFor('bundle')!;
      if (!validateBundle(bundle)) problems.push(...describe('bundle', validateBundle.errors));
      for (const object of bundle.objects) {
        const { id, type } = object;
        const validate = validatorFor(type);
        if (!validate) problems.push(`${id}: no schema for type ${type}`);
        else if (!validate(object)) problems.push(...describe(id, validate.errors));
      }
      return problems;
    },
  };
  return cached;
}

/** `it` when the schemas are present; otherwise a skipped test whose name says so, and a console note. */
export function itWithStixSchemas(name: string, fn: (schemas: StixSchemas) => unknown, timeout?: number): void {
  const schemas = stixSchemas();
  if (schemas) {
    it(name, async () => {
      await fn(schemas);
    }, timeout);
  } else {
    console.warn(`STIX 2.1 schemas not found at ${STIX_SCHEMA_DIR}: skipping "${name}" (set STIX_SCHEMA_DIR or provide ../shared/schemas)`);
    it.skip(`${name} [skipped: STIX 2.1 schemas missing at ${STIX_SCHEMA_DIR}]`, () => undefined);
  }
}
