/**
 * A bounded reader of OLE2 compound files ([MS-CFB]): header, DIFAT, FAT, mini FAT, directory tree
 * and stream contents.
 *
 * Written for hostile input rather than taken from `cfb` (used by the tests to *write* compound
 * files): `cfb`'s reader follows sector chains without cycle detection and walks large directories
 * quadratically, and a synchronous loop cannot be stopped by the analyzer's time budget. Here every
 * chain is followed with a visited bitmap and a length bound, the directory tree is walked with a
 * visited set, and each stream read is capped by the caller. Damage that leaves the file readable
 * (a short chain, an entry pointing outside the file, a bad sibling pointer) is recorded in
 * `problems` and reading goes on; only an unreadable header throws `OleError`.
 */
export class OleError extends Error {}

const ENDOFCHAIN = 0xfffffffe;
const FREESECT = 0xffffffff;
const MAXREGSECT = 0xfffffffa;
const NOSTREAM = 0xffffffff;
const SIGNATURE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
/** Most directory entries read (a 128-byte entry each: 1M entries is a 128 MB directory). */
const MAX_ENTRIES = 100_000;
/** Most problems recorded. */
const MAX_PROBLEMS = 50;

export type OleEntryType = 'storage' | 'stream' | 'root';

export interface OleEntry {
  /** Index in the directory. */
  id: number;
  name: string;
  /** Storage names and the entry's name joined by '/', without the root's name; '' for the root. */
  path: string;
  type: OleEntryType;
  /** Declared size (streams; for the root, the mini stream's size). */
  size: number;
  /** CLSID as a GUID string (lower case), or '' when all zero. */
  clsid: string;
  start: number;
  /** Parent storage's id (-1 for the root). */
  parent: number;
  /** Ids of the entries inside a storage. */
  children: number[];
  created?: Date;
  modified?: Date;
}

export interface StreamRead {
  data: Uint8Array;
  /** Fewer bytes than declared: the chain was short, or the caller's bound was reached. */
  truncated: boolean;
}

const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

export function isOle(data: Uint8Array): boolean {
  return data.length >= 8 && SIGNATURE.every((v, i) => data[i] === v);
}

export function guidString(b: Uint8Array, o = 0): string {
  if (o + 16 > b.length) return '';
  let zero = true;
  for (let i = 0; i < 16; i++) if (b[o + i]) zero = false;
  if (zero) return '';
  const hex = (from: number, to: number, reverse: boolean) => {
    const bytes = Array.from(b.subarray(o + from, o + to));
    if (reverse) bytes.reverse();
    return bytes.map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

function filetime(b: Uint8Array, o: number): Date | undefined {
  const low = u32(b, o);
  const high = u32(b, o + 4);
  if (!low && !high) return undefined;
  const ms = (high * 4294967296 + low) / 10_000 - 11644473600000;
  if (!Number.isFinite(ms) || ms < 0 || ms > 4102444800000) return undefined; // 1970..2100
  return new Date(ms);
}

export class OleFile {
  readonly entries: OleEntry[] = [];
  readonly problems: string[] = [];
  readonly sectorSize: number;
  readonly majorVersion: number;
  private readonly sectorCount: number;
  private readonly fat: Uint32Array;
  private miniFat: Uint32Array = new Uint32Array(0);
  private miniStream: Uint8Array = new Uint8Array(0);
  private readonly miniCutoff: number;
  private readonly byPath = new Map<string, OleEntry>();
  private readonly byId = new Map<number, OleEntry>();

  constructor(private readonly data: Uint8Array) {
    if (!isOle(data)) throw new OleError('not an OLE compound file (bad signature)');
    if (data.length < 512) throw new OleError(`truncated compound file header (${data.length} bytes)`);
    this.majorVersion = u16(data, 26);
    const shift = u16(data, 30);
    if (shift !== 9 && shift !== 12) throw new OleError(`unsupported sector size 2^${shift}`);
    this.sectorSize = 1 << shift;
    if (this.majorVersion !== 3 && this.majorVersion !== 4) this.problem(`unexpected major version ${this.majorVersion}`);
    this.sectorCount = Math.max(0, Math.ceil((data.length - this.sectorSize) / this.sectorSize));
    this.miniCutoff = u32(data, 56) || 4096;
    this.fat = this.readFat();
    this.readDirectory(u32(data, 48));
    if (this.entries.length) {
      const root = this.entries[0];
      const mini = this.chain(root.start, this.fat, Math.ceil(root.size / this.sectorSize) + 1);
      this.miniStream = this.gather(mini, this.sectorSize, (s) => this.sectorOffset(s), root.size);
      const miniFatSectors = this.chain(u32(data, 60), this.fat, u32(data, 64) + 1);
      const miniFatBytes = this.gather(miniFatSectors, this.sectorSize, (s) => this.sectorOffset(s), miniFatSectors.length * this.sectorSize);
      this.miniFat = new Uint32Array(Math.floor(miniFatBytes.length / 4));
      for (let i = 0; i < this.miniFat.length; i++) this.miniFat[i] = u32(miniFatBytes, i * 4);
    }
  }

  /** The root entry (every readable file has one). */
  get root(): OleEntry | undefined {
    return this.entries[0];
  }

  /** An entry by directory index. */
  entry(id: number): OleEntry | undefined {
    return this.byId.get(id);
  }

  /** An entry by path ('Macros/VBA/dir'), case-insensitively as Office does. */
  find(path: string): OleEntry | undefined {
    return this.byPath.get(path.toLowerCase());
  }

  /** The entries directly inside a storage. */
  childrenOf(entry: OleEntry): OleEntry[] {
    return entry.children.map((id) => this.byId.get(id)).filter((e): e is OleEntry => e !== undefined);
  }

  child(entry: OleEntry, name: string): OleEntry | undefined {
    const lower = name.toLowerCase();
    return this.childrenOf(entry).find((e) => e.name.toLowerCase() === lower);
  }

  streams(): OleEntry[] {
    return this.entries.filter((e) => e.type === 'stream');
  }

  /** A stream's content, at most `maxBytes` of it. */
  read(entry: OleEntry, maxBytes = 64 * 1024 * 1024): StreamRead {
    if (entry.type !== 'stream') return { data: new Uint8Array(0), truncated: false };
    const want = Math.min(entry.size, maxBytes);
    let data: Uint8Array;
    if (entry.size < this.miniCutoff) {
      const sectors = this.chain(entry.start, this.miniFat, Math.ceil(want / 64) + 1);
      data = this.gather(sectors, 64, (s) => (s * 64 + 64 <= this.miniStream.length ? s * 64 : -1), want, this.miniStream);
    } else {
      const sectors = this.chain(entry.start, this.fat, Math.ceil(want / this.sectorSize) + 1);
      data = this.gather(sectors, this.sectorSize, (s) => this.sectorOffset(s), want);
    }
    return { data, truncated: data.length < entry.size };
  }

  private problem(message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
  }

  /** File offset of a regular sector, or -1 when it lies outside the file. */
  private sectorOffset(sector: number): number {
    const offset = (sector + 1) * this.sectorSize;
    return sector < this.sectorCount && offset < this.data.length ? offset : -1;
  }

  private readFat(): Uint32Array {
    const perSector = this.sectorSize / 4;
    const fatSectors: number[] = [];
    const declared = u32(this.data, 44);
    for (let i = 0; i < 109; i++) {
      const s = u32(this.data, 76 + i * 4);
      if (s > MAXREGSECT) continue;
      fatSectors.push(s);
    }
    // DIFAT chain: each sector lists FAT sectors and ends with the next DIFAT sector.
    let difat = u32(this.data, 68);
    const seen = new Set<number>();
    while (difat <= MAXREGSECT && fatSectors.length < Math.max(declared, 109) + perSector) {
      if (seen.has(difat)) {
        this.problem('DIFAT chain loops');
        break;
      }
      seen.add(difat);
      const offset = this.sectorOffset(difat);
      if (offset < 0) {
        this.problem(`DIFAT sector ${difat} lies outside the file`);
        break;
      }
      for (let i = 0; i < perSector - 1; i++) {
        const s = u32(this.data, offset + i * 4);
        if (s <= MAXREGSECT) fatSectors.push(s);
      }
      difat = u32(this.data, offset + this.sectorSize - 4);
    }
    // The FAT never needs more entries than the file has sectors.
    const limit = Math.min(fatSectors.length, Math.ceil(this.sectorCount / perSector) + 1);
    const fat = new Uint32Array(limit * perSector).fill(FREESECT);
    for (let i = 0; i < limit; i++) {
      const offset = this.sectorOffset(fatSectors[i]);
      if (offset < 0) {
        this.problem(`FAT sector ${fatSectors[i]} lies outside the file`);
        continue;
      }
      for (let k = 0; k < perSector && offset + k * 4 + 4 <= this.data.length; k++) fat[i * perSector + k] = u32(this.data, offset + k * 4);
    }
    return fat;
  }

  /** Follows a sector chain: stops at its end, at a loop, outside the table, or after `max` sectors. */
  private chain(start: number, table: Uint32Array, max: number): number[] {
    const out: number[] = [];
    const visited = new Uint8Array(table.length);
    let s = start;
    while (s <= MAXREGSECT && out.length < max) {
      if (s >= table.length) {
        if (table === this.fat && s < this.sectorCount) {
          // A sector the FAT does not describe: take it and stop.
          out.push(s);
        } else if (s !== ENDOFCHAIN) {
          this.problem(`sector chain runs outside its table at ${s}`);
        }
        break;
      }
      if (visited[s]) {
        this.problem(`sector chain loops at ${s}`);
        break;
      }
      visited[s] = 1;
      out.push(s);
      s = table[s];
    }
    return out;
  }

  /** Concatenates the sectors of a chain (bounded by `want` bytes). */
  private gather(sectors: number[], size: number, offsetOf: (s: number) => number, want: number, source: Uint8Array = this.data): Uint8Array {
    const total = Math.min(want, sectors.length * size);
    const out = new Uint8Array(Math.max(0, total));
    let o = 0;
    for (const s of sectors) {
      if (o >= total) break;
      const offset = offsetOf(s);
      if (offset < 0) {
        this.problem(`sector ${s} lies outside the file`);
        break;
      }
      const n = Math.min(size, total - o, source.length - offset);
      if (n <= 0) break;
      out.set(source.subarray(offset, offset + n), o);
      o += n;
    }
    return o === out.length ? out : out.subarray(0, o);
  }

  private readDirectory(firstSector: number): void {
    const sectors = this.chain(firstSector, this.fat, Math.ceil((MAX_ENTRIES * 128) / this.sectorSize));
    const dir = this.gather(sectors, this.sectorSize, (s) => this.sectorOffset(s), sectors.length * this.sectorSize);
    const count = Math.floor(dir.length / 128);
    if (!count) throw new OleError('compound file has no readable directory');
    const raw: { name: string; type: number; left: number; right: number; child: number; entry: OleEntry }[] = [];
    for (let i = 0; i < count; i++) {
      const o = i * 128;
      const nameLength = u16(dir, o + 64);
      const limit = nameLength >= 2 && nameLength <= 64 ? nameLength - 2 : 64;
      let name = '';
      for (let k = 0; k + 1 < limit + 1 && k < 64; k += 2) {
        const c = u16(dir, o + k);
        if (c === 0) break;
        name += String.fromCharCode(c);
      }
      const type = dir[o + 66];
      const sizeLow = u32(dir, o + 120);
      const sizeHigh = u32(dir, o + 124);
      // Version 3 files keep only the low 32 bits (old writers leave garbage in the high ones).
      const size = this.majorVersion === 4 && sizeHigh ? Number.MAX_SAFE_INTEGER : sizeLow;
      raw.push({
        name,
        type,
        left: u32(dir, o + 68),
        right: u32(dir, o + 72),
        child: u32(dir, o + 76),
        entry: {
          id: i,
          name,
          path: '',
          type: type === 5 ? 'root' : type === 1 ? 'storage' : 'stream',
          size,
          clsid: guidString(dir, o + 80),
          start: u32(dir, o + 116),
          parent: -1,
          children: [],
          created: filetime(dir, o + 100),
          modified: filetime(dir, o + 108),
        },
      });
    }
    if (raw[0].type !== 5) this.problem('first directory entry is not the root storage');
    const root = raw[0].entry;
    root.type = 'root';
    this.entries.push(root);
    this.byId.set(0, root);
    // Walk the tree from the root: each storage's children are the red-black tree under `child`.
    const placed = new Uint8Array(count);
    placed[0] = 1;
    const storages: number[] = [0];
    while (storages.length) {
      const parentId = storages.pop()!;
      const parent = raw[parentId].entry;
      const stack = [raw[parentId].child];
      while (stack.length) {
        const id = stack.pop()!;
        if (id === NOSTREAM) continue;
        if (id >= count) {
          this.problem(`directory entry points to missing entry ${id}`);
          continue;
        }
        if (placed[id]) {
          this.problem(`directory entry ${id} is linked more than once`);
          continue;
        }
        placed[id] = 1;
        const node = raw[id];
        stack.push(node.left, node.right);
        if (node.type !== 1 && node.type !== 2) continue; // unused or invalid entries
        const entry = node.entry;
        entry.parent = parentId;
        entry.path = parent.path ? `${parent.path}/${entry.name}` : entry.name;
        parent.children.push(id);
        this.entries.push(entry);
        this.byId.set(id, entry);
        if (!this.byPath.has(entry.path.toLowerCase())) this.byPath.set(entry.path.toLowerCase(), entry);
        if (node.type === 1) storages.push(id);
      }
    }
    this.entries.sort((a, b) => a.id - b.id);
  }
}
