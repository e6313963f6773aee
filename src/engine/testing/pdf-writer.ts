import { createCipheriv, createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { fileKeyR4, hashR6, PASSWORD_PAD, rc4, userValueR4 } from '../formats/pdf/crypt';

/**
 * A small PDF writer for tests, byte by byte: objects written as given, streams encoded with the
 * chosen filters (Flate, ASCIIHex, ASCII85, LZW, RunLength), objects packed into an object stream,
 * cross-reference data as a table, a stream or none at all, deliberately broken on request (wrong
 * offsets, wrong startxref, /Prev loops), incremental updates, and the standard security handler
 * (RC4-128 R3, AES-128 R4, AES-256 R6). Never used on samples.
 */

export type Filter = 'FlateDecode' | 'ASCIIHexDecode' | 'ASCII85Decode' | 'LZWDecode' | 'RunLengthDecode';

export interface PdfObjectInput {
  num: number;
  gen?: number;
  /** The value in PDF syntax; for a stream, its dictionary (the writer adds /Length and /Filter). */
  body: string;
  /** Stream data, before the filters. */
  stream?: Uint8Array | string;
  /** Filters the writer applies (the first is the outermost, as in /Filter). */
  filters?: Filter[];
  /** Already-encoded stream data written as is (with `filters` only named in the dictionary). */
  encoded?: Uint8Array;
  /** Writes /Length as this (a wrong number, or a reference such as `9 0 R`). */
  length?: number | string;
  /** Packs the object into the document's object stream (not for streams). */
  compressed?: boolean;
}

export interface PdfEncryption {
  revision: 3 | 4 | 6;
  userPassword?: string;
  ownerPassword?: string;
  /** Object number of the /Encrypt dictionary (default: see objectStreamNum). */
  num?: number;
}

export interface PdfBuildOptions {
  version?: string;
  /** Extra trailer entries, e.g. `/Root 1 0 R /Info 9 0 R`. */
  trailer: string;
  xref?: 'table' | 'stream' | 'none';
  /** `offsets`: every table offset 7 bytes off; `startxref`: startxref points nowhere; `prev-loop`: /Prev points at the table itself. */
  broken?: 'offsets' | 'startxref' | 'prev-loop';
  /** Object number of the object stream (the xref stream is the next, the /Encrypt dictionary the one after); default: after the highest object. */
  objectStreamNum?: number;
  encrypt?: PdfEncryption;
  /** The file identifier (16 bytes, hex). */
  id?: string;
  /** Bytes written after %%EOF. */
  tail?: string;
}

const enc = (s: string) => Buffer.from(s, 'latin1');
const ID_HEX = '0123456789abcdeffedcba9876543210';

export function encodeFilters(data: Uint8Array, filters: Filter[]): Uint8Array {
  let out = data;
  for (const f of [...filters].reverse()) {
    if (f === 'FlateDecode') out = new Uint8Array(deflateSync(out));
    else if (f === 'ASCIIHexDecode') out = enc(`${Buffer.from(out).toString('hex')}>`);
    else if (f === 'ASCII85Decode') out = ascii85(out);
    else if (f === 'LZWDecode') out = lzwEncode(out);
    else out = runLengthEncode(out);
  }
  return out;
}

function ascii85(data: Uint8Array): Uint8Array {
  let s = '';
  for (let i = 0; i < data.length; i += 4) {
    const chunk = data.subarray(i, i + 4);
    const n = chunk.length;
    let v = 0;
    for (let k = 0; k < 4; k++) v = v * 256 + (chunk[k] ?? 0);
    if (n === 4 && v === 0) {
      s += 'z';
      continue;
    }
    const digits: string[] = [];
    for (let k = 0; k < 5; k++) {
      digits.unshift(String.fromCharCode((v % 85) + 33));
      v = Math.floor(v / 85);
    }
    s += digits.slice(0, n + 1).join('');
  }
  return enc(`${s}~>`);
}

/** LZW with 9–12 bit codes and EarlyChange 1, a clear code first and when the table is full. */
export function lzwEncode(data: Uint8Array): Uint8Array {
  const bytes: number[] = [];
  let buf = 0;
  let bits = 0;
  let width = 9;
  const write = (code: number) => {
    buf = (buf << width) | code;
    bits += width;
    while (bits >= 8) {
      bytes.push((buf >> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buf &= (1 << bits) - 1;
  };
  let table = new Map<string, number>();
  let next = 258;
  write(256);
  let w = '';
  for (const b of data) {
    const c = String.fromCharCode(b);
    const wc = w + c;
    if (w === '' || table.has(wc)) {
      w = wc;
      continue;
    }
    write(w.length === 1 ? w.charCodeAt(0) : table.get(w)!);
    table.set(wc, next++);
    if (next >= 1 << width && width < 12) width++;
    if (next >= 4094) {
      write(256);
      table = new Map();
      next = 258;
      width = 9;
    }
    w = c;
  }
  if (w) write(w.length === 1 ? w.charCodeAt(0) : table.get(w)!);
  write(257);
  if (bits) bytes.push((buf << (8 - bits)) & 0xff);
  return Uint8Array.from(bytes);
}

function runLengthEncode(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < data.length) {
    let run = 1;
    while (i + run < data.length && data[i + run] === data[i] && run < 128) run++;
    if (run >= 2) {
      out.push(257 - run, data[i]);
      i += run;
      continue;
    }
    const start = i;
    while (i < data.length && i - start < 128 && !(i + 1 < data.length && data[i + 1] === data[i])) i++;
    if (i === start) i++;
    out.push(i - start - 1, ...data.subarray(start, i));
  }
  out.push(128);
  return Uint8Array.from(out);
}

/** A PDF literal string for `text` (parentheses and backslashes escaped). */
export function pdfString(text: string): string {
  return `(${text.replace(/[\\()]/g, (c) => `\\${c}`).replace(/\r/g, '\\r')})`;
}

// ---------------------------------------------------------------------------------------------
// Encryption (standard security handler)

interface Crypt {
  dict: string;
  string(data: Uint8Array, num: number, gen: number): Uint8Array;
  stream(data: Uint8Array, num: number, gen: number): Uint8Array;
}

function aesEncrypt(key: Uint8Array, data: Uint8Array, iv: Uint8Array): Uint8Array {
  const c = createCipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, iv);
  return new Uint8Array(Buffer.concat([iv, c.update(data), c.final()]));
}

function setupCrypt(e: PdfEncryption, id0: Uint8Array): Crypt {
  const user = enc(e.userPassword ?? '');
  const owner = enc(e.ownerPassword ?? 'owner');
  const p = -3904; // print, copy, etc.; reserved bits set
  const iv = (num: number) => createHash('md5').update(`iv${num}`).digest().subarray(0, 16);
  const hex = (b: Uint8Array) => `<${Buffer.from(b).toString('hex')}>`;
  if (e.revision === 6) {
    const fileKey = createHash('sha256').update('file key').digest();
    const salt = (s: string) => createHash('md5').update(s).digest().subarray(0, 8);
    const uvs = salt('uvs');
    const uks = salt('uks');
    const u = Buffer.concat([hashR6(user, uvs, new Uint8Array(0), 6), uvs, uks]);
    const ueKey = hashR6(user, uks, new Uint8Array(0), 6);
    const noPad = (key: Uint8Array, data: Uint8Array) => {
      const c = createCipheriv('aes-256-cbc', key, Buffer.alloc(16));
      c.setAutoPadding(false);
      return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
    };
    const ovs = salt('ovs');
    const oks = salt('oks');
    const o = Buffer.concat([hashR6(owner, ovs, u, 6), ovs, oks]);
    const oe = noPad(hashR6(owner, oks, u, 6), fileKey);
    const ue = noPad(ueKey, fileKey);
    const perms = Buffer.alloc(16);
    perms.writeInt32LE(p, 0);
    perms.fill(0xff, 4, 8);
    perms.write('Tadb', 8, 'latin1');
    const ecb = createCipheriv('aes-256-ecb', fileKey, null);
    ecb.setAutoPadding(false);
    const permsEnc = Buffer.concat([ecb.update(perms), ecb.final()]);
    return {
      dict: `<< /Filter /Standard /V 5 /R 6 /Length 256 /CF << /StdCF << /CFM /AESV3 /AuthEvent /DocOpen /Length 32 >> >> /StmF /StdCF /StrF /StdCF /P ${p} /O ${hex(o)} /U ${hex(u)} /OE ${hex(oe)} /UE ${hex(ue)} /Perms ${hex(permsEnc)} >>`,
      string: (d, num) => aesEncrypt(fileKey, d, iv(num)),
      stream: (d, num) => aesEncrypt(fileKey, d, iv(num)),
    };
  }
  const r = e.revision;
  // Algorithm 3: /O from the owner password.
  let ok = createHash('md5').update(pad(owner)).digest();
  for (let i = 0; i < 50; i++) ok = createHash('md5').update(ok).digest();
  let o = rc4(ok, pad(user));
  for (let i = 1; i <= 19; i++) o = rc4(ok.map((b) => b ^ i), o);
  const key = fileKeyR4(user, o, p, id0, r, 16, true);
  const u = userValueR4(key, id0, r);
  const objectKey = (num: number, gen: number, aes: boolean) =>
    createHash('md5')
      .update(Buffer.concat([key, Buffer.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff]), aes ? enc('sAlT') : Buffer.alloc(0)]))
      .digest()
      .subarray(0, 16);
  if (r === 4) {
    return {
      dict: `<< /Filter /Standard /V 4 /R 4 /Length 128 /CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >> /StmF /StdCF /StrF /StdCF /P ${p} /O ${hex(o)} /U ${hex(u)} >>`,
      string: (d, num, gen) => aesEncrypt(objectKey(num, gen, true), d, iv(num)),
      stream: (d, num, gen) => aesEncrypt(objectKey(num, gen, true), d, iv(num)),
    };
  }
  return {
    dict: `<< /Filter /Standard /V 2 /R 3 /Length 128 /P ${p} /O ${hex(o)} /U ${hex(u)} >>`,
    string: (d, num, gen) => rc4(objectKey(num, gen, false), d),
    stream: (d, num, gen) => rc4(objectKey(num, gen, false), d),
  };
}

function pad(password: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  const n = Math.min(32, password.length);
  out.set(password.subarray(0, n));
  out.set(PASSWORD_PAD.subarray(0, 32 - n), n);
  return out;
}

/** Replaces every string of a body (literal or hex, not dictionaries) with its encryption, as hex. */
function encryptBodyStrings(body: string, f: (b: Uint8Array) => Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === '(') {
      const bytes: number[] = [];
      let depth = 1;
      i++;
      while (i < body.length && depth > 0) {
        const ch = body[i];
        if (ch === '\\') {
          const n = body[i + 1];
          const map: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, f: 12 };
          if (n in map) bytes.push(map[n]);
          else if (/[0-7]/.test(n)) {
            const m = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
            bytes.push(parseInt(m, 8) & 0xff);
            i += m.length - 1;
          } else bytes.push(n.charCodeAt(0));
          i += 2;
          continue;
        }
        if (ch === '(') depth++;
        if (ch === ')' && --depth === 0) {
          i++;
          break;
        }
        bytes.push(ch.charCodeAt(0));
        i++;
      }
      out += `<${Buffer.from(f(Uint8Array.from(bytes))).toString('hex')}>`;
      continue;
    }
    if (c === '<' && body[i + 1] !== '<' && body[i - 1] !== '<') {
      const end = body.indexOf('>', i);
      out += `<${Buffer.from(f(Buffer.from(body.slice(i + 1, end).replace(/\s/g, ''), 'hex'))).toString('hex')}>`;
      i = end + 1;
      continue;
    }
    if (c === '<' && body[i + 1] === '<') {
      out += '<<';
      i += 2;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building

interface Written {
  num: number;
  gen: number;
  offset: number;
}

/** Writes objects (and their object stream, cross-reference data and trailer) after `prefix`. */
function writeSection(prefix: Buffer, objects: PdfObjectInput[], options: PdfBuildOptions, prev?: number): Buffer {
  const parts: Buffer[] = [prefix];
  let size = prefix.length;
  const push = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? enc(b) : b;
    parts.push(buf);
    size += buf.length;
  };
  const id0 = Buffer.from(options.id ?? ID_HEX, 'hex');
  const crypt = options.encrypt ? setupCrypt(options.encrypt, id0) : undefined;
  const highest = Math.max(0, ...objects.map((o) => o.num));
  const objStmNum = options.objectStreamNum ?? highest + 1;
  const encryptNum = options.encrypt?.num ?? objStmNum + 2;
  const written: Written[] = [];
  const compressed: { num: number; entry: Written & { index: number; container: number } }[] = [];

  const writeObject = (o: PdfObjectInput) => {
    const gen = o.gen ?? 0;
    written.push({ num: o.num, gen, offset: size });
    let body = o.body;
    if (crypt && o.num !== encryptNum) body = encryptBodyStrings(body, (b) => crypt.string(b, o.num, gen));
    if (o.stream === undefined && o.encoded === undefined) {
      push(`${o.num} ${gen} obj\n${body}\nendobj\n`);
      return;
    }
    const raw = typeof o.stream === 'string' ? enc(o.stream) : (o.stream ?? new Uint8Array(0));
    let data: Uint8Array = o.encoded ?? encodeFilters(raw, o.filters ?? []);
    if (crypt && !/\/Type\s*\/XRef/.test(body)) data = crypt.stream(data, o.num, gen);
    const filter = o.filters?.length ? ` /Filter ${o.filters.length === 1 ? `/${o.filters[0]}` : `[${o.filters.map((f) => `/${f}`).join(' ')}]`}` : '';
    const dict = body.replace(/^\s*<</, `<< /Length ${o.length ?? data.length}${filter}`);
    push(`${o.num} ${gen} obj\n${dict}\nstream\n`);
    push(Buffer.from(data));
    push('\nendstream\nendobj\n');
  };

  const direct = objects.filter((o) => !o.compressed);
  const packed = objects.filter((o) => o.compressed);
  for (const o of direct) writeObject(o);
  if (packed.length) {
    let header = '';
    let body = '';
    packed.forEach((o, index) => {
      header += `${o.num} ${body.length} `;
      body += `${o.body}\n`;
      compressed.push({ num: o.num, entry: { num: o.num, gen: 0, offset: 0, index, container: objStmNum } });
    });
    const content = header + '\n';
    writeObject({ num: objStmNum, body: `<< /Type /ObjStm /N ${packed.length} /First ${content.length} >>`, stream: content + body, filters: ['FlateDecode'] });
  }
  if (crypt && !objects.some((o) => o.num === encryptNum)) {
    written.push({ num: encryptNum, gen: 0, offset: size });
    push(`${encryptNum} 0 obj\n${crypt.dict}\nendobj\n`);
  }

  const trailerExtra = `${options.trailer}${crypt ? ` /Encrypt ${encryptNum} 0 R` : ''} /ID [<${id0.toString('hex')}> <${id0.toString('hex')}>]`;
  const maxNum = Math.max(0, ...written.map((w) => w.num), ...compressed.map((c) => c.num));
  const shift = options.broken === 'offsets' ? 7 : 0;
  const xrefAt = size;
  const prevEntry = options.broken === 'prev-loop' ? ` /Prev ${xrefAt}` : prev !== undefined ? ` /Prev ${prev}` : '';
  const mode = options.xref ?? 'table';
  if (mode === 'table') {
    // One subsection per run of consecutive object numbers (plus object 0 in the first section).
    const entries = new Map<number, string>();
    for (const w of written) entries.set(w.num, `${String(w.offset + shift).padStart(10, '0')} ${String(w.gen).padStart(5, '0')} n\r\n`);
    if (prev === undefined) entries.set(0, '0000000000 65535 f\r\n');
    const nums = [...entries.keys()].sort((a, b) => a - b);
    let table = 'xref\n';
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
      table += `${nums[i]} ${j - i + 1}\n`;
      for (let k = i; k <= j; k++) table += entries.get(nums[k]);
      i = j + 1;
    }
    push(`${table}trailer\n<< /Size ${maxNum + 1} ${trailerExtra}${prevEntry} >>\n`);
  } else if (mode === 'stream') {
    const xrefNum = objStmNum + 1;
    const rows: Buffer[] = [];
    const all = new Map<number, Buffer>();
    const row = (type: number, f2: number, f3: number) => {
      const b = Buffer.alloc(7);
      b[0] = type;
      b.writeUInt32BE(f2, 1);
      b.writeUInt16BE(f3, 5);
      return b;
    };
    for (const w of written) all.set(w.num, row(1, w.offset + shift, w.gen));
    for (const c of compressed) all.set(c.num, row(2, c.entry.container, c.entry.index));
    all.set(xrefNum, row(1, xrefAt + shift, 0));
    if (prev === undefined) all.set(0, row(0, 0, 65535));
    const size2 = Math.max(maxNum, xrefNum) + 1;
    const nums = [...all.keys()].sort((a, b) => a - b);
    const index: number[] = [];
    for (let i = 0; i < nums.length; ) {
      let j = i;
      while (j + 1 < nums.length && nums[j + 1] === nums[j] + 1) j++;
      index.push(nums[i], j - i + 1);
      for (let k = i; k <= j; k++) rows.push(all.get(nums[k])!);
      i = j + 1;
    }
    const data = deflateSync(Buffer.concat(rows));
    push(`${xrefNum} 0 obj\n<< /Type /XRef /Size ${size2} /W [1 4 2] /Index [${index.join(' ')}] /Filter /FlateDecode /Length ${data.length} ${trailerExtra}${prevEntry} >>\nstream\n`);
    push(data);
    push('\nendstream\nendobj\n');
  } else {
    push(`trailer\n<< /Size ${maxNum + 1} ${trailerExtra} >>\n`);
  }
  if (mode !== 'none') push(`startxref\n${options.broken === 'startxref' ? xrefAt + 100_000 : xrefAt}\n`);
  push(`%%EOF\n${options.tail ?? ''}`);
  return Buffer.concat(parts);
}

/** A whole PDF: header (with the binary comment line), objects, cross-reference data, trailer. */
export function buildPdf(objects: PdfObjectInput[], options: PdfBuildOptions): Uint8Array {
  const header = Buffer.concat([enc(`%PDF-${options.version ?? '1.7'}\n%`), Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]), enc('\n')]);
  return new Uint8Array(writeSection(header, objects, options));
}

/** An incremental update: `objects` appended to `base` with their own cross-reference section and /Prev. */
export function appendUpdate(base: Uint8Array, objects: PdfObjectInput[], options: PdfBuildOptions): Uint8Array {
  const text = Buffer.from(base).toString('latin1');
  const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(text);
  const prev = m ? Number(m[1]) : undefined;
  return new Uint8Array(writeSection(Buffer.from(base), objects, options, prev));
}

/** An ordinary one-page document: catalog 1, pages 2, page 3, contents 4, font 5, info 6 (used as the base of many tests). */
export function simpleDocument(extra: { catalog?: string; page?: string; objects?: PdfObjectInput[]; options?: Partial<PdfBuildOptions> } = {}): Uint8Array {
  const objects: PdfObjectInput[] = [
    { num: 1, body: `<< /Type /Catalog /Pages 2 0 R${extra.catalog ?? ''} >>` },
    { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>' },
    { num: 3, body: `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R${extra.page ?? ''} >>` },
    { num: 4, body: '<< >>', stream: 'BT /F1 12 Tf 72 720 Td (Quarterly report) Tj ET', filters: ['FlateDecode'] },
    { num: 5, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>' },
    { num: 6, body: `<< /Title ${pdfString('Quarterly report')} /Author ${pdfString('Finance')} /Producer ${pdfString('Test Writer 1.0')} /CreationDate (D:20240102030405+01'00') >>` },
    ...(extra.objects ?? []),
  ];
  return buildPdf(objects, { trailer: '/Root 1 0 R /Info 6 0 R', ...extra.options });
}
