import { PdfDict, PdfKeyword, PdfName, PdfRef, PdfString, PdfValue } from './objects';

/**
 * Tokenizer and value parser for PDF syntax (ISO 32000-1 §7.2–7.3), over bytes that may be anything:
 * unterminated strings, arrays and dictionaries end at the end of the data or at a structural keyword
 * (`endobj`, `stream`, `obj`), nesting deeper than MAX_DEPTH and objects of more than `maxItems`
 * values are refused with a ParseError (the caller records it and goes on with the next object).
 * Recursion is bounded by the depth limit, so no input can exhaust the stack.
 */

export const MAX_DEPTH = 64;
export const DEFAULT_MAX_ITEMS = 1_000_000;

export class ParseError extends Error {}

/** Values the parser may still build over a whole document (shared by its lexers): memory is bounded, not only time. */
export class ValueBudget {
  constructor(public remaining: number) {}
}

export class ValueBudgetError extends ParseError {}

/** PDF white-space characters: NUL, TAB, LF, FF, CR, SPACE. */
export const WS = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WS[c] = 1;
/** Delimiters: ( ) < > [ ] { } / %. */
export const DELIM = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIM[c.charCodeAt(0)] = 1;

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}
export const hexValue = (c: number) => HEX[c];

const STRUCTURAL = new Set(['endobj', 'stream', 'endstream', 'obj', 'xref', 'trailer', 'startxref']);

export class Lexer {
  pos: number;
  /** A string, array or dictionary ran into the end of the data. */
  unterminated = false;
  /** Values parsed since the last `resetItems()`. */
  private items = 0;
  constructor(
    readonly data: Uint8Array,
    pos = 0,
    private readonly maxItems = DEFAULT_MAX_ITEMS,
    /** Receives the names that used `#xx` escapes, for the obfuscation report. */
    readonly escapedNames: PdfName[] = [],
    private budget?: ValueBudget,
  ) {
    this.pos = pos;
  }

  resetItems(): void {
    this.items = 0;
  }

  /** Values parsed since the last `resetItems()`. */
  get itemCount(): number {
    return this.items;
  }

  /** Goes on without the shared value budget (the caller decides what to keep). */
  dropBudget(): void {
    this.budget = undefined;
  }

  get atEnd(): boolean {
    return this.pos >= this.data.length;
  }

  /** Skips white space and comments. */
  skipWs(): void {
    const d = this.data;
    const n = d.length;
    let p = this.pos;
    while (p < n) {
      const c = d[p];
      if (WS[c]) p++;
      else if (c === 0x25) {
        while (p < n && d[p] !== 0x0a && d[p] !== 0x0d) p++;
      } else break;
    }
    this.pos = p;
  }

  /** The regular-character word at the current position (after white space), without consuming it. */
  peekWord(): string {
    this.skipWs();
    const d = this.data;
    let e = this.pos;
    while (e < d.length && e - this.pos < 32 && !WS[d[e]] && !DELIM[d[e]]) e++;
    return latin1Slice(d, this.pos, e);
  }

  /** Reads an unsigned integer at the current position (after white space), or returns -1 and leaves the position. */
  readUint(): number {
    this.skipWs();
    const d = this.data;
    let p = this.pos;
    let v = 0;
    const start = p;
    while (p < d.length && d[p] >= 0x30 && d[p] <= 0x39 && p - start < 15) v = v * 10 + (d[p++] - 0x30);
    if (p === start || (p < d.length && !WS[d[p]] && !DELIM[d[p]])) return -1;
    this.pos = p;
    return v;
  }

  /** Consumes `word` (after white space) when it is next, followed by a delimiter, white space or the end. */
  expectWord(word: string): boolean {
    this.skipWs();
    const d = this.data;
    const p = this.pos;
    if (p + word.length > d.length) return false;
    for (let i = 0; i < word.length; i++) if (d[p + i] !== word.charCodeAt(i)) return false;
    const after = p + word.length;
    if (after < d.length && !WS[d[after]] && !DELIM[d[after]]) return false;
    this.pos = after;
    return true;
  }

  parseValue(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) throw new ParseError(`nesting deeper than ${MAX_DEPTH} levels`);
    if (++this.items > this.maxItems) throw new ParseError(`more than ${this.maxItems} values in one object`);
    if (this.budget && --this.budget.remaining < 0) throw new ValueBudgetError('value budget spent');
    this.skipWs();
    const d = this.data;
    if (this.pos >= d.length) throw new ParseError('unexpected end of data');
    const c = d[this.pos];
    if (c === 0x2f) return this.parseName();
    if (c === 0x28) return this.parseLiteral();
    if (c === 0x3c) {
      if (d[this.pos + 1] === 0x3c) return this.parseDict(depth);
      return this.parseHex();
    }
    if (c === 0x5b) return this.parseArray(depth);
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) return this.parseNumberOrRef();
    if (DELIM[c]) {
      // A stray `)`, `>`, `]`, `{` or `}`: consumed and kept as a keyword so the caller can go on.
      this.pos++;
      return new PdfKeyword(String.fromCharCode(c));
    }
    let e = this.pos;
    while (e < d.length && !WS[d[e]] && !DELIM[d[e]]) e++;
    const word = latin1Slice(d, this.pos, Math.min(e, this.pos + 64));
    this.pos = e;
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    return new PdfKeyword(word);
  }

  private parseName(): PdfName {
    const d = this.data;
    const start = ++this.pos;
    let e = start;
    let escaped = false;
    while (e < d.length && !WS[d[e]] && !DELIM[d[e]]) {
      if (d[e] === 0x23) escaped = true;
      e++;
    }
    this.pos = e;
    if (!escaped) return new PdfName(latin1Slice(d, start, e));
    const bytes: number[] = [];
    for (let i = start; i < e; i++) {
      if (d[i] === 0x23 && i + 2 < e && HEX[d[i + 1]] >= 0 && HEX[d[i + 2]] >= 0) {
        bytes.push(HEX[d[i + 1]] * 16 + HEX[d[i + 2]]);
        i += 2;
      } else bytes.push(d[i]);
    }
    const name = new PdfName(Buffer.from(bytes).toString('latin1'), latin1Slice(d, start, e));
    if (this.escapedNames.length < 1000) this.escapedNames.push(name);
    return name;
  }

  private parseLiteral(): PdfString {
    const d = this.data;
    const n = d.length;
    const start = ++this.pos;
    // The balancing parenthesis (escapes skip a character), and whether the bytes need decoding.
    let nest = 1;
    let simple = true;
    let p = start;
    for (; p < n; p++) {
      const c = d[p];
      if (c === 0x5c) {
        simple = false;
        p++;
      } else if (c === 0x0d) simple = false;
      else if (c === 0x28) nest++;
      else if (c === 0x29 && --nest === 0) break;
    }
    const end = Math.min(p, n);
    if (p >= n) this.unterminated = true;
    this.pos = Math.min(n, end + 1);
    // Offsets into the data, decoded when read: a file of millions of strings costs no buffer per string.
    return new PdfString(d, simple ? 'raw' : 'literal', start, end);
  }

  private parseHex(): PdfString {
    const d = this.data;
    const start = this.pos + 1;
    let end = d.indexOf(0x3e, start);
    if (end < 0) {
      end = d.length;
      this.unterminated = true;
    }
    this.pos = Math.min(d.length, end + 1);
    return new PdfString(d, 'hex', start, end);
  }

  private parseArray(depth: number): PdfValue[] {
    this.pos++;
    const items: PdfValue[] = [];
    const d = this.data;
    for (;;) {
      this.skipWs();
      if (this.pos >= d.length) {
        this.unterminated = true;
        return items;
      }
      if (d[this.pos] === 0x5d) {
        this.pos++;
        return items;
      }
      if (this.atStructural()) return items;
      items.push(this.parseValue(depth + 1));
    }
  }

  private parseDict(depth: number): PdfDict {
    this.pos += 2;
    const dict = new PdfDict();
    const d = this.data;
    for (;;) {
      this.skipWs();
      if (this.pos >= d.length) {
        this.unterminated = true;
        return dict;
      }
      if (d[this.pos] === 0x3e) {
        this.pos += d[this.pos + 1] === 0x3e ? 2 : 1;
        return dict;
      }
      if (this.atStructural()) return dict;
      const key = this.parseValue(depth + 1);
      if (!(key instanceof PdfName)) continue; // junk where a key belongs: skipped
      this.skipWs();
      if (this.pos >= d.length || (d[this.pos] === 0x3e && d[this.pos + 1] === 0x3e) || this.atStructural()) {
        dict.map.set(key.value, null);
        continue;
      }
      dict.map.set(key.value, this.parseValue(depth + 1));
    }
  }

  private atStructural(): boolean {
    const c = this.data[this.pos];
    if (c !== 0x65 && c !== 0x73 && c !== 0x6f && c !== 0x78 && c !== 0x74) return false; // e s o x t
    return STRUCTURAL.has(this.peekWord());
  }

  private parseNumberOrRef(): PdfValue {
    const d = this.data;
    const start = this.pos;
    let e = start;
    while (e < d.length && ((d[e] >= 0x30 && d[e] <= 0x39) || d[e] === 0x2b || d[e] === 0x2d || d[e] === 0x2e) && e - start < 64) e++;
    this.pos = e;
    const text = latin1Slice(d, start, e);
    const value = parseNumber(text);
    // `num gen R`: a reference when two unsigned integers are followed by the keyword R.
    if (/^\d{1,10}$/.test(text)) {
      const save = this.pos;
      const gen = this.readUint();
      if (gen >= 0 && gen <= 65535) {
        this.skipWs();
        if (d[this.pos] === 0x52 && (this.pos + 1 >= d.length || WS[d[this.pos + 1]] || DELIM[d[this.pos + 1]])) {
          this.pos++;
          return new PdfRef(value, gen);
        }
      }
      this.pos = save;
    }
    return value;
  }
}

/** Lenient number parsing: `--5`, `1.2.3`, `.5`, `5.` and `+` all give a finite number. */
export function parseNumber(text: string): number {
  let v = Number(text);
  if (Number.isFinite(v)) return v;
  const m = /[+-]?(\d+\.?\d*|\.\d+)/.exec(text.replace(/^[+-]+(?=[+-])/, ''));
  v = m ? Number(m[0]) : 0;
  return Number.isFinite(v) ? v : 0;
}

export function latin1Slice(d: Uint8Array, start: number, end: number): string {
  const stop = Math.min(end, d.length);
  if (stop - start <= 32) {
    // Names and keywords are short: building the string directly beats a Buffer view per token.
    let s = '';
    for (let i = start; i < stop; i++) s += String.fromCharCode(d[i]);
    return s;
  }
  return Buffer.from(d.buffer, d.byteOffset + start, Math.max(0, stop - start)).toString('latin1');
}
