/** One rule of a YARA source, with the meta the catalogue shows. */
export interface YaraRuleInfo {
  name: string;
  tags: string[];
  meta: Record<string, string>;
}

/**
 * Lists the rules of a YARA source with their string and number meta. A small scanner rather than the
 * compiler: comments and string literals are skipped, so text inside them never looks like a rule.
 * It only reads declarations; whether the source compiles is YARA-X's business (checked at upload).
 */
export function yaraRules(source: string): YaraRuleInfo[] {
  // Blank out comments, keeping string literals (meta values live in them).
  const text = source.replace(/"(?:\\.|[^"\\\n])*"|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, (m) => (m.startsWith('"') ? m : ' '.repeat(m.length)));
  // For finding rule heads, string literals are blanked too (same length, so offsets agree).
  const code = text.replace(/"(?:\\.|[^"\\\n])*"/g, (m) => '"' + ' '.repeat(m.length - 2) + '"');
  const rules: YaraRuleInfo[] = [];
  const head = /\b(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]{0,127})\s*(?::\s*([A-Za-z0-9_\s]*?))?\s*\{/g;
  for (let m = head.exec(code); m; m = head.exec(code)) {
    const bodyStart = head.lastIndex;
    const end = code.indexOf('condition', bodyStart);
    const metaSection = /\bmeta\s*:([\s\S]*?)(?:\b(?:strings|condition)\s*:|$)/.exec(code.slice(bodyStart, end < 0 ? bodyStart + 20_000 : end + 10));
    const meta: Record<string, string> = {};
    if (metaSection) {
      const metaText = text.slice(bodyStart + metaSection.index, bodyStart + metaSection.index + metaSection[0].length);
      for (const kv of metaText.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:\\.|[^"\\\n])*"|-?\d+|true|false)/g)) {
        meta[kv[1]] = kv[2].startsWith('"') ? kv[2].slice(1, -1).replace(/\\(.)/g, '$1') : kv[2];
      }
    }
    rules.push({ name: m[1], tags: (m[2] ?? '').split(/\s+/).filter(Boolean), meta });
  }
  return rules;
}
