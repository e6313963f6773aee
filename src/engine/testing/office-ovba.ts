/**
 * [MS-OVBA] 2.4.1.3 compression, for tests: the spec's algorithm as written (greedy longest match
 * searched backwards within the chunk, nearest candidate on ties; a chunk that does not shrink is
 * stored raw). Used to build VBA projects at test time; the engine only decompresses.
 */
const CHUNK = 4096;

function copyTokenHelp(difference: number): { bitCount: number; maximumLength: number } {
  let bitCount = 4;
  while (1 << bitCount < difference) bitCount++;
  return { bitCount, maximumLength: (0xffff >> bitCount) + 3 };
}

export function compressOvba(input: Uint8Array | string): Uint8Array {
  const data = typeof input === 'string' ? new Uint8Array(Buffer.from(input, 'latin1')) : input;
  const out: number[] = [0x01];
  let current = 0;
  while (current < data.length) {
    const chunkStart = current;
    const end = Math.min(chunkStart + CHUNK, data.length);
    const headerAt = out.length;
    out.push(0, 0);
    const compressedEnd = headerAt + CHUNK + 2; // a compressed chunk may hold at most 4098 bytes with its header
    while (current < end && out.length < compressedEnd) {
      const flagAt = out.length;
      out.push(0);
      let flags = 0;
      for (let i = 0; i < 8 && current < end && out.length < compressedEnd; i++) {
        // Matching: the longest earlier run in this chunk, the nearest one on ties.
        let bestLength = 0;
        let bestCandidate = 0;
        for (let candidate = current - 1; candidate >= chunkStart; candidate--) {
          let length = 0;
          while (current + length < end && data[candidate + length] === data[current + length]) length++;
          if (length > bestLength) {
            bestLength = length;
            bestCandidate = candidate;
          }
        }
        if (bestLength >= 3) {
          const { bitCount, maximumLength } = copyTokenHelp(current - chunkStart);
          const length = Math.min(bestLength, maximumLength);
          const offset = current - bestCandidate;
          if (out.length + 1 < compressedEnd) {
            const token = ((offset - 1) << (16 - bitCount)) | (length - 3);
            out.push(token & 0xff, token >> 8);
            flags |= 1 << i;
            current += length;
          } else {
            out.length = compressedEnd;
          }
        } else if (out.length < compressedEnd) {
          out.push(data[current++]);
        } else {
          out.length = compressedEnd;
        }
      }
      out[flagAt] = flags;
    }
    if (current < end) {
      // Did not fit: store the chunk raw, 4096 bytes padded with zeros.
      out.length = headerAt;
      const header = (CHUNK + 2 - 3) | (0b011 << 12);
      out.push(header & 0xff, header >> 8);
      for (let k = 0; k < CHUNK; k++) out.push(chunkStart + k < end ? data[chunkStart + k] : 0);
      current = end;
    } else {
      const size = out.length - headerAt;
      const header = (size - 3) | (0b011 << 12) | 0x8000;
      out[headerAt] = header & 0xff;
      out[headerAt + 1] = header >> 8;
    }
  }
  return new Uint8Array(out);
}
