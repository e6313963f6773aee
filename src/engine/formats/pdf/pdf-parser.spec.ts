import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { appendUpdate, buildPdf, encodeFilters, lzwEncode, pdfString, simpleDocument } from '../../testing/pdf-writer';
import { rc4 } from './crypt';
import { Clock, parsePdf, PdfDocument } from './document';
import { decodeFilters } from './filters';
import { Lexer, ParseError } from './lexer';
import { PdfDict, PdfName, PdfRef, PdfString, pdfDate, textOf } from './objects';

/**
 * The PDF parser on PDFs written byte by byte at test time (testing/pdf-writer.ts): lexer, filters,
 * encryption, cross-reference chains, object streams and incremental updates.
 */
const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');
const parse = (data: Uint8Array) => parsePdf(data, new Clock(Date.now() + 30_000));
const value = (doc: PdfDocument, num: number) => doc.get(num)?.value;

describe('Lexer', () => {
  it('reads names, strings, numbers, references, arrays and dictionaries', () => {
    const lexer = new Lexer(ascii('<< /Type /Catalog /Pages 2 0 R /Kids [1 0 R 3 (a\\(b\\)\\n\\101) <41 42 4> -1.5 +3 .5 true false null] /J#61vaScript /A#20B >>'));
    const dict = lexer.parseValue() as PdfDict;
    expect([...dict.map.keys()]).toEqual(['Type', 'Pages', 'Kids', 'JavaScript']);
    expect(dict.name('Type')).toBe('Catalog');
    expect(dict.get('Pages')).toEqual(new PdfRef(2, 0));
    const kids = dict.get('Kids') as unknown[];
    expect(kids[0]).toEqual(new PdfRef(1, 0));
    expect(kids[1]).toBe(3);
    expect(text((kids[2] as PdfString).bytes)).toBe('a(b)\nA');
    expect(text((kids[3] as PdfString).bytes)).toBe('AB@');
    expect(kids.slice(4)).toEqual([-1.5, 3, 0.5, true, false, null]);
    // `/J#61vaScript` is the name JavaScript spelled to evade keyword matching; `/A#20B` is an ordinary escaped space.
    expect(lexer.escapedNames.map((n) => [n.raw, n.value, n.obfuscated])).toEqual([
      ['J#61vaScript', 'JavaScript', true],
      ['A#20B', 'A B', false],
    ]);
  });

  it('reads CR and CRLF inside literal strings as LF, octal and line-continuation escapes as the spec says', () => {
    const s = new Lexer(ascii('(one\r\ntwo\rthree\\\nfour\\0533\\7)')).parseValue() as PdfString;
    expect(text(s.bytes)).toBe('one\ntwo\nthreefour+3\u0007');
  });

  it('refuses nesting deeper than 64 levels and objects of too many values', () => {
    expect(() => new Lexer(ascii('['.repeat(100_000))).parseValue()).toThrow(ParseError);
    expect(() => new Lexer(ascii('<< /A '.repeat(1000))).parseValue()).toThrow('nesting deeper than 64 levels');
    expect(() => new Lexer(ascii(`[${'1 '.repeat(1000)}]`), 0, 100).parseValue()).toThrow('more than 100 values in one object');
  });

  it('ends unterminated strings, arrays and dictionaries at the end of the data', () => {
    const lexer = new Lexer(ascii('<< /A [1 2 (open'));
    const dict = lexer.parseValue() as PdfDict;
    expect(lexer.unterminated).toBe(true);
    expect((dict.get('A') as unknown[]).slice(0, 2)).toEqual([1, 2]);
  });

  it('decodes text strings (UTF-16BE, PDFDocEncoding) and dates', () => {
    expect(textOf(Uint8Array.from([0xfe, 0xff, 0, 0x48, 0, 0x69, 0x20, 0xac]))).toBe('Hi€');
    expect(textOf(Uint8Array.from([0x41, 0x80, 0xa0]))).toBe('A•€');
    expect(pdfDate("D:20080506183930+02'00'")).toBe('2008-05-06T18:39:30+02:00');
    expect(pdfDate('D:2024')).toBe('2024-01-01T00:00:00');
    expect(pdfDate('yesterday')).toBeUndefined();
  });
});

describe('filters', () => {
  const dict = (entries: Record<string, number>) => {
    const d = new PdfDict();
    for (const [k, v] of Object.entries(entries)) d.map.set(k, v);
    return d;
  };
  const MiB = 1024 * 1024;
  const sample = ascii('The quick brown fox jumps over the lazy dog. '.repeat(200));

  it('LZWDecode: the example of ISO 32000-1 §7.4.4.2 and a long round trip with table resets', () => {
    const decoded = decodeFilters(Uint8Array.from([0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01]), ['LZWDecode'], [null], MiB);
    expect(Array.from(decoded.data)).toEqual([45, 45, 45, 45, 45, 65, 45, 45, 45, 66]);
    expect(decoded.complete).toBe(true);
    const long = new Uint8Array(Buffer.concat([Buffer.from(sample), Buffer.from(Array.from({ length: 60_000 }, (_, i) => (i * 7919) % 251))]));
    expect(Buffer.from(decodeFilters(lzwEncode(long), ['LZWDecode'], [null], MiB).data).equals(Buffer.from(long))).toBe(true);
  });

  it('ASCIIHexDecode, ASCII85Decode and RunLengthDecode, alone and chained (short names too)', () => {
    expect(text(decodeFilters(ascii('48 65 6C6c6F>'), ['AHx'], [null], MiB).data)).toBe('Hello');
    expect(text(decodeFilters(ascii('486>'), ['ASCIIHexDecode'], [null], MiB).data)).toBe('H`');
    expect(text(decodeFilters(ascii('<~9jqo^z~>'), ['A85'], [null], MiB).data)).toBe('Man \0\0\0\0');
    expect(text(decodeFilters(Uint8Array.from([2, 97, 98, 99, 254, 120, 128]), ['RL'], [null], MiB).data)).toBe('abcxxx');
    const chain = ['ASCII85Decode', 'FlateDecode', 'RunLengthDecode', 'ASCIIHexDecode', 'LZWDecode'] as const;
    const encoded = encodeFilters(sample, [...chain]);
    const decoded = decodeFilters(encoded, [...chain], chain.map(() => null), MiB);
    expect(decoded.complete).toBe(true);
    expect(text(decoded.data)).toBe(text(sample));
  });

  it('FlateDecode tolerates a wrong or missing Adler-32, truncation and raw deflate, and says so', () => {
    const z = deflateSync(sample);
    const wrongSum = Buffer.from(z);
    wrongSum[wrongSum.length - 1] ^= 0xff;
    const wrong = decodeFilters(wrongSum, ['FlateDecode'], [null], MiB);
    expect(text(wrong.data)).toBe(text(sample));
    expect(wrong.notes).toEqual(['FlateDecode: wrong checksum']);
    const missing = decodeFilters(z.subarray(0, z.length - 4), ['FlateDecode'], [null], MiB);
    expect(text(missing.data)).toBe(text(sample));
    expect(missing.notes).toEqual(['FlateDecode: truncated data or missing checksum']);
    const truncated = decodeFilters(deflateSync(ascii(Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join(''))).subarray(0, 2000), ['FlateDecode'], [null], MiB);
    expect(text(truncated.data).startsWith('line 0\nline 1\n')).toBe(true);
    expect(truncated.complete).toBe(false);
    const raw = decodeFilters(deflateRawSync(sample), ['FlateDecode'], [null], MiB);
    expect(text(raw.data)).toBe(text(sample));
    expect(raw.notes).toEqual(['FlateDecode: no zlib header (raw deflate)']);
    const garbage = decodeFilters(ascii('x\u009cthis is not deflate data at all'), ['FlateDecode'], [null], MiB);
    expect(garbage.data.length).toBe(0);
    expect(garbage.complete).toBe(false);
  });

  it('refuses output beyond the limit (a deflate bomb) without allocating it', () => {
    const bomb = deflateSync(Buffer.alloc(64 * MiB));
    const result = decodeFilters(bomb, ['FlateDecode'], [null], 4 * MiB);
    expect(result.refused).toBe('FlateDecode output exceeds 4194304 bytes');
    expect(result.data.length).toBe(0);
    expect(decodeFilters(ascii('1'), Array(9).fill('FlateDecode'), [], MiB).refused).toBe('a chain of 9 filters (more than 8)');
  });

  it('applies PNG predictors (None, Sub, Up, Average, Paeth) and the TIFF predictor', () => {
    // Three columns of one byte; rows: None [1 2 3], Sub [1 1 1] → [1 2 3], Up [1 1 1] → [2 3 4], Average [2 2 2] → [3 5 6], Paeth [1 1 1] → [4 6 7].
    const rows = Uint8Array.from([0, 1, 2, 3, 1, 1, 1, 1, 2, 1, 1, 1, 3, 2, 2, 2, 4, 1, 1, 1]);
    const png = decodeFilters(deflateSync(rows), ['FlateDecode'], [dict({ Predictor: 12, Columns: 3 })], MiB);
    expect(Array.from(png.data)).toEqual([1, 2, 3, 1, 2, 3, 2, 3, 4, 3, 5, 6, 4, 6, 7]);
    const tiff = decodeFilters(deflateSync(Uint8Array.from([1, 1, 1, 5, 1, 1])), ['FlateDecode'], [dict({ Predictor: 2, Columns: 3 })], MiB);
    expect(Array.from(tiff.data)).toEqual([1, 2, 3, 5, 6, 7]);
    expect(decodeFilters(ascii('abc'), ['DCTDecode'], [null], MiB)).toMatchObject({ image: 'DCTDecode', data: ascii('abc') });
  });
});

describe('encryption', () => {
  it('RC4 gives the published test vector', () => {
    expect(Buffer.from(rc4(ascii('Key'), ascii('Plaintext'))).toString('hex')).toBe('bbf316e8d940af0ad3');
  });

  const JS = 'app.alert("encrypted");';
  const plain = () => simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [{ num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>` }] });

  it.each([
    [3, { filter: 'Standard', v: 2, r: 3, keyBits: 128, streamMethod: 'RC4', stringMethod: 'RC4' }],
    [4, { filter: 'Standard', v: 4, r: 4, keyBits: 128, streamMethod: 'AESV2', stringMethod: 'AESV2' }],
    [6, { filter: 'Standard', v: 5, r: 6, keyBits: 256, streamMethod: 'AESV3', stringMethod: 'AESV3' }],
  ] as const)('R%i with an empty user password: strings and streams decrypted', async (revision, expected) => {
    const doc = await parse(simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [{ num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>` }], options: { encrypt: { revision } } }));
    expect(doc.encryption).toEqual({ ...expected, encryptMetadata: true, userPasswordEmpty: true });
    expect(text(((value(doc, 7) as PdfDict).get('JS') as PdfString).bytes)).toBe(JS);
    expect(text(((value(doc, 6) as PdfDict).get('Title') as PdfString).bytes)).toBe('Quarterly report');
    expect(text(doc.decode(doc.get(4)!).data)).toBe('BT /F1 12 Tf 72 720 Td (Quarterly report) Tj ET');
  });

  it('a user password: reported, nothing decrypted', async () => {
    const doc = await parse(simpleDocument({ options: { encrypt: { revision: 4, userPassword: 'secret' } } }));
    expect(doc.encryption?.userPasswordEmpty).toBe(false);
    expect(doc.decryptor).toBeUndefined();
    expect(doc.decode(doc.get(4)!)).toMatchObject({ data: new Uint8Array(0), notes: ['encrypted'] });
  });

  const qpdf = existsSync('/usr/bin/qpdf');
  (qpdf ? describe : describe.skip)(`against qpdf${qpdf ? '' : ' (skipped: Debian package qpdf not installed)'}`, () => {
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(join(tmpdir(), 'pdf-qpdf-'));
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it.each([
      ['RC4 40-bit', ['--allow-weak-crypto', '--encrypt', '', 'owner', '40', '--']],
      ['RC4 128-bit', ['--allow-weak-crypto', '--encrypt', '', 'owner', '128', '--']],
      ['AES 128-bit', ['--encrypt', '', 'owner', '128', '--use-aes=y', '--']],
      ['AES 256-bit with object streams', ['--encrypt', '', 'owner', '256', '--', '--object-streams=generate']],
    ])('reads what qpdf encrypted (%s)', async (_, args) => {
      writeFileSync(join(work, 'plain.pdf'), plain());
      execFileSync('/usr/bin/qpdf', [...args, join(work, 'plain.pdf'), join(work, 'enc.pdf')]);
      const doc = await parse(new Uint8Array(readFileSync(join(work, 'enc.pdf'))));
      expect(doc.encryption?.userPasswordEmpty).toBe(true);
      const action = [...doc.objects.values()].find((o) => o.value instanceof PdfDict && o.value.has('JS'))!;
      expect(text(((action.value as PdfDict).get('JS') as PdfString).bytes)).toBe(JS);
    });

    it.each([3, 4, 6] as const)('qpdf decrypts what this writer encrypted (R%i)', (revision) => {
      writeFileSync(join(work, 'mine.pdf'), simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [{ num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>` }], options: { encrypt: { revision } } }));
      execFileSync('/usr/bin/qpdf', ['--decrypt', '--qdf', join(work, 'mine.pdf'), join(work, 'clear.pdf')]);
      const clear = readFileSync(join(work, 'clear.pdf')).toString('latin1');
      expect(clear).toContain('(app.alert\\("encrypted"\\);)');
      expect(clear).toContain('Quarterly report');
    });
  });
});

describe('document structure', () => {
  it('a well-formed file: objects, a valid xref table, the trailer', async () => {
    const doc = await parse(simpleDocument());
    expect(doc.version).toBe('1.7');
    expect([...doc.objects.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(doc.xref).toMatchObject({ valid: true, inUse: 6, badOffsets: 0, objectsOutsideXref: 0, errors: [], loop: false });
    expect(doc.xref.sections.map((s) => s.kind)).toEqual(['table']);
    expect(doc.resolve(doc.trailer.get('Root'))).toBe(value(doc, 1));
    expect(doc.notes).toEqual([]);
  });

  it('objects in a FlateDecode object stream with a cross-reference stream; broken offsets are reported, the objects still found', async () => {
    const objects = [
      { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>', compressed: true },
      { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', compressed: true },
      { num: 3, body: '<< /Type /Page /Parent 2 0 R >>', compressed: true },
      { num: 4, body: '<< >>', stream: 'BT ET', filters: ['FlateDecode' as const] },
    ];
    const good = await parse(buildPdf(objects, { trailer: '/Root 1 0 R', xref: 'stream' }));
    expect(good.objectStreams).toBe(1);
    expect(good.xref).toMatchObject({ valid: true, inUse: 6, badOffsets: 0 });
    expect(good.get(3)).toMatchObject({ container: 5 });
    const broken = await parse(buildPdf(objects, { trailer: '/Root 1 0 R', xref: 'stream', broken: 'offsets' }));
    // Every direct object's offset is 7 bytes off (the object stream's, the page contents', the xref stream's own).
    expect(broken.xref).toMatchObject({ valid: false, badOffsets: 3 });
    expect((value(broken, 3) as PdfDict).name('Type')).toBe('Page');
    expect(broken.resolve(broken.trailer.get('Root'))).toBe(value(broken, 1));
  });

  it('a /Prev chain that loops ends, and says so', async () => {
    const doc = await parse(simpleDocument({ options: { broken: 'prev-loop' } }));
    expect(doc.xref.loop).toBe(true);
    expect(doc.xref.errors[0]).toMatch(/^\/Prev chain loops back to offset \d+$/);
    expect(doc.objects.size).toBe(6);
  });

  it('a startxref pointing nowhere: objects still found by scanning', async () => {
    const doc = await parse(simpleDocument({ options: { broken: 'startxref' } }));
    expect(doc.xref.valid).toBe(false);
    expect(doc.xref.errors[0]).toMatch(/^cross-reference offset \d+ is outside the file$/);
    expect(doc.objects.size).toBe(6);
  });

  it('incremental updates: each revision, the newest object versions, the chain of sections', async () => {
    const base = simpleDocument();
    const updated = appendUpdate(base, [{ num: 6, body: `<< /Title ${pdfString('Revised')} >>` }], { trailer: '/Root 1 0 R /Info 6 0 R /Size 7', objectStreamNum: 20 });
    const twice = appendUpdate(updated, [{ num: 8, body: '<< /Note (second) >>' }], { trailer: '/Root 1 0 R /Info 6 0 R /Size 9', objectStreamNum: 21 });
    const doc = await parse(twice);
    expect(doc.xref.sections).toHaveLength(3);
    expect(doc.xref).toMatchObject({ valid: true, badOffsets: 0, objectsOutsideXref: 0 });
    expect(doc.eofOffsets).toHaveLength(3);
    expect(doc.versions.filter((v) => v.num === 6)).toHaveLength(2);
    expect(text(((value(doc, 6) as PdfDict).get('Title') as PdfString).bytes)).toBe('Revised');
    expect(doc.get(6)?.section).toBe(1);
    expect(doc.get(8)?.section).toBe(2);
  });

  it('objects appended after %%EOF without a cross-reference section are found and counted as outside the xref', async () => {
    const data = Buffer.concat([Buffer.from(simpleDocument()), Buffer.from('9 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n')]);
    const doc = await parse(new Uint8Array(data));
    expect(doc.get(9)).toBeDefined();
    expect(doc.xref).toMatchObject({ objectsOutsideXref: 1, outsideExamples: [9] });
  });

  it('a stream with an indirect /Length, one with a wrong /Length, one without endstream', async () => {
    const data = buildPdf(
      [
        { num: 1, body: '<< /Type /Catalog >>' },
        { num: 2, body: '<< >>', stream: 'indirect length', length: '3 0 R' },
        { num: 3, body: '15' },
        { num: 4, body: '<< >>', stream: 'wrong length', length: 99 },
      ],
      { trailer: '/Root 1 0 R' },
    );
    const truncated = Buffer.concat([Buffer.from(data), Buffer.from('5 0 obj\n<< /Length 1000 >>\nstream\nno end')]);
    const doc = await parse(new Uint8Array(truncated));
    expect(text(doc.decode(doc.get(2)!).data)).toBe('indirect length');
    expect(doc.get(2)?.stream?.lengthOk).toBe(true);
    expect(text(doc.decode(doc.get(4)!).data)).toBe('wrong length');
    expect(doc.badLengths).toBe(1);
    expect(text(doc.decode(doc.get(5)!).data)).toBe('no end');
    expect(doc.unterminatedStreams).toBe(1);
  });

  it('an unbalanced string does not swallow the objects after it', async () => {
    const doc = await parse(ascii('%PDF-1.4\n1 0 obj\n<< /Title (unbalanced >>\nendobj\n2 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n'));
    expect((value(doc, 2) as PdfDict).name('Type')).toBe('Catalog');
    expect(doc.notes).toEqual(['object 1 0 at 9: unterminated value']);
  });

  it('names in object streams count for obfuscation too', async () => {
    const doc = await parse(buildPdf([{ num: 1, body: '<< /Type /Catalog /Open#41ction 2 0 R >>', compressed: true }, { num: 2, body: '<< /S /URI /URI (https://a.example/) >>' }], { trailer: '/Root 1 0 R', xref: 'stream' }));
    expect(doc.escapedNames.map((n: PdfName) => n.raw)).toEqual(['Open#41ction']);
    expect((value(doc, 1) as PdfDict).has('OpenAction')).toBe(true);
  });
});
