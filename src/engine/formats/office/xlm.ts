/**
 * Excel 4.0 (XLM) macros: macro sheets, their visibility, Auto_Open names and the formulas on the
 * macro sheets, from a BIFF8 `Workbook` stream ([MS-XLS]) or from the parts of an OOXML workbook.
 *
 * BIFF8: the globals substream lists the sheets (BoundSheet8: position, hidden state, type, name),
 * a FilePass record means the rest is encrypted, and Lbl records hold defined names (built-in name
 * 0x01 is Auto_Open). Each macro sheet's substream holds FORMULA records whose parsed expressions
 * (RPN tokens) are turned back into formula text here, as far as the token table below reaches.
 */
export type SheetType = 'worksheet' | 'macro' | 'chart' | 'vb module' | 'dialog' | 'unknown';
export type SheetState = 'visible' | 'hidden' | 'very hidden';

export interface XlmSheet {
  name: string;
  type: SheetType;
  state: SheetState;
}

export interface XlmFormula {
  sheet: string;
  cell: string;
  formula: string;
}

export interface XlmResult {
  sheets: XlmSheet[];
  /** Defined names that run a macro when the workbook opens (Auto_Open, Auto_Close ...), with their target. */
  autoOpen: string[];
  formulas: XlmFormula[];
  /** Every function name the macro sheets call. */
  functions: string[];
  /** String constants in the macro sheets' formulas. */
  strings: string[];
  encrypted: boolean;
  /** DDE links of the workbook (SupBook records naming a DDE server): `service topic`. */
  ddeLinks: string[];
  problems: string[];
}

const MAX_FORMULAS = 2000;
const MAX_FORMULA_TEXT = 1000;
const MAX_STRINGS = 500;

/** [MS-XLS] Ftab: function index → name (the ones macros use, and the common ones around them), with the fixed argument count used by ptgFunc. */
const FTAB: Record<number, [string, number]> = {
  0: ['COUNT', -1], 1: ['IF', -1], 2: ['ISNA', 1], 3: ['ISERROR', 1], 4: ['SUM', -1], 5: ['AVERAGE', -1], 6: ['MIN', -1], 7: ['MAX', -1], 8: ['ROW', -1], 9: ['COLUMN', -1],
  10: ['NA', 0], 15: ['SIN', 1], 19: ['PI', 0], 24: ['ABS', 1], 25: ['INT', 1], 26: ['SIGN', 1], 27: ['ROUND', 2], 29: ['INDEX', -1], 30: ['REPT', 2], 31: ['MID', 3],
  32: ['LEN', 1], 33: ['VALUE', 1], 34: ['TRUE', 0], 35: ['FALSE', 0], 36: ['AND', -1], 37: ['OR', -1], 38: ['NOT', 1], 39: ['MOD', 2], 48: ['TEXT', 2], 53: ['GOTO', 1],
  54: ['HALT', -1], 55: ['RETURN', -1], 56: ['PV', -1], 63: ['RAND', 0], 65: ['DATE', 3], 66: ['TIME', 3], 67: ['DAY', 1], 68: ['MONTH', 1], 69: ['YEAR', 1], 70: ['WEEKDAY', -1],
  71: ['HOUR', 1], 72: ['MINUTE', 1], 73: ['SECOND', 1], 74: ['NOW', 0], 78: ['OFFSET', -1], 79: ['ABSREF', 2], 80: ['RELREF', 2], 81: ['ARGUMENT', -1], 82: ['SEARCH', -1],
  84: ['ERROR', -1], 85: ['STEP', 0], 86: ['TYPE', 1], 87: ['ECHO', -1], 88: ['SET.NAME', -1], 89: ['CALLER', 0], 90: ['DEREF', 1], 91: ['WINDOWS', -1], 93: ['DOCUMENTS', -1],
  94: ['ACTIVE.CELL', 0], 95: ['SELECTION', 0], 96: ['RESULT', -1], 100: ['CHOOSE', -1], 101: ['HLOOKUP', -1], 102: ['VLOOKUP', -1], 105: ['ISREF', 1], 106: ['GET.FORMULA', 1],
  107: ['GET.NAME', -1], 108: ['SET.VALUE', 2], 110: ['EXEC', -1], 111: ['CHAR', 1], 112: ['LOWER', 1], 113: ['UPPER', 1], 114: ['PROPER', 1], 115: ['LEFT', -1], 116: ['RIGHT', -1],
  117: ['EXACT', 2], 118: ['TRIM', 1], 119: ['REPLACE', 4], 120: ['SUBSTITUTE', -1], 121: ['CODE', 1], 122: ['NAMES', -1], 123: ['DIRECTORY', -1], 124: ['FIND', -1], 125: ['CELL', -1],
  126: ['ISERR', 1], 127: ['ISTEXT', 1], 128: ['ISNUMBER', 1], 129: ['ISBLANK', 1], 130: ['T', 1], 131: ['N', 1], 132: ['FOPEN', -1], 133: ['FCLOSE', 1], 134: ['FSIZE', 1],
  135: ['FREADLN', 1], 136: ['FREAD', 2], 137: ['FWRITELN', 2], 138: ['FWRITE', 2], 139: ['FPOS', -1], 145: ['GET.DEF', -1], 146: ['REFTEXT', -1], 147: ['TEXTREF', -1],
  148: ['INDIRECT', -1], 149: ['REGISTER', -1], 150: ['CALL', -1], 166: ['FILES', -1], 169: ['COUNTA', -1], 170: ['CANCEL.KEY', -1], 171: ['FOR', -1], 172: ['WHILE', 1],
  173: ['BREAK', 0], 174: ['NEXT', 0], 175: ['INITIATE', 2], 176: ['REQUEST', 2], 177: ['POKE', 3], 178: ['EXECUTE', 2], 179: ['TERMINATE', 1], 180: ['RESTART', -1],
  185: ['GET.CELL', -1], 186: ['GET.WORKSPACE', 1], 187: ['GET.WINDOW', -1], 188: ['GET.DOCUMENT', -1], 201: ['UNREGISTER', 1], 223: ['ELSE', 0], 224: ['ELSE.IF', 1],
  225: ['END.IF', 0], 226: ['FOR.CELL', -1], 236: ['CREATE.OBJECT', -1], 237: ['VOLATILE', -1], 244: ['INFO', 1], 246: ['GET.OBJECT', -1], 255: ['USERFUNCTION', -1],
  257: ['EVALUATE', 1], 267: ['REGISTER.ID', -1], 336: ['CONCATENATE', -1],
};

/** Functions and strings that make an XLM macro a program launcher or downloader. */
export const XLM_EXECUTION_FUNCTIONS = new Set(['EXEC', 'CALL', 'REGISTER', 'REGISTER.ID', 'EXECUTE', 'INITIATE', 'CREATE.OBJECT', 'FWRITE', 'FWRITELN', 'FOPEN']);
export const XLM_EXECUTION_STRINGS = /URLDownloadToFile|ShellExecute|WinExec|CreateProcess|VirtualAlloc|CreateThread|RtlCopyMemory|WriteProcessMemory|kernel32|urlmon|shell32|powershell|cmd(?:\.exe)?\s*\/[ck]|mshta|regsvr32|rundll32|certutil|bitsadmin|https?:\/\//i;

const u16 = (b: Uint8Array, o: number) => (o + 2 <= b.length ? b[o] | (b[o + 1] << 8) : 0);
/** The little-endian 32-bit value at `o`, 0 past the end. */
export const u32 = (b: Uint8Array, o: number) => (o + 4 <= b.length ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0 : 0);
const latin1 = new TextDecoder('latin1');
const utf16 = new TextDecoder('utf-16le', { fatal: false });

export function columnName(col: number): string {
  let s = '';
  let n = col + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Reads an XLUnicodeString-ish body: `cch` characters, 8-bit or UTF-16 by the flag byte at `o`. */
function unicodeChars(b: Uint8Array, o: number, cch: number): { text: string; end: number } {
  const high = b[o] & 1;
  const start = o + 1;
  const end = Math.min(b.length, start + cch * (high ? 2 : 1));
  return { text: high ? utf16.decode(b.subarray(start, end)) : latin1.decode(b.subarray(start, end)), end };
}

function utf16Chars(b: Uint8Array, o: number, cch: number): { text: string; end: number } {
  const end = Math.min(b.length, o + cch * 2);
  return { text: utf16.decode(b.subarray(o, end)), end };
}

function newResult(): XlmResult {
  return { sheets: [], autoOpen: [], formulas: [], functions: [], strings: [], encrypted: false, ddeLinks: [], problems: [] };
}

const SHEET_TYPES: Record<number, SheetType> = { 0: 'worksheet', 1: 'macro', 2: 'chart', 6: 'vb module' };
const STATES: SheetState[] = ['visible', 'hidden', 'very hidden', 'very hidden'];

/** Parses a BIFF8 Workbook stream (bounded by `deadline`). */
export function parseBiffWorkbook(stream: Uint8Array, deadline = Infinity): XlmResult {
  const result = newResult();
  const functions = new Set<string>();
  const strings = new Set<string>();
  const boundSheets: (XlmSheet & { position: number })[] = [];
  let p = 0;
  let records = 0;
  // Globals substream: up to its EOF.
  while (p + 4 <= stream.length) {
    const type = u16(stream, p);
    const length = u16(stream, p + 2);
    const data = stream.subarray(p + 4, Math.min(stream.length, p + 4 + length));
    p += 4 + length;
    if (++records > 200_000) break;
    if (type === 0x000a) break; // EOF of the globals
    if (type === 0x002f) {
      result.encrypted = true;
      // Records after FilePass are encrypted except BOF, BoundSheet8.lbPlyPos and a few more.
      continue;
    }
    if (type === 0x0085 && data.length >= 8) {
      const position = u32(data, 0);
      const state = STATES[data[4] & 3];
      const sheetType = SHEET_TYPES[data[5]] ?? 'unknown';
      const name = result.encrypted ? `sheet@${position}` : unicodeChars(data, 7, data[6]).text;
      boundSheets.push({ name, type: sheetType, state, position });
      continue;
    }
    if (type === 0x01ae && !result.encrypted && data.length >= 5) {
      // SupBook: ctab, cch, virtPath. A DDE link's virtPath is `service` 0x03 `topic` (=cmd|'/c calc'!A1).
      const cch = u16(data, 2);
      if (cch > 0 && cch < 0x0401) {
        const { text } = unicodeChars(data, 4, cch);
        const separator = text.indexOf('\u0003');
        if (separator > 0 && result.ddeLinks.length < 100) result.ddeLinks.push(`${text.slice(0, separator)} ${text.slice(separator + 1)}`);
      }
      continue;
    }
    if (type === 0x0018 && !result.encrypted && data.length >= 15) {
      const flags = u16(data, 0);
      const cch = data[3];
      const cce = u16(data, 4);
      const { text, end } = unicodeChars(data, 14, cch);
      const builtin = (flags & 0x20) !== 0;
      const name = builtin ? ({ '\u0001': 'Auto_Open', '\u0002': 'Auto_Close' } as Record<string, string>)[text[0]] ?? '' : text;
      if (/^auto_(open|close)/i.test(name)) {
        const target = renderFormula(data.subarray(end, end + cce), functions, strings, []);
        result.autoOpen.push(target ? `${name} → ${target}` : name);
      }
      continue;
    }
  }
  // Sheet substreams: the macro sheets' formulas.
  for (const sheet of boundSheets) {
    const bofType = sheet.position + 8 <= stream.length && u16(stream, sheet.position) === 0x0809 ? u16(stream, sheet.position + 6) : -1;
    if (bofType === 0x0040 && sheet.type !== 'macro') sheet.type = 'macro';
    result.sheets.push({ name: sheet.name, type: sheet.type, state: sheet.state });
    if (sheet.type !== 'macro' || result.encrypted || bofType < 0) continue;
    let q = sheet.position;
    let n = 0;
    while (q + 4 <= stream.length && n++ < 500_000) {
      if ((n & 1023) === 0 && Date.now() > deadline) {
        result.problems.push('time budget reached while reading macro sheets');
        break;
      }
      const type = u16(stream, q);
      const length = u16(stream, q + 2);
      const data = stream.subarray(q + 4, Math.min(stream.length, q + 4 + length));
      q += 4 + length;
      if (type === 0x000a) break;
      if (type === 0x0006 && data.length >= 22 && result.formulas.length < MAX_FORMULAS) {
        const row = u16(data, 0);
        const col = u16(data, 2) & 0x3fff;
        const cce = u16(data, 20);
        const formula = renderFormula(data.subarray(22, 22 + cce), functions, strings, result.problems);
        result.formulas.push({ sheet: sheet.name, cell: `${columnName(col)}${row + 1}`, formula: `=${formula}`.slice(0, MAX_FORMULA_TEXT) });
      }
    }
  }
  result.functions = [...functions];
  result.strings = [...strings].slice(0, MAX_STRINGS);
  return result;
}

/**
 * Operand bytes of a classed token (ptg ≥ 0x20), by its base type (ptg & 0x1f). BIFF12 (.xlsb,
 * [MS-XLSB] 2.5.98) widens rows to 4 bytes: references, areas and their 3-D and error forms grow.
 */
const CLASSED_SIZES: Record<FormulaDialect, Record<number, number>> = {
  biff8: { 0x00: 7, 0x03: 4, 0x04: 4, 0x05: 8, 0x06: 6, 0x07: 6, 0x08: 6, 0x09: 2, 0x0a: 4, 0x0b: 8, 0x0c: 4, 0x0d: 8, 0x19: 6, 0x1a: 6, 0x1b: 10, 0x1c: 6, 0x1d: 10 },
  biff12: { 0x00: 14, 0x03: 4, 0x04: 6, 0x05: 12, 0x06: 6, 0x07: 6, 0x08: 6, 0x09: 2, 0x0a: 6, 0x0b: 12, 0x0c: 6, 0x0d: 12, 0x19: 6, 0x1a: 8, 0x1b: 14, 0x1c: 8, 0x1d: 14 },
};

/** BIFF8 (.xls) or BIFF12 (.xlsb) parsed expressions. */
export type FormulaDialect = 'biff8' | 'biff12';

const BINARY: Record<number, string> = { 0x03: '+', 0x04: '-', 0x05: '*', 0x06: '/', 0x07: '^', 0x08: '&', 0x09: '<', 0x0a: '<=', 0x0b: '=', 0x0c: '>=', 0x0d: '>', 0x0e: '<>', 0x0f: ' ', 0x10: ',', 0x11: ':' };

function ref(row: number, colField: number): string {
  const col = colField & 0x3fff;
  const rowRelative = (colField & 0x8000) !== 0;
  const colRelative = (colField & 0x4000) !== 0;
  return `${colRelative ? '' : '$'}${columnName(col)}${rowRelative ? '' : '$'}${row + 1}`;
}

/**
 * Renders BIFF8 formula tokens (RPN) as formula text, collecting function names and string
 * constants. Stops at the first token it cannot size; the text so far is returned with `…`.
 */
export function renderFormula(rgce: Uint8Array, functions: Set<string>, strings: Set<string>, problems: string[], dialect: FormulaDialect = 'biff8'): string {
  const wide = dialect === 'biff12';
  const sizes = CLASSED_SIZES[dialect];
  // A row is 2 bytes in BIFF8, 4 in BIFF12; a column field (with its relative flags) 2 in both.
  const row = (o: number) => (wide ? u32(rgce, o) : u16(rgce, o));
  const rowBytes = wide ? 4 : 2;
  const stack: string[] = [];
  const pop = () => stack.pop() ?? '?';
  const area = (o: number) => `${ref(row(o), u16(rgce, o + 2 * rowBytes))}:${ref(row(o + rowBytes), u16(rgce, o + 2 * rowBytes + 2))}`;
  let p = 0;
  let tokens = 0;
  while (p < rgce.length && tokens++ < 4096) {
    const ptg = rgce[p++];
    if (BINARY[ptg]) {
      const b = pop();
      const a = pop();
      stack.push(`${a}${BINARY[ptg]}${b}`);
      continue;
    }
    switch (ptg) {
      case 0x12: stack.push(`+${pop()}`); continue;
      case 0x13: stack.push(`-${pop()}`); continue;
      case 0x14: stack.push(`${pop()}%`); continue;
      case 0x15: stack.push(`(${pop()})`); continue;
      case 0x16: stack.push(''); continue;
      case 0x17: {
        // BIFF8: 1-byte length and a flags byte (compressed or UTF-16); BIFF12: 2-byte length, UTF-16.
        const { text, end } = wide ? utf16Chars(rgce, p + 2, u16(rgce, p)) : unicodeChars(rgce, p + 1, rgce[p]);
        p = end;
        if (strings.size < MAX_STRINGS && text) strings.add(text);
        stack.push(JSON.stringify(text));
        continue;
      }
      case 0x19: {
        const kind = rgce[p];
        if (kind & 0x04) p += 3 + 2 * (u16(rgce, p + 1) + 1); // attrChoose: jump table
        else p += 3;
        if (kind & 0x10) stack.push(`SUM(${pop()})`); // attrSum
        continue;
      }
      case 0x1c: stack.push(`#ERR${rgce[p]}`); p += 1; continue;
      case 0x1d: stack.push(rgce[p] ? 'TRUE' : 'FALSE'); p += 1; continue;
      case 0x1e: stack.push(String(u16(rgce, p))); p += 2; continue;
      case 0x1f: {
        const v = p + 8 <= rgce.length ? Buffer.from(rgce.buffer, rgce.byteOffset + p, 8).readDoubleLE(0) : NaN;
        stack.push(String(v));
        p += 8;
        continue;
      }
      default:
        break;
    }
    const cls = ptg & 0x1f;
    if (ptg >= 0x20 && ptg < 0x80) {
      if (cls === 0x01 || cls === 0x02) {
        // ptgFunc (fixed arguments) / ptgFuncVar (count given)
        const isVar = cls === 0x02;
        const argc = isVar ? rgce[p] & 0x7f : -1;
        const tab = isVar ? u16(rgce, p + 1) : u16(rgce, p);
        p += isVar ? 3 : 2;
        const command = (tab & 0x8000) !== 0;
        const index = tab & 0x7fff;
        const known = command ? undefined : FTAB[index];
        const name = command ? `COMMAND#${index}` : known?.[0] ?? `FUNCTION#${index}`;
        const n = isVar ? argc : known && known[1] >= 0 ? known[1] : 1;
        const args: string[] = [];
        for (let k = 0; k < n; k++) args.unshift(pop());
        if (name === 'USERFUNCTION' && args.length) {
          const udf = args.shift()!;
          functions.add(udf.replace(/^"|"$/g, ''));
          stack.push(`${udf}(${args.join(',')})`);
        } else {
          functions.add(name);
          stack.push(`${name}(${args.join(',')})`);
        }
        continue;
      }
      const size = sizes[cls] ?? -1;
      if (size < 0) {
        if (problems.length < 20) problems.push(`unsupported formula token 0x${ptg.toString(16)}`);
        stack.push('…');
        break;
      }
      const o = p;
      p += size;
      switch (cls) {
        case 0x03: stack.push(`NAME#${u32(rgce, o)}`); break; // ptgName (0x23)
        case 0x04: case 0x0c: stack.push(ref(row(o), u16(rgce, o + rowBytes))); break; // ptgRef, ptgRefN
        case 0x05: case 0x0d: stack.push(area(o)); break; // ptgArea, ptgAreaN: rows first, then columns
        case 0x19: stack.push(`EXTNAME#${u16(rgce, o + 2)}`); break; // ptgNameX
        case 0x1a: stack.push(`SHEET#${u16(rgce, o)}!${ref(row(o + 2), u16(rgce, o + 2 + rowBytes))}`); break; // ptgRef3d
        case 0x1b: stack.push(`SHEET#${u16(rgce, o)}!${area(o + 2)}`); break;
        case 0x00: stack.push('{array}'); break;
        case 0x06: case 0x07: case 0x08: case 0x09: break; // ptgMem*: the area follows in the subexpression
        default: stack.push('#REF!'); break;
      }
      continue;
    }
    if (ptg === 0x01 || ptg === 0x02) {
      p += 4;
      stack.push('{shared}');
      continue;
    }
    if (problems.length < 20) problems.push(`unsupported formula token 0x${ptg.toString(16)}`);
    stack.push('…');
    break;
  }
  return stack.join(' ');
}

/** The function names (`NAME(`) of XLM formula text from an OOXML macro sheet. */
export function functionsOfFormulaText(formula: string, into: Set<string>): void {
  for (const m of formula.matchAll(/(?<![\w."])((?:_xlfn\.)?[A-Za-z][A-Za-z0-9_.]*)\s*\(/g)) into.add(m[1].replace(/^_xlfn\./i, '').toUpperCase());
}

/** The string constants of XLM formula text. */
export function stringsOfFormulaText(formula: string, into: Set<string>): void {
  for (const m of formula.matchAll(/"((?:[^"]|"")*)"/g)) if (m[1] && into.size < MAX_STRINGS) into.add(m[1].replace(/""/g, '"'));
}

export function emptyXlm(): XlmResult {
  return newResult();
}
