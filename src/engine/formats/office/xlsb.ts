import { columnName, renderFormula, SheetState, u32 } from './xlm';

/**
 * The parts of an Excel binary workbook (.xlsb, [MS-XLSB]) that carry Excel 4.0 macros: the sheets
 * of `xl/workbook.bin` (BrtBundleSh: name, visibility, relationship id), its defined names (BrtName:
 * Auto_Open and the like, with the formula they point at), and the formula cells of a macro sheet
 * (`xl/macrosheets/*.bin`: BrtFmlaString / Num / Bool / Error, after BrtRowHdr for the row).
 *
 * A BIFF12 record is a type (1 or 2 bytes, 7 bits each) and a size (1 to 4 bytes, 7 bits each), then
 * the data. Reads stay inside each record; a record running past the part ends the walk with a problem.
 */
const BRT_ROW_HDR = 0x00;
const BRT_FMLA_STRING = 0x08;
const BRT_FMLA_NUM = 0x09;
const BRT_FMLA_BOOL = 0x0a;
const BRT_FMLA_ERROR = 0x0b;
const BRT_NAME = 0x27;
const BRT_BUNDLE_SH = 0x9c;
const MAX_RECORDS = 1_000_000;

const utf16 = new TextDecoder('utf-16le');

/** Calls `visit` with each record's type and data; returns a problem when the part is damaged. */
function records(part: Uint8Array, visit: (type: number, data: Uint8Array) => void): string | undefined {
  let p = 0;
  for (let n = 0; p < part.length; n++) {
    if (n >= MAX_RECORDS) return `more than ${MAX_RECORDS} records: the rest not read`;
    let type = part[p++];
    if (type & 0x80) type = (type & 0x7f) | ((part[p++] ?? 0) << 7);
    let size = 0;
    for (let i = 0; i < 4; i++) {
      const byte = part[p++] ?? 0;
      size += (byte & 0x7f) * 2 ** (7 * i);
      if (!(byte & 0x80)) break;
    }
    if (p + size > part.length) return `record 0x${type.toString(16)} at ${p} runs past the end of the part`;
    visit(type, part.subarray(p, p + size));
    p += size;
  }
  return undefined;
}

/** XLWideString: a 4-byte character count, then UTF-16LE. Its text and where it ends (−1: does not fit). */
function wideString(d: Uint8Array, o: number): { text: string; end: number } {
  const cch = u32(d, o);
  if (cch === 0xffffffff) return { text: '', end: o + 4 }; // XLNullableWideString: null
  const end = o + 4 + cch * 2;
  return end > d.length ? { text: '', end: -1 } : { text: utf16.decode(d.subarray(o + 4, end)), end };
}

/** CellParsedFormula / NameParsedFormula: cce (4 bytes) and the tokens. */
function parsedFormula(d: Uint8Array, o: number): Uint8Array | undefined {
  const cce = u32(d, o);
  return o + 4 + cce <= d.length ? d.subarray(o + 4, o + 4 + cce) : undefined;
}

const STATES: SheetState[] = ['visible', 'hidden', 'very hidden'];

export interface XlsbWorkbook {
  sheets: { name: string; state: SheetState; relId: string }[];
  names: { name: string; rgce: Uint8Array }[];
  problems: string[];
}

export function readXlsbWorkbook(part: Uint8Array): XlsbWorkbook {
  const out: XlsbWorkbook = { sheets: [], names: [], problems: [] };
  const problem = records(part, (type, d) => {
    if (type === BRT_BUNDLE_SH && out.sheets.length < 5000) {
      const relId = wideString(d, 8);
      const name = relId.end >= 0 ? wideString(d, relId.end) : relId;
      if (name.end < 0) return void out.problems.push('a sheet record (BrtBundleSh) is cut short');
      out.sheets.push({ name: name.text, state: STATES[u32(d, 0)] ?? 'visible', relId: relId.text });
    } else if (type === BRT_NAME && out.names.length < 5000) {
      // flags (4), chKey (1), itab (4), name, then its formula.
      const name = wideString(d, 9);
      const rgce = name.end >= 0 ? parsedFormula(d, name.end) : undefined;
      if (!rgce) return void out.problems.push('a defined name (BrtName) is cut short');
      out.names.push({ name: name.text, rgce });
    }
  });
  if (problem) out.problems.push(problem);
  return out;
}

/** The formula cells of a macro sheet part, rendered, in order. */
export function readXlsbMacroSheet(
  part: Uint8Array,
  max: number,
  functions: Set<string>,
  strings: Set<string>,
  problems: string[],
): { cell: string; formula: string }[] {
  const formulas: { cell: string; formula: string }[] = [];
  let row = 0;
  const problem = records(part, (type, d) => {
    if (type === BRT_ROW_HDR) row = u32(d, 0);
    if (type < BRT_FMLA_STRING || type > BRT_FMLA_ERROR || formulas.length >= max) return;
    // Cell: column (4) and style/flags (4); then the cached value; then grbitFlags (2); then the formula.
    const value = type === BRT_FMLA_STRING ? wideString(d, 8).end : type === BRT_FMLA_NUM ? 16 : 9;
    const rgce = value >= 0 ? parsedFormula(d, value + 2) : undefined;
    if (!rgce) return void problems.push(`a formula cell at row ${row + 1} is cut short`);
    const text = renderFormula(rgce, functions, strings, problems, 'biff12');
    formulas.push({ cell: `${columnName(u32(d, 0))}${row + 1}`, formula: `=${text}`.slice(0, 1000) });
  });
  if (problem) problems.push(problem);
  return formulas;
}
