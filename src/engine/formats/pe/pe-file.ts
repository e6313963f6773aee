import { entropyOf } from '../../hashing/entropy';
import { ByteReader, hex, latin1 } from './reader';

/**
 * The headers of a PE image (PE32 and PE32+): DOS header, file header, optional header, data
 * directories and the section table, read with bounds checks, plus the address mapping the other
 * PE parsers use (`rvaToOffset`). Malformed headers are recorded in `anomalies`, never thrown: a
 * truncated optional header leaves `optional` undefined, a truncated section table keeps the whole
 * entries only.
 *
 * RVA → file offset follows YARA's pe module (libyara pe_rva_to_offset), which is how the loader
 * maps a file for the common cases: the section with the highest VirtualAddress not above the RVA,
 * its PointerToRawData rounded down to min(FileAlignment, 0x200), RVAs beyond its SizeOfRawData
 * unmapped, and RVAs below the first section mapped 1:1 to the headers. Reads then run on linearly
 * in the file (not clipped at the section's raw end): packers place structures across sections.
 */

export const MAX_SECTIONS = 1024;

export const DIRECTORY_NAMES = [
  'export', 'import', 'resource', 'exception', 'security', 'basereloc', 'debug', 'architecture',
  'globalptr', 'tls', 'load_config', 'bound_import', 'iat', 'delay_import', 'clr_runtime', 'reserved',
] as const;
export const DIR = {
  export: 0, import: 1, resource: 2, exception: 3, security: 4, basereloc: 5, debug: 6, tls: 9, loadConfig: 10, boundImport: 11, iat: 12, delayImport: 13, clr: 14,
} as const;

export const MACHINES: Record<number, string> = {
  0x0: 'unknown', 0x14c: 'i386', 0x162: 'R3000', 0x166: 'R4000', 0x168: 'R10000', 0x169: 'WCEMIPSv2', 0x184: 'Alpha', 0x1a2: 'SH3', 0x1a3: 'SH3DSP',
  0x1a6: 'SH4', 0x1a8: 'SH5', 0x1c0: 'ARM', 0x1c2: 'Thumb', 0x1c4: 'ARMNT', 0x1d3: 'AM33', 0x1f0: 'PowerPC', 0x1f1: 'PowerPCFP', 0x200: 'IA64',
  0x266: 'MIPS16', 0x284: 'Alpha64', 0x366: 'MIPSFPU', 0x466: 'MIPSFPU16', 0xebc: 'EBC', 0x5032: 'RISCV32', 0x5064: 'RISCV64', 0x5128: 'RISCV128',
  0x6232: 'LoongArch32', 0x6264: 'LoongArch64', 0x8664: 'x86-64', 0x9041: 'M32R', 0xa641: 'ARM64EC', 0xa64e: 'ARM64X', 0xaa64: 'ARM64',
};

export const SUBSYSTEMS: Record<number, string> = {
  0: 'unknown', 1: 'native', 2: 'windows-gui', 3: 'windows-console', 5: 'os2-console', 7: 'posix-console', 8: 'native-windows', 9: 'windows-ce-gui',
  10: 'efi-application', 11: 'efi-boot-service-driver', 12: 'efi-runtime-driver', 13: 'efi-rom', 14: 'xbox', 16: 'windows-boot-application',
};

const FILE_CHARACTERISTICS: [number, string][] = [
  [0x0001, 'RELOCS_STRIPPED'], [0x0002, 'EXECUTABLE_IMAGE'], [0x0004, 'LINE_NUMS_STRIPPED'], [0x0008, 'LOCAL_SYMS_STRIPPED'],
  [0x0010, 'AGGRESSIVE_WS_TRIM'], [0x0020, 'LARGE_ADDRESS_AWARE'], [0x0080, 'BYTES_REVERSED_LO'], [0x0100, '32BIT_MACHINE'],
  [0x0200, 'DEBUG_STRIPPED'], [0x0400, 'REMOVABLE_RUN_FROM_SWAP'], [0x0800, 'NET_RUN_FROM_SWAP'], [0x1000, 'SYSTEM'], [0x2000, 'DLL'],
  [0x4000, 'UP_SYSTEM_ONLY'], [0x8000, 'BYTES_REVERSED_HI'],
];

const DLL_CHARACTERISTICS: [number, string][] = [
  [0x0020, 'HIGH_ENTROPY_VA'], [0x0040, 'DYNAMIC_BASE'], [0x0080, 'FORCE_INTEGRITY'], [0x0100, 'NX_COMPAT'], [0x0200, 'NO_ISOLATION'],
  [0x0400, 'NO_SEH'], [0x0800, 'NO_BIND'], [0x1000, 'APPCONTAINER'], [0x2000, 'WDM_DRIVER'], [0x4000, 'GUARD_CF'], [0x8000, 'TERMINAL_SERVER_AWARE'],
];

export const SCN_CNT_CODE = 0x20;
export const SCN_CNT_INITIALIZED_DATA = 0x40;
export const SCN_CNT_UNINITIALIZED_DATA = 0x80;
export const SCN_MEM_DISCARDABLE = 0x02000000;
export const SCN_MEM_SHARED = 0x10000000;
export const SCN_MEM_EXECUTE = 0x20000000;
export const SCN_MEM_READ = 0x40000000;
export const SCN_MEM_WRITE = 0x80000000;

export const flagNames = (value: number, table: [number, string][]): string[] => table.filter(([bit]) => (value & bit) !== 0).map(([, name]) => name);

export interface PeSection {
  index: number;
  /** The name as shown (printable; long names `/4` resolved through the COFF string table when present). */
  name: string;
  /** The 8 raw name bytes as hex, for names that are not printable ASCII. */
  rawName?: string;
  virtualAddress: number;
  virtualSize: number;
  rawOffset: number;
  rawSize: number;
  characteristics: number;
  readable: boolean;
  writable: boolean;
  executable: boolean;
  /** Entropy of the raw data (bits per byte). */
  entropy: number;
}

export interface DataDirectory {
  name: string;
  rva: number;
  size: number;
}

export interface FileHeader {
  machine: number;
  numberOfSections: number;
  timeDateStamp: number;
  pointerToSymbolTable: number;
  numberOfSymbols: number;
  sizeOfOptionalHeader: number;
  characteristics: number;
}

export interface OptionalHeader {
  magic: number;
  majorLinkerVersion: number;
  minorLinkerVersion: number;
  sizeOfCode: number;
  addressOfEntryPoint: number;
  baseOfCode: number;
  imageBase: bigint;
  sectionAlignment: number;
  fileAlignment: number;
  majorOsVersion: number;
  minorOsVersion: number;
  majorSubsystemVersion: number;
  minorSubsystemVersion: number;
  sizeOfImage: number;
  sizeOfHeaders: number;
  checksum: number;
  subsystem: number;
  dllCharacteristics: number;
  numberOfRvaAndSizes: number;
}

export class PeFile {
  readonly r: ByteReader;
  readonly anomalies: string[] = [];
  /** e_lfanew: where the PE signature is. */
  peOffset = -1;
  /** False for an MS-DOS executable (no valid PE signature). */
  isPe = false;
  is64 = false;
  file?: FileHeader;
  optional?: OptionalHeader;
  directories: DataDirectory[] = [];
  sections: PeSection[] = [];
  /** File offsets of the optional header's CheckSum field and of the security directory entry (Authenticode skips both). */
  checksumOffset = -1;
  securityEntryOffset = -1;
  optionalOffset = -1;
  sectionTableOffset = -1;
  private lowestSectionVa = 0xffffffff;

  constructor(readonly data: Uint8Array) {
    this.r = new ByteReader(data);
    this.parse();
  }

  private parse(): void {
    const { r } = this;
    if (!r.has(0, 0x40) || r.u16(0) !== 0x5a4d) {
      this.anomalies.push('DOS header truncated or without MZ signature');
      return;
    }
    this.peOffset = r.u32(0x3c);
    if (!r.has(this.peOffset, 24) || r.u32(this.peOffset) !== 0x00004550) {
      this.anomalies.push(`no PE signature at e_lfanew ${hex(this.peOffset)}: an MS-DOS executable or a damaged header`);
      return;
    }
    this.isPe = true;
    const fh = this.peOffset + 4;
    this.file = {
      machine: r.u16(fh),
      numberOfSections: r.u16(fh + 2),
      timeDateStamp: r.u32(fh + 4),
      pointerToSymbolTable: r.u32(fh + 8),
      numberOfSymbols: r.u32(fh + 12),
      sizeOfOptionalHeader: r.u16(fh + 16),
      characteristics: r.u16(fh + 18),
    };
    const oh = fh + 20;
    this.optionalOffset = oh;
    this.sectionTableOffset = oh + this.file.sizeOfOptionalHeader;
    if (r.has(oh, 2)) this.parseOptional(oh);
    else this.anomalies.push('optional header truncated');
    this.parseSections();
  }

  private parseOptional(oh: number): void {
    const { r } = this;
    const magic = r.u16(oh);
    if (magic !== 0x10b && magic !== 0x20b) this.anomalies.push(`unknown optional header magic ${hex(magic)} (read as PE32)`);
    this.is64 = magic === 0x20b;
    const fixed = this.is64 ? 112 : 96;
    if (!r.has(oh, fixed)) {
      this.anomalies.push('optional header truncated');
      return;
    }
    const o = (n32: number, n64: number) => oh + (this.is64 ? n64 : n32);
    this.optional = {
      magic,
      majorLinkerVersion: r.u8(oh + 2),
      minorLinkerVersion: r.u8(oh + 3),
      sizeOfCode: r.u32(oh + 4),
      addressOfEntryPoint: r.u32(oh + 16),
      baseOfCode: r.u32(oh + 20),
      imageBase: this.is64 ? r.u64big(oh + 24) : BigInt(r.u32(oh + 28)),
      sectionAlignment: r.u32(oh + 32),
      fileAlignment: r.u32(oh + 36),
      majorOsVersion: r.u16(oh + 40),
      minorOsVersion: r.u16(oh + 42),
      majorSubsystemVersion: r.u16(oh + 48),
      minorSubsystemVersion: r.u16(oh + 50),
      sizeOfImage: r.u32(oh + 56),
      sizeOfHeaders: r.u32(oh + 60),
      checksum: r.u32(oh + 64),
      subsystem: r.u16(oh + 68),
      dllCharacteristics: r.u16(oh + 70),
      numberOfRvaAndSizes: r.u32(o(92, 108)),
    };
    this.checksumOffset = oh + 64;
    const dirBase = o(96, 112);
    const count = Math.min(16, this.optional.numberOfRvaAndSizes);
    if (this.optional.numberOfRvaAndSizes > 16) this.anomalies.push(`NumberOfRvaAndSizes is ${this.optional.numberOfRvaAndSizes} (at most 16 are meaningful)`);
    for (let i = 0; i < count; i++) {
      const at = dirBase + i * 8;
      if (!r.has(at, 8)) {
        this.anomalies.push(`data directory ${DIRECTORY_NAMES[i]} beyond the end of the file`);
        break;
      }
      this.directories.push({ name: DIRECTORY_NAMES[i], rva: r.u32(at), size: r.u32(at + 4) });
    }
    if (count > DIR.security) this.securityEntryOffset = dirBase + DIR.security * 8;
  }

  private parseSections(): void {
    const { r, file } = this;
    if (!file) return;
    let n = file.numberOfSections;
    if (n > MAX_SECTIONS) {
      this.anomalies.push(`${n} sections declared; the first ${MAX_SECTIONS} are read`);
      n = MAX_SECTIONS;
    }
    const coffStrings = this.coffStringTable();
    for (let i = 0; i < n; i++) {
      const at = this.sectionTableOffset + i * 40;
      if (!r.has(at, 40)) {
        this.anomalies.push(`section table truncated after ${i} of ${file.numberOfSections} sections`);
        break;
      }
      const nameBytes = r.bytes(at, 8);
      let end = nameBytes.indexOf(0);
      if (end < 0) end = 8;
      let name = latin1(nameBytes, 0, end);
      const shownRaw = /^[\x20-\x7e]*$/.test(name) ? undefined : Buffer.from(nameBytes).toString('hex');
      // Long names (`/123`) point into the COFF string table (mingw, object-like images).
      if (coffStrings && /^\/\d+$/.test(name)) {
        const long = coffStrings(Number(name.slice(1)));
        if (long) name = long;
      }
      const characteristics = r.u32(at + 36);
      const rawOffset = r.u32(at + 20);
      const rawSize = r.u32(at + 16);
      const section: PeSection = {
        index: i,
        name: name.replace(/[^\x20-\x7e]/g, '?'),
        ...(shownRaw ? { rawName: shownRaw } : {}),
        virtualAddress: r.u32(at + 12),
        virtualSize: r.u32(at + 8),
        rawOffset,
        rawSize,
        characteristics,
        readable: (characteristics & SCN_MEM_READ) !== 0,
        writable: (characteristics & SCN_MEM_WRITE) !== 0,
        executable: (characteristics & SCN_MEM_EXECUTE) !== 0,
        entropy: rawSize ? entropyOf(this.data, rawOffset, rawOffset + rawSize) : 0,
      };
      this.sections.push(section);
      this.lowestSectionVa = Math.min(this.lowestSectionVa, section.virtualAddress);
      if (rawSize && rawOffset + rawSize > this.data.length) this.anomalies.push(`section ${section.name} raw data (${hex(rawOffset)} + ${hex(rawSize)}) extends beyond the end of the file`);
    }
  }

  /** A reader of the COFF string table (after the symbol table), or null when there is none. */
  private coffStringTable(): ((offset: number) => string | null) | null {
    const { file, r } = this;
    if (!file || !file.pointerToSymbolTable || file.numberOfSymbols > 0x1000000) return null;
    const base = file.pointerToSymbolTable + file.numberOfSymbols * 18;
    if (!r.has(base, 4)) return null;
    const size = r.u32(base);
    return (offset) => (offset >= 4 && offset < size ? r.cString(base + offset, 256) : null);
  }

  get fileCharacteristics(): string[] {
    return this.file ? flagNames(this.file.characteristics, FILE_CHARACTERISTICS) : [];
  }

  get dllCharacteristics(): string[] {
    return this.optional ? flagNames(this.optional.dllCharacteristics, DLL_CHARACTERISTICS) : [];
  }

  get isDll(): boolean {
    return !!this.file && (this.file.characteristics & 0x2000) !== 0;
  }

  directory(index: number): DataDirectory | undefined {
    const d = this.directories[index];
    return d && d.rva !== 0 ? d : undefined;
  }

  /** File offset of an RVA, or -1 when it maps to no file bytes (YARA's rules, see the header comment). */
  rvaToOffset(rva: number): number {
    if (!Number.isSafeInteger(rva) || rva < 0) return -1;
    let sectionRva = 0;
    let sectionOffset = 0;
    let sectionRawSize = 0;
    const alignment = Math.min(this.optional?.fileAlignment ?? 0, 0x200);
    for (const s of this.sections) {
      if (rva >= s.virtualAddress && sectionRva <= s.virtualAddress) {
        sectionRva = s.virtualAddress;
        sectionOffset = alignment ? s.rawOffset - (s.rawOffset % alignment) : s.rawOffset;
        sectionRawSize = s.rawSize;
      }
    }
    if (rva < this.lowestSectionVa) {
      sectionRva = 0;
      sectionOffset = 0;
      sectionRawSize = this.data.length;
    }
    if (rva - sectionRva >= sectionRawSize) return -1;
    const offset = sectionOffset + (rva - sectionRva);
    return offset < this.data.length ? offset : -1;
  }

  /** The section whose virtual range holds `rva` (VirtualSize, or SizeOfRawData when larger), if any. */
  sectionOfRva(rva: number): PeSection | undefined {
    return this.sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  }

  /** The section whose raw data holds the file offset, if any. */
  sectionOfOffset(offset: number): PeSection | undefined {
    return this.sections.find((s) => s.rawSize > 0 && offset >= s.rawOffset && offset < s.rawOffset + s.rawSize);
  }

  /** An RVA from a VA (VA - ImageBase), or -1 when the VA lies outside the 32-bit image range. */
  vaToRva(va: bigint): number {
    if (!this.optional) return -1;
    const rva = va - this.optional.imageBase;
    return rva >= 0n && rva < 0x100000000n ? Number(rva) : -1;
  }

  /** `length` bytes at an RVA (clipped to the file), or an empty array when the RVA is unmapped. */
  bytesAt(rva: number, length: number): Uint8Array {
    const offset = this.rvaToOffset(rva);
    return offset < 0 ? new Uint8Array(0) : this.r.bytes(offset, length);
  }

  /** A NUL-terminated ASCII string at an RVA, or null when unmapped. */
  stringAt(rva: number, max = 256): string | null {
    const offset = this.rvaToOffset(rva);
    return offset < 0 ? null : this.r.cString(offset, max);
  }

  u32At(rva: number): number | null {
    const offset = this.rvaToOffset(rva);
    return offset >= 0 && this.r.has(offset, 4) ? this.r.u32(offset) : null;
  }

  u16At(rva: number): number | null {
    const offset = this.rvaToOffset(rva);
    return offset >= 0 && this.r.has(offset, 2) ? this.r.u16(offset) : null;
  }

  /** A pointer-sized value at an RVA (4 bytes for PE32, 8 for PE32+), or null. */
  pointerAt(rva: number): bigint | null {
    const offset = this.rvaToOffset(rva);
    if (offset < 0) return null;
    if (this.is64) return this.r.has(offset, 8) ? this.r.u64big(offset) : null;
    return this.r.has(offset, 4) ? BigInt(this.r.u32(offset)) : null;
  }

  /** End of the data the headers and sections account for: where an overlay would start. */
  get endOfImageData(): number {
    let end = Math.min(this.data.length, this.optional?.sizeOfHeaders ?? 0);
    end = Math.max(end, this.sectionTableOffset + (this.file?.numberOfSections ?? 0) * 40);
    for (const s of this.sections) {
      const sEnd = s.rawOffset + s.rawSize;
      if (s.rawSize && sEnd <= this.data.length && sEnd > end) end = sEnd;
    }
    return Math.min(end, this.data.length);
  }

  /** The PE checksum as the loader and ImageHlp's CheckSumMappedFile compute it (pefile's generate_checksum). */
  computeChecksum(): number {
    const { data } = this;
    const skipWord = this.checksumOffset >= 0 ? Math.floor(this.checksumOffset / 4) : -1;
    const words = Math.floor(data.length / 4);
    const aligned = data.byteOffset % 4 === 0;
    const u32 = aligned ? new Uint32Array(data.buffer, data.byteOffset, words) : null;
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    // pefile's generate_checksum adds 32-bit words and folds the carry back after each addition: the running value
    // is the total modulo 2^32 - 1, kept in [1, 2^32 - 1] once it is non-zero. Totals of up to 2^20 words are exact
    // in a double, so the words are summed in chunks and folded per chunk, which gives the same value.
    const M = 0xffffffff;
    const fold = (acc: number, chunk: number) => {
      const x = acc + chunk;
      return x === 0 ? 0 : ((x - 1) % M) + 1;
    };
    let sum = 0;
    const CHUNK = 1 << 20;
    for (let from = 0; from < words; from += CHUNK) {
      const to = Math.min(words, from + CHUNK);
      let chunk = 0;
      if (u32) {
        for (let i = from; i < to; i++) chunk += u32[i];
      } else {
        for (let i = from; i < to; i++) chunk += view.getUint32(i * 4, true);
      }
      if (skipWord >= from && skipWord < to) chunk -= u32 ? u32[skipWord] : view.getUint32(skipWord * 4, true);
      sum = fold(sum, chunk);
    }
    const rest = data.length % 4;
    if (rest && words !== skipWord) {
      let last = 0;
      for (let k = 0; k < rest; k++) last += data[words * 4 + k] * 2 ** (8 * k);
      sum = fold(sum, last);
    }
    sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
    sum = sum + Math.floor(sum / 0x10000);
    sum &= 0xffff;
    return (sum + data.length) >>> 0;
  }
}
