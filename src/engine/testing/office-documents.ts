import { deflateSync } from 'node:zlib';
import * as CFB from 'cfb';
import { compressOvba } from './office-ovba';
import { zipArchive } from './zip-writer';

/**
 * Office documents built at test time, byte by byte: VBA projects ([MS-OVBA]: PROJECT, dir and
 * module streams, with `cfb` writing the compound file), OOXML packages (docx/docm/xlsm with the
 * parts that matter), a binary Word document with a FIB and a macro storage, and an Excel 97
 * workbook with an Excel 4.0 macro sheet (BIFF8 records). Nothing here is malware: the "payloads"
 * are strings such as `calc.exe` that are never run.
 */
export interface TestModule {
  name: string;
  source: string;
  /** `standard` (Module=) or `document` (Document=, e.g. ThisDocument). */
  type?: 'standard' | 'document';
  /** Bytes placed before the compressed source as the module's "p-code". */
  pcode?: Uint8Array;
  /** Leave the module out of the PROJECT stream (hidden from the editor). */
  hidden?: boolean;
}

const rec = (id: number, data: Uint8Array | number[] = []): Buffer => {
  const body = Buffer.from(data as Uint8Array);
  const head = Buffer.alloc(6);
  head.writeUInt16LE(id, 0);
  head.writeUInt32LE(id === 0x0009 ? 4 : body.length, 2);
  return Buffer.concat([head, body]);
};
const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0); return b; };
const latin = (s: string) => Buffer.from(s, 'latin1');
const utf16 = (s: string) => Buffer.from(s, 'utf16le');

/** The decompressed `dir` stream of a project with these modules (text offsets as given). */
export function dirStream(modules: { name: string; type: 'standard' | 'document'; offset: number }[], codepage = 1252): Uint8Array {
  const parts: Buffer[] = [
    rec(0x0001, u32(1)), // PROJECTSYSKIND: win32
    rec(0x0002, u32(0x409)), // PROJECTLCID
    rec(0x0014, u32(0x409)), // PROJECTLCIDINVOKE
    rec(0x0003, u16(codepage)), // PROJECTCODEPAGE
    rec(0x0004, latin('VBAProject')), // PROJECTNAME
    rec(0x0005), rec(0x0040), // PROJECTDOCSTRING (+ unicode)
    rec(0x0006), rec(0x003d), // PROJECTHELPFILEPATH (+ second)
    rec(0x0007, u32(0)), // PROJECTHELPCONTEXT
    rec(0x0008, u32(0)), // PROJECTLIBFLAGS
    rec(0x0009, Buffer.concat([u32(0x65be0257), u16(17)])), // PROJECTVERSION (size field 4, 6 bytes follow)
    rec(0x000c), rec(0x003c), // PROJECTCONSTANTS (+ unicode)
    rec(0x000f, u16(modules.length)), // PROJECTMODULES
    rec(0x0013, u16(0xffff)), // PROJECTCOOKIE
  ];
  for (const m of modules) {
    parts.push(
      rec(0x0019, latin(m.name)),
      rec(0x0047, utf16(m.name)),
      rec(0x001a, latin(m.name)),
      rec(0x0032, utf16(m.name)),
      rec(0x001c), rec(0x0048),
      rec(0x0031, u32(m.offset)),
      rec(0x001e, u32(0)),
      rec(0x002c, u16(0xffff)),
      rec(m.type === 'document' ? 0x0022 : 0x0021),
      rec(0x002b),
    );
  }
  parts.push(rec(0x0010));
  return new Uint8Array(Buffer.concat(parts));
}

/** Adds a VBA project's streams under `prefix` ('' for a vbaProject.bin, 'Macros/' for Word 97). */
export function addVbaProject(cfb: CFB.CFB$Container, prefix: string, modules: TestModule[], pcodeVersion = 0xffff): void {
  const lines = ['ID="{00000000-0000-0000-0000-000000000000}"'];
  for (const m of modules) if (!m.hidden) lines.push(m.type === 'document' ? `Document=${m.name}/&H00000000` : `Module=${m.name}`);
  lines.push('Name="VBAProject"', 'HelpContextID="0"', 'VersionCompatible32="393222000"', '', '[Host Extender Info]', '&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000', '');
  CFB.utils.cfb_add(cfb, `${prefix}PROJECT`, Buffer.from(lines.join('\r\n'), 'latin1'));
  CFB.utils.cfb_add(cfb, `${prefix}VBA/_VBA_PROJECT`, Buffer.from([0xcc, 0x61, pcodeVersion & 0xff, pcodeVersion >> 8, 0x00, 0x00, 0x00]));
  const described = modules.map((m) => ({ name: m.name, type: m.type ?? 'standard', offset: m.pcode?.length ?? 0 }));
  CFB.utils.cfb_add(cfb, `${prefix}VBA/dir`, Buffer.from(compressOvba(dirStream(described))));
  for (const m of modules) {
    const stream = Buffer.concat([Buffer.from(m.pcode ?? new Uint8Array(0)), Buffer.from(compressOvba(Buffer.from(m.source, 'latin1')))]);
    CFB.utils.cfb_add(cfb, `${prefix}VBA/${m.name}`, stream);
  }
}

export function writeCfb(cfb: CFB.CFB$Container): Uint8Array {
  return new Uint8Array(CFB.write(cfb, { type: 'buffer' }) as Buffer);
}

/** A vbaProject.bin (an OLE file whose root holds PROJECT and VBA/). */
export function vbaProjectBin(modules: TestModule[], pcodeVersion = 0xffff): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  addVbaProject(cfb, '', modules, pcodeVersion);
  return writeCfb(cfb);
}

/** VBA source as the VBA editor stores it: the Attribute header, then the code, CRLF line ends. */
export function vbaSource(name: string, code: string): string {
  const lines = code.trim() ? code.trim().split(/\r?\n/) : [];
  return [`Attribute VB_Name = "${name}"`, ...lines].join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------------------------------------
// OOXML

const WORD_MAIN = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml';
const WORD_MACRO_MAIN = 'application/vnd.ms-word.document.macroEnabled.main+xml';
const EXCEL_MACRO_MAIN = 'application/vnd.ms-excel.sheet.macroEnabled.main+xml';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

const contentTypes = (main: string, mainPart: string, extra = '') =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Override PartName="/${mainPart}" ContentType="${main}"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>${extra}</Types>`;

const packageRels = (mainPart: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="${mainPart}"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`;

export const CORE_XML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Quarterly report</dc:title><dc:creator>Alice Author</dc:creator><cp:lastModifiedBy>Bob Editor</cp:lastModifiedBy><cp:revision>3</cp:revision><dcterms:created xsi:type="dcterms:W3CDTF">2024-01-02T03:04:05Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2024-02-03T04:05:06Z</dcterms:modified></cp:coreProperties>`;

/** A WordprocessingML body around the given paragraphs' inner XML. */
export function documentXml(body = '<w:p><w:r><w:t>Hello world</w:t></w:r></w:p>'): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="${REL}"><w:body>${body}<w:sectPr/></w:body></w:document>`;
}

export interface DocxOptions {
  body?: string;
  /** Adds word/vbaProject.bin with these modules (and the macro-enabled content type). */
  macros?: TestModule[];
  /** Target of an attachedTemplate relationship in word/_rels/settings.xml.rels (TargetMode External). */
  attachedTemplate?: string;
  /** Extra relationships of document.xml: [type suffix, target, external]. */
  documentRels?: [string, string, boolean][];
  /** Extra parts (embeddings ...). */
  parts?: { name: string; data: Uint8Array | string }[];
  /** Replace document.xml's text (broken XML tests). */
  documentXml?: string;
  deflate?: boolean;
}

export function docx(options: DocxOptions = {}): Uint8Array {
  const macro = !!options.macros;
  const main = macro ? WORD_MACRO_MAIN : WORD_MAIN;
  const docRels = [
    `<Relationship Id="rId1" Type="${REL}/settings" Target="settings.xml"/>`,
    ...(macro ? ['<Relationship Id="rId9" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'] : []),
    ...(options.documentRels ?? []).map(([type, target, external], i) => `<Relationship Id="rId${20 + i}" Type="${REL}/${type}" Target="${target}"${external ? ' TargetMode="External"' : ''}/>`),
  ];
  const entries: { name: string; data: Uint8Array | string }[] = [
    { name: '[Content_Types].xml', data: contentTypes(main, 'word/document.xml', '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>') },
    { name: '_rels/.rels', data: packageRels('word/document.xml') },
    { name: 'docProps/core.xml', data: CORE_XML },
    { name: 'word/document.xml', data: options.documentXml ?? documentXml(options.body) },
    { name: 'word/_rels/document.xml.rels', data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${docRels.join('')}</Relationships>` },
    { name: 'word/settings.xml', data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="${REL}">${options.attachedTemplate ? '<w:attachedTemplate r:id="rId1"/>' : ''}<w:zoom w:percent="100"/></w:settings>` },
  ];
  if (options.attachedTemplate) {
    entries.push({
      name: 'word/_rels/settings.xml.rels',
      data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/attachedTemplate" Target="${options.attachedTemplate}" TargetMode="External"/></Relationships>`,
    });
  }
  if (options.macros) entries.push({ name: 'word/vbaProject.bin', data: vbaProjectBin(options.macros) });
  entries.push(...(options.parts ?? []));
  return zipArchive(entries.map((e) => ({ name: e.name, data: typeof e.data === 'string' ? new Uint8Array(Buffer.from(e.data, 'utf8')) : e.data, method: options.deflate === false ? 'store' : 'deflate' })));
}

export interface XlsmOptions {
  /** Macro sheet cells: [cell, formula without '='], with the sheet's visibility. */
  macroSheet?: { name: string; state?: 'visible' | 'hidden' | 'veryHidden'; cells: [string, string][] };
  autoOpen?: string;
  macros?: TestModule[];
}

export function xlsm(options: XlsmOptions = {}): Uint8Array {
  const sheets = [`<sheet name="Sheet1" sheetId="1" r:id="rId1"/>`];
  const rels = [`<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>`];
  const entries: { name: string; data: Uint8Array | string }[] = [];
  if (options.macroSheet) {
    const { name, state, cells } = options.macroSheet;
    sheets.push(`<sheet name="${name}" sheetId="2"${state && state !== 'visible' ? ` state="${state}"` : ''} r:id="rId2"/>`);
    rels.push(`<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/>`);
    const rows = cells.map(([ref, f]) => `<row r="${ref.replace(/\D/g, '')}"><c r="${ref}"><f>${f.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}</f></c></row>`).join('');
    entries.push({ name: 'xl/macrosheets/sheet1.xml', data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData>${rows}</sheetData></xm:macrosheet>` });
  }
  const definedNames = options.autoOpen ? `<definedNames><definedName name="_xlnm.Auto_Open">${options.autoOpen}</definedName></definedNames>` : '';
  return zipArchive(
    [
      { name: '[Content_Types].xml', data: contentTypes(EXCEL_MACRO_MAIN, 'xl/workbook.xml') },
      { name: '_rels/.rels', data: packageRels('xl/workbook.xml') },
      { name: 'docProps/core.xml', data: CORE_XML },
      { name: 'xl/workbook.xml', data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="${REL}"><sheets>${sheets.join('')}</sheets>${definedNames}</workbook>` },
      { name: 'xl/_rels/workbook.xml.rels', data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels.join('')}</Relationships>` },
      { name: 'xl/worksheets/sheet1.xml', data: '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>' },
      ...entries,
      ...(options.macros ? [{ name: 'xl/vbaProject.bin', data: vbaProjectBin(options.macros) }] : []),
    ].map((e) => ({ name: e.name, data: typeof e.data === 'string' ? new Uint8Array(Buffer.from(e.data, 'utf8')) : e.data, method: 'deflate' as const })),
  );
}

// ---------------------------------------------------------------------------------------------
// Binary (OLE) documents

/** A Word 97 FIB (the start of the WordDocument stream) followed by `text` (8-bit). */
export function wordDocumentStream({ template = false, encrypted = false, text = '' }: { template?: boolean; encrypted?: boolean; text?: string } = {}): Buffer {
  const fib = Buffer.alloc(1024);
  fib.writeUInt16LE(0xa5ec, 0); // wIdent
  fib.writeUInt16LE(0x00c1, 2); // nFib (Word 97)
  fib.writeUInt16LE((template ? 0x0001 : 0) | (encrypted ? 0x0100 : 0) | 0x0200, 10); // fDot, fEncrypted, fWhichTblStm
  return Buffer.concat([fib, Buffer.from(text, 'latin1')]);
}

/** A property set stream (SummaryInformation) with string and FILETIME properties. */
export function summaryInformation(props: { title?: string; author?: string; lastAuthor?: string; appName?: string; created?: Date }): Buffer {
  const values: [number, Buffer][] = [[1, Buffer.concat([u32(2), u16(1252), u16(0)])]];
  const lpstr = (s: string) => {
    const body = Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])]);
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    return Buffer.concat([u32(0x1e), u32(body.length), padded]);
  };
  if (props.title) values.push([2, lpstr(props.title)]);
  if (props.author) values.push([4, lpstr(props.author)]);
  if (props.lastAuthor) values.push([8, lpstr(props.lastAuthor)]);
  if (props.appName) values.push([18, lpstr(props.appName)]);
  if (props.created) {
    const ft = BigInt(props.created.getTime() + 11644473600000) * 10000n;
    const b = Buffer.alloc(12);
    b.writeUInt32LE(0x40, 0);
    b.writeBigUInt64LE(ft, 4);
    values.push([12, b]);
  }
  const headerSize = 8 + values.length * 8;
  const offsets: number[] = [];
  let offset = headerSize;
  for (const [, v] of values) {
    offsets.push(offset);
    offset += v.length;
  }
  const section = Buffer.concat([u32(offset), u32(values.length), ...values.map(([id], i) => Buffer.concat([u32(id), u32(offsets[i])])), ...values.map(([, v]) => v)]);
  const header = Buffer.concat([u16(0xfffe), u16(0), u32(0x00020006), Buffer.alloc(16), u32(1), Buffer.from('e0859ff2f94f6810ab9108002b27b3d9', 'hex'), u32(48)]);
  return Buffer.concat([header, section]);
}

export interface DocOptions {
  macros?: TestModule[];
  pcodeVersion?: number;
  text?: string;
  encrypted?: boolean;
  summary?: Parameters<typeof summaryInformation>[0];
  /** An Ole10Native package in ObjectPool/_1: the file name and content. */
  package?: { fileName: string; data: Uint8Array };
}

/** Packager native data (as in Ole10Native, without the leading size). */
export function packageNative(fileName: string, data: Uint8Array): Buffer {
  const label = fileName.split(/[\\/]/).pop()!;
  const temp = `C:\\Users\\user\\AppData\\Local\\Temp\\${label}`;
  return Buffer.concat([
    u16(2),
    Buffer.from(`${label}\0`, 'latin1'),
    Buffer.from(`${fileName}\0`, 'latin1'),
    u16(0),
    u16(3),
    u32(temp.length + 1),
    Buffer.from(`${temp}\0`, 'latin1'),
    u32(data.length),
    Buffer.from(data),
  ]);
}

export function ole10Native(fileName: string, data: Uint8Array): Buffer {
  const native = packageNative(fileName, data);
  return Buffer.concat([u32(native.length), native]);
}

/** A Word 97 .doc: WordDocument (FIB + text), optional Macros storage, metadata, embedded package. */
export function wordDoc(options: DocOptions = {}): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, 'WordDocument', wordDocumentStream({ encrypted: options.encrypted, text: options.text }));
  CFB.utils.cfb_add(cfb, '1Table', Buffer.alloc(4096));
  if (options.summary) CFB.utils.cfb_add(cfb, '\u0005SummaryInformation', summaryInformation(options.summary));
  if (options.macros) addVbaProject(cfb, 'Macros/', options.macros, options.pcodeVersion);
  if (options.package) CFB.utils.cfb_add(cfb, 'ObjectPool/_1/\u0001Ole10Native', ole10Native(options.package.fileName, options.package.data));
  return writeCfb(cfb);
}

/** One PowerPoint record ([MS-PPT] 2.3.1): version and instance, type, length, then the body. */
const pptRecord = (version: number, instance: number, type: number, body: Buffer): Buffer => Buffer.concat([u16((instance << 4) | version), u16(type), u32(body.length), body]);

/**
 * A PowerPoint 97 .ppt whose `PowerPoint Document` stream holds, in a DocumentContainer, each given
 * storage as a zlib-compressed ExOleObjStg record (how PowerPoint keeps its VBA project and embeddings).
 */
export function pptWithStorages(storages: Uint8Array[], summary?: Parameters<typeof summaryInformation>[0]): Uint8Array {
  const atoms = storages.map((s) => pptRecord(0, 1, 0x1011, Buffer.concat([u32(s.length), deflateSync(s)])));
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, 'PowerPoint Document', pptRecord(0xf, 0, 0x03e8, Buffer.concat(atoms)));
  CFB.utils.cfb_add(cfb, 'Current User', Buffer.alloc(20));
  if (summary) CFB.utils.cfb_add(cfb, '\u0005SummaryInformation', summaryInformation(summary));
  return writeCfb(cfb);
}

/** An OLE embedding (oleObject1.bin) holding a Packager object. */
export function oleObjectBin(fileName: string, data: Uint8Array): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, '\u0001Ole10Native', ole10Native(fileName, data));
  return writeCfb(cfb);
}

/** One BIFF8 record. */
const biff = (type: number, data: Buffer | number[] = []): Buffer => Buffer.concat([u16(type), u16(Buffer.from(data as number[]).length), Buffer.from(data as number[])]);

/** An Excel 97 workbook: Sheet1 (worksheet) and a macro sheet with formulas given as BIFF8 tokens. */
export function xlsWithMacroSheet({
  macroName = 'Macro1',
  state = 2,
  formulas,
  autoOpen = true,
  ddeLink,
  filePass = false,
  vba,
}: {
  macroName?: string;
  state?: 0 | 1 | 2;
  formulas: { row: number; col: number; rgce: Buffer }[];
  autoOpen?: boolean;
  /** A SupBook record for a DDE link: [service, topic] (as `=cmd|'/c calc'!A1` leaves). */
  ddeLink?: [string, string];
  /** A FilePass record (RC4 encryption) right after the BOF. */
  filePass?: boolean;
  /** VBA modules in _VBA_PROJECT_CUR. */
  vba?: TestModule[];
}): Uint8Array {
  const bof = (dt: number) => biff(0x0809, Buffer.concat([u16(0x0600), u16(dt), u16(0), u16(0), u32(0), u32(0)]));
  const sheetName = (name: string) => Buffer.concat([Buffer.from([name.length, 0]), Buffer.from(name, 'latin1')]);
  const boundSheet = (position: number, hidden: number, dt: number, name: string) => biff(0x0085, Buffer.concat([u32(position), Buffer.from([hidden, dt]), sheetName(name)]));
  // Lbl: built-in name 0x01 (Auto_Open) → Macro1!A1 (ptgRef3d to sheet 1, row 0, col 0).
  const lbl = biff(0x0018, Buffer.concat([u16(0x0020), Buffer.from([0, 1]), u16(7), u16(0), u16(0), Buffer.alloc(4), Buffer.from([0, 0x01]), Buffer.from([0x3a]), u16(1), u16(0), u16(0xc000)]));
  const filePassRecord = biff(0x002f, Buffer.concat([u16(1), u16(1), u16(1), Buffer.alloc(48)]));
  const supBook = ddeLink ? biff(0x01ae, Buffer.concat([u16(0), u16(ddeLink[0].length + 1 + ddeLink[1].length), Buffer.from([0]), Buffer.from(`${ddeLink[0]}\u0003${ddeLink[1]}`, 'latin1')])) : Buffer.alloc(0);
  const globalsWithout = (p1: number, p2: number) =>
    Buffer.concat([bof(0x0005), ...(filePass ? [filePassRecord] : []), boundSheet(p1, 0, 0, 'Sheet1'), boundSheet(p2, state, 1, macroName), supBook, ...(autoOpen ? [lbl] : []), biff(0x000a)]);
  const sheet1 = Buffer.concat([bof(0x0010), biff(0x000a)]);
  const macro = Buffer.concat([
    bof(0x0040),
    ...formulas.map((f) => biff(0x0006, Buffer.concat([u16(f.row), u16(f.col), u16(0x0f), Buffer.alloc(8), u16(0), u32(0), u16(f.rgce.length), f.rgce]))),
    biff(0x000a),
  ]);
  const globalsLength = globalsWithout(0, 0).length;
  const workbook = Buffer.concat([globalsWithout(globalsLength, globalsLength + sheet1.length), sheet1, macro]);
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, 'Workbook', workbook);
  if (vba) addVbaProject(cfb, '_VBA_PROJECT_CUR/', vba);
  return writeCfb(cfb);
}

/** BIFF8 formula tokens: a string constant, and a variable-argument function call. */
export const ptg = {
  str: (s: string) => Buffer.concat([Buffer.from([0x17, s.length, 0]), Buffer.from(s, 'latin1')]),
  funcVar: (index: number, argc: number) => Buffer.concat([Buffer.from([0x42, argc]), u16(index)]),
};

// ---------------------------------------------------------------------------------------------
// Excel binary workbook (.xlsb, [MS-XLSB])

/** One BIFF12 record: type and size as 7-bit groups, then the data. */
function brt(type: number, data: Buffer): Buffer {
  const size: number[] = [];
  let n = data.length;
  do {
    size.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>= 7;
  } while (n);
  return Buffer.concat([Buffer.from(type < 0x80 ? [type] : [(type & 0x7f) | 0x80, type >> 7]), Buffer.from(size), data]);
}
const wideString = (s: string) => Buffer.concat([u32(s.length), Buffer.from(s, 'utf16le')]);
/** A parsed formula: cce, the tokens, and no extra data (cb 0). */
const parsedFormula = (rgce: Buffer) => Buffer.concat([u32(rgce.length), rgce, u32(0)]);

/** BIFF12 formula tokens ([MS-XLSB] 2.5.98): strings carry a 2-byte length, rows take 4 bytes. */
export const ptg12 = {
  str: (s: string) => Buffer.concat([Buffer.from([0x17]), u16(s.length), Buffer.from(s, 'utf16le')]),
  funcVar: ptg.funcVar,
  /** ptgRef3d (reference class): sheet index, row, column with both relative flags. */
  ref3d: (ixti: number, row: number, col: number) => Buffer.concat([Buffer.from([0x3a]), u16(ixti), u32(row), u16(col | 0xc000)]),
};

/** A BIFF12 macro sheet part whose column A holds the given formulas, one per row. */
export function xlsbMacroSheet(formulas: Buffer[]): Uint8Array {
  return new Uint8Array(
    Buffer.concat(
      formulas.flatMap((rgce, row) => [
        brt(0x00, Buffer.concat([u32(row), Buffer.alloc(13)])), // BrtRowHdr
        brt(0x08, Buffer.concat([u32(0), u32(0), wideString(''), u16(0), parsedFormula(rgce)])), // BrtFmlaString in column A
      ]),
    ),
  );
}

/**
 * An .xlsb workbook: Sheet1 (worksheet) and a macro sheet in the given state whose column A holds the
 * given formulas (as BIFF12 tokens), and optionally an Auto_Open name pointing at its first cell.
 */
export function xlsb({ state = 2, formulas, autoOpen = true }: { state?: number; formulas: Buffer[]; autoOpen?: boolean }): Uint8Array {
  const sheet = (relId: string, name: string, hsState: number, tab: number) => brt(0x9c, Buffer.concat([u32(hsState), u32(tab), wideString(relId), wideString(name)]));
  const workbook = Buffer.concat([
    sheet('rId1', 'Sheet1', 0, 1),
    sheet('rId2', 'Macro1', state, 2),
    ...(autoOpen ? [brt(0x27, Buffer.concat([u32(0), Buffer.from([0]), u32(0xffffffff), wideString('Auto_Open'), parsedFormula(ptg12.ref3d(1, 0, 0))]))] : []),
  ]);
  const macroSheet = xlsbMacroSheet(formulas);
  const MACROSHEET_REL = 'http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet';
  return zipArchive(
    [
      { name: '[Content_Types].xml', data: contentTypes('application/vnd.ms-excel.sheet.binary.macroEnabled.main', 'xl/workbook.bin') },
      { name: '_rels/.rels', data: packageRels('xl/workbook.bin') },
      { name: 'xl/workbook.bin', data: new Uint8Array(workbook) },
      {
        name: 'xl/_rels/workbook.bin.rels',
        data: `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.bin"/><Relationship Id="rId2" Type="${MACROSHEET_REL}" Target="macrosheets/sheet1.bin"/></Relationships>`,
      },
      { name: 'xl/worksheets/sheet1.bin', data: new Uint8Array(0) },
      { name: 'xl/macrosheets/sheet1.bin', data: macroSheet },
    ].map((e) => ({ name: e.name, data: typeof e.data === 'string' ? new Uint8Array(Buffer.from(e.data, 'utf8')) : e.data, method: 'deflate' as const })),
  );
}
