import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { cryptFilterName, Decryptor, EncryptionInfo, openEncryption } from './crypt';
import { decodeFilters, DecodeResult, normaliseFilter } from './filters';
import { Lexer, ParseError, ValueBudget, ValueBudgetError, WS } from './lexer';
import { PdfDict, PdfName, PdfRef, PdfString, PdfValue } from './objects';

/**
 * A PDF read the way a malware analyst needs it read: objects are found by scanning the bytes for
 * `N G obj` headers, so a missing, broken or lying cross-reference table hides nothing; the xref
 * chain (tables and streams, /Prev and /XRefStm, bounded and loop-safe) is read as well, and the two
 * views are compared (objects outside the xref, offsets that point nowhere, incremental updates).
 * Object streams are unpacked, encrypted documents with an empty user password are decrypted.
 *
 * Everything is bounded: object count, nesting, values per object, bytes decoded per stream and in
 * total, xref sections, reference chains, and wall-clock time (the Clock checks the deadline and the
 * analyzer's AbortSignal and yields to the event loop). Damage is recorded in `notes`, refusals in
 * `limits`; parsing never throws because of the input.
 */

export interface PdfLimits {
  /** Object versions kept (top-level and object-stream members together). */
  maxObjects: number;
  /** Largest decoded stream, bytes, whatever its compression ratio. */
  maxStreamBytes: number;
  /** A stream may expand to max(ratioFloorBytes, ratio × its encoded size), within maxStreamBytes. */
  maxRatio: number;
  ratioFloorBytes: number;
  /** Bytes decoded over the whole document. */
  maxDecodedBytes: number;
  /** Cross-reference sections followed through /Prev and /XRefStm. */
  maxXrefSections: number;
  /** Values (numbers, names, strings, arrays, dictionaries ...) parsed over the whole document. */
  maxValues: number;
}

export const DEFAULT_PDF_LIMITS: PdfLimits = {
  maxObjects: 250_000,
  maxStreamBytes: 128 * 1024 * 1024,
  maxRatio: 200,
  ratioFloorBytes: 16 * 1024 * 1024,
  maxDecodedBytes: 512 * 1024 * 1024,
  maxXrefSections: 64,
  maxValues: 3_000_000,
};

export class BudgetExceeded extends Error {}

/** Deadline and AbortSignal checks, and a yield to the event loop every ~20 ms of work. */
export class Clock {
  private count = 0;
  private lastYield = Date.now();

  constructor(
    readonly deadline: number,
    readonly signal?: AbortSignal,
  ) {}

  get expired(): boolean {
    return (this.signal?.aborted ?? false) || Date.now() > this.deadline;
  }

  async tick(every = 64): Promise<void> {
    if (++this.count % every) return;
    const now = Date.now();
    if (this.signal?.aborted || now > this.deadline) throw new BudgetExceeded();
    if (now - this.lastYield > 20) {
      await yieldToLoop();
      this.lastYield = Date.now();
      if (this.signal?.aborted) throw new BudgetExceeded();
    }
  }
}

export interface StreamInfo {
  dict: PdfDict;
  /** The encoded data: [start, end) of the file. */
  start: number;
  end: number;
  /** /Length agreed with the position of `endstream`. */
  lengthOk: boolean;
  /** `endstream` was found. */
  terminated: boolean;
  /** An indirect /Length was checked (and found wrong). */
  lengthChecked?: boolean;
}

export interface PdfObject {
  num: number;
  gen: number;
  value: PdfValue;
  /** Offset of the `N G obj` header; for object-stream members, their container's. */
  offset: number;
  /** Object number of the object stream holding it. */
  container?: number;
  stream?: StreamInfo;
  /** Revision the object belongs to: the number of `%%EOF` markers before it (0: the original document). */
  section: number;
  /** Position in the file, for "the later definition wins". */
  order: number;
}

export interface XrefEntry {
  type: 0 | 1 | 2;
  /** Type 1: byte offset; type 2: object stream number. */
  field2: number;
  /** Type 1: generation; type 2: index in the object stream. */
  field3: number;
}

export interface XrefSection {
  offset: number;
  kind: 'table' | 'stream';
  entries: number;
  trailer?: PdfDict;
  /** The cross-reference stream of a hybrid file (/XRefStm): part of its table's revision. */
  hybrid?: true;
}

export interface XrefReport {
  startxref: number | null;
  sections: XrefSection[];
  /** The chain read without errors and every in-use offset points at its object. */
  valid: boolean;
  errors: string[];
  inUse: number;
  /** In-use entries whose offset does not hold the object. */
  badOffsets: number;
  badOffsetExamples: string[];
  /** Objects found by scanning that no in-use xref entry lists. */
  objectsOutsideXref: number;
  outsideExamples: number[];
  loop: boolean;
}

const enc = (s: string) => Buffer.from(s, 'latin1');
const OBJ = enc('obj');
const ENDOBJ = enc('endobj');
const ENDSTREAM = enc('endstream');
const EOF_MARK = enc('%%EOF');
const TRAILER = enc('trailer');
const STARTXREF = enc('startxref');

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export class PdfDocument {
  version: string | null = null;
  headerOffset = -1;
  readonly versions: PdfObject[] = [];
  /** The current version of each object. */
  objects = new Map<number, PdfObject>();
  trailer = new PdfDict();
  readonly trailers: { offset: number; dict: PdfDict }[] = [];
  xref: XrefReport = { startxref: null, sections: [], valid: false, errors: [], inUse: 0, badOffsets: 0, badOffsetExamples: [], objectsOutsideXref: 0, outsideExamples: [], loop: false };
  eofOffsets: number[] = [];
  linearized = false;
  encryption?: EncryptionInfo;
  decryptor?: Decryptor;
  encryptObject?: number;
  /** Damage seen while reading ("object 7 0: nesting deeper than 64 levels"). */
  readonly notes: string[] = [];
  private noteCount = 0;
  /** Refusals by a limit (decompression bomb, object count, time). */
  readonly limits: string[] = [];
  /** Names spelled with `#xx` escapes. */
  escapedNames: PdfName[] = [];
  /** Set when the time budget ran out: what follows is partial. */
  truncated?: string;
  decodedBytes = 0;
  objectStreams = 0;
  /** Streams whose /Length was wrong or missing, streams without `endstream`, objects without `endobj`. */
  badLengths = 0;
  unterminatedStreams = 0;
  missingEndobj = 0;
  private readonly decoded = new Map<PdfObject, DecodeResult>();
  readonly values: ValueBudget;
  /** The value budget is spent: objects are kept only when they matter to the analysis. */
  lean = false;
  leanValues = 0;

  constructor(
    readonly data: Uint8Array,
    readonly options: PdfLimits = DEFAULT_PDF_LIMITS,
  ) {
    this.values = new ValueBudget(options.maxValues);
  }

  note(message: string): void {
    if (++this.noteCount <= 200) this.notes.push(message);
    else if (this.noteCount === 201) this.notes.push('… further damage not listed');
  }

  limit(message: string): void {
    if (!this.limits.includes(message) && this.limits.length < 50) this.limits.push(message);
  }

  /** Follows references (bounded) to a direct value; undefined for a missing object. */
  resolve(v: PdfValue | undefined): PdfValue | undefined {
    for (let hops = 0; v instanceof PdfRef; hops++) {
      if (hops >= 16) return undefined;
      const o = this.objects.get(v.num);
      v = o ? o.value : undefined;
    }
    return v;
  }

  /** The object a reference names (for streams). */
  target(v: PdfValue | undefined): PdfObject | undefined {
    return v instanceof PdfRef ? this.objects.get(v.num) : undefined;
  }

  get(num: number): PdfObject | undefined {
    return this.objects.get(num);
  }

  /** Which revision an offset belongs to. */
  sectionOf(offset: number): number {
    let lo = 0;
    let hi = this.eofOffsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.eofOffsets[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The filter names and decode parameters of a stream dictionary. */
  filtersOf(dict: PdfDict): { filters: string[]; parms: (PdfDict | null)[] } {
    const f = this.resolve(dict.get('Filter'));
    const names = (Array.isArray(f) ? f : f === undefined || f === null ? [] : [f]).slice(0, 32).map((x) => this.resolve(x));
    const filters = names.filter((x): x is PdfName => x instanceof PdfName).map((n) => normaliseFilter(n.value));
    const p = this.resolve(dict.get('DecodeParms') ?? dict.get('DP'));
    const list = Array.isArray(p) ? p : [p];
    const parms = filters.map((_, i) => {
      const v = this.resolve(list[i]);
      return v instanceof PdfDict ? v : null;
    });
    return { filters, parms };
  }

  /** The encoded bytes of a stream (decrypted when the document is). */
  rawStream(obj: PdfObject): Uint8Array {
    const s = obj.stream;
    if (!s) return new Uint8Array(0);
    let raw = this.data.subarray(s.start, s.end);
    if (this.decryptor && obj.container === undefined && obj.num !== this.encryptObject && s.dict.name('Type') !== 'XRef') {
      const isMetadata = s.dict.name('Type') === 'Metadata';
      if (!(isMetadata && this.encryption && !this.encryption.encryptMetadata)) {
        const { filters, parms } = this.filtersOf(s.dict);
        raw = this.decryptor.decryptStream(raw, obj.num, obj.gen, cryptFilterName(filters, parms));
      }
    }
    return raw;
  }

  /** A stream's decoded bytes (cached), bounded by the per-stream and document budgets. */
  decode(obj: PdfObject): DecodeResult {
    const cached = this.decoded.get(obj);
    if (cached) return cached;
    let result: DecodeResult;
    if (!obj.stream) result = { data: new Uint8Array(0), complete: false, notes: ['not a stream'] };
    else if (this.encryption && !this.decryptor && obj.stream.dict.name('Type') !== 'XRef') {
      result = { data: new Uint8Array(0), complete: false, notes: ['encrypted'] };
    } else {
      const raw = this.rawStream(obj);
      const { filters, parms } = this.filtersOf(obj.stream.dict);
      const o = this.options;
      const remaining = o.maxDecodedBytes - this.decodedBytes;
      const perStream = Math.min(o.maxStreamBytes, Math.max(o.ratioFloorBytes, raw.length * o.maxRatio));
      if (remaining <= 0) {
        result = { data: new Uint8Array(0), complete: false, notes: [], refused: `the document's decoding budget (${o.maxDecodedBytes} bytes) is spent` };
      } else {
        result = decodeFilters(raw, filters, parms, Math.min(perStream, remaining));
        if (result.refused && remaining < perStream) result.refused = `the document's decoding budget (${o.maxDecodedBytes} bytes) is spent`;
      }
      this.decodedBytes += result.data.length;
      if (result.refused) this.limit(`stream ${obj.num} ${obj.gen}: ${result.refused}; not decoded`);
      for (const n of result.notes) this.note(`stream ${obj.num} ${obj.gen}: ${n}`);
    }
    if (this.decoded.size < 10_000) this.decoded.set(obj, result);
    return result;
  }
}

/** Parses a PDF. Never throws because of the input; a spent time budget leaves a partial document. */
export async function parsePdf(data: Uint8Array, clock: Clock, options: PdfLimits = DEFAULT_PDF_LIMITS): Promise<PdfDocument> {
  const doc = new PdfDocument(data, options);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  readHeader(doc, buf);
  doc.eofOffsets = allOffsets(buf, EOF_MARK, 10_000);
  const phases: [string, () => Promise<void> | void][] = [
    ['scanning objects', () => scanObjects(doc, buf, clock)],
    ['reading trailers', () => readTrailers(doc, buf)],
    ['reading the cross-reference chain', () => readXref(doc, buf, clock)],
    ['choosing current objects', () => chooseCurrent(doc)],
    ['opening the encryption', () => openEncrypt(doc)],
    ['unpacking object streams', () => unpackObjectStreams(doc, clock)],
    ['choosing current objects', () => chooseCurrent(doc)],
    ['checking the cross-reference table', () => checkXref(doc)],
  ];
  for (const [what, phase] of phases) {
    try {
      if (doc.truncated && what !== 'choosing current objects') continue;
      await phase();
    } catch (err) {
      if (err instanceof BudgetExceeded) {
        doc.truncated = `time budget spent while ${what}`;
        continue;
      }
      doc.note(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  doc.linearized = firstObject(doc)?.value instanceof PdfDict && (firstObject(doc)!.value as PdfDict).has('Linearized');
  return doc;
}

function firstObject(doc: PdfDocument): PdfObject | undefined {
  let first: PdfObject | undefined;
  for (const v of doc.versions) if (v.container === undefined && (!first || v.offset < first.offset)) first = v;
  return first;
}

function readHeader(doc: PdfDocument, buf: Buffer): void {
  const at = buf.subarray(0, 1024).indexOf('%PDF-');
  if (at < 0) {
    doc.note('no %PDF- header in the first 1024 bytes');
    return;
  }
  doc.headerOffset = at;
  const m = /^%PDF-(\d+\.\d+)/.exec(buf.subarray(at, at + 16).toString('latin1'));
  doc.version = m ? m[1] : null;
  if (!m) doc.note('unreadable version in the %PDF- header');
}

function allOffsets(buf: Buffer, needle: Buffer, max: number): number[] {
  const out: number[] = [];
  for (let i = buf.indexOf(needle); i >= 0 && out.length < max; i = buf.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

/** The `N G obj` header ending just before `i` (the index of `obj`), or null. */
function headerBefore(d: Uint8Array, i: number): { num: number; gen: number; start: number } | null {
  const after = d[i + 3];
  if (i + 3 < d.length && !WS[after] && after !== 0x3c && after !== 0x5b && after !== 0x2f && after !== 0x28 && after !== 0x25) return null;
  let p = i - 1;
  while (p >= 0 && WS[d[p]] && i - p < 16) p--;
  const genEnd = p + 1;
  while (p >= 0 && isDigit(d[p]) && genEnd - p <= 5) p--;
  const genStart = p + 1;
  if (genStart === genEnd || p < 0 || !WS[d[p]]) return null;
  while (p >= 0 && WS[d[p]] && genStart - p < 16) p--;
  const numEnd = p + 1;
  while (p >= 0 && isDigit(d[p]) && numEnd - p <= 10) p--;
  const numStart = p + 1;
  if (numStart === numEnd) return null;
  if (p >= 0 && !WS[d[p]] && d[p] !== 0x3e && d[p] !== 0x5d && d[p] !== 0x29 && d[p] !== 0x7d) {
    // `endobj1 0 obj` and `%comment\n1 0 obj` are fine; `x1 0 obj` is not a header.
    if (!(p >= 5 && Buffer.from(d.buffer, d.byteOffset + p - 5, 6).toString('latin1') === 'endobj')) return null;
  }
  let num = 0;
  for (let k = numStart; k < numEnd; k++) num = num * 10 + (d[k] - 0x30);
  let gen = 0;
  for (let k = genStart; k < genEnd; k++) gen = gen * 10 + (d[k] - 0x30);
  if (gen > 65535) return null;
  return { num, gen, start: numStart };
}

async function scanObjects(doc: PdfDocument, buf: Buffer, clock: Clock): Promise<void> {
  const d = doc.data;
  const escaped: PdfName[] = [];
  let pos = Math.max(0, doc.headerOffset);
  // The next `endobj` / `endstream` after a position, remembered so that a file without them is not searched again for every object.
  const endobj = new NextKeyword(buf, ENDOBJ);
  const endstream = new NextKeyword(buf, ENDSTREAM);
  for (;;) {
    const i = buf.indexOf(OBJ, pos);
    if (i < 0) break;
    const header = headerBefore(d, i);
    if (!header) {
      pos = i + 3;
      continue;
    }
    await clock.tick(16);
    if (doc.versions.length >= doc.options.maxObjects) {
      doc.limit(`more than ${doc.options.maxObjects} objects: the rest of the file was not read`);
      break;
    }
    const { num, gen, start } = header;
    const nextEndobj = endobj.after(i + 3);
    // The value is read within its own object: an unbalanced string or bracket cannot swallow the objects after it.
    const lexer = new Lexer(nextEndobj >= 0 ? d.subarray(0, nextEndobj) : d, i + 3, undefined, escaped.length < 1000 ? escaped : [], doc.lean ? undefined : doc.values);
    let value: PdfValue = null;
    try {
      value = parseWithinBudget(doc, lexer);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      doc.note(`object ${num} ${gen} at ${start}: ${err.message}`);
      doc.versions.push({ num, gen, value: null, offset: start, section: doc.sectionOf(start), order: start });
      pos = nextEndobj >= 0 ? nextEndobj + 6 : i + 3;
      continue;
    }
    let stream: StreamInfo | undefined;
    let next: number;
    if (value instanceof PdfDict && lexer.expectWord('stream')) {
      stream = locateStream(doc, lexer.pos, value, endstream, endobj);
      next = stream.terminated ? endstream.after(stream.end) + ENDSTREAM.length : stream.end;
      const tail = new Lexer(d, next);
      if (!tail.expectWord('endobj')) doc.missingEndobj++;
      next = tail.pos;
    } else {
      if (lexer.unterminated) doc.note(`object ${num} ${gen} at ${start}: unterminated ${nextEndobj >= 0 ? 'value' : 'value at the end of the file'}`);
      if (nextEndobj >= 0) next = nextEndobj + 6;
      else {
        doc.missingEndobj++;
        next = lexer.pos;
      }
    }
    if (doc.lean && !stream) value = keepLean(doc, value, lexer.itemCount);
    if (doc.leanValues > doc.options.maxValues) {
      doc.limit(`more than ${doc.options.maxValues} further values in objects with actions, scripts, forms or embedded files: the rest of the file was not read`);
      break;
    }
    doc.versions.push({ num, gen, value, offset: start, stream, section: doc.sectionOf(start), order: start });
    pos = Math.max(next, i + 3);
  }
  doc.escapedNames.push(...escaped);
}

/**
 * Parses one value. Past the document's value budget the parser goes on, but the caller keeps only
 * objects that matter to the analysis (see `relevant`): memory stays bounded and no action, script
 * or embedded file is missed however large the document.
 */
function parseWithinBudget(doc: PdfDocument, lexer: Lexer): PdfValue {
  const start = lexer.pos;
  try {
    return lexer.parseValue();
  } catch (err) {
    if (!(err instanceof ValueBudgetError)) throw err;
    doc.lean = true;
    doc.limit(`more than ${doc.options.maxValues} values: later objects were kept only when they hold actions, scripts, forms, embedded files or document structure`);
    lexer.pos = start;
    lexer.resetItems();
    lexer.dropBudget();
    return lexer.parseValue();
  }
}

/** Keys and names that make an object worth keeping once the value budget is spent. */
const RELEVANT = new Set([
  'JS', 'JavaScript', 'AA', 'OpenAction', 'Launch', 'URI', 'SubmitForm', 'GoToR', 'GoToE', 'ImportData', 'AcroForm', 'XFA', 'Names', 'Limits',
  'EmbeddedFile', 'EmbeddedFiles', 'EF', 'Filespec', 'FileAttachment', 'RichMedia', 'Catalog', 'Encrypt', 'Producer', 'Creator',
]);

/** Keeps a lean-mode object when it matters, as long as the values kept that way stay within a second budget. */
function keepLean(doc: PdfDocument, value: PdfValue, items: number): PdfValue {
  if (!relevant(value, 0)) return null;
  doc.leanValues += items;
  return value;
}

function relevant(v: PdfValue, depth: number): boolean {
  if (depth > 70) return false;
  if (depth === 0 && !(v instanceof PdfDict) && !Array.isArray(v)) return true; // a bare number or string: an indirect /Length, a /JS string
  if (v instanceof PdfName) return RELEVANT.has(v.value);
  if (Array.isArray(v)) {
    for (const x of v) if (relevant(x, depth + 1)) return true;
    return false;
  }
  if (v instanceof PdfDict) {
    for (const [k, x] of v.map) if (RELEVANT.has(k) || relevant(x, depth + 1)) return true;
  }
  return false;
}

/** Finds the next occurrence of a keyword after a position, reusing the last answer while it still holds. */
class NextKeyword {
  private from = -1;
  private found = -1;
  constructor(
    private readonly buf: Buffer,
    private readonly needle: Buffer,
  ) {}
  after(pos: number): number {
    if (this.from >= 0 && pos >= this.from && (this.found < 0 || this.found >= pos)) return this.found;
    this.from = pos;
    this.found = this.buf.indexOf(this.needle, pos);
    return this.found;
  }
}

/** Where a stream's data ends: at /Length when `endstream` follows it there, else before the next `endstream`. */
function locateStream(doc: PdfDocument, afterKeyword: number, dict: PdfDict, endstream: NextKeyword, endobj: NextKeyword): StreamInfo {
  const d = doc.data;
  let start = afterKeyword;
  if (d[start] === 0x0d) start++;
  if (d[start] === 0x0a) start++;
  const length = dict.get('Length');
  if (typeof length === 'number' && length >= 0 && start + length <= d.length && endstreamAt(d, start + length)) {
    return { dict, start, end: start + length, lengthOk: true, terminated: true };
  }
  const e = endstream.after(start);
  if (e < 0) {
    doc.unterminatedStreams++;
    const stop = endobj.after(start);
    return { dict, start, end: stop >= 0 ? stop : d.length, lengthOk: false, terminated: false };
  }
  let end = e;
  if (end > start && d[end - 1] === 0x0a) end--;
  if (end > start && d[end - 1] === 0x0d) end--;
  // An indirect /Length is checked once every object is known (chooseCurrent).
  if (!(length instanceof PdfRef)) doc.badLengths++;
  return { dict, start, end, lengthOk: false, terminated: true };
}

function endstreamAt(d: Uint8Array, p: number): boolean {
  let q = p;
  while (q < d.length && WS[d[q]] && q - p < 4) q++;
  for (let k = 0; k < ENDSTREAM.length; k++) if (d[q + k] !== ENDSTREAM[k]) return false;
  return true;
}

function readTrailers(doc: PdfDocument, buf: Buffer): void {
  for (const at of allOffsets(buf, TRAILER, 1000)) {
    const lexer = new Lexer(doc.data, at + TRAILER.length, 10_000);
    try {
      const v = lexer.parseValue();
      if (v instanceof PdfDict) doc.trailers.push({ offset: at, dict: v });
    } catch {
      doc.note(`unreadable trailer at ${at}`);
    }
  }
  for (const v of doc.versions) {
    if (v.stream && v.stream.dict.name('Type') === 'XRef') doc.trailers.push({ offset: v.offset, dict: v.stream.dict });
  }
  doc.trailers.sort((a, b) => a.offset - b.offset);
}

async function readXref(doc: PdfDocument, buf: Buffer, clock: Clock): Promise<void> {
  const x = doc.xref;
  const at = buf.lastIndexOf(STARTXREF);
  if (at < 0) {
    x.errors.push('no startxref');
    return;
  }
  const lexer = new Lexer(doc.data, at + STARTXREF.length);
  const offset = lexer.readUint();
  if (offset < 0) {
    x.errors.push('startxref without an offset');
    return;
  }
  x.startxref = offset;
  const byOffset = new Map<number, PdfObject>();
  for (const v of doc.versions) if (v.container === undefined) byOffset.set(v.offset, v);
  const visited = new Set<number>();
  const queue: { off: number; hybrid: boolean }[] = [{ off: offset, hybrid: false }];
  const merged = new Map<number, XrefEntry>();
  while (queue.length) {
    const { off, hybrid } = queue.shift()!;
    if (visited.has(off)) {
      x.loop = true;
      x.errors.push(`/Prev chain loops back to offset ${off}`);
      continue;
    }
    if (visited.size >= doc.options.maxXrefSections) {
      x.errors.push(`more than ${doc.options.maxXrefSections} cross-reference sections: the rest were not read`);
      break;
    }
    visited.add(off);
    await clock.tick(1);
    let at = off;
    let section = readXrefSection(doc, off, byOffset);
    if ('error' in section) {
      x.errors.push(section.error);
      // Readers look for the table near a wrong offset; so does this one, and says where it was.
      const near = nearbyXref(buf, off);
      if (near < 0 || visited.has(near)) continue;
      visited.add(near);
      section = readXrefSection(doc, near, byOffset);
      if ('error' in section) continue;
      at = near;
      x.errors.push(`the cross-reference table is at offset ${near}`);
    }
    x.sections.push({ offset: at, kind: section.kind, entries: section.entries.size, ...(section.trailer ? { trailer: section.trailer } : {}), ...(hybrid ? { hybrid: true as const } : {}) });
    for (const [num, e] of section.entries) if (!merged.has(num)) merged.set(num, e);
    const t = section.trailer;
    const xrefStm = t?.get('XRefStm');
    if (typeof xrefStm === 'number' && !hybrid) queue.unshift({ off: xrefStm, hybrid: true });
    const prev = t?.get('Prev');
    if (typeof prev === 'number' && !hybrid) queue.push({ off: prev, hybrid: false });
  }
  xrefEntries.set(doc, merged);
}

/** The `xref` keyword (not `startxref`) nearest to `offset`, within 1 KiB, or -1. */
function nearbyXref(buf: Buffer, offset: number): number {
  let best = -1;
  const from = Math.max(0, offset - 1024);
  for (let i = buf.indexOf('xref', from, 'latin1'); i >= 0 && i <= offset + 1024; i = buf.indexOf('xref', i + 4, 'latin1')) {
    if (i >= 5 && buf.toString('latin1', i - 5, i) === 'start') continue;
    if (best < 0 || Math.abs(i - offset) < Math.abs(best - offset)) best = i;
  }
  return best;
}

/** Merged xref entries per document (newest section first wins). */
const xrefEntries = new WeakMap<PdfDocument, Map<number, XrefEntry>>();

function readXrefSection(doc: PdfDocument, offset: number, byOffset: Map<number, PdfObject>): { kind: 'table' | 'stream'; entries: Map<number, XrefEntry>; trailer?: PdfDict } | { error: string } {
  const d = doc.data;
  if (offset < 0 || offset >= d.length) return { error: `cross-reference offset ${offset} is outside the file` };
  const lexer = new Lexer(d, offset, 10_000);
  const entries = new Map<number, XrefEntry>();
  if (lexer.expectWord('xref')) {
    let total = 0;
    for (;;) {
      const save = lexer.pos;
      const first = lexer.readUint();
      const count = lexer.readUint();
      if (first < 0 || count < 0) {
        lexer.pos = save;
        break;
      }
      if (count > 2_000_000 || total + count > 2_000_000) return { error: `cross-reference subsection at ${offset} declares ${count} entries` };
      total += count;
      for (let k = 0; k < count; k++) {
        const field2 = lexer.readUint();
        const field3 = lexer.readUint();
        const used = lexer.expectWord('n');
        const free = !used && lexer.expectWord('f');
        if (field2 < 0 || field3 < 0 || (!used && !free)) return { error: `malformed cross-reference entry ${first + k} in the table at ${offset}` };
        if (!entries.has(first + k)) entries.set(first + k, { type: used ? 1 : 0, field2, field3 });
      }
    }
    if (!lexer.expectWord('trailer')) return { kind: 'table', entries };
    try {
      const t = lexer.parseValue();
      return { kind: 'table', entries, ...(t instanceof PdfDict ? { trailer: t } : {}) };
    } catch {
      return { kind: 'table', entries };
    }
  }
  let p = offset;
  while (p < d.length && WS[d[p]]) p++;
  const obj = byOffset.get(p);
  if (!obj) return { error: `startxref or /Prev points to offset ${offset}, where there is neither a table nor an object` };
  if (!obj.stream || obj.stream.dict.name('Type') !== 'XRef') return { error: `offset ${offset} holds object ${obj.num}, not a cross-reference stream` };
  const dict = obj.stream.dict;
  const decoded = doc.decode(obj);
  if (!decoded.data.length) return { error: `cross-reference stream ${obj.num} could not be decoded` };
  const w = dict.get('W');
  if (!Array.isArray(w) || w.length < 3 || !w.every((n) => typeof n === 'number' && n >= 0 && n <= 8)) return { error: `cross-reference stream ${obj.num} has an invalid /W` };
  const [w1, w2, w3] = w as number[];
  const rowLen = w1 + w2 + w3;
  if (!rowLen) return { error: `cross-reference stream ${obj.num} has an invalid /W` };
  const size = dict.number('Size') ?? 0;
  const index = dict.get('Index');
  const ranges: number[] = Array.isArray(index) && index.every((n) => typeof n === 'number') ? (index as number[]) : [0, size];
  const data = decoded.data;
  let row = 0;
  const field = (at: number, width: number) => {
    let v = 0;
    for (let k = 0; k < width; k++) v = v * 256 + data[at + k];
    return v;
  };
  for (let r = 0; r + 1 < ranges.length; r += 2) {
    const first = ranges[r];
    const count = Math.min(ranges[r + 1], 2_000_000);
    for (let k = 0; k < count; k++, row++) {
      const at = row * rowLen;
      if (at + rowLen > data.length) return { kind: 'stream', entries, trailer: dict };
      const type = w1 ? field(at, w1) : 1;
      if (type > 2) continue;
      if (!entries.has(first + k)) entries.set(first + k, { type: type as 0 | 1 | 2, field2: field(at + w1, w2), field3: field(at + w1 + w2, w3) });
    }
  }
  return { kind: 'stream', entries, trailer: dict };
}

/** Picks the current version of every object: the xref's when it points at one, else the last in the file. */
function chooseCurrent(doc: PdfDocument): void {
  const current = new Map<number, PdfObject>();
  const sorted = [...doc.versions].sort((a, b) => a.order - b.order);
  for (const v of sorted) current.set(v.num, v);
  const entries = xrefEntries.get(doc);
  if (entries && entries.size) {
    const byOffset = new Map<number, PdfObject>();
    const byContainer = new Map<string, PdfObject>();
    for (const v of sorted) {
      if (v.container === undefined) byOffset.set(v.offset, v);
      else byContainer.set(`${v.container}:${v.num}`, v);
    }
    for (const [num, e] of entries) {
      let chosen: PdfObject | undefined;
      if (e.type === 1) {
        let p = e.field2;
        while (p < doc.data.length && WS[doc.data[p]]) p++;
        chosen = byOffset.get(p);
      } else if (e.type === 2) chosen = byContainer.get(`${e.field2}:${num}`);
      if (chosen && chosen.num === num) current.set(num, chosen);
    }
  }
  doc.objects = current;
  // Indirect /Length values, now that objects can be resolved.
  for (const v of doc.versions) {
    const s = v.stream;
    if (!s || s.lengthOk || !(s.dict.get('Length') instanceof PdfRef)) continue;
    const length = doc.resolve(s.dict.get('Length'));
    if (typeof length === 'number' && length >= 0 && s.start + length <= doc.data.length && endstreamAt(doc.data, s.start + length)) {
      s.end = s.start + length;
      s.lengthOk = true;
    } else if (!s.lengthChecked) {
      s.lengthChecked = true;
      doc.badLengths++;
    }
  }
  // The trailer: the xref chain's (newest first), else the trailers in the file (last first).
  const merged = new PdfDict();
  const sources = [...doc.xref.sections.map((s) => s.trailer).filter((t): t is PdfDict => !!t), ...[...doc.trailers].reverse().map((t) => t.dict)];
  for (const t of sources) {
    for (const key of ['Root', 'Info', 'Encrypt', 'ID', 'Size']) {
      if (!merged.has(key) && t.has(key)) merged.map.set(key, t.get(key)!);
    }
  }
  if (!(doc.resolve(merged.get('Root')) instanceof PdfDict)) {
    for (const v of sorted) {
      if (v.value instanceof PdfDict && v.value.name('Type') === 'Catalog' && doc.objects.get(v.num) === v) merged.map.set('Root', new PdfRef(v.num, v.gen));
    }
  }
  doc.trailer = merged;
}

function openEncrypt(doc: PdfDocument): void {
  const ref = doc.trailer.get('Encrypt');
  if (ref === undefined || ref === null) return;
  const dict = doc.resolve(ref);
  if (!(dict instanceof PdfDict)) {
    doc.note('/Encrypt does not name a dictionary');
    return;
  }
  if (ref instanceof PdfRef) doc.encryptObject = ref.num;
  const id = doc.resolve(doc.trailer.get('ID'));
  const id0 = Array.isArray(id) && id[0] instanceof PdfString ? id[0].bytes : new Uint8Array(0);
  const { info, decryptor } = openEncryption(dict, id0, (v) => doc.resolve(v));
  doc.encryption = info;
  doc.decryptor = decryptor;
  if (!decryptor) return;
  for (const v of doc.versions) {
    if (v.container !== undefined || v.num === doc.encryptObject) continue;
    if (v.stream && v.stream.dict.name('Type') === 'XRef') continue;
    decryptStrings(v.value, (bytes) => decryptor.decryptString(bytes, v.num, v.gen), 0);
  }
}

function decryptStrings(v: PdfValue, decrypt: (b: Uint8Array) => Uint8Array, depth: number): void {
  if (depth > 70) return;
  if (v instanceof PdfString) v.bytes = decrypt(v.bytes);
  else if (Array.isArray(v)) for (const x of v) decryptStrings(x, decrypt, depth + 1);
  else if (v instanceof PdfDict) for (const x of v.map.values()) decryptStrings(x, decrypt, depth + 1);
}

async function unpackObjectStreams(doc: PdfDocument, clock: Clock): Promise<void> {
  const containers = doc.versions.filter((v) => v.stream && v.stream.dict.name('Type') === 'ObjStm');
  doc.objectStreams = containers.length;
  for (const c of containers) {
    await clock.tick(1);
    const dict = c.stream!.dict;
    const n = doc.resolve(dict.get('N'));
    const first = doc.resolve(dict.get('First'));
    if (typeof n !== 'number' || typeof first !== 'number' || n < 0 || first < 0) {
      doc.note(`object stream ${c.num}: missing /N or /First`);
      continue;
    }
    const decoded = doc.decode(c);
    if (!decoded.data.length) {
      if (!decoded.refused) doc.note(`object stream ${c.num}: could not be decoded`);
      continue;
    }
    const data = decoded.data;
    const lexer = new Lexer(data, 0, undefined, [], doc.lean ? undefined : doc.values);
    const pairs: [number, number][] = [];
    const count = Math.min(Math.floor(n), 1_000_000);
    for (let k = 0; k < count; k++) {
      const num = lexer.readUint();
      const off = lexer.readUint();
      if (num < 0 || off < 0) {
        doc.note(`object stream ${c.num}: ${k} of ${count} object headers readable`);
        break;
      }
      pairs.push([num, off]);
    }
    for (let k = 0; k < pairs.length; k++) {
      if (doc.versions.length >= doc.options.maxObjects) {
        doc.limit(`more than ${doc.options.maxObjects} objects: the rest of the file was not read`);
        return;
      }
      await clock.tick(64);
      const [num, off] = pairs[k];
      lexer.pos = first + off;
      lexer.resetItems();
      let value: PdfValue = null;
      try {
        value = parseWithinBudget(doc, lexer);
        if (doc.lean) value = keepLean(doc, value, lexer.itemCount);
        if (doc.leanValues > doc.options.maxValues) {
          doc.limit(`more than ${doc.options.maxValues} further values in objects with actions, scripts, forms or embedded files: the rest of the file was not read`);
          return;
        }
      } catch (err) {
        doc.note(`object ${num} in object stream ${c.num}: ${err instanceof Error ? err.message : String(err)}`);
      }
      doc.versions.push({ num, gen: 0, value, offset: c.offset, container: c.num, section: c.section, order: c.order + (k + 1) / (pairs.length + 1) });
    }
    doc.escapedNames.push(...lexer.escapedNames);
  }
}

function checkXref(doc: PdfDocument): void {
  const x = doc.xref;
  const entries = xrefEntries.get(doc);
  if (!entries) {
    x.valid = false;
    return;
  }
  const byOffset = new Map<number, PdfObject>();
  const inContainers = new Set<string>();
  for (const v of doc.versions) {
    if (v.container === undefined) byOffset.set(v.offset, v);
    else inContainers.add(`${v.container}:${v.num}`);
  }
  const listed = new Set<number>();
  for (const [num, e] of entries) {
    if (e.type === 0) continue;
    x.inUse++;
    listed.add(num);
    let ok: boolean;
    if (e.type === 1) {
      let p = e.field2;
      while (p < doc.data.length && WS[doc.data[p]]) p++;
      ok = byOffset.get(p)?.num === num;
    } else ok = inContainers.has(`${e.field2}:${num}`) || doc.encryption !== undefined;
    if (!ok) {
      x.badOffsets++;
      if (x.badOffsetExamples.length < 10) x.badOffsetExamples.push(e.type === 1 ? `object ${num} listed at offset ${e.field2}` : `object ${num} listed in object stream ${e.field2}`);
    }
  }
  for (const num of doc.objects.keys()) {
    if (listed.has(num)) continue;
    x.objectsOutsideXref++;
    if (x.outsideExamples.length < 20) x.outsideExamples.push(num);
  }
  x.valid = x.errors.length === 0 && x.sections.length > 0 && x.badOffsets === 0;
}
