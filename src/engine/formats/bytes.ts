/**
 * Little-endian (and one big-endian) unsigned reads from hostile bytes that never throw: a field
 * running past the end reads as -1, a value no unsigned field holds, so a check against a magic
 * number or a bound fails as it should.
 */
export const u16 = (b: Uint8Array, o: number): number => (o >= 0 && o + 2 <= b.length ? b[o] | (b[o + 1] << 8) : -1);
export const u32 = (b: Uint8Array, o: number): number => (o >= 0 && o + 4 <= b.length ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : -1);
export const u32be = (b: Uint8Array, o: number): number => (o >= 0 && o + 4 <= b.length ? ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0 : -1);
