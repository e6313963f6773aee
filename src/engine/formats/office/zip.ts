import { constants, inflateRawSync } from 'node:zlib';

/**
 * A bounded reader of the ZIP container of Office Open XML documents: the central directory (or,
 * when it is missing or damaged, a scan of the local headers) and stored or deflated parts.
 *
 * Sizes in the headers are never trusted: a part's output is capped by the caller
 * (`inflateRawSync` with `maxOutputLength`), deflated data runs to the end of its deflate stream
 * whatever the compressed size claims, and a truncated stream yields what could be decoded
 * (Z_SYNC_FLUSH) with `truncated` set. The whole archive is processed by 7-Zip elsewhere only when
 * identify() calls it a plain zip; an OOXML document is read here, part by part, on demand.
 */
export interface ZipPart {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  /** Offset of the local file header. */
  localOffset: number;
}

export interface PartRead {
  data: Uint8Array;
  /** The output limit was reached, or the deflate stream ended early. */
  truncated: boolean;
  /** The part is larger than the limit asked for (nothing returned for a deflated part). */
  overLimit?: boolean;
  error?: string;
}

const u16 = (b: Uint8Array, o: number) => (o + 2 <= b.length ? b[o] | (b[o + 1] << 8) : 0);
const u32 = (b: Uint8Array, o: number) => (o + 4 <= b.length ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : 0);
const is = (b: Uint8Array, o: number, sig: number) => o >= 0 && o + 4 <= b.length && u32(b, o) === sig;

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const EOCD = 0x06054b50;
const MAX_PARTS = 20_000;
const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

export class OoxmlZip {
  readonly parts: ZipPart[] = [];
  readonly problems: string[] = [];
  private readonly byName = new Map<string, ZipPart>();

  constructor(private readonly data: Uint8Array) {
    if (!this.readCentralDirectory()) this.scanLocalHeaders();
    for (const part of this.parts) {
      const key = normalise(part.name);
      if (!this.byName.has(key)) this.byName.set(key, part);
    }
  }

  /** A part by name, case-insensitively and without a leading '/' (OPC part names are case-insensitive). */
  get(name: string): ZipPart | undefined {
    return this.byName.get(normalise(name));
  }

  has(name: string): boolean {
    return this.byName.has(normalise(name));
  }

  names(): string[] {
    return this.parts.map((p) => p.name);
  }

  /** The part's bytes, at most `maxBytes` of them. */
  read(part: ZipPart, maxBytes: number): PartRead {
    const o = part.localOffset;
    if (!is(this.data, o, LOCAL)) return { data: new Uint8Array(0), truncated: true, error: `${part.name}: no local header at offset ${o}` };
    const start = o + 30 + u16(this.data, o + 26) + u16(this.data, o + 28);
    if (start > this.data.length) return { data: new Uint8Array(0), truncated: true, error: `${part.name}: data lies outside the file` };
    if (part.flags & 1) return { data: new Uint8Array(0), truncated: true, error: `${part.name}: encrypted part` };
    if (part.method === 0) {
      const declared = part.compressedSize || part.size;
      const end = Math.min(this.data.length, start + Math.min(declared, maxBytes));
      const data = this.data.subarray(start, end);
      return { data, truncated: data.length < declared, ...(declared > maxBytes ? { overLimit: true } : {}) };
    }
    if (part.method !== 8) return { data: new Uint8Array(0), truncated: true, error: `${part.name}: unsupported compression method ${part.method}` };
    // Deflate data runs to the end of its stream: take everything after the header, the inflater stops by itself.
    const input = this.data.subarray(start);
    try {
      return { data: new Uint8Array(inflateRawSync(input, { maxOutputLength: Math.max(1, maxBytes), finishFlush: constants.Z_SYNC_FLUSH })), truncated: false };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') return { data: new Uint8Array(0), truncated: true, overLimit: true, error: `${part.name}: expands beyond ${maxBytes} bytes` };
      return { data: new Uint8Array(0), truncated: true, error: `${part.name}: ${(err as Error).message}` };
    }
  }

  /** A part decoded as text (UTF-8, or UTF-16 with a byte order mark), at most `maxBytes` of it. */
  text(name: string, maxBytes: number): { text: string; truncated: boolean; overLimit?: boolean; error?: string } | undefined {
    const part = this.get(name);
    if (!part) return undefined;
    const read = this.read(part, maxBytes);
    const d = read.data;
    const encoding = d[0] === 0xff && d[1] === 0xfe ? 'utf-16le' : d[0] === 0xfe && d[1] === 0xff ? 'utf-16be' : 'utf-8';
    const text = encoding === 'utf-8' ? utf8.decode(d) : new TextDecoder(encoding, { fatal: false }).decode(d);
    return { text: text.replace(/^\uFEFF/, ''), truncated: read.truncated, ...(read.overLimit ? { overLimit: true } : {}), ...(read.error ? { error: read.error } : {}) };
  }

  private problem(message: string): void {
    if (this.problems.length < 50) this.problems.push(message);
  }

  private readCentralDirectory(): boolean {
    const b = this.data;
    const floor = Math.max(0, b.length - 22 - 0xffff);
    let eocd = -1;
    for (let i = b.length - 22; i >= floor; i--) {
      if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 5 && b[i + 3] === 6) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) {
      this.problem('no end of central directory record (truncated or damaged zip)');
      return false;
    }
    let p = u32(b, eocd + 16);
    if (!is(b, p, CENTRAL)) {
      // Data prepended to the archive shifts every offset; the directory sits just before the EOCD.
      const size = u32(b, eocd + 12);
      const shifted = eocd - size;
      if (!is(b, shifted, CENTRAL)) {
        this.problem('central directory not found where the end record says');
        return false;
      }
      this.problem(`central directory found at ${shifted}, not at ${p}: data before the archive`);
      const delta = shifted - p;
      p = shifted;
      return this.walkCentral(p, delta);
    }
    return this.walkCentral(p, 0);
  }

  private walkCentral(start: number, delta: number): boolean {
    const b = this.data;
    let p = start;
    while (is(b, p, CENTRAL) && p + 46 <= b.length && this.parts.length < MAX_PARTS) {
      const flags = u16(b, p + 8);
      const nameLength = u16(b, p + 28);
      const extraLength = u16(b, p + 30);
      const commentLength = u16(b, p + 32);
      const nameBytes = b.subarray(p + 46, p + 46 + nameLength);
      this.parts.push({
        name: (flags & 0x800 ? utf8 : latin1).decode(nameBytes),
        flags,
        method: u16(b, p + 10),
        compressedSize: u32(b, p + 20),
        size: u32(b, p + 24),
        localOffset: u32(b, p + 42) + delta,
      });
      p += 46 + nameLength + extraLength + commentLength;
    }
    if (this.parts.length >= MAX_PARTS) this.problem(`more than ${MAX_PARTS} parts: the rest were not listed`);
    return this.parts.length > 0;
  }

  /** Without a central directory: every local header in the file, in order. */
  private scanLocalHeaders(): void {
    const b = this.data;
    let p = 0;
    while (p + 30 <= b.length && this.parts.length < MAX_PARTS) {
      if (!(b[p] === 0x50 && b[p + 1] === 0x4b && b[p + 2] === 3 && b[p + 3] === 4)) {
        p = indexOfLocal(b, p + 1);
        if (p < 0) break;
        continue;
      }
      const flags = u16(b, p + 6);
      const nameLength = u16(b, p + 26);
      const extraLength = u16(b, p + 28);
      const compressedSize = u32(b, p + 18);
      this.parts.push({
        name: (flags & 0x800 ? utf8 : latin1).decode(b.subarray(p + 30, p + 30 + nameLength)),
        flags,
        method: u16(b, p + 8),
        compressedSize,
        size: u32(b, p + 22),
        localOffset: p,
      });
      const next = p + 30 + nameLength + extraLength + compressedSize;
      p = compressedSize && next > p ? next : p + 30 + nameLength + extraLength;
    }
    if (this.parts.length) this.problem(`parts listed from ${this.parts.length} local header(s)`);
  }
}

function indexOfLocal(b: Uint8Array, from: number): number {
  for (let i = from; i + 4 <= b.length; i++) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 3 && b[i + 3] === 4) return i;
  }
  return -1;
}

function normalise(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
}

/** Resolves a relationship target against the part that holds the relationship (OPC rules). */
export function resolvePartName(sourcePart: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const base = sourcePart.includes('/') ? sourcePart.slice(0, sourcePart.lastIndexOf('/')).split('/') : [];
  for (const segment of target.split('/')) {
    if (segment === '..') base.pop();
    else if (segment && segment !== '.') base.push(segment);
  }
  return base.join('/');
}
