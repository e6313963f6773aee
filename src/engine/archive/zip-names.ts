/**
 * Raw member names of a ZIP, read from its central directory without inflating anything. 7-Zip's
 * listing prints control characters as `_` and cuts a name at NUL, which hides exactly the names
 * that should be flagged; these are the bytes as stored.
 */
export interface ZipRawEntry {
  name: string;
  /** Name bytes were declared UTF-8 (general-purpose flag bit 11) or are plain ASCII. */
  exact: boolean;
  encrypted: boolean;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

/** Entries of the last central directory in `b` (bounded by `max`); empty when there is none. */
export function zipRawEntries(b: Uint8Array, max: number): ZipRawEntry[] {
  const floor = Math.max(0, b.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = b.length - 22; i >= floor; i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 5 && b[i + 3] === 6) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return [];
  let offset = u32(b, eocd + 16);
  // Zip64: the real offset is in the zip64 end record, found through its locator just before.
  if (offset === 0xffffffff && eocd >= 20 && u32(b, eocd - 20) === 0x07064b50) {
    const record = Number(new DataView(b.buffer, b.byteOffset + eocd - 12, 8).getBigUint64(0, true));
    if (record + 56 <= b.length && u32(b, record) === 0x06064b50) offset = Number(new DataView(b.buffer, b.byteOffset + record + 48, 8).getBigUint64(0, true));
  }
  // Data prepended to the archive (self-extractors) shifts every offset: find the directory by signature.
  const cdSize = u32(b, eocd + 12);
  if (!(offset + 4 <= b.length && u32(b, offset) === 0x02014b50) && cdSize <= eocd && u32(b, eocd - cdSize) === 0x02014b50) offset = eocd - cdSize;

  const entries: ZipRawEntry[] = [];
  let p = offset;
  while (entries.length < max && p + 46 <= b.length && u32(b, p) === 0x02014b50) {
    const flags = u16(b, p + 8);
    const nameLength = u16(b, p + 28);
    const extraLength = u16(b, p + 30);
    const commentLength = u16(b, p + 32);
    const bytes = b.subarray(p + 46, Math.min(b.length, p + 46 + nameLength));
    const ascii = bytes.every((c) => c < 0x80);
    const declaredUtf8 = (flags & 0x800) !== 0;
    entries.push({ name: declaredUtf8 || ascii ? utf8.decode(bytes) : latin1.decode(bytes), exact: declaredUtf8 || ascii, encrypted: (flags & 1) !== 0 });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
