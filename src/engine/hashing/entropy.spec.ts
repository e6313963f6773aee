import { seededBytes } from '../testing/samples';
import { ENTROPY_SAMPLE_LIMIT, entropy, entropyOf } from './entropy';

/** Shannon entropy computed the plain way, one counter per byte value. */
function reference(data: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const b of data) counts[b]++;
  return counts.reduce((h, c) => (c ? h - (c / data.length) * Math.log2(c / data.length) : h), 0);
}

describe('entropy', () => {
  it('is 0 for all zeros and for an empty input', () => {
    expect(entropy(new Uint8Array(4096))).toBe(0);
    expect(entropy(new Uint8Array(0))).toBe(0);
  });

  it('is 8 for 0..255 repeated', () => {
    expect(entropy(Uint8Array.from({ length: 256 * 64 }, (_, i) => i & 0xff))).toBe(8);
  });

  it('is 1 for two equally frequent byte values', () => {
    expect(entropy(Uint8Array.from({ length: 1000 }, (_, i) => (i % 2 ? 0x41 : 0x42)))).toBe(1);
  });

  it('equals the plain computation on views that start and end off a 4-byte boundary', () => {
    const bytes = Uint8Array.from(seededBytes(10_007, 3), (b, i) => (i % 3 ? b & 0x0f : b));
    for (const [start, end] of [[0, 10_007], [1, 10_006], [2, 9_001], [3, 5]]) {
      const view = bytes.subarray(start, end);
      expect(entropy(view)).toBeCloseTo(reference(view), 4);
      expect(entropyOf(bytes, start, end)).toBeCloseTo(reference(view), 3);
    }
  });
});

describe('entropyOf', () => {
  it('is 0 for an empty or inverted range and clamps the range to the data', () => {
    const bytes = seededBytes(1000, 5);
    expect(entropyOf(bytes, 10, 10)).toBe(0);
    expect(entropyOf(bytes, 20, 10)).toBe(0);
    expect(entropyOf(bytes, -50, 5000)).toBe(entropyOf(bytes));
  });

  it('measures a region above the sample limit on a sample: two halves of 0x00 and 0..255 give about 4 bits', () => {
    const big = new Uint8Array(ENTROPY_SAMPLE_LIMIT * 2);
    for (let i = ENTROPY_SAMPLE_LIMIT; i < big.length; i++) big[i] = i & 0xff;
    const h = entropyOf(big);
    // Exact would be 1 + 8/2 = 5 bits; the even sample sees both halves alike.
    expect(h).toBeGreaterThan(4.9);
    expect(h).toBeLessThan(5.1);
  });
});
