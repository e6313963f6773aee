import { createHash } from 'node:crypto';

/** A malicious report as the YARA feed reads it. */
export interface YaraSource {
  id: string;
  flow_id: string;
  sha256: string | null;
  size: string | number;
  file_name: string;
  file_type: string;
  verdict: string;
  imphash: string | null;
  created_at: Date;
}

export interface GeneratedRules {
  text: string;
  hashRules: number;
  imphashRules: number;
  reports: number;
  sha256: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
const IMPHASH = /^[0-9a-f]{32}$/;
const MAX_META = 256;

/**
 * A YARA text string holding `value`: printable ASCII as is (quote and backslash escaped), every other
 * byte of its UTF-8 as `\xHH`, so that control characters, newlines or a hostile file name can never
 * end the string or the rule. Both YARA and YARA-X read these escapes.
 */
export function yaraString(value: string): string {
  const bytes = Buffer.from(value.length > MAX_META ? `${value.slice(0, MAX_META)}…` : value, 'utf8');
  let out = '"';
  for (const b of bytes) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/**
 * YARA rules for malicious reports, newest first:
 *
 * - one rule per file, named `sandbox_sha256_<sha256>` (names come from the digest, never from the
 *   sample's name, so they are always valid, unique identifiers): `filesize == N` first (cheap, so
 *   YARA hashes only files of the right size), then `hash.sha256(0, filesize)`;
 * - one rule per import hash of malicious PE files, `sandbox_imphash_<imphash>`, tagged `imphash`:
 *   broader (it matches rebuilt variants, and also anything sharing the import table), so consumers
 *   who want exact matches only can drop rules tagged `imphash`.
 *
 * Reports without a stored SHA-256 (unreachable URLs) give no rule.
 */
export function generateYaraRules(rows: YaraSource[], header: { title: string; baseUrl: string }): GeneratedRules {
  const hashRules: string[] = [];
  const imphashRules: string[] = [];
  const seenHashes = new Set<string>();
  const imphashes = new Map<string, { newest: YaraSource; count: number }>();
  let reports = 0;
  for (const row of rows) {
    const sha256 = row.sha256?.toLowerCase() ?? '';
    if (!SHA256.test(sha256)) continue;
    reports++;
    const imphash = row.imphash?.toLowerCase() ?? '';
    if (IMPHASH.test(imphash)) {
      const entry = imphashes.get(imphash);
      if (entry) entry.count++;
      else imphashes.set(imphash, { newest: row, count: 1 });
    }
    if (seenHashes.has(sha256)) continue;
    seenHashes.add(sha256);
    const size = Number(row.size);
    hashRules.push(
      [
        `rule sandbox_sha256_${sha256} : malicious`,
        '{',
        '    meta:',
        `        description = ${yaraString(`File of a ${row.verdict} sandbox report`)}`,
        `        report_id = ${yaraString(row.id)}`,
        `        flow_id = ${yaraString(row.flow_id)}`,
        `        verdict = ${yaraString(row.verdict)}`,
        `        sha256 = ${yaraString(sha256)}`,
        `        file_name = ${yaraString(row.file_name)}`,
        `        file_type = ${yaraString(row.file_type)}`,
        `        date = ${yaraString(row.created_at.toISOString())}`,
        `        reference = ${yaraString(`${header.baseUrl}/api/reports/${row.id}/${sha256}`)}`,
        '    condition:',
        `        ${Number.isSafeInteger(size) && size >= 0 ? `filesize == ${size} and ` : ''}hash.sha256(0, filesize) == "${sha256}"`,
        '}',
      ].join('\n'),
    );
  }
  for (const [imphash, { newest, count }] of imphashes) {
    imphashRules.push(
      [
        `rule sandbox_imphash_${imphash} : malicious imphash`,
        '{',
        '    meta:',
        `        description = ${yaraString(`PE import hash of ${count} malicious file report(s); may match variants and unrelated files sharing the import table`)}`,
        `        imphash = ${yaraString(imphash)}`,
        `        report_id = ${yaraString(newest.id)}`,
        `        sha256 = ${yaraString(newest.sha256 ?? '')}`,
        `        date = ${yaraString(newest.created_at.toISOString())}`,
        `        reports = ${count}`,
        '    condition:',
        `        pe.is_pe and pe.imphash() == "${imphash}"`,
        '}',
      ].join('\n'),
    );
  }
  const text =
    [
      `// ${header.title.replace(/[\r\n]/g, ' ')}`,
      // No generation time: the same reports give the same text (and the same ETag).
      `// ${hashRules.length} file rules, ${imphashRules.length} imphash rules; newest report ${rows[0]?.created_at.toISOString() ?? 'none'}.`,
      '',
      'import "hash"',
      'import "pe"',
      '',
      ...hashRules.flatMap((r) => [r, '']),
      ...imphashRules.flatMap((r) => [r, '']),
    ].join('\n');
  return { text, hashRules: hashRules.length, imphashRules: imphashRules.length, reports, sha256: createHash('sha256').update(text).digest('hex') };
}
