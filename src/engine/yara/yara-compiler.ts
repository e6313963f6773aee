import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yarax from '@litko/yara-x';

/**
 * YARA rules for the engine, compiled with YARA-X (native, @litko/yara-x).
 *
 * - The bundled rules (`engine/rules/yara/*.yar`, copied next to the compiled code by nest-cli) form
 *   one rule set, namespace `bundled`. Each admin-uploaded set is compiled on its own, in its own
 *   namespace: a set that does not compile is reported and skipped, the others still run.
 * - Compiled sets are cached by a hash of their source (compiled once per change, never per file),
 *   and the combination of sets in use is cached by a hash over all of them.
 */
export interface YaraRuleSet {
  name: string;
  source: string;
}

/** What @litko/yara-x returns for one matching rule. */
interface RawRuleMatch {
  ruleIdentifier: string;
  namespace: string;
  meta: Record<string, unknown>;
  tags: string[];
  matches: { offset: number; length: number; data: string; identifier: string }[];
}

interface Scanner {
  scanAsync(data: Buffer): Promise<RawRuleMatch[]>;
  scan(data: Buffer): RawRuleMatch[];
  setMaxMatchesPerPattern(max: number): void;
  getWarnings(): { code: string; message: string }[];
}

export interface CompiledRuleSet {
  namespace: string;
  /** Null when the set does not compile. */
  scanner: Scanner | null;
  ruleNames: string[];
  error?: string;
  warnings: string[];
}

export interface CompiledRules {
  key: string;
  sets: CompiledRuleSet[];
}

export const BUNDLED_NAMESPACE = 'bundled';
/**
 * `include` is refused: YARA-X would read any file the worker can read, and quote it in the error
 * it returns to the admin who uploaded the rule ("include \"/etc/…\"").
 */
const COMPILER_OPTIONS = { enableIncludes: false };
/** Matches kept per pattern: a pattern matching everywhere in a large file must not flood memory. */
const MAX_MATCHES_PER_PATTERN = 100;
const MAX_SOURCE_BYTES = 5 * 1024 * 1024;

/** Where the bundled rules are: beside this file's folder, in src/ under ts-jest and dist/src/ once built. */
export const BUNDLED_RULES_DIR = join(__dirname, '..', 'rules', 'yara');

let bundled: YaraRuleSet | undefined;

/** The bundled rule files as one source, imports hoisted (YARA-X warns about repeated imports). */
export function bundledRuleSet(): YaraRuleSet {
  if (bundled) return bundled;
  const files = readdirSync(BUNDLED_RULES_DIR)
    .filter((f) => /\.yara?$/i.test(f))
    .sort();
  const imports = new Set<string>();
  const bodies: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(BUNDLED_RULES_DIR, file), 'utf8');
    bodies.push(
      `// ---- ${file}\n` +
        text.replace(/^\s*import\s+"([a-z0-9_.]+)"\s*$/gim, (_, module: string) => {
          imports.add(module);
          return '';
        }),
    );
  }
  const source = [...[...imports].sort().map((m) => `import "${m}"`), ...bodies].join('\n');
  bundled = { name: BUNDLED_NAMESPACE, source };
  return bundled;
}

/** Rule names a source declares (comments and string literals removed first). */
export function declaredRuleNames(source: string): string[] {
  const stripped = source
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  const names: string[] = [];
  const re = /(?:^|[\s}])(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]*)/g;
  for (let m = re.exec(stripped); m; m = re.exec(stripped)) names.push(m[1]);
  return names;
}

/**
 * Checks an uploaded rule source without keeping it: YARA-X's errors and warnings (each with line
 * and column in its text) and the rule names it declares. A source without rules is invalid.
 */
export function validateYaraSource(source: string): { valid: boolean; errors: string[]; warnings: string[]; ruleNames: string[] } {
  if (typeof source !== 'string' || !source.trim()) return { valid: false, errors: ['the rule source is empty'], warnings: [], ruleNames: [] };
  if (Buffer.byteLength(source, 'utf8') > MAX_SOURCE_BYTES) {
    return { valid: false, errors: [`the rule source exceeds ${MAX_SOURCE_BYTES} bytes`], warnings: [], ruleNames: [] };
  }
  let errors: string[];
  let warnings: string[];
  try {
    const result = yarax.validate(source, COMPILER_OPTIONS) as { errors: { message: string }[]; warnings: { message: string }[] };
    errors = result.errors.map((e) => e.message);
    warnings = result.warnings.map((w) => w.message);
  } catch (err) {
    errors = [err instanceof Error ? err.message : String(err)];
    warnings = [];
  }
  const ruleNames = declaredRuleNames(source);
  if (!errors.length && !ruleNames.length) errors.push('the rule source declares no rules');
  return { valid: errors.length === 0, errors, warnings, ruleNames };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Compiled sets by hash of namespace and source (bounded: admin sets come and go). */
const setCache = new Map<string, CompiledRuleSet>();
const MAX_CACHED_SETS = 64;
let combined: CompiledRules | undefined;

function compileSet(set: YaraRuleSet): CompiledRuleSet {
  const key = sha256(`${set.name}\u0000${set.source}`);
  const cached = setCache.get(key);
  if (cached) {
    setCache.delete(key);
    setCache.set(key, cached); // most recently used last
    return cached;
  }
  let compiled: CompiledRuleSet;
  try {
    const scanner = yarax.compile(set.source, COMPILER_OPTIONS) as unknown as Scanner;
    scanner.setMaxMatchesPerPattern(MAX_MATCHES_PER_PATTERN);
    compiled = { namespace: set.name, scanner, ruleNames: declaredRuleNames(set.source), warnings: scanner.getWarnings().map((w) => w.message.split('\n')[0]) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    compiled = { namespace: set.name, scanner: null, ruleNames: [], error: message.slice(0, 2000), warnings: [] };
  }
  setCache.set(key, compiled);
  while (setCache.size > MAX_CACHED_SETS) setCache.delete(setCache.keys().next().value!);
  return compiled;
}

/**
 * The bundled rules plus the given admin sets, compiled. The same sets (by content) return the same
 * object without compiling anything.
 */
export function compiledRules(adminSets: YaraRuleSet[] = []): CompiledRules {
  const admin = adminSets.map((s, i) => {
    const name = s.name?.trim() || `ruleset-${i + 1}`;
    return { name: name === BUNDLED_NAMESPACE ? `${name}-admin` : name, source: s.source ?? '' };
  });
  let bundledSet: YaraRuleSet | undefined;
  let bundledError: string | undefined;
  try {
    bundledSet = bundledRuleSet();
  } catch (err) {
    // A build without its rule files must say so on every report, not silently scan without them.
    bundledError = `the bundled rules could not be read from ${BUNDLED_RULES_DIR}: ${err instanceof Error ? err.message : String(err)}`;
  }
  const sets = bundledSet ? [bundledSet, ...admin] : admin;
  const key = sha256([bundledError ?? '', ...sets.map((s) => `${sha256(s.name)}:${sha256(s.source)}`)].join('|'));
  if (combined?.key === key) return combined;
  const compiled = sets.map(compileSet);
  if (bundledError) compiled.unshift({ namespace: BUNDLED_NAMESPACE, scanner: null, ruleNames: [], error: bundledError, warnings: [] });
  combined = { key, sets: compiled };
  return combined;
}

export type { RawRuleMatch };
