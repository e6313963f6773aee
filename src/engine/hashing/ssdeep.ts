/**
 * ssdeep (context-triggered piecewise hashing), byte-for-byte compatible with ssdeep 2.14's
 * fuzzy_hash_buf: all block sizes are tracked in one pass, the last digest character keeps being
 * replaced once a part is full, and the trailing character follows fuzzy_digest's rules.
 */
const ROLLING_WINDOW = 7;
const MIN_BLOCKSIZE = 3;
const SPAMSUM_LENGTH = 64;
const NUM_BLOCKHASHES = 31;
const HASH_INIT = 0x27; // 0x28021967 & 0x3f: only the low 6 bits of the FNV-style hash matter
const HASH_PRIME = 0x01000193;
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

const SUM_TABLE: Uint8Array[] = Array.from({ length: 64 }, (_, h) =>
  Uint8Array.from({ length: 64 }, (_, c) => (Math.imul(h, HASH_PRIME) ^ c) & 0x3f),
);

const blockSize = (i: number) => MIN_BLOCKSIZE * 2 ** i;

interface BlockHash {
  h: number;
  halfh: number;
  digest: number[];
  halfdigest: number; // 0 = none
  /** Length of the digest; digest[dlen] may hold the provisional last character. */
  dlen: number;
}

export function ssdeep(data: Uint8Array): string {
  const total = data.length;
  const window = new Uint8Array(ROLLING_WINDOW);
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let n = 0;
  const bh: BlockHash[] = [{ h: HASH_INIT, halfh: HASH_INIT, digest: [], halfdigest: 0, dlen: 0 }];
  let bhstart = 0;
  let bhend = 1;

  for (let p = 0; p < total; p++) {
    const c = data[p];
    // Rolling hash over the last 7 bytes (uint32 arithmetic).
    h2 = (h2 - h1 + ROLLING_WINDOW * c) >>> 0;
    h1 = (h1 + c - window[n % ROLLING_WINDOW]) >>> 0;
    window[n % ROLLING_WINDOW] = c;
    n++;
    h3 = ((h3 << 5) ^ c) >>> 0;
    const h = (h1 + h2 + h3 + 1) >>> 0;

    const c6 = c & 0x3f;
    for (let i = bhstart; i < bhend; i++) {
      bh[i].h = SUM_TABLE[bh[i].h][c6];
      bh[i].halfh = SUM_TABLE[bh[i].halfh][c6];
    }
    for (let i = bhstart; i < bhend; i++) {
      if (h % blockSize(i) !== 0) break;
      const b = bh[i];
      if (b.dlen === 0 && bhend < NUM_BLOCKHASHES) {
        // First trigger at this size: start tracking the next larger block size.
        const last = bh[bhend - 1];
        bh[bhend] = { h: last.h, halfh: last.halfh, digest: [], halfdigest: 0, dlen: 0 };
        bhend++;
      }
      b.digest[b.dlen] = B64.charCodeAt(b.h);
      b.halfdigest = B64.charCodeAt(b.halfh);
      if (b.dlen < SPAMSUM_LENGTH - 1) {
        b.dlen++;
        b.digest.length = b.dlen;
        b.h = HASH_INIT;
        if (b.dlen < SPAMSUM_LENGTH / 2) {
          b.halfh = HASH_INIT;
          b.halfdigest = 0;
        }
      } else if (
        bhend - bhstart >= 2 &&
        blockSize(bhstart) * SPAMSUM_LENGTH < total &&
        bh[bhstart + 1].dlen >= SPAMSUM_LENGTH / 2
      ) {
        bhstart++; // the smallest block size can no longer be chosen
      }
    }
  }

  const rollSum = (h1 + h2 + h3) >>> 0;
  let bi = bhstart;
  while (blockSize(bi) * SPAMSUM_LENGTH < total) bi++;
  while (bi >= bhend) bi--;
  while (bi > bhstart && bh[bi].dlen < SPAMSUM_LENGTH / 2) bi--;

  const part = (b: BlockHash, len: number) => String.fromCharCode(...b.digest.slice(0, len));
  let first = part(bh[bi], bh[bi].dlen);
  if (rollSum !== 0) first += B64[bh[bi].h];
  else if (bh[bi].digest[bh[bi].dlen] !== undefined) first += String.fromCharCode(bh[bi].digest[bh[bi].dlen]);

  let second = '';
  if (bi < bhend - 1) {
    const b = bh[bi + 1];
    second = part(b, Math.min(b.dlen, SPAMSUM_LENGTH / 2 - 1));
    if (rollSum !== 0) second += B64[b.halfh];
    else if (b.halfdigest) second += String.fromCharCode(b.halfdigest);
  } else if (rollSum !== 0) {
    second = B64[bh[bi].h];
  }
  return `${blockSize(bi)}:${first}:${second}`;
}
