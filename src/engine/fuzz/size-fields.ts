import { u16, u32 } from '../formats/bytes';

/**
 * Where the length, offset and count fields of the formats the engine parses are: the fields a
 * parser trusts to size an allocation or a loop, which the `size-field` mutation sets to
 * 0xFFFFFFFF, 0x7FFFFFFF, 0 ... Found from each format's own header (PE, ZIP, OLE, ELF, 7z, CAB,
 * gzip, LNK), plus, for any file, 4-byte little-endian integers in the first KiB that look like a
 * size or an offset into the file.
 */
export interface SizeField {
  offset: number;
  width: 2 | 4 | 8;
  /** Format and field, e.g. `pe.SizeOfImage`, `zip.cd.compressedSize`. */
  label: string;
}

const has = (b: Uint8Array, sig: number[], o = 0) => o + sig.length <= b.length && sig.every((v, i) => b[o + i] === v);

/** Most signature occurrences looked at per signature (a hostile file may repeat them). */
const MAX_HITS = 64;

function* occurrences(b: Uint8Array, sig: number[]): Generator<number> {
  let found = 0;
  for (let i = 0; i + sig.length <= b.length && found < MAX_HITS; i++) {
    if (b[i] === sig[0] && has(b, sig, i)) {
      found++;
      yield i;
    }
  }
}

function peFields(b: Uint8Array, out: SizeField[]): void {
  if (!has(b, [0x4d, 0x5a])) return;
  out.push({ offset: 0x3c, width: 4, label: 'pe.e_lfanew' });
  const pe = u32(b, 0x3c);
  if (pe < 0 || pe + 24 > b.length || !has(b, [0x50, 0x45, 0, 0], pe)) return;
  out.push({ offset: pe + 6, width: 2, label: 'pe.NumberOfSections' }, { offset: pe + 20, width: 2, label: 'pe.SizeOfOptionalHeader' });
  out.push({ offset: pe + 12, width: 4, label: 'pe.PointerToSymbolTable' }, { offset: pe + 16, width: 4, label: 'pe.NumberOfSymbols' });
  const opt = pe + 24;
  const is64 = u16(b, opt) === 0x20b;
  out.push(
    { offset: opt + 4, width: 4, label: 'pe.SizeOfCode' },
    { offset: opt + 16, width: 4, label: 'pe.AddressOfEntryPoint' },
    { offset: opt + 56, width: 4, label: 'pe.SizeOfImage' },
    { offset: opt + 60, width: 4, label: 'pe.SizeOfHeaders' },
  );
  const countAt = opt + (is64 ? 108 : 92);
  out.push({ offset: countAt, width: 4, label: 'pe.NumberOfRvaAndSizes' });
  const dirs = countAt + 4;
  const names = ['export', 'import', 'resource', 'exception', 'security', 'basereloc', 'debug', 'architecture', 'globalptr', 'tls', 'loadconfig', 'boundimport', 'iat', 'delayimport', 'clr', 'reserved'];
  for (let i = 0; i < 16; i++) {
    out.push({ offset: dirs + i * 8, width: 4, label: `pe.dir.${names[i]}.rva` }, { offset: dirs + i * 8 + 4, width: 4, label: `pe.dir.${names[i]}.size` });
  }
  const sections = opt + Math.max(0, u16(b, pe + 20));
  const count = Math.min(Math.max(0, u16(b, pe + 6)), 32);
  for (let i = 0; i < count; i++) {
    const s = sections + i * 40;
    out.push(
      { offset: s + 8, width: 4, label: `pe.section${i}.VirtualSize` },
      { offset: s + 12, width: 4, label: `pe.section${i}.VirtualAddress` },
      { offset: s + 16, width: 4, label: `pe.section${i}.SizeOfRawData` },
      { offset: s + 20, width: 4, label: `pe.section${i}.PointerToRawData` },
      { offset: s + 32, width: 2, label: `pe.section${i}.NumberOfRelocations` },
    );
  }
}

function zipFields(b: Uint8Array, out: SizeField[]): void {
  for (const at of occurrences(b, [0x50, 0x4b, 3, 4])) {
    out.push(
      { offset: at + 18, width: 4, label: 'zip.local.compressedSize' },
      { offset: at + 22, width: 4, label: 'zip.local.uncompressedSize' },
      { offset: at + 26, width: 2, label: 'zip.local.nameLength' },
      { offset: at + 28, width: 2, label: 'zip.local.extraLength' },
    );
  }
  for (const at of occurrences(b, [0x50, 0x4b, 1, 2])) {
    out.push(
      { offset: at + 20, width: 4, label: 'zip.cd.compressedSize' },
      { offset: at + 24, width: 4, label: 'zip.cd.uncompressedSize' },
      { offset: at + 28, width: 2, label: 'zip.cd.nameLength' },
      { offset: at + 30, width: 2, label: 'zip.cd.extraLength' },
      { offset: at + 32, width: 2, label: 'zip.cd.commentLength' },
      { offset: at + 42, width: 4, label: 'zip.cd.localHeaderOffset' },
    );
  }
  for (const at of occurrences(b, [0x50, 0x4b, 5, 6])) {
    out.push(
      { offset: at + 8, width: 2, label: 'zip.eocd.entriesOnDisk' },
      { offset: at + 10, width: 2, label: 'zip.eocd.entries' },
      { offset: at + 12, width: 4, label: 'zip.eocd.directorySize' },
      { offset: at + 16, width: 4, label: 'zip.eocd.directoryOffset' },
      { offset: at + 20, width: 2, label: 'zip.eocd.commentLength' },
    );
  }
  for (const at of occurrences(b, [0x50, 0x4b, 6, 6])) {
    out.push({ offset: at + 40, width: 8, label: 'zip64.eocd.directorySize' }, { offset: at + 48, width: 8, label: 'zip64.eocd.directoryOffset' });
  }
}

function oleFields(b: Uint8Array, out: SizeField[]): void {
  if (!has(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return;
  out.push(
    { offset: 0x1e, width: 2, label: 'ole.sectorShift' },
    { offset: 0x20, width: 2, label: 'ole.miniSectorShift' },
    { offset: 0x2c, width: 4, label: 'ole.fatSectors' },
    { offset: 0x30, width: 4, label: 'ole.firstDirectorySector' },
    { offset: 0x38, width: 4, label: 'ole.miniStreamCutoff' },
    { offset: 0x3c, width: 4, label: 'ole.firstMiniFatSector' },
    { offset: 0x40, width: 4, label: 'ole.miniFatSectors' },
    { offset: 0x44, width: 4, label: 'ole.firstDifatSector' },
    { offset: 0x48, width: 4, label: 'ole.difatSectors' },
  );
  for (let i = 0; i < 4; i++) out.push({ offset: 0x4c + i * 4, width: 4, label: `ole.difat[${i}]` });
  const shift = u16(b, 0x1e);
  const dir = u32(b, 0x30);
  if (shift === 9 || shift === 12) {
    const start = (dir + 1) << shift;
    for (let e = 0; e < 16 && start + (e + 1) * 128 <= b.length; e++) {
      const at = start + e * 128;
      out.push(
        { offset: at + 0x40, width: 2, label: `ole.dir[${e}].nameLength` },
        { offset: at + 0x44, width: 4, label: `ole.dir[${e}].left` },
        { offset: at + 0x4c, width: 4, label: `ole.dir[${e}].child` },
        { offset: at + 0x74, width: 4, label: `ole.dir[${e}].startSector` },
        { offset: at + 0x78, width: 4, label: `ole.dir[${e}].size` },
      );
    }
  }
}

function elfFields(b: Uint8Array, out: SizeField[]): void {
  if (!has(b, [0x7f, 0x45, 0x4c, 0x46])) return;
  if (b[4] === 2) {
    out.push(
      { offset: 0x20, width: 8, label: 'elf.e_phoff' },
      { offset: 0x28, width: 8, label: 'elf.e_shoff' },
      { offset: 0x36, width: 2, label: 'elf.e_phentsize' },
      { offset: 0x38, width: 2, label: 'elf.e_phnum' },
      { offset: 0x3a, width: 2, label: 'elf.e_shentsize' },
      { offset: 0x3c, width: 2, label: 'elf.e_shnum' },
      { offset: 0x3e, width: 2, label: 'elf.e_shstrndx' },
    );
  } else {
    out.push(
      { offset: 0x1c, width: 4, label: 'elf.e_phoff' },
      { offset: 0x20, width: 4, label: 'elf.e_shoff' },
      { offset: 0x2c, width: 2, label: 'elf.e_phnum' },
      { offset: 0x30, width: 2, label: 'elf.e_shnum' },
      { offset: 0x32, width: 2, label: 'elf.e_shstrndx' },
    );
  }
}

function otherFields(b: Uint8Array, out: SizeField[]): void {
  if (has(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) {
    out.push({ offset: 12, width: 8, label: '7z.nextHeaderOffset' }, { offset: 20, width: 8, label: '7z.nextHeaderSize' });
  }
  if (has(b, [0x4d, 0x53, 0x43, 0x46])) {
    out.push(
      { offset: 8, width: 4, label: 'cab.cbCabinet' },
      { offset: 16, width: 4, label: 'cab.coffFiles' },
      { offset: 26, width: 2, label: 'cab.cFolders' },
      { offset: 28, width: 2, label: 'cab.cFiles' },
    );
  }
  if (has(b, [0x1f, 0x8b]) && b.length >= 8) out.push({ offset: b.length - 4, width: 4, label: 'gzip.isize' });
  if (has(b, [0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0])) {
    out.push({ offset: 0x14, width: 4, label: 'lnk.LinkFlags' }, { offset: 0x34, width: 4, label: 'lnk.FileSize' }, { offset: 0x4c, width: 2, label: 'lnk.IDListSize' });
  }
  if (has(b, [0x49, 0x54, 0x53, 0x46])) out.push({ offset: 4, width: 4, label: 'chm.version' }, { offset: 8, width: 4, label: 'chm.headerLength' });
}

/** Candidate fields of `data`, the format-specific ones first; never beyond its end. */
export function sizeFields(data: Uint8Array): SizeField[] {
  const out: SizeField[] = [];
  peFields(data, out);
  zipFields(data, out);
  oleFields(data, out);
  elfFields(data, out);
  otherFields(data, out);
  // Generic: 4-byte little-endian values in the first KiB that could be a size or an offset into the file.
  const limit = Math.min(data.length - 4, 1024);
  for (let o = 0; o <= limit && out.length < 600; o += 2) {
    const v = u32(data, o);
    if (v >= 16 && v <= Math.max(4096, data.length * 2) && v !== 0x20202020) out.push({ offset: o, width: 4, label: 'generic.u32' });
  }
  return out.filter((f) => f.offset >= 0 && f.offset + f.width <= data.length);
}

/** Values a hostile header puts in a field of each width. */
export const HOSTILE_VALUES: Record<2 | 4 | 8, bigint[]> = {
  2: [0xffffn, 0x7fffn, 0n, 0x8000n, 1n],
  4: [0xffffffffn, 0x7fffffffn, 0n, 0x80000000n, 0xfffffffen, 1n],
  8: [0xffffffffffffffffn, 0x7fffffffffffffffn, 0n, 0xffffffffn, 0x100000000n],
};

export function writeField(data: Uint8Array, field: SizeField, value: bigint): void {
  let v = value;
  for (let i = 0; i < field.width; i++) {
    data[field.offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}
