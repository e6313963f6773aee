/**
 * Comparing fuzzy hashes: ssdeep's `fuzzy_compare` (ssdeep 2.14, score 0..100, higher is closer)
 * and TLSH's distance (TLSH 3.x `totalDiff` with the length term, 0 = identical, lower is closer).
 * Both reproduce the reference implementations' integer arithmetic exactly, so a score here is the
 * score `ssdeep -m` or `tlsh -c` prints for the same two hashes.
 */

const ROLLING_WINDOW = 7;
const MIN_BLOCKSIZE = 3;
const SPAMSUM_LENGTH = 64;

export interface ParsedSsdeep {
  blockSize: number;
  /** Both parts with runs of more than three equal characters cut to three (what ssdeep compares). */
  part1: string;
  part2: string;
}

const SSDEEP = /^(\d{1,12}):([A-Za-z0-9+/]*):([A-Za-z0-9+/]*)(?:,.*)?$/s;

/** ssdeep's `copy_eliminate_sequences`: a run of one character is kept to three. */
export const eliminateSequences = (part: string): string => part.replace(/(.)\1{3,}/g, '$1$1$1');

export function parseSsdeep(hash: string): ParsedSsdeep | null {
  const m = SSDEEP.exec(hash.trim());
  if (!m) return null;
  return { blockSize: Number(m[1]), part1: eliminateSequences(m[2]).slice(0, SPAMSUM_LENGTH), part2: eliminateSequences(m[3]).slice(0, SPAMSUM_LENGTH) };
}

/**
 * The (block size, 7-gram) pairs a hash can share with another it scores above 0 against: ssdeep
 * scores two parts only when they share a 7-character substring, and compares part 1 at the block
 * size and part 2 at twice it. The candidate index (`report_ssdeep_grams`, filled by the SQL
 * function `ssdeep_grams()` of the same definition) holds these pairs.
 */
export function ssdeepGrams(hash: string): { blockSize: number; gram: string }[] {
  const parsed = parseSsdeep(hash);
  if (!parsed) return [];
  const grams = new Map<string, { blockSize: number; gram: string }>();
  for (const [blockSize, part] of [[parsed.blockSize, parsed.part1], [parsed.blockSize * 2, parsed.part2]] as const) {
    for (let i = 0; i + ROLLING_WINDOW <= part.length; i++) {
      const gram = part.slice(i, i + ROLLING_WINDOW);
      grams.set(`${blockSize}:${gram}`, { blockSize, gram });
    }
  }
  return [...grams.values()];
}

function hasCommonSubstring(a: string, b: string): boolean {
  if (a.length < ROLLING_WINDOW || b.length < ROLLING_WINDOW) return false;
  const grams = new Set<string>();
  for (let i = 0; i + ROLLING_WINDOW <= a.length; i++) grams.add(a.slice(i, i + ROLLING_WINDOW));
  for (let i = 0; i + ROLLING_WINDOW <= b.length; i++) if (grams.has(b.slice(i, i + ROLLING_WINDOW))) return true;
  return false;
}

/** ssdeep 2.14's `edit_distn`: insertions and deletions cost 1, a substitution 2. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  let cur = new Array<number>(b.length + 1);
  for (let i = 0; i < a.length; i++) {
    cur[0] = i + 1;
    for (let j = 0; j < b.length; j++) {
      cur[j + 1] = Math.min(prev[j + 1] + 1, cur[j] + 1, prev[j] + (a[i] === b[j] ? 0 : 2));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

function scoreStrings(a: string, b: string, blockSize: number): number {
  if (a.length > SPAMSUM_LENGTH || b.length > SPAMSUM_LENGTH) return 0;
  if (!hasCommonSubstring(a, b)) return 0;
  let score = editDistance(a, b);
  score = Math.floor((score * SPAMSUM_LENGTH) / (a.length + b.length));
  score = Math.floor((100 * score) / SPAMSUM_LENGTH);
  if (score >= 100) return 0;
  score = 100 - score;
  // Small block sizes: short hashes cannot claim high similarity (ssdeep's cap).
  if (blockSize >= Math.floor((99 + ROLLING_WINDOW) / ROLLING_WINDOW) * MIN_BLOCKSIZE) return score;
  return Math.min(score, Math.floor(blockSize / MIN_BLOCKSIZE) * Math.min(a.length, b.length));
}

/** ssdeep's `fuzzy_compare`: 0..100, or null when a hash is malformed. */
export function ssdeepCompare(hash1: string, hash2: string): number | null {
  const a = parseSsdeep(hash1);
  const b = parseSsdeep(hash2);
  if (!a || !b) return null;
  if (a.blockSize !== b.blockSize && a.blockSize * 2 !== b.blockSize && (a.blockSize % 2 === 1 || a.blockSize / 2 !== b.blockSize)) return 0;
  if (a.blockSize === b.blockSize && a.part1 === b.part1 && a.part2 === b.part2) return 100;
  if (a.blockSize === b.blockSize) return Math.max(scoreStrings(a.part1, b.part1, a.blockSize), scoreStrings(a.part2, b.part2, a.blockSize * 2));
  if (a.blockSize * 2 === b.blockSize) return scoreStrings(b.part1, a.part2, b.blockSize);
  return scoreStrings(a.part1, b.part2, a.blockSize);
}

// ---------------------------------------------------------------- TLSH

const TLSH = /^(?:T1)?([0-9A-Fa-f]{70})$/;

interface ParsedTlsh {
  checksum: number;
  lValue: number;
  q1: number;
  q2: number;
  body: Uint8Array;
}

const swapNibbles = (b: number) => ((b & 0x0f) << 4) | ((b & 0xf0) >> 4);

function parseTlsh(hash: string): ParsedTlsh | null {
  const m = TLSH.exec(hash.trim());
  if (!m) return null;
  const bytes = Buffer.from(m[1], 'hex');
  const q = swapNibbles(bytes[2]);
  return { checksum: swapNibbles(bytes[0]), lValue: swapNibbles(bytes[1]), q1: q & 0x0f, q2: q >> 4, body: bytes.subarray(3) };
}

const modDiff = (x: number, y: number, range: number) => {
  const d = Math.abs(x - y);
  return Math.min(d, range - d);
};

/** Per byte of the body: the summed distance of its four 2-bit bucket codes (a difference of 3 counts 6). */
const BYTE_DIFF = (() => {
  const table = new Uint8Array(256 * 256);
  for (let x = 0; x < 256; x++) {
    for (let y = 0; y < 256; y++) {
      let d = 0;
      for (let k = 0; k < 8; k += 2) {
        const diff = Math.abs(((x >> k) & 3) - ((y >> k) & 3));
        d += diff === 3 ? 6 : diff;
      }
      table[x * 256 + y] = d;
    }
  }
  return table;
})();

/** TLSH distance (with the file-length term), or null when a hash is malformed. Accepts the "T1" form and the bare 70 hex digits. */
export function tlshDistance(hash1: string, hash2: string): number | null {
  const a = parseTlsh(hash1);
  const b = parseTlsh(hash2);
  if (!a || !b) return null;
  let diff = 0;
  const ldiff = modDiff(a.lValue, b.lValue, 256);
  diff += ldiff <= 1 ? ldiff : ldiff * 12;
  const q1diff = modDiff(a.q1, b.q1, 16);
  diff += q1diff <= 1 ? q1diff : (q1diff - 1) * 12;
  const q2diff = modDiff(a.q2, b.q2, 16);
  diff += q2diff <= 1 ? q2diff : (q2diff - 1) * 12;
  if (a.checksum !== b.checksum) diff += 1;
  for (let i = 0; i < a.body.length; i++) diff += BYTE_DIFF[a.body[i] * 256 + b.body[i]];
  return diff;
}

/**
 * The candidate keys of a TLSH hash: its 32-byte body cut into 16 groups of 2 bytes, each key
 * `group << 16 | the two bytes`. Two hashes sharing no group differ in at least 16 body bytes;
 * in practice near-identical files (distance < 60) share several. The SQL function `tlsh_grams()`
 * computes the same keys for the index `report_tlsh_grams`.
 */
export function tlshGrams(hash: string): number[] {
  const m = TLSH.exec(hash.trim());
  if (!m) return [];
  const body = m[1].slice(6).toUpperCase();
  return Array.from({ length: 16 }, (_, g) => (g << 16) | parseInt(body.slice(g * 4, g * 4 + 4), 16));
}
