import { zipArchive } from './zip-writer';
/**
 * Deterministic test material built at test time: seeded random bytes, a minimal ZIP writer (stored
 * entries) for OOXML and archive fixtures, and a minimal PE header. Nothing here is malware.
 */

/** Seeded pseudo-random bytes (mulberry32): the same seed gives the same bytes on every run. */
export function seededBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** A ZIP archive of stored (uncompressed) entries, with a valid central directory. */
export function buildZip(entries: { name: string; data: Uint8Array | string }[]): Uint8Array {
  return zipArchive(entries.map(({ name, data }) => ({ name, data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data })));
}

/** The smallest PE32 header identify() reads: MZ, e_lfanew, PE signature, file and optional headers. */
export function minimalPe({ dll = false, size = 512 }: { dll?: boolean; size?: number } = {}): Uint8Array {
  const b = Buffer.alloc(Math.max(size, 0x200));
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x14c, 0x84); // i386
  b.writeUInt16LE(1, 0x86); // one section
  b.writeUInt16LE(0xe0, 0x94); // optional header size
  b.writeUInt16LE(dll ? 0x2102 : 0x0102, 0x96);
  b.writeUInt16LE(0x10b, 0x98); // PE32
  b.writeUInt16LE(2, 0x98 + 68); // GUI
  b.writeUInt32LE(16, 0x98 + 92); // data directories
  return new Uint8Array(b);
}
