import { crc32 } from 'node:zlib';

/**
 * Minimal RAR 5 and RAR 4 (1.5–4.x format) writers for tests (stored members only, no compression,
 * no encryption), after RARLAB's format descriptions: there is no RAR archiver on these machines.
 */
const vint = (value: number): Buffer => {
  const out: number[] = [];
  let n = value;
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
};

function header(type: number, flags: number, body: Buffer, dataSize = 0): Buffer {
  const fields = [vint(type), vint(flags)];
  if (flags & 0x0002) fields.push(vint(dataSize));
  const data = Buffer.concat([...fields, body]);
  const sized = Buffer.concat([vint(data.length), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(sized) >>> 0);
  return Buffer.concat([crc, sized]);
}

export function rar5Archive(members: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts = [Buffer.from('526172211a070100', 'hex'), header(1, 0, vint(0))];
  for (const { name, data } of members) {
    const nameBytes = Buffer.from(name, 'utf8');
    const dataCrc = Buffer.alloc(4);
    dataCrc.writeUInt32LE(crc32(data) >>> 0);
    // File flags 0x0004 (CRC32 present), unpacked size, attributes (archive), CRC, compression 0 (v0, stored), host OS 0, name.
    const body = Buffer.concat([vint(0x0004), vint(data.length), vint(0x20), dataCrc, vint(0), vint(0), vint(nameBytes.length), nameBytes]);
    parts.push(header(2, 0x0002, body, data.length), Buffer.from(data));
  }
  parts.push(header(5, 0, vint(0)));
  return new Uint8Array(Buffer.concat(parts));
}

/** A RAR 4 block: HEAD_CRC (low 16 bits of the CRC-32 of the rest), HEAD_TYPE, HEAD_FLAGS, HEAD_SIZE, then `body`. */
function block4(type: number, flags: number, body: Buffer): Buffer {
  const rest = Buffer.alloc(5);
  rest.writeUInt8(type, 0);
  rest.writeUInt16LE(flags, 1);
  rest.writeUInt16LE(7 + body.length, 3);
  const withBody = Buffer.concat([rest, body]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16LE(crc32(withBody) & 0xffff);
  return Buffer.concat([crc, withBody]);
}

export function rar4Archive(members: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts = [Buffer.from('526172211a0700', 'hex'), block4(0x73, 0, Buffer.alloc(6))];
  for (const m of members) {
    const name = Buffer.from(m.name, 'latin1');
    const body = Buffer.alloc(25 + name.length);
    body.writeUInt32LE(m.data.length, 0); // PACK_SIZE (stored)
    body.writeUInt32LE(m.data.length, 4); // UNP_SIZE
    body.writeUInt8(2, 8); // HOST_OS: Win32
    body.writeUInt32LE(crc32(m.data) >>> 0, 9); // FILE_CRC
    body.writeUInt32LE(0x5b8a6000, 13); // FTIME (DOS): 2025-12-10 12:00
    body.writeUInt8(20, 17); // UNP_VER 2.0
    body.writeUInt8(0x30, 18); // METHOD: store
    body.writeUInt16LE(name.length, 19);
    body.writeUInt32LE(0x20, 21); // ATTR: archive
    name.copy(body, 25);
    parts.push(block4(0x74, 0x8000, body), Buffer.from(m.data));
  }
  parts.push(block4(0x7b, 0x4000, Buffer.alloc(0)));
  return new Uint8Array(Buffer.concat(parts));
}
