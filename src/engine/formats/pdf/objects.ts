/**
 * The PDF object model (ISO 32000-1 §7.3) as the parser builds it from hostile bytes: names with the
 * spelling they had in the file (to see `#xx` obfuscation), strings as bytes (they may be binary or
 * encrypted), references, dictionaries and arrays. Numbers, booleans and null are plain JavaScript
 * values. Nothing here follows a reference: that is the document's job (document.ts), bounded.
 */

export class PdfName {
  /** `value` is the decoded name (`JavaScript`); `raw` the spelling in the file when it differed (`J#61vaScript`). */
  constructor(
    readonly value: string,
    readonly raw?: string,
  ) {}

  /** The name used `#xx` escapes for characters that need none (letters, digits): written to evade keyword matching. */
  get obfuscated(): boolean {
    return this.raw !== undefined && /#(?:[46][1-9a-fA-F]|[57][0-9aA]|3[0-9])/.test(this.raw);
  }

  toString(): string {
    return `/${this.value}`;
  }
}

export class PdfString {
  private own?: Uint8Array;

  /**
   * The bytes are `source[start, end)` as written in the file (`raw`), to be unescaped (`literal`) or
   * hex-decoded (`hex`) when first read; with no offsets, `source` is the bytes. Strings are kept as
   * offsets because a hostile file may hold millions of them: none costs a buffer until it is read.
   */
  constructor(
    private readonly source: Uint8Array,
    readonly form: 'raw' | 'literal' | 'hex' = 'raw',
    private readonly start = -1,
    private readonly end = -1,
  ) {}

  get hex(): boolean {
    return this.form === 'hex';
  }

  get bytes(): Uint8Array {
    if (this.own) return this.own;
    if (this.start < 0) return this.source;
    if (this.form === 'hex') return (this.own = decodeHexString(this.source, this.start, this.end));
    if (this.form === 'literal') return (this.own = decodeLiteralString(this.source, this.start, this.end));
    return this.source.subarray(this.start, this.end);
  }

  /** Replaces the bytes (decryption). */
  set bytes(value: Uint8Array) {
    this.own = value;
  }
}

const HEX_DIGIT = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_DIGIT[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_DIGIT[0x41 + i] = 10 + i;
  HEX_DIGIT[0x61 + i] = 10 + i;
}

/** The bytes of a hex string's digits (white space and junk skipped, an odd last digit padded with 0). */
export function decodeHexString(d: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(((end - start) >> 1) + 1);
  let o = 0;
  let high = -1;
  for (let p = start; p < end; p++) {
    const v = HEX_DIGIT[d[p]];
    if (v < 0) continue;
    if (high < 0) high = v;
    else {
      out[o++] = high * 16 + v;
      high = -1;
    }
  }
  if (high >= 0) out[o++] = high * 16;
  return out.slice(0, o);
}

/** The bytes of a literal string's body: escapes resolved, CR and CRLF read as LF (ISO 32000-1 §7.3.4.2). */
export function decodeLiteralString(d: Uint8Array, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  let o = 0;
  let p = start;
  while (p < end) {
    const c = d[p];
    if (c === 0x5c) {
      p++;
      if (p >= end) break;
      const e = d[p];
      switch (e) {
        case 0x6e: out[o++] = 0x0a; p++; break; // \n
        case 0x72: out[o++] = 0x0d; p++; break; // \r
        case 0x74: out[o++] = 0x09; p++; break; // \t
        case 0x62: out[o++] = 0x08; p++; break; // \b
        case 0x66: out[o++] = 0x0c; p++; break; // \f
        case 0x0d: p++; if (p < end && d[p] === 0x0a) p++; break; // line continuation
        case 0x0a: p++; break;
        default:
          if (e >= 0x30 && e <= 0x37) {
            let v = 0;
            for (let k = 0; k < 3 && p < end && d[p] >= 0x30 && d[p] <= 0x37; k++) v = v * 8 + (d[p++] - 0x30);
            out[o++] = v & 0xff;
          } else {
            out[o++] = e; // \( \) \\ and unknown escapes: the character itself
            p++;
          }
      }
      continue;
    }
    if (c === 0x0d) {
      out[o++] = 0x0a;
      p++;
      if (p < end && d[p] === 0x0a) p++;
      continue;
    }
    out[o++] = c;
    p++;
  }
  return out.slice(0, o);
}

export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}

  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

export class PdfDict {
  readonly map = new Map<string, PdfValue>();

  get(key: string): PdfValue | undefined {
    return this.map.get(key);
  }

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** The value of `key` when it is a (direct) name. */
  name(key: string): string | undefined {
    const v = this.map.get(key);
    return v instanceof PdfName ? v.value : undefined;
  }

  /** The value of `key` when it is a (direct) number. */
  number(key: string): number | undefined {
    const v = this.map.get(key);
    return typeof v === 'number' ? v : undefined;
  }
}

/** An unknown keyword met where a value was expected (kept so a broken object still parses on). */
export class PdfKeyword {
  constructor(readonly word: string) {}
}

export type PdfValue = null | boolean | number | PdfName | PdfString | PdfRef | PdfDict | PdfKeyword | PdfValue[];

export const isDict = (v: unknown): v is PdfDict => v instanceof PdfDict;

// ---------------------------------------------------------------------------------------------
// Text strings (§7.9.2.2): UTF-16BE with a BOM, UTF-8 with a BOM (PDF 2.0), otherwise PDFDocEncoding.

/** PDFDocEncoding differs from Latin-1 in 0x18–0x1F and 0x80–0xA0 (0x7F, 0x9F and 0xAD are undefined). */
const PDF_DOC_HIGH: Record<number, number> = {
  0x18: 0x02d8, 0x19: 0x02c7, 0x1a: 0x02c6, 0x1b: 0x02d9, 0x1c: 0x02dd, 0x1d: 0x02db, 0x1e: 0x02da, 0x1f: 0x02dc,
  0x80: 0x2022, 0x81: 0x2020, 0x82: 0x2021, 0x83: 0x2026, 0x84: 0x2014, 0x85: 0x2013, 0x86: 0x0192, 0x87: 0x2044,
  0x88: 0x2039, 0x89: 0x203a, 0x8a: 0x2212, 0x8b: 0x2030, 0x8c: 0x201e, 0x8d: 0x201c, 0x8e: 0x201d, 0x8f: 0x2018,
  0x90: 0x2019, 0x91: 0x201a, 0x92: 0x2122, 0x93: 0xfb01, 0x94: 0xfb02, 0x95: 0x0141, 0x96: 0x0152, 0x97: 0x0160,
  0x98: 0x0178, 0x99: 0x017d, 0x9a: 0x0131, 0x9b: 0x0142, 0x9c: 0x0153, 0x9d: 0x0161, 0x9e: 0x017e, 0xa0: 0x20ac,
};

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf16be = new TextDecoder('utf-16be', { fatal: false });

/** A PDF text string as JavaScript text (bounded to `max` characters). */
export function textOf(bytes: Uint8Array, max = 1 << 20): string {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return utf16be.decode(bytes.subarray(2, 2 + max * 2)).replace(/\u0000+$/, '');
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8.decode(bytes.subarray(3, 3 + max * 4)).slice(0, max);
  const n = Math.min(bytes.length, max);
  let out = '';
  const chunk: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    chunk.push(PDF_DOC_HIGH[b] ?? b);
    if (chunk.length === 8192) {
      out += String.fromCharCode(...chunk);
      chunk.length = 0;
    }
  }
  return out + String.fromCharCode(...chunk);
}

/** Bytes as Latin-1 text (one character per byte): for code and markup whose encoding the PDF does not state. */
export function latin1(bytes: Uint8Array, max = bytes.length): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString('latin1');
}

/** The text of a string value, or undefined for anything else. */
export function stringValue(v: PdfValue | undefined, max?: number): string | undefined {
  return v instanceof PdfString ? textOf(v.bytes, max) : undefined;
}

/**
 * A PDF date (`D:YYYYMMDDHHmmSSOHH'mm'`, every part after the year optional) as ISO 8601, or
 * undefined when it is not one.
 */
export function pdfDate(text: string): string | undefined {
  const m = /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(?:([Zz+-])\s*(\d{2})?'?\s*(\d{2})?'?)?/.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', tz, tzh = '00', tzm = '00'] = m;
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +s > 59) return undefined;
  const zone = !tz || tz === 'Z' || tz === 'z' ? (tz ? 'Z' : '') : `${tz}${tzh}:${tzm}`;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${zone}`;
}
