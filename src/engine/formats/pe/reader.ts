/**
 * Bounded reads over a sample's bytes, shared by the PE, ELF and LNK parsers. Every read is checked
 * against the buffer: a read past the end throws `OutOfBounds`, which the parsers catch per structure
 * (a damaged import table does not cost the sections or the resources). Nothing here allocates more
 * than the bytes asked for, and string reads stop at a caller-given maximum.
 */
export class OutOfBounds extends Error {
  constructor(offset: number, length: number, size: number) {
    super(`read of ${length} byte(s) at 0x${offset.toString(16)} beyond the end of the data (${size} bytes)`);
    this.name = 'OutOfBounds';
  }
}

export class ByteReader {
  readonly view: DataView;
  readonly length: number;

  constructor(
    readonly data: Uint8Array,
    readonly little = true,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.length = data.length;
  }

  /** True when [offset, offset + length) lies inside the data. */
  has(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && length >= 0 && offset + length <= this.length;
  }

  private check(offset: number, length: number): void {
    if (!this.has(offset, length)) throw new OutOfBounds(offset, length, this.length);
  }

  u8(offset: number): number {
    this.check(offset, 1);
    return this.data[offset];
  }

  u16(offset: number): number {
    this.check(offset, 2);
    return this.view.getUint16(offset, this.little);
  }

  u32(offset: number): number {
    this.check(offset, 4);
    return this.view.getUint32(offset, this.little);
  }

  i32(offset: number): number {
    this.check(offset, 4);
    return this.view.getInt32(offset, this.little);
  }

  u64big(offset: number): bigint {
    this.check(offset, 8);
    return this.view.getBigUint64(offset, this.little);
  }

  /** A 64-bit value as a number (exact up to 2^53; offsets and sizes beyond that are absurd anyway). */
  u64(offset: number): number {
    return Number(this.u64big(offset));
  }

  /** The bytes [offset, offset + length), clipped to the data (never throws; empty when outside). */
  bytes(offset: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.length || length <= 0) return new Uint8Array(0);
    return this.data.subarray(offset, Math.min(this.length, offset + length));
  }

  /** A NUL-terminated single-byte string (latin1) of at most `max` bytes; null when it does not start inside the data. */
  cString(offset: number, max = 256): string | null {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.length) return null;
    const end = Math.min(this.length, offset + max);
    const zero = this.data.subarray(offset, end).indexOf(0);
    return latin1(this.data, offset, zero < 0 ? end : offset + zero);
  }

  /** A UTF-16LE string of `chars` characters (clipped to the data). */
  utf16(offset: number, chars: number): string {
    const bytes = this.bytes(offset, chars * 2);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length - (bytes.length % 2)).toString('utf16le');
  }

  /** A NUL-terminated UTF-16LE string of at most `maxChars` characters. */
  utf16z(offset: number, maxChars = 1024): string | null {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + 1 >= this.length) return null;
    const end = Math.min(this.length - 1, offset + maxChars * 2);
    let i = offset;
    while (i < end && (this.data[i] !== 0 || this.data[i + 1] !== 0)) i += 2;
    return Buffer.from(this.data.buffer, this.data.byteOffset + offset, i - offset).toString('utf16le');
  }
}

export function latin1(data: Uint8Array, start: number, end: number): string {
  if (end - start < 16) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(data[i]);
    return s;
  }
  return Buffer.from(data.buffer, data.byteOffset + start, end - start).toString('latin1');
}

/** `0x1a2b` with at least `width` hex digits. */
export const hex = (n: number | bigint, width = 1): string => `0x${n.toString(16).padStart(width, '0')}`;

/** Printable ASCII (0x20–0x7e) only: what a name read from hostile bytes may show in a report. */
export function printable(s: string, max = 256): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  for (let i = 0; i < cut.length; i++) {
    const c = cut.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) {
      // eslint-disable-next-line no-control-regex
      return cut.replace(/[^\x20-\x7e]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
    }
  }
  return cut;
}

/** Runs `fn`, turning a thrown error into `undefined` and a note in `errors` (bounded). */
export function attempt<T>(what: string, errors: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (errors.length < 50) errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300));
    return undefined;
  }
}
