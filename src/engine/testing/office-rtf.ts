import * as CFB from 'cfb';
import { packageNative, writeCfb } from './office-documents';

/**
 * RTF test material: OLE1 object headers ([MS-OLEDS] 2.2.4) around native data, the hex that
 * `\objdata` carries (optionally mangled the way exploit kits mangle it), Equation Editor and
 * OLE2Link compound files. Harmless: the "shellcode" is filler bytes and nothing is run.
 */
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const lpstr = (s: string) => (s ? Buffer.concat([u32(s.length + 1), Buffer.from(`${s}\0`, 'latin1')]) : u32(0));

/** An embedded (FormatID 2) OLE1 object: class name, empty topic and item, native data. */
export function ole1Embedded(className: string, native: Uint8Array): Buffer {
  return Buffer.concat([u32(0x00000501), u32(2), lpstr(className), lpstr(''), lpstr(''), u32(native.length), Buffer.from(native)]);
}

/** A linked (FormatID 1) OLE1 object whose topic names the link source. */
export function ole1Linked(className: string, topic: string, item = ''): Buffer {
  return Buffer.concat([u32(0x00000501), u32(1), lpstr(className), lpstr(topic), lpstr(item), lpstr(''), u32(0), u32(0)]);
}

/** A Packager object as RTF carries it. */
export function ole1Package(fileName: string, data: Uint8Array): Buffer {
  return ole1Embedded('Package', packageNative(fileName, data));
}

/** Hex text of bytes, in lines of `width` characters (as Word writes it). */
export function hexLines(data: Uint8Array, width = 128): string {
  const hex = Buffer.from(data).toString('hex');
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += width) lines.push(hex.slice(i, i + width));
  return lines.join('\r\n');
}

/** A minimal RTF document with one object group. */
export function rtfWithObject(objdata: string, { objclass = 'Package', extra = '', header = '{\\rtf1\\ansi\\ansicpg1252\\deff0' }: { objclass?: string; extra?: string; header?: string } = {}): string {
  return `${header}{\\fonttbl{\\f0\\fswiss Arial;}}\r\n\\pard\\plain Please enable content.\\par\r\n{\\object\\objemb${extra}\\objw855\\objh765{\\*\\objclass ${objclass}}{\\*\\objdata ${objdata}}{\\result {\\pict\\wmetafile8 0100}}}\\par\r\n}\r\n`;
}

const CLSID_HEX = (guid: string) => {
  const h = guid.replace(/-/g, '');
  const rev = (s: string) => s.match(/../g)!.reverse().join('');
  return rev(h.slice(0, 8)) + rev(h.slice(8, 12)) + rev(h.slice(12, 16)) + h.slice(16);
};

/** An Equation Editor 3.0 compound file whose MTEF starts with a FONT record named `fontName`. */
export function equationObject(fontName: Uint8Array): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  cfb.FileIndex[0].clsid = CLSID_HEX('0002CE02-0000-0000-C000-000000000046');
  const header = Buffer.alloc(28);
  header.writeUInt16LE(28, 0); // cbHdr
  header.writeUInt32LE(0x00020000, 2); // version
  header.writeUInt16LE(0xc1c6, 6); // clipboard format
  const mtef = Buffer.concat([Buffer.from([0x03, 0x01, 0x01, 0x03, 0x0a]), Buffer.from([0x0a, 0x01, 0x08, 0x5a, 0x5a]), Buffer.from(fontName), Buffer.from([0x00, 0x00])]);
  header.writeUInt32LE(mtef.length, 8); // cbObject
  CFB.utils.cfb_add(cfb, 'Equation Native', Buffer.concat([header, mtef]));
  CFB.utils.cfb_add(cfb, '\u0001CompObj', Buffer.alloc(64));
  return writeCfb(cfb);
}

/** An OLE2Link compound file whose \x01Ole stream holds a URL moniker to `url`. */
export function ole2LinkObject(url: string): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  cfb.FileIndex[0].clsid = CLSID_HEX('00000300-0000-0000-C000-000000000046');
  const moniker = Buffer.concat([Buffer.from(CLSID_HEX('79EAC9E0-BAF9-11CE-8C82-00AA004BA90B'), 'hex'), u32((url.length + 1) * 2), Buffer.from(`${url}\0`, 'utf16le')]);
  CFB.utils.cfb_add(cfb, '\u0001Ole', Buffer.concat([u32(0x02000001), u32(1), u32(0), u32(0), u32(0), u32(0), u32(moniker.length), moniker, Buffer.alloc(16)]));
  return writeCfb(cfb);
}
