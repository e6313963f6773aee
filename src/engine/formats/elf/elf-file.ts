import { entropyOf } from '../../hashing/entropy';
import { ByteReader, hex, printable } from '../pe/reader';

/**
 * An ELF file (32/64 bit, little/big endian) read with bounds checks: the header, program headers
 * (segments), section headers with their names, the interpreter, the dynamic section (NEEDED,
 * SONAME, RPATH/RUNPATH, flags), symbols (.dynsym and .symtab: imported and exported, bounded), the
 * GNU build id and entropy per section and loaded segment. Extended numbering (e_shnum = 0 with the
 * count in section 0) is honoured. A damaged table is noted in `anomalies` and the rest still read.
 */
export const MAX_SEGMENTS = 4096;
export const MAX_SECTIONS = 8192;
export const MAX_SYMBOLS = 1_000_000;

const TYPES: Record<number, string> = { 0: 'none', 1: 'relocatable', 2: 'executable', 3: 'shared-object', 4: 'core' };
export const MACHINES: Record<number, string> = {
  0: 'none', 2: 'SPARC', 3: 'i386', 4: 'm68k', 8: 'MIPS', 10: 'MIPS-RS3-LE', 15: 'PA-RISC', 18: 'SPARC32PLUS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S390',
  40: 'ARM', 42: 'SuperH', 43: 'SPARCv9', 50: 'IA-64', 62: 'x86-64', 83: 'AVR', 92: 'OpenRISC', 94: 'Xtensa', 183: 'AArch64', 188: 'TileGX', 243: 'RISC-V',
  247: 'BPF', 258: 'LoongArch',
};
const OSABI: Record<number, string> = { 0: 'SYSV', 1: 'HP-UX', 2: 'NetBSD', 3: 'Linux', 6: 'Solaris', 7: 'AIX', 8: 'IRIX', 9: 'FreeBSD', 12: 'OpenBSD', 97: 'ARM', 255: 'standalone' };
const SEGMENT_TYPES: Record<number, string> = {
  0: 'NULL', 1: 'LOAD', 2: 'DYNAMIC', 3: 'INTERP', 4: 'NOTE', 5: 'SHLIB', 6: 'PHDR', 7: 'TLS',
  0x6474e550: 'GNU_EH_FRAME', 0x6474e551: 'GNU_STACK', 0x6474e552: 'GNU_RELRO', 0x6474e553: 'GNU_PROPERTY',
};
const SECTION_TYPES: Record<number, string> = {
  0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 5: 'HASH', 6: 'DYNAMIC', 7: 'NOTE', 8: 'NOBITS', 9: 'REL', 11: 'DYNSYM',
  14: 'INIT_ARRAY', 15: 'FINI_ARRAY', 16: 'PREINIT_ARRAY', 17: 'GROUP', 18: 'SYMTAB_SHNDX', 0x6ffffff6: 'GNU_HASH', 0x6ffffffd: 'VERDEF', 0x6ffffffe: 'VERNEED', 0x6fffffff: 'VERSYM',
};
export const PT_LOAD = 1;
export const PT_INTERP = 3;
export const PT_DYNAMIC = 2;
export const PT_NOTE = 4;
export const PT_GNU_STACK = 0x6474e551;

export interface ElfSegment {
  type: string;
  typeId: number;
  flags: string;
  offset: number;
  vaddr: number;
  fileSize: number;
  memSize: number;
  entropy?: number;
}

export interface ElfSection {
  name: string;
  type: string;
  typeId: number;
  flags: string;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
  entropy?: number;
}

export interface ElfSymbol {
  name: string;
  type: string;
  binding: string;
  defined: boolean;
}

const SYMBOL_TYPES = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
const SYMBOL_BINDINGS = ['LOCAL', 'GLOBAL', 'WEAK'];

export class ElfFile {
  readonly r: ByteReader;
  readonly anomalies: string[] = [];
  readonly is64: boolean;
  readonly little: boolean;
  readonly type: number;
  readonly machine: number;
  readonly osabi: number;
  readonly entry: number;
  readonly flags: number;
  readonly phoff: number;
  readonly shoff: number;
  segments: ElfSegment[] = [];
  sections: ElfSection[] = [];
  interpreter?: string;
  needed: string[] = [];
  soname?: string;
  rpath?: string;
  runpath?: string;
  dynamicFlags: string[] = [];
  buildId?: string;
  dynamicSymbols: ElfSymbol[] = [];
  symbolCounts = { dynamic: 0, static: 0 };
  private declaredShnum = 0;
  private declaredPhnum = 0;

  constructor(readonly data: Uint8Array) {
    if (data.length < 16 || data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46) throw new Error('not an ELF file');
    this.is64 = data[4] === 2;
    this.little = data[5] !== 2;
    if (data[4] !== 1 && data[4] !== 2) this.anomalies.push(`unknown ELF class ${data[4]} (read as ${this.is64 ? '64' : '32'}-bit)`);
    if (data[5] !== 1 && data[5] !== 2) this.anomalies.push(`unknown data encoding ${data[5]} (read as little endian)`);
    this.r = new ByteReader(data, this.little);
    const r = this.r;
    const w = this.is64 ? 8 : 4;
    if (!r.has(0, this.is64 ? 64 : 52)) throw new Error('ELF header truncated');
    this.osabi = data[7];
    this.type = r.u16(16);
    this.machine = r.u16(18);
    this.entry = this.word(24);
    this.phoff = this.word(24 + w);
    this.shoff = this.word(24 + 2 * w);
    this.flags = r.u32(24 + 3 * w);
    this.readTables();
  }

  private word(at: number): number {
    return this.is64 ? this.r.u64(at) : this.r.u32(at);
  }

  get typeName(): string {
    return TYPES[this.type] ?? hex(this.type);
  }

  get machineName(): string {
    return MACHINES[this.machine] ?? String(this.machine);
  }

  /** A position-independent executable (DT_FLAGS_1 PIE), rather than a library. */
  get pie(): boolean {
    return this.type === 3 && this.dynamicFlags.includes('FLAGS_1_PIE');
  }

  get osabiName(): string {
    return OSABI[this.osabi] ?? String(this.osabi);
  }

  get declaredCounts() {
    return { segments: this.declaredPhnum, sections: this.declaredShnum };
  }

  private readTables(): void {
    const { r } = this;
    const base = this.is64 ? 52 : 40;
    const phentsize = r.u16(base + 2);
    let phnum = r.u16(base + 4);
    const shentsize = r.u16(base + 6);
    let shnum = r.u16(base + 8);
    let shstrndx = r.u16(base + 10);
    // Extended numbering: the real counts in section header 0.
    if (this.shoff && r.has(this.shoff, this.is64 ? 64 : 40)) {
      const s0 = this.shoff;
      if (shnum === 0) shnum = this.is64 ? r.u64(s0 + 32) : r.u32(s0 + 20);
      if (shstrndx === 0xffff) shstrndx = r.u32(s0 + (this.is64 ? 40 : 24));
      if (phnum === 0xffff) phnum = r.u32(s0 + (this.is64 ? 44 : 28));
    }
    this.declaredPhnum = phnum;
    this.declaredShnum = this.shoff ? shnum : 0;
    this.readSegments(phentsize, phnum);
    if (this.shoff) this.readSections(shentsize, shnum, shstrndx);
    // Entropy per loaded segment when there are no sections to measure (packed files); otherwise per section only, one pass.
    if (!this.sections.length) {
      for (const seg of this.segments) if (seg.typeId === PT_LOAD && seg.fileSize) seg.entropy = entropyOf(this.data, seg.offset, seg.offset + seg.fileSize);
    }
    this.readInterpreter();
    this.readDynamic();
    this.readSymbols();
    this.readBuildId();
  }

  private readSegments(entsize: number, count: number): void {
    const { r } = this;
    const min = this.is64 ? 56 : 32;
    if (!count) return;
    if (entsize < min) {
      this.anomalies.push(`program header entry size ${entsize} is smaller than ${min}`);
      return;
    }
    const n = Math.min(count, MAX_SEGMENTS);
    for (let i = 0; i < n; i++) {
      const at = this.phoff + i * entsize;
      if (!r.has(at, min)) {
        this.anomalies.push(`program headers truncated after ${i} of ${count}`);
        break;
      }
      const typeId = r.u32(at);
      const flags = this.is64 ? r.u32(at + 4) : r.u32(at + 24);
      const seg: ElfSegment = {
        type: SEGMENT_TYPES[typeId] ?? hex(typeId),
        typeId,
        flags: `${flags & 4 ? 'R' : '-'}${flags & 2 ? 'W' : '-'}${flags & 1 ? 'X' : '-'}`,
        offset: this.is64 ? r.u64(at + 8) : r.u32(at + 4),
        vaddr: this.is64 ? r.u64(at + 16) : r.u32(at + 8),
        fileSize: this.is64 ? r.u64(at + 32) : r.u32(at + 16),
        memSize: this.is64 ? r.u64(at + 40) : r.u32(at + 20),
      };
      if (typeId === PT_LOAD && seg.fileSize && seg.offset + seg.fileSize > this.data.length) this.anomalies.push(`LOAD segment at ${hex(seg.offset)} extends beyond the end of the file`);
      this.segments.push(seg);
    }
  }

  private readSections(entsize: number, count: number, shstrndx: number): void {
    const { r } = this;
    const min = this.is64 ? 64 : 40;
    if (entsize < min) {
      this.anomalies.push(`section header entry size ${entsize} is smaller than ${min}`);
      return;
    }
    const n = Math.min(count, MAX_SECTIONS);
    if (count > MAX_SECTIONS) this.anomalies.push(`${count} sections declared; the first ${MAX_SECTIONS} are read`);
    const raw: (ElfSection & { nameOffset: number })[] = [];
    for (let i = 0; i < n; i++) {
      const at = this.shoff + i * entsize;
      if (!r.has(at, min)) {
        this.anomalies.push(`section headers truncated after ${i} of ${count}`);
        break;
      }
      const typeId = r.u32(at + 4);
      const flags = this.is64 ? r.u64(at + 8) : r.u32(at + 8);
      const w = this.is64 ? 8 : 4;
      const s = {
        nameOffset: r.u32(at),
        name: '',
        type: SECTION_TYPES[typeId] ?? hex(typeId),
        typeId,
        flags: `${flags & 2 ? 'A' : '-'}${flags & 1 ? 'W' : '-'}${flags & 4 ? 'X' : '-'}`,
        addr: this.word(at + 8 + w),
        offset: this.word(at + 8 + 2 * w),
        size: this.word(at + 8 + 3 * w),
        link: r.u32(at + 8 + 4 * w),
        entsize: this.word(at + 16 + 5 * w),
      };
      raw.push(s);
    }
    const names = raw[shstrndx];
    for (const s of raw) {
      const { nameOffset, ...section } = s;
      if (names && names.typeId !== 8) {
        const name = nameOffset < names.size ? r.cString(names.offset + nameOffset, Math.min(256, names.size - nameOffset)) : null;
        section.name = printable(name ?? '', 256);
      }
      if (section.typeId !== 8 && section.size && section.offset + section.size <= this.data.length) section.entropy = entropyOf(this.data, section.offset, section.offset + section.size);
      this.sections.push(section);
    }
    if (!names && raw.length) this.anomalies.push(`section name table index ${shstrndx} is out of range`);
  }

  /** File offset of a virtual address, through the LOAD segments; -1 when unmapped. */
  vaddrToOffset(vaddr: number): number {
    for (const s of this.segments) {
      if (s.typeId === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.fileSize) return s.offset + (vaddr - s.vaddr);
    }
    return -1;
  }

  private readInterpreter(): void {
    const seg = this.segments.find((s) => s.typeId === PT_INTERP);
    if (!seg) return;
    const value = this.r.cString(seg.offset, Math.min(seg.fileSize || 256, 4096));
    if (value !== null) this.interpreter = printable(value, 4096);
    else this.anomalies.push('the interpreter segment points outside the file');
  }

  private readDynamic(): void {
    const { r } = this;
    const seg = this.segments.find((s) => s.typeId === PT_DYNAMIC);
    const section = this.sections.find((s) => s.typeId === 6);
    const at = seg?.offset ?? section?.offset;
    const size = seg?.fileSize ?? section?.size ?? 0;
    if (at === undefined || !size) return;
    const w = this.is64 ? 8 : 4;
    const entries: [number, number][] = [];
    for (let p = at; p + 2 * w <= at + size && entries.length < 4096; p += 2 * w) {
      if (!r.has(p, 2 * w)) break;
      const tag = this.word(p);
      const value = this.word(p + w);
      if (tag === 0) break;
      entries.push([tag, value]);
    }
    const strtabAddr = entries.find(([t]) => t === 5)?.[1];
    const strsz = entries.find(([t]) => t === 10)?.[1] ?? 0;
    let strtab = strtabAddr !== undefined ? this.vaddrToOffset(strtabAddr) : -1;
    if (strtab < 0) {
      const dynstr = this.sections.find((s) => s.name === '.dynstr');
      if (dynstr) strtab = dynstr.offset;
    }
    const str = (offset: number) => (strtab >= 0 && (!strsz || offset < strsz) ? this.r.cString(strtab + offset, 4096) : null);
    for (const [tag, value] of entries) {
      if (tag === 1) {
        const name = str(value);
        if (name !== null && this.needed.length < 1024) this.needed.push(printable(name, 512));
      } else if (tag === 14) this.soname = printable(str(value) ?? '', 512) || undefined;
      else if (tag === 15) this.rpath = printable(str(value) ?? '', 4096) || undefined;
      else if (tag === 29) this.runpath = printable(str(value) ?? '', 4096) || undefined;
      else if (tag === 30) {
        for (const [bit, name] of [[1, 'ORIGIN'], [2, 'SYMBOLIC'], [4, 'TEXTREL'], [8, 'BIND_NOW'], [16, 'STATIC_TLS']] as const) if (value & bit) this.dynamicFlags.push(name);
      } else if (tag === 0x6ffffffb) {
        for (const [bit, name] of [[1, 'NOW'], [8, 'NODELETE'], [0x8000000, 'PIE']] as const) if (value & bit) this.dynamicFlags.push(`FLAGS_1_${name}`);
      } else if (tag === 22) this.dynamicFlags.push('TEXTREL');
    }
  }

  private readSymbols(): void {
    for (const table of this.sections.filter((s) => s.typeId === 11 || s.typeId === 2)) {
      const strings = this.sections[table.link];
      if (!strings) continue;
      const size = this.is64 ? 24 : 16;
      const count = Math.min(Math.floor(table.size / size), MAX_SYMBOLS);
      const out = this.dynamicSymbols;
      if (table.typeId === 11) this.symbolCounts.dynamic += count;
      else this.symbolCounts.static += count;
      // .symtab is only counted: the dynamic symbols are what a program imports and exports.
      if (table.typeId === 2) continue;
      for (let i = 1; i < count; i++) {
        const at = table.offset + i * size;
        if (!this.r.has(at, size)) break;
        const nameOffset = this.r.u32(at);
        const info = this.is64 ? this.r.u8(at + 4) : this.r.u8(at + 12);
        const shndx = this.is64 ? this.r.u16(at + 6) : this.r.u16(at + 14);
        const type = SYMBOL_TYPES[info & 0xf] ?? String(info & 0xf);
        const binding = SYMBOL_BINDINGS[info >> 4] ?? String(info >> 4);
        if (!nameOffset || type === 'SECTION' || type === 'FILE' || nameOffset >= strings.size) continue;
        const name = this.r.cString(strings.offset + nameOffset, 512);
        if (!name) continue;
        out.push({ name: printable(name, 512), type, binding, defined: shndx !== 0 });
      }
    }
  }

  private readBuildId(): void {
    const notes = [...this.segments.filter((s) => s.typeId === PT_NOTE).map((s) => [s.offset, s.fileSize]), ...this.sections.filter((s) => s.typeId === 7).map((s) => [s.offset, s.size])];
    for (const [offset, size] of notes) {
      let p = offset;
      for (let k = 0; k < 64 && p + 12 <= offset + size && this.r.has(p, 12); k++) {
        const namesz = this.r.u32(p);
        const descsz = this.r.u32(p + 4);
        const type = this.r.u32(p + 8);
        const name = this.r.cString(p + 12, Math.min(namesz, 16));
        const desc = p + 12 + ((namesz + 3) & ~3);
        if (name === 'GNU' && type === 3 && descsz <= 64 && this.r.has(desc, descsz)) {
          this.buildId = Buffer.from(this.r.bytes(desc, descsz)).toString('hex');
          return;
        }
        p = desc + ((descsz + 3) & ~3);
      }
    }
  }
}
