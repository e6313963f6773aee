/** Regions larger than this are measured on evenly spaced blocks of SAMPLE_BLOCK bytes adding up to it. */
export const ENTROPY_SAMPLE_LIMIT = 16 * 1024 * 1024;
const SAMPLE_BLOCK = 64 * 1024;

/** Shannon entropy of a whole file in bits per byte (0..8), exact, rounded to 4 decimals. */
export function entropy(data: Uint8Array): number {
  if (!data.length) return 0;
  const counts = new Uint32Array(1024);
  histogram(data, 0, data.length, counts);
  return Math.round(bits(counts, data.length) * 10000) / 10000;
}

/**
 * Shannon entropy (bits per byte, 0..8) of data[start, end), rounded to 3 decimals. Exact up to
 * ENTROPY_SAMPLE_LIMIT bytes; a larger region (a 200 MB installer's overlay) is measured on an
 * even sample of that size, which keeps the cost bounded and the value within a few hundredths.
 */
export function entropyOf(data: Uint8Array, start = 0, end = data.length): number {
  const from = Math.max(0, start);
  const to = Math.min(data.length, end);
  const n = to - from;
  if (n <= 0) return 0;
  const counts = new Uint32Array(1024);
  let total = 0;
  if (n <= ENTROPY_SAMPLE_LIMIT) {
    histogram(data, from, to, counts);
    total = n;
  } else {
    const blocks = ENTROPY_SAMPLE_LIMIT / SAMPLE_BLOCK;
    const stride = Math.floor((n - SAMPLE_BLOCK) / (blocks - 1));
    for (let b = 0; b < blocks; b++) {
      const at = from + b * stride;
      histogram(data, at, at + SAMPLE_BLOCK, counts);
      total += SAMPLE_BLOCK;
    }
  }
  return Math.round(bits(counts, total) * 1000) / 1000;
}

/** Entropy of the four interleaved histograms histogram() fills, over `total` bytes. */
function bits(counts: Uint32Array, total: number): number {
  let h = 0;
  for (let c = 0; c < 256; c++) {
    const k = counts[c] + counts[256 + c] + counts[512 + c] + counts[768 + c];
    if (k) {
      const p = k / total;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/**
 * Adds the bytes of data[from, to) to four interleaved histograms, fed from aligned 32-bit words (one
 * load per four bytes; four counters per byte value keep consecutive increments independent).
 */
function histogram(data: Uint8Array, from: number, to: number, counts: Uint32Array): void {
  let i = from;
  while (i < to && (data.byteOffset + i) % 4 !== 0) counts[data[i++]]++;
  const words = (to - i) >> 2;
  if (words > 0) {
    const u32 = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let k = 0; k < words; k++) {
      const w = u32[k];
      counts[w & 255]++;
      counts[256 + ((w >>> 8) & 255)]++;
      counts[512 + ((w >>> 16) & 255)]++;
      counts[768 + (w >>> 24)]++;
    }
    i += words * 4;
  }
  while (i < to) counts[data[i++]]++;
}
