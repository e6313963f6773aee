import { MITRE_BY_ID } from '../signals/mitre';
import type { Analyzer, AnalyzerResult, AnalysisIssue, FileContext, SignalHit } from '../types';
import { Verdict } from '../types';
import { compiledRules, RawRuleMatch } from '../yara/yara-compiler';

/**
 * Scans a file with the bundled YARA rules and the admin-uploaded rule sets (EngineOptions.yaraRuleSets),
 * on the submitted file when `inputFileYara` is on and on extracted files when `extractedFilesYara` is.
 *
 * Each matching rule raises `yara.match` with the rule's own verdict, strength and description
 * (meta `verdict = "malicious" | "likely_malicious" | "suspicious" | "informational"`, default
 * suspicious; optional `strength` 0..1, `description`, `author`, `mitre = "T1059.001"`). The evidence
 * names the rule and the matched strings (identifier, offset, escaped preview), bounded.
 *
 * Facts: resources.yara = { matches: [{rule, namespace, tags, meta, strings}], ruleNames,
 * qualifiedRuleNames, rulesets }. `ruleNames` (the matched rules' names, deduplicated) is what the
 * worker stores as the report's yara_rules; `qualifiedRuleNames` are the same as "namespace:rule".
 */
const VERDICTS: Record<string, Verdict> = {
  malicious: Verdict.Malicious,
  likely_malicious: Verdict.LikelyMalicious,
  suspicious: Verdict.Suspicious,
  informational: Verdict.Informational,
  benign: Verdict.NoThreat,
  no_threat: Verdict.NoThreat,
};

const DEFAULT_STRENGTH: Partial<Record<Verdict, number>> = {
  [Verdict.Malicious]: 0.9,
  [Verdict.LikelyMalicious]: 0.8,
  [Verdict.Suspicious]: 0.7,
  [Verdict.Informational]: 0.3,
  [Verdict.NoThreat]: 0.1,
};

const MAX_MATCHES = 100;
const MAX_STRINGS_PER_MATCH = 20;
const MAX_EVIDENCE_STRINGS = 8;
const PREVIEW_BYTES = 48;
const MAX_META_VALUE = 500;
/**
 * Up to this size a file is scanned in this thread (`scan`, ~0.03 ms for a small file); larger ones on
 * libuv's pool (`scanAsync`, which builds a scanner per call: ~0.5 ms more, but this thread stays free
 * for the budget timer). YARA-X scans in time linear in the input, so a synchronous scan stays short.
 */
const SYNC_SCAN_MAX_BYTES = 1 << 20;

export interface YaraStringMatch {
  identifier: string;
  offset: number;
  length: number;
  preview: string;
}

export interface YaraMatchFact {
  rule: string;
  namespace: string;
  tags: string[];
  meta: Record<string, string | number | boolean>;
  strings: YaraStringMatch[];
  /** More string matches than kept. */
  stringsTruncated?: true;
}

export class YaraAnalyzer implements Analyzer {
  readonly name = 'yara';
  readonly budgetMs = 30_000;

  appliesTo(file: FileContext): boolean {
    if (!file.data.length) return false;
    return file.depth === 0 ? file.options.inputFileYara : file.options.extractedFilesYara;
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const rules = compiledRules(file.options.yaraRuleSets ?? []);
    const issues: AnalysisIssue[] = [];
    const buffer = Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength);
    const matches: { namespace: string; match: RawRuleMatch }[] = [];

    for (const set of rules.sets) {
      if (!set.scanner) {
        issues.push({ analyzer: this.name, kind: 'error', message: `YARA rule set "${set.namespace}" does not compile and was not run: ${firstLine(set.error)}` });
        continue;
      }
      if (file.signal.aborted) break;
      try {
        const found = buffer.length <= SYNC_SCAN_MAX_BYTES ? set.scanner.scan(buffer) : await set.scanner.scanAsync(buffer);
        for (const match of found) matches.push({ namespace: set.namespace, match });
      } catch (err) {
        issues.push({ analyzer: this.name, kind: 'error', message: `YARA rule set "${set.namespace}" failed: ${firstLine(err instanceof Error ? err.message : String(err))}` });
      }
    }

    const facts: YaraMatchFact[] = [];
    const signals: SignalHit[] = [];
    const tags = new Set<string>();
    for (const { namespace, match } of matches.slice(0, MAX_MATCHES)) {
      const meta = cleanMeta(match.meta);
      const strings = match.matches.slice(0, MAX_STRINGS_PER_MATCH).map((m) => ({
        identifier: m.identifier,
        offset: m.offset,
        length: m.length,
        preview: preview(file.data, m.offset, m.length),
      }));
      const fact: YaraMatchFact = { rule: match.ruleIdentifier, namespace, tags: match.tags, meta, strings };
      if (match.matches.length > strings.length) fact.stringsTruncated = true;
      facts.push(fact);
      for (const tag of match.tags) tags.add(tag.toLowerCase());
      signals.push(this.signal(fact, match.matches.length));
    }
    if (matches.length > MAX_MATCHES) issues.push({ analyzer: this.name, kind: 'limit', message: `${matches.length} rules matched; the first ${MAX_MATCHES} are reported` });

    return {
      facts: {
        yara: {
          matches: facts,
          ruleNames: [...new Set(facts.map((f) => f.rule))],
          qualifiedRuleNames: [...new Set(facts.map((f) => `${f.namespace}:${f.rule}`))],
          rulesets: rules.sets.map((s) => ({ namespace: s.namespace, rules: s.ruleNames.length, ...(s.error ? { error: firstLine(s.error) } : {}) })),
        },
      },
      signals,
      issues,
      tags: [...tags],
    };
  }

  private signal(fact: YaraMatchFact, stringCount: number): SignalHit {
    const declared = typeof fact.meta.verdict === 'string' ? VERDICTS[fact.meta.verdict.toLowerCase().replace(/[\s-]+/g, '_')] : undefined;
    const verdict = declared ?? Verdict.Suspicious;
    const strength = strengthOf(fact.meta.strength ?? fact.meta.score) ?? DEFAULT_STRENGTH[verdict] ?? 0.7;
    const evidence = [`rule ${fact.namespace}:${fact.rule}`];
    // Techniques the catalogue knows join the signal group's ATT&CK list; others stay as evidence only.
    const mitre = typeof fact.meta.mitre === 'string' ? fact.meta.mitre.split(/[\s,;]+/).filter(Boolean).slice(0, 5) : [];
    for (const id of mitre.filter((m) => !MITRE_BY_ID.has(m))) evidence.push(`ATT&CK ${id} (not in the engine's catalogue)`);
    for (const s of fact.strings.slice(0, MAX_EVIDENCE_STRINGS)) evidence.push(`${s.identifier} at 0x${s.offset.toString(16)} (${s.length} bytes): ${s.preview}`);
    if (stringCount > MAX_EVIDENCE_STRINGS) evidence.push(`… ${stringCount - MAX_EVIDENCE_STRINGS} more string matches`);
    const description = typeof fact.meta.description === 'string' && fact.meta.description ? fact.meta.description : 'Matched a YARA rule';
    return { id: 'yara.match', evidence, verdict, strength, description: `${description} (YARA rule ${fact.rule})`, mitre: mitre.filter((m) => MITRE_BY_ID.has(m)) };
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? 'unknown error').split('\n').slice(0, 2).join(' ').slice(0, 300);
}

function cleanMeta(meta: Record<string, unknown> | undefined): Record<string, string | number | boolean> {
  const clean: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(meta ?? {}).slice(0, 32)) {
    if (typeof value === 'string') clean[key] = escapeText(value).slice(0, MAX_META_VALUE);
    else if (typeof value === 'number' || typeof value === 'boolean') clean[key] = value;
  }
  return clean;
}

/** Accepts 0..1 or 0..100. */
function strengthOf(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) return undefined;
  return n <= 1 ? n : n <= 100 ? n / 100 : undefined;
}

// eslint-disable-next-line no-control-regex
const escapeText = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** The matched bytes, printable ASCII kept and the rest as \xNN, at most PREVIEW_BYTES of them. */
function preview(data: Uint8Array, offset: number, length: number): string {
  const end = Math.min(data.length, offset + Math.min(length, PREVIEW_BYTES));
  let out = '';
  for (let i = offset; i < end; i++) {
    const c = data[i];
    out += c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : c === 0x5c ? '\\\\' : `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return length > PREVIEW_BYTES ? `${out}…` : out;
}
