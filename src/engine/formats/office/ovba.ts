/**
 * [MS-OVBA] 2.4.1 compression, decompression side: the run-length/LZ77 scheme in which VBA source
 * code, the `dir` stream and the `PROJECTwm` names of a VBA project are stored.
 *
 * A CompressedContainer is a signature byte 0x01 followed by chunks. Each chunk starts with a
 * 16-bit header: bits 0–11 the chunk size minus 3, bits 12–14 the signature 0b011, bit 15 set when
 * the chunk is compressed. An uncompressed chunk carries 4096 raw bytes. A compressed chunk is a run
 * of token sequences: a flag byte, then eight tokens, a literal byte where the flag bit is 0 and a
 * 16-bit copy token where it is 1. The copy token's split between offset and length bits depends on
 * how far into the chunk's decompressed output the token stands (at least 4 offset bits, up to 12).
 *
 * Hostile input: the output is bounded by `maxOutput`; a copy reaching before the chunk's start,
 * a bad chunk signature or a truncated chunk stops decompression with what was decoded so far and
 * an error message (VBA tools tolerate damaged streams the same way).
 */
export interface DecompressResult {
  data: Uint8Array;
  /** Output reached maxOutput: the rest was not decoded. */
  truncated: boolean;
  /** Why decoding stopped early, when it did. */
  error?: string;
}

const CHUNK = 4096;

export function decompressOvba(input: Uint8Array, maxOutput = 64 * 1024 * 1024): DecompressResult {
  if (!input.length || input[0] !== 0x01) return { data: new Uint8Array(0), truncated: false, error: 'not an MS-OVBA compressed container (signature byte is not 0x01)' };
  let o = 0;
  // Grown on demand (a 6-byte chunk may expand to 4096 bytes), never beyond maxOutput.
  let out = new Uint8Array(Math.min(maxOutput, input.length * 4 + CHUNK));
  const room = (need: number): boolean => {
    if (o + need <= out.length) return true;
    if (out.length >= maxOutput) return false;
    const grown = new Uint8Array(Math.min(maxOutput, Math.max(out.length * 2, o + need)));
    grown.set(out.subarray(0, o));
    out = grown;
    return o + need <= out.length;
  };
  let p = 1;
  let error: string | undefined;
  let truncated = false;

  outer: while (p < input.length) {
    if (p + 2 > input.length) {
      error = `truncated chunk header at offset ${p}`;
      break;
    }
    const header = input[p] | (input[p + 1] << 8);
    const size = (header & 0x0fff) + 3;
    if (((header >> 12) & 0x7) !== 0b011) {
      error = `bad chunk signature at offset ${p}`;
      break;
    }
    const compressed = (header & 0x8000) !== 0;
    const chunkEnd = Math.min(p + size, input.length);
    const chunkStart = o;
    p += 2;
    if (!compressed) {
      const n = Math.min(CHUNK, chunkEnd - p);
      if (!room(n)) {
        out.set(input.subarray(p, p + (out.length - o)), o);
        o = out.length;
        truncated = true;
        break;
      }
      out.set(input.subarray(p, p + n), o);
      o += n;
      p += n;
      if (n < CHUNK) {
        error = `truncated raw chunk at offset ${p}`;
        break;
      }
      continue;
    }
    while (p < chunkEnd) {
      const flags = input[p++];
      for (let bit = 0; bit < 8 && p < chunkEnd; bit++) {
        if ((flags & (1 << bit)) === 0) {
          if (!room(1)) {
            truncated = true;
            break outer;
          }
          out[o++] = input[p++];
          continue;
        }
        if (p + 2 > chunkEnd) {
          error = `truncated copy token at offset ${p}`;
          break outer;
        }
        const token = input[p] | (input[p + 1] << 8);
        p += 2;
        const difference = o - chunkStart;
        let bitCount = 4;
        while (1 << bitCount < difference) bitCount++;
        const lengthMask = 0xffff >> bitCount;
        const length = (token & lengthMask) + 3;
        const offset = (token >> (16 - bitCount)) + 1;
        if (offset > difference) {
          error = `copy token reaches before its chunk at offset ${p - 2}`;
          break outer;
        }
        const n = room(length) ? length : out.length - o;
        for (let k = 0; k < n; k++) {
          out[o] = out[o - offset];
          o++;
        }
        if (n < length) {
          truncated = true;
          break outer;
        }
      }
    }
    if (o - chunkStart > CHUNK) {
      error = `chunk at offset ${chunkEnd - size} decompresses beyond 4096 bytes`;
      break;
    }
  }
  return { data: out.subarray(0, o), truncated, ...(error ? { error } : {}) };
}
