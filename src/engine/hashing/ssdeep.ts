/**
 * ssdeep (context-triggered piecewise hashing), byte-for-byte compatible with ssdeep 2.14's
 * fuzzy_hash_buf: all block sizes are tracked in one pass, the last digest character keeps being
 * replaced once a part is full, and the trailing character follows fuzzy_digest's rules.
 * State lives in typed arrays; the per-byte loop does no allocation.
 */
const ROLLING_WINDOW = 7;
const MIN_BLOCKSIZE = 3;
const SPAMSUM_LENGTH = 64;
const NUM_BLOCKHASHES = 31;
const HASH_INIT = 0x27; // 0x28021967 & 0x3f: only the low 6 bits of the FNV-style hash matter
const HASH_PRIME = 0x01000193;
const B64 = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', (c) => c.charCodeAt(0));

/** SUM_TABLE[h * 64 + (c & 63)]: the 6-bit FNV step. */
const SUM_TABLE = new Uint8Array(64 * 64);
for (let h = 0; h < 64; h++) for (let c = 0; c < 64; c++) SUM_TABLE[h * 64 + c] = (Math.imul(h, HASH_PRIME) ^ c) & 0x3f;

const BLOCK_SIZE = Float64Array.from({ length: NUM_BLOCKHASHES }, (_, i) => MIN_BLOCKSIZE * 2 ** i);
/** Block size i is 3·2^i, so `roll % size == 0` is `roll % 3 == 0 && (roll / 3) & (2^i - 1) == 0`: small-integer tests. */
const LOW_BITS = Int32Array.from({ length: NUM_BLOCKHASHES }, (_, i) => 2 ** i - 1);

export function ssdeep(data: Uint8Array): string {
  const total = data.length;
  const window = new Uint8Array(ROLLING_WINDOW);
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let n = 0;

  const h = new Uint8Array(NUM_BLOCKHASHES);
  const halfh = new Uint8Array(NUM_BLOCKHASHES);
  const halfdigest = new Uint8Array(NUM_BLOCKHASHES); // 0 = none
  const dlen = new Int32Array(NUM_BLOCKHASHES);
  // digest[i * 64 + k]; position dlen[i] may hold the provisional last character (0 = none).
  const digest = new Uint8Array(NUM_BLOCKHASHES * SPAMSUM_LENGTH);
  h[0] = HASH_INIT;
  halfh[0] = HASH_INIT;
  let bhstart = 0;
  let bhend = 1;

  for (let p = 0; p < total; p++) {
    const c = data[p];
    // Rolling hash over the last 7 bytes. Kept in int32 (same bits as ssdeep's uint32) so that V8
    // never boxes it; the unsigned value is only needed modulo 3 and 2^i, done below without it.
    h2 = (h2 - h1 + ROLLING_WINDOW * c) | 0;
    h1 = (h1 + c - window[n]) | 0;
    window[n] = c;
    n = n === ROLLING_WINDOW - 1 ? 0 : n + 1;
    h3 = (h3 << 5) ^ c;
    const roll = (h1 + h2 + h3 + 1) | 0;

    const c6 = c & 0x3f;
    for (let i = bhstart; i < bhend; i++) {
      h[i] = SUM_TABLE[h[i] * 64 + c6];
      halfh[i] = SUM_TABLE[halfh[i] * 64 + c6];
    }
    // unsigned(roll) % 3, using 2^16 ≡ 1 (mod 3)
    if (((roll >>> 16) + (roll & 0xffff)) % 3 !== 0) continue;
    // unsigned(roll) / 3 modulo 2^32 (exact, roll being a multiple of 3): multiply by 3's inverse.
    const third = Math.imul(roll, 0xaaaaaaab);
    for (let i = bhstart; i < bhend; i++) {
      if ((third & LOW_BITS[i]) !== 0) break;
      if (dlen[i] === 0 && bhend < NUM_BLOCKHASHES) {
        // First trigger at this size: start tracking the next larger block size.
        h[bhend] = h[bhend - 1];
        halfh[bhend] = halfh[bhend - 1];
        bhend++;
      }
      const base = i * SPAMSUM_LENGTH;
      digest[base + dlen[i]] = B64[h[i]];
      halfdigest[i] = B64[halfh[i]];
      if (dlen[i] < SPAMSUM_LENGTH - 1) {
        dlen[i]++;
        digest[base + dlen[i]] = 0;
        h[i] = HASH_INIT;
        if (dlen[i] < SPAMSUM_LENGTH / 2) {
          halfh[i] = HASH_INIT;
          halfdigest[i] = 0;
        }
      } else if (bhend - bhstart >= 2 && BLOCK_SIZE[bhstart] * SPAMSUM_LENGTH < total && dlen[bhstart + 1] >= SPAMSUM_LENGTH / 2) {
        bhstart++; // the smallest block size can no longer be chosen
      }
    }
  }

  const rollSum = (h1 + h2 + h3) | 0;
  let bi = bhstart;
  while (BLOCK_SIZE[bi] * SPAMSUM_LENGTH < total) bi++;
  while (bi >= bhend) bi--;
  while (bi > bhstart && dlen[bi] < SPAMSUM_LENGTH / 2) bi--;

  const text = (i: number, len: number) => String.fromCharCode(...digest.subarray(i * SPAMSUM_LENGTH, i * SPAMSUM_LENGTH + len));
  let first = text(bi, dlen[bi]);
  if (rollSum !== 0) first += String.fromCharCode(B64[h[bi]]);
  else if (digest[bi * SPAMSUM_LENGTH + dlen[bi]]) first += String.fromCharCode(digest[bi * SPAMSUM_LENGTH + dlen[bi]]);

  let second = '';
  if (bi < bhend - 1) {
    const j = bi + 1;
    second = text(j, Math.min(dlen[j], SPAMSUM_LENGTH / 2 - 1));
    if (rollSum !== 0) second += String.fromCharCode(B64[halfh[j]]);
    else if (halfdigest[j]) second += String.fromCharCode(halfdigest[j]);
  } else if (rollSum !== 0) {
    second = String.fromCharCode(B64[h[bi]]);
  }
  return `${BLOCK_SIZE[bi]}:${first}:${second}`;
}
