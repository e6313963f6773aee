/**
 * A small, bounded DER reader for Authenticode's PKCS#7 structures. Every length is checked against
 * its enclosing element; indefinite lengths (BER) are refused; children lists and nesting depth are
 * bounded. Malformed input throws `DerError`, which the signature parser turns into a fact.
 */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export interface Tlv {
  /** The identifier octet (single-byte tags only: class, constructed bit and number 0..30). */
  tag: number;
  /** Offset of the identifier octet in the buffer. */
  start: number;
  /** Offset of the contents. */
  contentStart: number;
  /** Offset after the element. */
  end: number;
  buf: Uint8Array;
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Context-specific tag [n], constructed. */
export const ctx = (n: number) => 0xa0 | n;

const MAX_CHILDREN = 10_000;

export function readTlv(buf: Uint8Array, at: number, limit = buf.length): Tlv {
  if (at + 2 > limit) throw new DerError(`element at ${at} runs past its container`);
  const tag = buf[at];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used in Authenticode');
  let length = buf[at + 1];
  let p = at + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0) throw new DerError('indefinite length (BER) is not DER');
    if (n > 4 || p + n > limit) throw new DerError('length field too long');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[p + i];
    p += n;
  }
  if (p + length > limit) throw new DerError(`element at ${at} (${length} bytes) runs past its container`);
  return { tag, start: at, contentStart: p, end: p + length, buf };
}

export const content = (t: Tlv): Uint8Array => t.buf.subarray(t.contentStart, t.end);
/** The whole element (identifier, length and contents). */
export const encoded = (t: Tlv): Uint8Array => t.buf.subarray(t.start, t.end);

export function children(t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let at = t.contentStart;
  while (at < t.end) {
    if (out.length >= MAX_CHILDREN) throw new DerError('too many elements');
    const child = readTlv(t.buf, at, t.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

export function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found ${t ? `0x${t.tag.toString(16)}` : 'nothing'}`);
  return t;
}

export function oid(t: Tlv): string {
  expect(t, TAG.OID, 'object identifier');
  const b = content(t);
  if (!b.length || b.length > 64) throw new DerError('bad object identifier');
  const parts: number[] = [];
  let value = 0;
  for (const byte of b) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

/** An INTEGER as unsigned hex without leading zero bytes (serial numbers). */
export function integerHex(t: Tlv): string {
  expect(t, TAG.INTEGER, 'integer');
  const b = content(t);
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return Buffer.from(b.subarray(i)).toString('hex');
}

export function smallInteger(t: Tlv): number {
  expect(t, TAG.INTEGER, 'integer');
  const b = content(t);
  if (b.length > 6) throw new DerError('integer too large');
  let v = 0;
  for (const byte of b) v = v * 256 + byte;
  return v;
}

/** UTCTime / GeneralizedTime as an ISO date, or null when unreadable. */
export function time(t: Tlv): string | null {
  const s = Buffer.from(content(t)).toString('latin1');
  let m: RegExpMatchArray | null;
  if (t.tag === TAG.UTCTime && (m = s.match(/^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?Z$/))) {
    const year = Number(m[1]) < 50 ? 2000 + Number(m[1]) : 1900 + Number(m[1]);
    return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0))).toISOString();
  }
  if (t.tag === TAG.GeneralizedTime && (m = s.match(/^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?(?:\.(\d+))?Z$/))) {
    const ms = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), Math.round(ms))).toISOString();
  }
  return null;
}

/** A string type (UTF8, Printable, IA5, BMP) as text; null for other tags. */
export function text(t: Tlv): string | null {
  const b = Buffer.from(content(t));
  switch (t.tag) {
    case TAG.UTF8String:
      return b.toString('utf8');
    case TAG.PrintableString:
    case TAG.IA5String:
      return b.toString('latin1');
    case TAG.BMPString:
      return b.length % 2 === 0 ? Buffer.from(b).swap16().toString('utf16le') : null;
    default:
      return null;
  }
}
