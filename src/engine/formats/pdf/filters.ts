import { constants, inflateRawSync, inflateSync } from 'node:zlib';
import { hexValue, WS } from './lexer';
import { PdfDict } from './objects';

/**
 * Stream filters (ISO 32000-1 §7.4): FlateDecode (with PNG and TIFF predictors), LZWDecode,
 * ASCIIHexDecode, ASCII85Decode and RunLengthDecode, chained as the stream's /Filter array says.
 * Image codecs (DCT, JPX, JBIG2, CCITT) are not decoded: the chain stops before them and says so.
 *
 * Every decoder writes at most `maxOutput` bytes; a stream that would expand further is refused (a
 * decompression bomb), never allocated. Damaged deflate data is decoded as far as it goes: a missing
 * or wrong Adler-32 trailer, a truncated stream and raw deflate without a zlib header all still give
 * their bytes, with a note.
 */

export const FILTER_ALIASES: Record<string, string> = {
  AHx: 'ASCIIHexDecode',
  A85: 'ASCII85Decode',
  LZW: 'LZWDecode',
  Fl: 'FlateDecode',
  RL: 'RunLengthDecode',
  CCF: 'CCITTFaxDecode',
  DCT: 'DCTDecode',
};

export const IMAGE_FILTERS = new Set(['DCTDecode', 'JPXDecode', 'JBIG2Decode', 'CCITTFaxDecode']);
/** Longest filter chain decoded; longer ones are a trick (or a bomb) and are refused. */
export const MAX_FILTERS = 8;

export interface DecodeResult {
  data: Uint8Array;
  /** Every filter ran to its end marker without damage. */
  complete: boolean;
  /** What was damaged or tolerated ("FlateDecode: truncated data"). */
  notes: string[];
  /** Set when the output would exceed the limit: `data` is then empty. */
  refused?: string;
  /** The image codec the chain stopped before (its input is `data`). */
  image?: string;
  /** A filter this decoder does not know: the chain stopped before it. */
  unsupported?: string;
}

export class OutputLimitError extends Error {}

export function normaliseFilter(name: string): string {
  return FILTER_ALIASES[name] ?? name;
}

/** Runs `filters` over `input`, each with its decode parameters (or null). */
export function decodeFilters(input: Uint8Array, filters: string[], parms: (PdfDict | null)[], maxOutput: number): DecodeResult {
  const result: DecodeResult = { data: input, complete: true, notes: [] };
  if (filters.length > MAX_FILTERS) {
    return { data: new Uint8Array(0), complete: false, notes: [], refused: `a chain of ${filters.length} filters (more than ${MAX_FILTERS})` };
  }
  let data = input;
  for (let i = 0; i < filters.length; i++) {
    const filter = normaliseFilter(filters[i]);
    const parm = parms[i] ?? null;
    if (IMAGE_FILTERS.has(filter)) {
      result.image = filter;
      break;
    }
    try {
      switch (filter) {
        case 'FlateDecode':
          data = applyPredictor(flate(data, maxOutput, result.notes), parm, result.notes, maxOutput);
          break;
        case 'LZWDecode': {
          const early = parm?.number('EarlyChange') ?? 1;
          data = applyPredictor(lzw(data, early === 0 ? 0 : 1, maxOutput, result.notes), parm, result.notes, maxOutput);
          break;
        }
        case 'ASCIIHexDecode':
          data = asciiHex(data);
          break;
        case 'ASCII85Decode':
          data = ascii85(data, maxOutput, result.notes);
          break;
        case 'RunLengthDecode':
          data = runLength(data, maxOutput, result.notes);
          break;
        case 'Crypt':
          break; // decryption (or /Identity) happens before the filters
        default:
          result.unsupported = filter;
          result.complete = false;
          result.data = data;
          return result;
      }
    } catch (err) {
      if (err instanceof OutputLimitError) return { data: new Uint8Array(0), complete: false, notes: result.notes, refused: `${filter} output exceeds ${maxOutput} bytes` };
      result.notes.push(`${filter}: ${err instanceof Error ? err.message : String(err)}`);
      result.complete = false;
      result.data = new Uint8Array(0);
      return result;
    }
  }
  if (result.notes.length) result.complete = false;
  result.data = data;
  return result;
}

// ---------------------------------------------------------------------------------------------
// FlateDecode

const SYNC = { finishFlush: constants.Z_SYNC_FLUSH };

function flate(input: Uint8Array, maxOutput: number, notes: string[]): Uint8Array {
  const opts = { maxOutputLength: Math.max(1, maxOutput) };
  const zlibHeader = input.length >= 2 && (input[0] & 0x0f) === 8 && (input[0] >> 4) <= 7 && ((input[0] << 8) | input[1]) % 31 === 0;
  const attempt = (f: () => Buffer): Buffer => {
    try {
      return f();
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw new OutputLimitError();
      throw err;
    }
  };
  if (!zlibHeader) {
    const out = attempt(() => inflateRawSync(input, { ...opts, ...SYNC }));
    notes.push('FlateDecode: no zlib header (raw deflate)');
    return view(out);
  }
  try {
    return view(attempt(() => inflateSync(input, opts)));
  } catch (err) {
    if (err instanceof OutputLimitError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'Z_BUF_ERROR') {
      // Truncated data or a missing Adler-32 trailer: what inflated so far.
      const out = attempt(() => inflateSync(input, { ...opts, ...SYNC }));
      notes.push('FlateDecode: truncated data or missing checksum');
      return view(out);
    }
    if (code === 'Z_DATA_ERROR' && /check/.test((err as Error).message)) {
      // Wrong Adler-32 trailer: the deflate data itself is read without it.
      const out = attempt(() => inflateRawSync(input.subarray(2), { ...opts, ...SYNC }));
      notes.push('FlateDecode: wrong checksum');
      return view(out);
    }
    throw new Error(`corrupt deflate data (${(err as Error).message})`);
  }
}

const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

// ---------------------------------------------------------------------------------------------
// Predictors (§7.4.4.4): TIFF 2 and PNG 10–15, for the Flate and LZW filters.

function applyPredictor(data: Uint8Array, parm: PdfDict | null, notes: string[], maxOutput: number): Uint8Array {
  const predictor = parm?.number('Predictor') ?? 1;
  if (predictor <= 1) return data;
  const colors = clampInt(parm?.number('Colors') ?? 1, 1, 64);
  const bpc = clampInt(parm?.number('BitsPerComponent') ?? 8, 1, 16);
  const columns = clampInt(parm?.number('Columns') ?? 1, 1, 1 << 24);
  const rowBytes = Math.ceil((colors * bpc * columns) / 8);
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  if (rowBytes > 1 << 24) {
    notes.push(`predictor row of ${rowBytes} bytes not applied`);
    return data;
  }
  if (predictor === 2) {
    if (bpc !== 8) {
      notes.push(`TIFF predictor with ${bpc} bits per component not applied`);
      return data;
    }
    const out = data.slice();
    for (let row = 0; row + rowBytes <= out.length; row += rowBytes) {
      for (let i = bpp; i < rowBytes; i++) out[row + i] = (out[row + i] + out[row + i - bpp]) & 0xff;
    }
    return out;
  }
  if (predictor < 10) {
    notes.push(`unknown predictor ${predictor}`);
    return data;
  }
  const rows = Math.floor(data.length / (rowBytes + 1));
  if (rows * rowBytes > maxOutput) throw new OutputLimitError();
  const out = new Uint8Array(rows * rowBytes);
  let prev = new Uint8Array(rowBytes);
  for (let r = 0; r < rows; r++) {
    const src = r * (rowBytes + 1);
    const type = data[src];
    const line = out.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = 0; i < rowBytes; i++) {
      const raw = data[src + 1 + i];
      const left = i >= bpp ? line[i - bpp] : 0;
      const up = prev[i];
      const upLeft = i >= bpp ? prev[i - bpp] : 0;
      let v: number;
      switch (type) {
        case 0: v = raw; break;
        case 1: v = raw + left; break;
        case 2: v = raw + up; break;
        case 3: v = raw + ((left + up) >> 1); break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          v = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default: v = raw;
      }
      line[i] = v & 0xff;
    }
    prev = line;
  }
  if (data.length % (rowBytes + 1)) notes.push('predictor: incomplete last row');
  return out;
}

const clampInt = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.floor(v) || lo));

// ---------------------------------------------------------------------------------------------
// Growable output bounded by the limit.

class Output {
  buf: Uint8Array;
  length = 0;
  constructor(
    initial: number,
    private readonly max: number,
  ) {
    this.buf = new Uint8Array(Math.max(16, Math.min(initial, max)));
  }
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need > this.max) throw new OutputLimitError();
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.min(this.max, Math.max(need, this.buf.length * 2)));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  push(b: number): void {
    if (this.length === this.buf.length) this.ensure(1);
    this.buf[this.length++] = b;
  }
  result(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

// ---------------------------------------------------------------------------------------------
// LZWDecode (§7.4.4.2): 9–12 bit codes, MSB first, 256 clear, 257 end of data.

function lzw(input: Uint8Array, earlyChange: 0 | 1, maxOutput: number, notes: string[]): Uint8Array {
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const lengths = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    lengths[i] = 1;
  }
  const out = new Output(input.length * 3, maxOutput);
  let next = 258;
  let width = 9;
  let prev = -1;
  let bitBuf = 0;
  let bitCount = 0;
  let p = 0;
  let ended = false;
  const emit = (code: number): number => {
    const len = lengths[code];
    out.ensure(len);
    let pos = out.length + len - 1;
    let c = code;
    while (c >= 0 && pos >= out.length) {
      out.buf[pos--] = suffix[c];
      c = prefix[c];
    }
    const first = out.buf[out.length];
    out.length += len;
    return first;
  };
  for (;;) {
    while (bitCount < width && p < input.length) {
      bitBuf = ((bitBuf << 8) | input[p++]) & 0xffffff;
      bitCount += 8;
    }
    if (bitCount < width) break;
    const code = (bitBuf >> (bitCount - width)) & ((1 << width) - 1);
    bitCount -= width;
    if (code === 256) {
      next = 258;
      width = 9;
      prev = -1;
      continue;
    }
    if (code === 257) {
      ended = true;
      break;
    }
    if (prev < 0) {
      if (code > 255) {
        notes.push('LZWDecode: invalid first code');
        break;
      }
      emit(code);
      prev = code;
      continue;
    }
    let first: number;
    if (code < next) {
      first = emit(code);
    } else if (code === next) {
      // KwKwK: the previous string and its own first character.
      const start = out.length;
      const f = emit(prev);
      out.push(f);
      first = out.buf[start];
    } else {
      notes.push('LZWDecode: invalid code');
      break;
    }
    if (next < 4096) {
      prefix[next] = prev;
      suffix[next] = first;
      lengths[next] = lengths[prev] + 1;
      next++;
    }
    if (next + earlyChange >= 1 << width && width < 12) width++;
    prev = code;
  }
  if (!ended) notes.push('LZWDecode: no end-of-data code');
  return out.result().slice();
}

// ---------------------------------------------------------------------------------------------
// ASCIIHexDecode, ASCII85Decode, RunLengthDecode

function asciiHex(input: Uint8Array): Uint8Array {
  const out = new Uint8Array((input.length >> 1) + 1);
  let o = 0;
  let high = -1;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === 0x3e) break;
    const v = hexValue(c);
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

function ascii85(input: Uint8Array, maxOutput: number, notes: string[]): Uint8Array {
  const out = new Output(input.length, maxOutput);
  let i = 0;
  while (i < input.length && WS[input[i]]) i++;
  if (input[i] === 0x3c && input[i + 1] === 0x7e) i += 2; // <~
  const group: number[] = [];
  let ended = false;
  for (; i < input.length; i++) {
    const c = input[i];
    if (WS[c]) continue;
    if (c === 0x7e) {
      ended = true;
      break;
    }
    if (c === 0x7a && group.length === 0) {
      out.ensure(4);
      for (let k = 0; k < 4; k++) out.push(0);
      continue;
    }
    if (c < 0x21 || c > 0x75) {
      notes.push('ASCII85Decode: invalid character');
      break;
    }
    group.push(c - 0x21);
    if (group.length === 5) {
      writeGroup(out, group, 4);
      group.length = 0;
    }
  }
  if (group.length === 1) notes.push('ASCII85Decode: a lone final character');
  if (group.length > 1) {
    const n = group.length - 1;
    while (group.length < 5) group.push(84);
    writeGroup(out, group, n);
  }
  if (!ended) notes.push('ASCII85Decode: no end marker');
  return out.result().slice();
}

function writeGroup(out: Output, group: number[], n: number): void {
  let v = 0;
  for (const g of group) v = v * 85 + g;
  v = v >>> 0;
  out.ensure(n);
  for (let k = 0; k < n; k++) out.push((v >>> (24 - 8 * k)) & 0xff);
}

function runLength(input: Uint8Array, maxOutput: number, notes: string[]): Uint8Array {
  const out = new Output(input.length * 2, maxOutput);
  let i = 0;
  while (i < input.length) {
    const len = input[i++];
    if (len === 128) return out.result().slice();
    if (len < 128) {
      const n = Math.min(len + 1, input.length - i);
      out.ensure(n);
      out.buf.set(input.subarray(i, i + n), out.length);
      out.length += n;
      i += n;
    } else {
      if (i >= input.length) break;
      const n = 257 - len;
      out.ensure(n);
      out.buf.fill(input[i++], out.length, out.length + n);
      out.length += n;
    }
  }
  notes.push('RunLengthDecode: no end-of-data marker');
  return out.result().slice();
}
