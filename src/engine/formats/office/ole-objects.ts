import { u16, u32 } from '../bytes';

/**
 * Embedded objects ([MS-OLEDS]): the OLE1 object header RTF documents carry in `\objdata`, the
 * `\x01Ole10Native` stream of OLE2 embeddings, the Packager's native data (an arbitrary file with
 * its original name), the `\x01CompObj` stream (class name, ProgID) and Equation Editor's
 * `Equation Native` stream, whose oversized font names are the CVE-2017-11882 / CVE-2018-0802
 * overflows.
 */
const latin1 = new TextDecoder('latin1');

export const EQUATION_CLSID = '0002ce02-0000-0000-c000-000000000046';
/** OLE2Link (URL / file monikers): the object CVE-2017-0199 documents embed. */
export const OLE2LINK_CLSID = '00000300-0000-0000-c000-000000000046';

export interface PackageData {
  label: string;
  /** Original path of the packaged file (as the Packager recorded it). */
  fileName: string;
  tempPath: string;
  data: Uint8Array;
  /** The declared size was larger than what the stream holds. */
  truncated: boolean;
}

function cString(b: Uint8Array, o: number, max = 4096): { text: string; end: number } | null {
  const limit = Math.min(b.length, o + max);
  for (let i = o; i < limit; i++) if (b[i] === 0) return { text: latin1.decode(b.subarray(o, i)), end: i + 1 };
  return null;
}

/** The Packager's native data: header 2, label, file name, reserved 2, type 2 (3 = embedded file), temp path, size, data. */
export function parsePackage(b: Uint8Array, o = 0): PackageData | null {
  if (u16(b, o) !== 2) return null;
  const label = cString(b, o + 2);
  if (!label) return null;
  const fileName = cString(b, label.end);
  if (!fileName) return null;
  let p = fileName.end + 2;
  const type = u16(b, p);
  if (type !== 3) return null;
  p += 2;
  const tempLength = u32(b, p);
  if (tempLength < 0 || tempLength > 4096 || p + 4 + tempLength > b.length) return null;
  const tempPath = latin1.decode(b.subarray(p + 4, p + 4 + tempLength)).replace(/\0.*$/s, '');
  p += 4 + tempLength;
  const size = u32(b, p);
  if (size < 0) return null;
  p += 4;
  const end = Math.min(b.length, p + size);
  return { label: label.text, fileName: fileName.text, tempPath, data: b.subarray(p, end), truncated: end - p < size };
}

/** `\x01Ole10Native`: a 4-byte size, then the object's native data (a Package, or the raw file). */
export function parseOle10Native(stream: Uint8Array): { package?: PackageData; native: Uint8Array } {
  const size = u32(stream, 0);
  const native = stream.subarray(4, size >= 0 ? Math.min(stream.length, 4 + size) : stream.length);
  const pkg = parsePackage(native);
  return pkg ? { package: pkg, native } : { native };
}

export interface Ole1Object {
  version: number;
  /** 1 linked, 2 embedded, 5 static (presentation only). */
  formatId: number;
  className: string;
  topic: string;
  item: string;
  /** Linked objects: the network name of the link source. */
  networkName?: string;
  native?: Uint8Array;
  /** The declared native size was larger than what the data holds. */
  truncated?: boolean;
}

function lengthPrefixed(b: Uint8Array, o: number): { text: string; end: number } | null {
  const n = u32(b, o);
  if (n < 0 || n > 65536 || o + 4 + n > b.length) return null;
  return { text: latin1.decode(b.subarray(o + 4, o + 4 + n)).replace(/\0+$/, ''), end: o + 4 + n };
}

/** [MS-OLEDS] 2.2.4 ObjectHeader and the EmbeddedObject / LinkedObject after it. */
export function parseOle1(b: Uint8Array): Ole1Object | null {
  const version = u32(b, 0);
  const formatId = u32(b, 4);
  if (formatId !== 1 && formatId !== 2 && formatId !== 5) return null;
  const className = lengthPrefixed(b, 8);
  if (!className) return null;
  const object: Ole1Object = { version, formatId, className: className.text, topic: '', item: '' };
  if (formatId === 5) return object;
  const topic = lengthPrefixed(b, className.end);
  if (!topic) return object;
  object.topic = topic.text;
  const item = lengthPrefixed(b, topic.end);
  if (!item) return object;
  object.item = item.text;
  if (formatId === 1) {
    const network = lengthPrefixed(b, item.end);
    if (network) object.networkName = network.text;
    return object;
  }
  const size = u32(b, item.end);
  if (size < 0) return object;
  const start = item.end + 4;
  const end = Math.min(b.length, start + size);
  object.native = b.subarray(start, end);
  object.truncated = end - start < size;
  return object;
}

/** `\x01CompObj`: the user-facing type name and the ProgID (`Word.Document.8`, `Equation.3`, `Package`). */
export function parseCompObj(b: Uint8Array): { userType?: string; progId?: string } {
  let p = 28;
  const userType = lengthPrefixed(b, p);
  if (!userType) return {};
  p = userType.end;
  // ClipboardFormatOrAnsiString: a marker (0, or -1/-2 and a format id) or a length-prefixed name.
  const marker = u32(b, p);
  if (marker === 0xffffffff || marker === 0xfffffffe) p += 8;
  else if (marker === 0) p += 4;
  else {
    const format = lengthPrefixed(b, p);
    if (!format) return { userType: userType.text };
    p = format.end;
  }
  const progId = lengthPrefixed(b, p);
  return { userType: userType.text, ...(progId && /^[\x20-\x7e]{1,128}$/.test(progId.text) ? { progId: progId.text } : {}) };
}

export interface EquationCheck {
  mtefVersion: number;
  /** A FONT record whose name overruns Equation Editor's buffer (CVE-2017-11882 / CVE-2018-0802). */
  exploit?: string;
}

/**
 * `Equation Native`: EQNOLEFILEHDR (28 bytes) then MTEF. Equation Editor copies a FONT record's name
 * (tag 0x08: typeface, style, NUL-terminated name) into a fixed stack buffer; real font names are
 * short ("Times New Roman", "Symbol", "MT Extra"). A FONT record among the first records with a name
 * of 32 bytes or more, or with control bytes in it, is the exploit's shape.
 */
export function checkEquationNative(b: Uint8Array): EquationCheck | null {
  const headerSize = u16(b, 0);
  if (headerSize < 0 || b.length < 33) return null;
  const start = headerSize > 0 && headerSize < 256 ? headerSize : 28;
  const version = b[start];
  const check: EquationCheck = { mtefVersion: version };
  // MTEF v2/v3 headers are 5 bytes; v5 adds a NUL-terminated application key and an options byte.
  let recordsStart = start + 5;
  if (version >= 5) {
    const key = cString(b, start + 5, 256);
    recordsStart = key ? key.end + 1 : start + 5;
  }
  const window = Math.min(b.length, recordsStart + 32);
  for (let i = recordsStart; i < window; i++) {
    if (b[i] !== 0x08 || i + 3 >= b.length) continue;
    const nameStart = i + 3;
    let end = nameStart;
    while (end < b.length && end - nameStart < 1024 && b[end] !== 0) end++;
    const name = b.subarray(nameStart, end);
    const controls = name.some((c) => c < 0x20 || c >= 0x7f);
    if (name.length >= 32 || (controls && name.length >= 16)) {
      check.exploit = `FONT record at offset ${i} with a ${name.length}-byte name${controls ? ' of non-text bytes' : ''} (Equation Editor stack overflow, CVE-2017-11882 / CVE-2018-0802)`;
      break;
    }
  }
  return check;
}
