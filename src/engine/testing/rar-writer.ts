import { crc32 } from 'node:zlib';

/**
 * A minimal RAR 5 writer for tests (stored members only, no compression, no encryption), after
 * RARLAB's format description: there is no RAR archiver on these machines.
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
