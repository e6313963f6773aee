/**
 * A bounded RTF tokenizer for malware analysis: it does not render text, it finds what Word would
 * load — embedded objects (`\object` groups: `\objclass`, `\objdata` hex, link/update flags),
 * field instructions (`\fldinst`: HYPERLINK, INCLUDEPICTURE, DDEAUTO), `\*\template` — and the
 * tricks exploit kits use to break other parsers: unbalanced braces, `\bin` runs, junk and nested
 * groups inside the object hex, over-long control words, a mangled `{\rtf` header.
 *
 * Tolerant the way Word is: whitespace and non-hex characters inside `\objdata` are skipped, an odd
 * nibble is dropped, `\bin N` bytes are taken raw, `\'hh` and unknown control words are ignored in
 * object data. Everything is bounded: stack depth, objects, bytes per object, instructions.
 */
export interface RtfObjectRaw {
  /** Byte offset of `\object` (or of `\objdata` for objects outside an `\object` group). */
  offset: number;
  /** `\objemb`, `\objlink`, `\objautlink`, `\objsub`, `\objpub`, `\objicemb`, `\objhtml`, `\objocx`. */
  kinds: string[];
  objclass: string;
  /** `\objupdate`: Word refreshes the object when the document opens. */
  update: boolean;
  /** Decoded bytes of `\objdata` (hex and `\bin` runs). */
  data: Uint8Array;
  hexDigits: number;
  /** Characters in the object data that are neither hex digits nor whitespace (Word skips them). */
  junk: number;
  binBytes: number;
  /** Object data longer than the limit: the rest was skipped. */
  truncated: boolean;
}

export interface RtfParse {
  header: string;
  objects: RtfObjectRaw[];
  fields: string[];
  templates: string[];
  /** Obfuscation and damage, as human-readable findings. */
  anomalies: string[];
  groups: number;
  maxDepth: number;
  controlWords: number;
  /** Parsing stopped early (time or byte budget). */
  incomplete?: string;
}

export interface RtfLimits {
  maxObjects: number;
  maxObjectBytes: number;
  maxFields: number;
  maxDepth: number;
  deadline: number;
  signal?: AbortSignal;
}

type Destination = 'text' | 'objdata' | 'objclass' | 'fldinst' | 'template' | 'skip';

interface GroupState {
  dest: Destination;
  /** Index of the object this group belongs to (-1: none). */
  object: number;
  /** Index of the field instruction being collected. */
  field: number;
  template: number;
}

/** Destinations whose text is not document text (and not ours): skipped. */
const SKIPPED = new Set(['fonttbl', 'colortbl', 'stylesheet', 'info', 'pict', 'result', 'datastore', 'themedata', 'colorschememapping', 'latentstyles', 'listtable', 'listoverridetable', 'rsidtbl', 'generator', 'xmlnstbl', 'mmathPr', 'filetbl', 'revtbl', 'fldrslt', 'header', 'footer', 'bkmkstart', 'bkmkend', 'blipuid', 'shppict', 'nonshppict', 'sp', 'sn', 'sv']);
const OBJECT_KINDS = new Set(['objemb', 'objlink', 'objautlink', 'objsub', 'objpub', 'objicemb', 'objhtml', 'objocx']);
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

/** A growable byte buffer with a hard cap. */
class Bytes {
  buf = new Uint8Array(1024);
  length = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(byte: number): void {
    if (this.length >= this.cap) {
      this.truncated = true;
      return;
    }
    if (this.length === this.buf.length) {
      const grown = new Uint8Array(Math.min(this.cap, this.buf.length * 2));
      grown.set(this.buf);
      this.buf = grown;
    }
    this.buf[this.length++] = byte;
  }
  append(bytes: Uint8Array): void {
    const n = Math.min(bytes.length, this.cap - this.length);
    if (n < bytes.length) this.truncated = true;
    if (n <= 0) return;
    if (this.length + n > this.buf.length) {
      const grown = new Uint8Array(Math.min(this.cap, Math.max(this.buf.length * 2, this.length + n)));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    this.buf.set(bytes.subarray(0, n), this.length);
    this.length += n;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

const LATIN1 = new TextDecoder('latin1');
const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export function parseRtf(b: Uint8Array, limits: RtfLimits): RtfParse {
  const header = LATIN1.decode(b.subarray(0, 16)).split(/[\\{ \r\n]/).filter(Boolean)[0] ?? '';
  const result: RtfParse = { header: `{\\${header}`, objects: [], fields: [], templates: [], anomalies: [], groups: 0, maxDepth: 0, controlWords: 0 };
  const anomaly = new Map<string, number>();
  const note = (kind: string) => anomaly.set(kind, (anomaly.get(kind) ?? 0) + 1);
  const tooDeep = `groups nested deeper than ${limits.maxDepth} levels`;
  if (!/^rtf1$/.test(header)) note(`header is "{\\${header.slice(0, 20)}" instead of "{\\rtf1"`);

  const objects: (Omit<RtfObjectRaw, 'data' | 'truncated'> & { bytes: Bytes; nibble: number })[] = [];
  const fields: string[] = [];
  const templates: string[] = [];
  const stack: GroupState[] = [];
  let state: GroupState = { dest: 'text', object: -1, field: -1, template: -1 };
  let groupStart = false;
  let starred = false;
  let depth = 0;
  let extraClosing = 0;
  let largestBin = 0;
  let longWords = 0;
  let longParams = 0;
  let i = 0;
  const n = b.length;

  const newObject = (offset: number): number => {
    if (objects.length >= limits.maxObjects) return -1;
    objects.push({ offset, kinds: [], objclass: '', update: false, hexDigits: 0, junk: 0, binBytes: 0, bytes: new Bytes(limits.maxObjectBytes), nibble: -1 });
    return objects.length - 1;
  };
  const appendText = (text: string) => {
    if (state.dest === 'objclass' && state.object >= 0) {
      const o = objects[state.object];
      if (o.objclass.length < 256) o.objclass += text;
    } else if (state.dest === 'fldinst' && state.field >= 0) {
      if (fields[state.field].length < 4096) fields[state.field] += text;
    } else if (state.dest === 'template' && state.template >= 0) {
      if (templates[state.template].length < 2048) templates[state.template] += text;
    }
  };

  while (i < n) {
    if ((i & 0xffff) === 0 && i && (Date.now() > limits.deadline || limits.signal?.aborted)) {
      result.incomplete = `stopped at byte ${i} of ${n} (time budget)`;
      break;
    }
    const c = b[i];
    if (c === 0x7b) {
      // {
      result.groups++;
      depth++;
      if (depth > result.maxDepth) result.maxDepth = depth;
      if (stack.length < limits.maxDepth) stack.push(state);
      else if (!anomaly.has(tooDeep)) note(tooDeep);
      state = { ...state };
      groupStart = true;
      starred = false;
      i++;
      continue;
    }
    if (c === 0x7d) {
      // }
      if (depth === 0) extraClosing++;
      else {
        if (stack.length === depth) state = stack.pop()!;
        depth--;
      }
      groupStart = false;
      starred = false;
      i++;
      continue;
    }
    if (c === 0x5c) {
      // \ control word or symbol
      const next = i + 1 < n ? b[i + 1] : -1;
      if (next >= 0 && isLetter(next)) {
        let j = i + 1;
        while (j < n && isLetter(b[j]) && j - i <= 64) j++;
        let word = String.fromCharCode(...b.subarray(i + 1, Math.min(j, i + 33)));
        if (j - i - 1 > 32) {
          longWords++;
          while (j < n && isLetter(b[j])) j++;
          word = '';
        }
        let param: number | undefined;
        let k = j;
        if (k < n && (b[k] === 0x2d || isDigit(b[k]))) {
          const negative = b[k] === 0x2d;
          if (negative) k++;
          let digits = 0;
          let value = 0;
          while (k < n && isDigit(b[k])) {
            if (digits < 10) value = value * 10 + (b[k] - 0x30);
            digits++;
            k++;
          }
          if (digits > 10) longParams++;
          param = negative ? -value : value;
        }
        if (k < n && b[k] === 0x20) k++; // the delimiting space belongs to the control word
        i = k;
        result.controlWords++;
        const atStart = groupStart;
        groupStart = false;
        if (word === 'bin') {
          const length = Math.max(0, param ?? 0);
          if (length > largestBin) largestBin = length;
          const end = Math.min(n, i + length);
          if (i + length > n) note(`\\bin${length} runs past the end of the file`);
          if (state.dest === 'objdata' && state.object >= 0) {
            const o = objects[state.object];
            o.bytes.append(b.subarray(i, end));
            o.binBytes += end - i;
          }
          i = end;
          continue;
        }
        this_word: {
          if (word === 'object') {
            state.object = newObject(i);
            state.dest = 'text';
            break this_word;
          }
          if (OBJECT_KINDS.has(word) && state.object >= 0) {
            if (!objects[state.object].kinds.includes(word)) objects[state.object].kinds.push(word);
            break this_word;
          }
          if (word === 'objupdate' && state.object >= 0) {
            objects[state.object].update = true;
            break this_word;
          }
          // Destinations: ours wherever they stand; others skipped when they open a group.
          if (word === 'objdata') {
            if (state.object < 0) state.object = newObject(i);
            state.dest = state.object >= 0 ? 'objdata' : 'skip';
          } else if (word === 'objclass') {
            state.dest = state.object >= 0 ? 'objclass' : 'skip';
          } else if (word === 'fldinst') {
            if (fields.length < limits.maxFields) {
              fields.push('');
              state.field = fields.length - 1;
              state.dest = 'fldinst';
            } else state.dest = 'skip';
          } else if (word === 'template') {
            if (templates.length < 20) {
              templates.push('');
              state.template = templates.length - 1;
              state.dest = 'template';
            } else state.dest = 'skip';
          } else if (atStart && (starred || SKIPPED.has(word))) {
            state.dest = 'skip';
          }
        }
        starred = false;
        continue;
      }
      // Control symbols.
      if (next === 0x2a) {
        // \*
        starred = true;
        i += 2;
        continue;
      }
      if (next === 0x27) {
        // \'hh: a character in the document's code page
        const hi = i + 2 < n ? HEX[b[i + 2]] : -1;
        const lo = i + 3 < n ? HEX[b[i + 3]] : -1;
        if (hi >= 0 && lo >= 0 && state.dest !== 'objdata') appendText(String.fromCharCode(hi * 16 + lo));
        i += 4;
        continue;
      }
      if (next === 0x5c || next === 0x7b || next === 0x7d) {
        if (state.dest === 'objdata' && state.object >= 0) objects[state.object].junk++;
        else appendText(String.fromCharCode(next));
        i += 2;
        continue;
      }
      i += 2;
      continue;
    }
    // Text.
    groupStart = false;
    if (state.dest === 'objdata' && state.object >= 0) {
      const o = objects[state.object];
      // Fast path over a run of hex digits and whitespace.
      let j = i;
      for (; j < n; j++) {
        const ch = b[j];
        const v = HEX[ch];
        if (v >= 0) {
          o.hexDigits++;
          if (o.nibble < 0) o.nibble = v;
          else {
            o.bytes.push((o.nibble << 4) | v);
            o.nibble = -1;
          }
        } else if (ch === 0x20 || ch === 0x0d || ch === 0x0a || ch === 0x09) {
          // whitespace is skipped
        } else if (ch === 0x7b || ch === 0x7d || ch === 0x5c) {
          break;
        } else {
          o.junk++;
        }
      }
      i = j;
      continue;
    }
    if (state.dest === 'objclass' || state.dest === 'fldinst' || state.dest === 'template') {
      let j = i;
      while (j < n && b[j] !== 0x7b && b[j] !== 0x7d && b[j] !== 0x5c && j - i < 4096) j++;
      appendText(LATIN1.decode(b.subarray(i, j)).replace(/[\r\n]/g, ''));
      i = j;
      continue;
    }
    // Document text and skipped destinations: jump to the next special character.
    let j = i + 1;
    while (j < n && b[j] !== 0x7b && b[j] !== 0x7d && b[j] !== 0x5c) j++;
    i = j;
  }

  if (depth > 0) note(`${depth} group(s) never closed`);
  if (extraClosing) note(`${extraClosing} closing brace(s) without an open group`);
  if (largestBin > 1024 * 1024) note(`\\bin run of ${largestBin} bytes`);
  if (longWords) note(`${longWords} control word(s) longer than 32 letters`);
  if (longParams) note(`${longParams} control word parameter(s) longer than 10 digits`);
  for (const [index, o] of objects.entries()) {
    if (o.junk >= 8) note(`object ${index}: ${o.junk} non-hex characters inside \\objdata`);
    if (o.binBytes) note(`object ${index}: ${o.binBytes} raw bytes through \\bin inside \\objdata`);
  }
  for (const [kind, count] of anomaly) result.anomalies.push(count > 1 && !/^\d/.test(kind) && !/object \d/.test(kind) ? `${kind} (×${count})` : kind);
  result.objects = objects.map(({ bytes, nibble: _nibble, ...o }) => ({ ...o, objclass: o.objclass.trim(), data: bytes.bytes(), truncated: bytes.truncated }));
  result.fields = fields.map((f) => f.trim()).filter(Boolean);
  result.templates = templates.map((t) => t.trim()).filter(Boolean);
  return result;
}
