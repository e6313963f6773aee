/**
 * ssdeep (context-triggered piecewise hashing), byte-for-byte compatible with ssdeep 2.14's
 * fuzzy_hash_buf: all block sizes are tracked in one pass, the last digest character keeps being
 * replaced once a part is full, and the trailing character follows fuzzy_digest's rules.
 * State lives in typed arrays; the per-byte loop does no allocation.
 *
 * Only the low 6 bits of ssdeep's FNV-style hash reach the digest, and (h · 0x01000193) mod 64 is
 * (h · 19) mod 64. So each block size keeps its hash and its half-digest hash in one int32, the
 * first in bits 0-5 and the second in bits 16-21, and one multiply, xor and mask step both.
 */
const ROLLING_WINDOW = 7;
const MIN_BLOCKSIZE = 3;
const SPAMSUM_LENGTH = 64;
const NUM_BLOCKHASHES = 31;
const HASH_INIT = 0x27; // 0x28021967 & 0x3f: only the low 6 bits of the FNV-style hash matter
const PRIME_LOW = 0x01000193 & 0x3f; // 19
const LANES = 0x3f003f;
const INIT_BOTH = HASH_INIT | (HASH_INIT << 16);
const B64 = Uint8Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', (c) => c.charCodeAt(0));

const BLOCK_SIZE = Float64Array.from({ length: NUM_BLOCKHASHES }, (_, i) => MIN_BLOCKSIZE * 2 ** i);
/** Block size i is 3·2^i, so `roll % size == 0` is `roll % 3 == 0 && (roll / 3) & (2^i - 1) == 0`: small-integer tests. */
const LOW_BITS = Int32Array.from({ length: NUM_BLOCKHASHES }, (_, i) => 2 ** i - 1);

export function ssdeep(data: Uint8Array): string {
  const total = data.length;
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;

  // hashes[i] = h | halfh << 16 (see above)
  const hashes = new Int32Array(NUM_BLOCKHASHES);
  const halfdigest = new Uint8Array(NUM_BLOCKHASHES); // 0 = none
  const dlen = new Int32Array(NUM_BLOCKHASHES);
  // digest[i * 64 + k]; position dlen[i] may hold the provisional last character (0 = none).
  const digest = new Uint8Array(NUM_BLOCKHASHES * SPAMSUM_LENGTH);
  hashes[0] = INIT_BOTH;
  let bhstart = 0;
  let bhend = 1;
  // The digest uses a block size no larger than the first whose 64 parts cover the input, and the next
  // one up: larger ones are never read, so they are not tracked (ssdeep tracks them; the output is the same).
  let bhlimit = 0;
  while (bhlimit < NUM_BLOCKHASHES - 1 && BLOCK_SIZE[bhlimit] * SPAMSUM_LENGTH < total) bhlimit++;
  bhlimit = Math.min(NUM_BLOCKHASHES, bhlimit + 2);

  for (let p = 0; p < total; p++) {
    const c = data[p];
    // Rolling hash over the last 7 bytes (the byte leaving the window is read from the input). Kept
    // in int32 (same bits as ssdeep's uint32) so that V8 never boxes it; the unsigned value is only
    // needed modulo 3 and 2^i, done below without it.
    h2 = (h2 - h1 + ROLLING_WINDOW * c) | 0;
    h1 = (h1 + c - (p >= ROLLING_WINDOW ? data[p - ROLLING_WINDOW] : 0)) | 0;
    h3 = (h3 << 5) ^ c;
    const roll = (h1 + h2 + h3 + 1) | 0;

    const cc = (c & 0x3f) * 0x10001;
    for (let i = bhstart; i < bhend; i++) hashes[i] = (Math.imul(hashes[i], PRIME_LOW) ^ cc) & LANES;
    // unsigned(roll) % 3, using 2^16 ≡ 1 (mod 3)
    if (((roll >>> 16) + (roll & 0xffff)) % 3 !== 0) continue;
    // unsigned(roll) / 3 modulo 2^32 (exact, roll being a multiple of 3): multiply by 3's inverse.
    const third = Math.imul(roll, 0xaaaaaaab);
    for (let i = bhstart; i < bhend; i++) {
      if ((third & LOW_BITS[i]) !== 0) break;
      if (dlen[i] === 0 && bhend < bhlimit) {
        // First trigger at this size: start tracking the next larger block size.
        hashes[bhend] = hashes[bhend - 1];
        bhend++;
      }
      const base = i * SPAMSUM_LENGTH;
      digest[base + dlen[i]] = B64[hashes[i] & 0x3f];
      halfdigest[i] = B64[hashes[i] >>> 16];
      if (dlen[i] < SPAMSUM_LENGTH - 1) {
        dlen[i]++;
        digest[base + dlen[i]] = 0;
        if (dlen[i] < SPAMSUM_LENGTH / 2) {
          hashes[i] = INIT_BOTH;
          halfdigest[i] = 0;
        } else {
          hashes[i] = (hashes[i] & 0x3f0000) | HASH_INIT;
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
  if (rollSum !== 0) first += String.fromCharCode(B64[hashes[bi] & 0x3f]);
  else if (digest[bi * SPAMSUM_LENGTH + dlen[bi]]) first += String.fromCharCode(digest[bi * SPAMSUM_LENGTH + dlen[bi]]);

  let second = '';
  if (bi < bhend - 1) {
    const j = bi + 1;
    second = text(j, Math.min(dlen[j], SPAMSUM_LENGTH / 2 - 1));
    if (rollSum !== 0) second += String.fromCharCode(B64[hashes[j] >>> 16]);
    else if (halfdigest[j]) second += String.fromCharCode(halfdigest[j]);
  } else if (rollSum !== 0) {
    second = String.fromCharCode(B64[hashes[bi] & 0x3f]);
  }
  return `${BLOCK_SIZE[bi]}:${first}:${second}`;
}
