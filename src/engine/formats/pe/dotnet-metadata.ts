import { ByteReader, hex, printable } from './reader';

/**
 * .NET metadata (ECMA-335 partition II, §24 and §22): the metadata root and its streams, the tables
 * of the `#~` (or uncompressed `#-`) stream, and the `#Strings`, `#US`, `#GUID` and `#Blob` heaps,
 * read from the bytes, never loaded.
 *
 * What an analyst asks of an assembly: its name and version, the assemblies it references, its
 * types, the native functions it calls through P/Invoke (ImplMap: the same Windows APIs a native
 * program imports), the framework members it references (Assembly.Load, WebClient.DownloadData...),
 * its managed resources and the string literals of its code (`#US`, where C2 addresses live).
 *
 * Every table row count and heap index is checked against the stream it points into; a read past a
 * stream ends that part with an error, not the rest. Lists are bounded (MAX_LIST).
 */

const MAX_LIST = 200;
const MAX_NAME = 256;
const MAX_USER_STRING = 512;
const MAX_MEMBER_REFS = 2000;
/** Enclosing types followed to name a nested one (Outer+Middle+Inner). */
const MAX_NESTING = 16;
/** Methods that load an assembly; with a byte[] argument, from memory. */
const LOADERS = new Set(['System.Reflection.Assembly::Load', 'System.AppDomain::Load']);
/** No real assembly comes near this many rows in one table; more means the header is garbage. */
const MAX_ROWS = 1 << 24;

export interface DotNetMetadata {
  version: string;
  streams: { name: string; offset: number; size: number }[];
  module?: string;
  mvid?: string;
  assembly?: { name: string; version: string; culture?: string; publicKey: boolean };
  assemblyReferences: { name: string; version: string }[];
  /** Rows per table, by table name (tables present only). */
  tables: Record<string, number>;
  /** Namespace.Name of the defined types (without `<Module>`). */
  types: string[];
  typeCount: number;
  methodCount: number;
  /** Native functions called through P/Invoke ([DllImport]). */
  pinvoke: { dll: string; function: string }[];
  /** Members of other assemblies the code references, as `Namespace.Type::Member`. */
  memberReferences: string[];
  /** References to Assembly.Load / AppDomain.Load overloads taking the assembly's bytes. */
  loadsFromBytes: string[];
  /** Obfuscators whose marker types the assembly defines or references. */
  obfuscators: string[];
  resources: string[];
  /** String literals of the code (`#US`), printable, bounded. */
  userStrings: string[];
  userStringCount: number;
  errors: string[];
}

// Table numbers (ECMA-335 II.22).
const T = {
  Module: 0x00, TypeRef: 0x01, TypeDef: 0x02, FieldPtr: 0x03, Field: 0x04, MethodPtr: 0x05, MethodDef: 0x06, ParamPtr: 0x07, Param: 0x08,
  InterfaceImpl: 0x09, MemberRef: 0x0a, Constant: 0x0b, CustomAttribute: 0x0c, FieldMarshal: 0x0d, DeclSecurity: 0x0e, ClassLayout: 0x0f,
  FieldLayout: 0x10, StandAloneSig: 0x11, EventMap: 0x12, EventPtr: 0x13, Event: 0x14, PropertyMap: 0x15, PropertyPtr: 0x16, Property: 0x17,
  MethodSemantics: 0x18, MethodImpl: 0x19, ModuleRef: 0x1a, TypeSpec: 0x1b, ImplMap: 0x1c, FieldRVA: 0x1d, EncLog: 0x1e, EncMap: 0x1f,
  Assembly: 0x20, AssemblyProcessor: 0x21, AssemblyOS: 0x22, AssemblyRef: 0x23, AssemblyRefProcessor: 0x24, AssemblyRefOS: 0x25, File: 0x26,
  ExportedType: 0x27, ManifestResource: 0x28, NestedClass: 0x29, GenericParam: 0x2a, MethodSpec: 0x2b, GenericParamConstraint: 0x2c,
} as const;
const TABLE_NAMES = Object.fromEntries(Object.entries(T).map(([name, n]) => [n, name])) as Record<number, string>;

// Coded indexes (II.24.2.6): tag bits and the tables they select (-1: an unused tag).
const CODED = {
  TypeDefOrRef: [T.TypeDef, T.TypeRef, T.TypeSpec],
  HasConstant: [T.Field, T.Param, T.Property],
  HasCustomAttribute: [T.MethodDef, T.Field, T.TypeRef, T.TypeDef, T.Param, T.InterfaceImpl, T.MemberRef, T.Module, T.DeclSecurity, T.Property, T.Event,
    T.StandAloneSig, T.ModuleRef, T.TypeSpec, T.Assembly, T.AssemblyRef, T.File, T.ExportedType, T.ManifestResource, T.GenericParam,
    T.GenericParamConstraint, T.MethodSpec],
  HasFieldMarshal: [T.Field, T.Param],
  HasDeclSecurity: [T.TypeDef, T.MethodDef, T.Assembly],
  MemberRefParent: [T.TypeDef, T.TypeRef, T.ModuleRef, T.MethodDef, T.TypeSpec],
  HasSemantics: [T.Event, T.Property],
  MethodDefOrRef: [T.MethodDef, T.MemberRef],
  MemberForwarded: [T.Field, T.MethodDef],
  Implementation: [T.File, T.AssemblyRef, T.ExportedType],
  CustomAttributeType: [-1, -1, T.MethodDef, T.MemberRef, -1],
  ResolutionScope: [T.Module, T.ModuleRef, T.AssemblyRef, T.TypeRef],
  TypeOrMethodDef: [T.TypeDef, T.MethodDef],
} as const;
type CodedKind = keyof typeof CODED;
const tagBits = (kind: CodedKind) => Math.ceil(Math.log2(CODED[kind].length));

/** A column: a fixed width, a heap index (string, guid, blob), a table index, or a coded index. */
type Column = 2 | 4 | 'S' | 'G' | 'B' | { table: number } | { coded: CodedKind };
const t = (table: number): Column => ({ table });
const c = (coded: CodedKind): Column => ({ coded });

const SCHEMA: Record<number, Column[]> = {
  [T.Module]: [2, 'S', 'G', 'G', 'G'],
  [T.TypeRef]: [c('ResolutionScope'), 'S', 'S'],
  [T.TypeDef]: [4, 'S', 'S', c('TypeDefOrRef'), t(T.Field), t(T.MethodDef)],
  [T.FieldPtr]: [t(T.Field)],
  [T.Field]: [2, 'S', 'B'],
  [T.MethodPtr]: [t(T.MethodDef)],
  [T.MethodDef]: [4, 2, 2, 'S', 'B', t(T.Param)],
  [T.ParamPtr]: [t(T.Param)],
  [T.Param]: [2, 2, 'S'],
  [T.InterfaceImpl]: [t(T.TypeDef), c('TypeDefOrRef')],
  [T.MemberRef]: [c('MemberRefParent'), 'S', 'B'],
  [T.Constant]: [2, c('HasConstant'), 'B'],
  [T.CustomAttribute]: [c('HasCustomAttribute'), c('CustomAttributeType'), 'B'],
  [T.FieldMarshal]: [c('HasFieldMarshal'), 'B'],
  [T.DeclSecurity]: [2, c('HasDeclSecurity'), 'B'],
  [T.ClassLayout]: [2, 4, t(T.TypeDef)],
  [T.FieldLayout]: [4, t(T.Field)],
  [T.StandAloneSig]: ['B'],
  [T.EventMap]: [t(T.TypeDef), t(T.Event)],
  [T.EventPtr]: [t(T.Event)],
  [T.Event]: [2, 'S', c('TypeDefOrRef')],
  [T.PropertyMap]: [t(T.TypeDef), t(T.Property)],
  [T.PropertyPtr]: [t(T.Property)],
  [T.Property]: [2, 'S', 'B'],
  [T.MethodSemantics]: [2, t(T.MethodDef), c('HasSemantics')],
  [T.MethodImpl]: [t(T.TypeDef), c('MethodDefOrRef'), c('MethodDefOrRef')],
  [T.ModuleRef]: ['S'],
  [T.TypeSpec]: ['B'],
  [T.ImplMap]: [2, c('MemberForwarded'), 'S', t(T.ModuleRef)],
  [T.FieldRVA]: [4, t(T.Field)],
  [T.EncLog]: [4, 4],
  [T.EncMap]: [4],
  [T.Assembly]: [4, 2, 2, 2, 2, 4, 'B', 'S', 'S'],
  [T.AssemblyProcessor]: [4],
  [T.AssemblyOS]: [4, 4, 4],
  [T.AssemblyRef]: [2, 2, 2, 2, 4, 'B', 'S', 'S', 'B'],
  [T.AssemblyRefProcessor]: [4, t(T.AssemblyRef)],
  [T.AssemblyRefOS]: [4, 4, 4, t(T.AssemblyRef)],
  [T.File]: [4, 'S', 'B'],
  [T.ExportedType]: [4, 4, 'S', 'S', c('Implementation')],
  [T.ManifestResource]: [4, 4, 'S', c('Implementation')],
  [T.NestedClass]: [t(T.TypeDef), t(T.TypeDef)],
  [T.GenericParam]: [2, 2, c('TypeOrMethodDef'), 'S'],
  [T.MethodSpec]: [c('MethodDefOrRef'), 'B'],
  [T.GenericParamConstraint]: [t(T.GenericParam), c('TypeDefOrRef')],
};

interface Stream {
  offset: number;
  size: number;
}

/** One table: its row count and a reader of (row, column) values. */
interface Table {
  rows: number;
  get(row: number, column: number): number;
}

/**
 * The metadata of a .NET assembly whose root (`BSJB`) is at `offset` in `r`, `size` bytes long.
 * Throws only when the root itself is unreadable; damage further in becomes `errors`.
 */
export function parseDotNetMetadata(r: ByteReader, offset: number, size: number): DotNetMetadata {
  const end = Math.min(r.length, offset + size);
  if (r.u32(offset) !== 0x424a5342) throw new Error(`no metadata signature (BSJB) at ${hex(offset)}`);
  const versionLength = r.u32(offset + 12);
  if (versionLength > 255) throw new Error(`metadata version string of ${versionLength} bytes`);
  const version = printable(r.cString(offset + 16, versionLength) ?? '', 64);
  let at = offset + 16 + ((versionLength + 3) & ~3) + 2;
  const streamCount = r.u16(at);
  at += 2;
  const out: DotNetMetadata = {
    version, streams: [], assemblyReferences: [], tables: {}, types: [], typeCount: 0, methodCount: 0, pinvoke: [], memberReferences: [],
    loadsFromBytes: [], obfuscators: [], resources: [], userStrings: [], userStringCount: 0, errors: [],
  };
  const streams = new Map<string, Stream>();
  for (let i = 0; i < Math.min(streamCount, 16); i++) {
    const streamOffset = r.u32(at);
    const streamSize = r.u32(at + 4);
    const name = r.cString(at + 8, 32) ?? '';
    at += 8 + ((name.length + 4) & ~3);
    const start = offset + streamOffset;
    const fits = start >= offset && start + streamSize <= end;
    out.streams.push({ name: printable(name, 32), offset: start, size: streamSize });
    if (!fits) out.errors.push(`stream ${printable(name, 32)} (${streamSize} bytes at ${hex(start)}) lies outside the metadata`);
    else if (!streams.has(name)) streams.set(name, { offset: start, size: streamSize });
  }

  const heaps = new Heaps(r, streams);
  const tableStream = streams.get('#~') ?? streams.get('#-');
  if (!tableStream) {
    out.errors.push('no #~ stream: no tables');
  } else {
    try {
      readTables(r, tableStream, heaps, out);
    } catch (err) {
      out.errors.push(`tables: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  try {
    readUserStrings(r, streams.get('#US'), out);
  } catch (err) {
    out.errors.push(`#US: ${err instanceof Error ? err.message : String(err)}`);
  }
  return out;
}

/** Reads of the #Strings, #GUID and #Blob heaps, each bounded by its stream. */
class Heaps {
  private readonly strings?: Stream;
  private readonly guids?: Stream;
  private readonly blobs?: Stream;

  constructor(
    private readonly r: ByteReader,
    streams: Map<string, Stream>,
  ) {
    this.strings = streams.get('#Strings');
    this.guids = streams.get('#GUID');
    this.blobs = streams.get('#Blob');
  }

  string(index: number): string {
    const s = this.strings;
    if (!s || index >= s.size) return '';
    const raw = this.r.cString(s.offset + index, Math.min(MAX_NAME * 4, s.size - index)) ?? '';
    return printable(Buffer.from(raw, 'latin1').toString('utf8'), MAX_NAME);
  }

  /** GUID indexes count 16-byte entries from 1. */
  guid(index: number): string | undefined {
    const g = this.guids;
    if (!g || index < 1 || index * 16 > g.size) return undefined;
    const b = this.r.bytes(g.offset + (index - 1) * 16, 16);
    const h = (from: number, to: number, reverse: boolean) => {
      const part = Array.from(b.subarray(from, to), (x) => x.toString(16).padStart(2, '0'));
      return (reverse ? part.reverse() : part).join('');
    };
    return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
  }

  blob(index: number): Uint8Array | undefined {
    const b = this.blobs;
    if (!b || index >= b.size) return undefined;
    const length = compressedLength(this.r, b.offset + index);
    if (!length || index + length.size + length.value > b.size) return undefined;
    return this.r.bytes(b.offset + index + length.size, length.value);
  }
}

/** ECMA-335 II.23.2 compressed unsigned integer: its value and how many bytes it took. */
function compressedLength(r: ByteReader, at: number): { value: number; size: number } | undefined {
  const b0 = r.u8(at);
  if ((b0 & 0x80) === 0) return { value: b0, size: 1 };
  if ((b0 & 0xc0) === 0x80) return { value: ((b0 & 0x3f) << 8) | r.u8(at + 1), size: 2 };
  if ((b0 & 0xe0) === 0xc0) return { value: ((b0 & 0x1f) * 0x1000000) + (r.u8(at + 1) << 16) + (r.u8(at + 2) << 8) + r.u8(at + 3), size: 4 };
  return undefined;
}

function readTables(r: ByteReader, stream: Stream, heaps: Heaps, out: DotNetMetadata): void {
  const base = stream.offset;
  const heapSizes = r.u8(base + 6);
  const valid = r.u64big(base + 8);
  let at = base + 24;
  const rows = new Array<number>(64).fill(0);
  for (let i = 0; i < 64; i++) {
    if (!((valid >> BigInt(i)) & 1n)) continue;
    rows[i] = r.u32(at);
    at += 4;
    if (rows[i] > MAX_ROWS) throw new Error(`table ${TABLE_NAMES[i] ?? hex(i)} declares ${rows[i]} rows`);
    out.tables[TABLE_NAMES[i] ?? hex(i)] = rows[i];
  }
  // Some obfuscators set this bit and put 4 more bytes after the row counts; the runtime skips them.
  if (heapSizes & 0x40) at += 4;

  const widthOf = (col: Column): number => {
    if (col === 2 || col === 4) return col;
    if (col === 'S') return heapSizes & 1 ? 4 : 2;
    if (col === 'G') return heapSizes & 2 ? 4 : 2;
    if (col === 'B') return heapSizes & 4 ? 4 : 2;
    if ('table' in col) return rows[col.table] > 0xffff ? 4 : 2;
    const largest = Math.max(...CODED[col.coded].map((n) => (n < 0 ? 0 : rows[n])));
    return largest < 1 << (16 - tagBits(col.coded)) ? 2 : 4;
  };

  const tables = new Map<number, Table>();
  const streamEnd = base + stream.size;
  for (let n = 0; n < 64; n++) {
    if (!rows[n]) continue;
    const schema = SCHEMA[n];
    // Past 0x2c no table is defined by ECMA-335 (0x30-0x37 are portable PDB tables): every table here lies before them.
    if (!schema) break;
    const widths = schema.map(widthOf);
    const offsets = widths.map((_, i) => widths.slice(0, i).reduce((a, b) => a + b, 0));
    const rowSize = widths.reduce((a, b) => a + b, 0);
    const start = at;
    if (start + rows[n] * rowSize > streamEnd) throw new Error(`table ${TABLE_NAMES[n]} (${rows[n]} rows) runs past the end of the #~ stream`);
    tables.set(n, {
      rows: rows[n],
      get: (row, column) => {
        const p = start + row * rowSize + offsets[column];
        return widths[column] === 2 ? r.u16(p) : r.u32(p);
      },
    });
    at += rows[n] * rowSize;
  }

  const table = (n: number) => tables.get(n);
  const decode = (kind: CodedKind, value: number): { table: number; row: number } | undefined => {
    const bits = tagBits(kind);
    const target = CODED[kind][value & ((1 << bits) - 1)];
    const row = value >>> bits;
    return target === undefined || target < 0 || row < 1 ? undefined : { table: target, row: row - 1 };
  };
  const version = (tb: Table, row: number, first: number) => [0, 1, 2, 3].map((i) => tb.get(row, first + i)).join('.');
  const types = table(T.TypeDef);
  const typeRefs = table(T.TypeRef);
  const enclosing = new Map<number, number>();
  const nested = table(T.NestedClass);
  for (let i = 0; nested && i < nested.rows; i++) enclosing.set(nested.get(i, 0) - 1, nested.get(i, 1) - 1);
  // A TypeRef whose resolution scope is another TypeRef is nested in it; a TypeDef, in the one the NestedClass table names.
  const typeRefName = typeNamer(heaps, typeRefs, (row) => {
    const scope = decode('ResolutionScope', typeRefs!.get(row, 0));
    return scope?.table === T.TypeRef ? scope.row : undefined;
  });
  const typeDefName = typeNamer(heaps, types, (row) => {
    const outer = enclosing.get(row);
    return outer !== undefined && outer >= 0 && outer < types!.rows ? outer : undefined;
  });

  const mod = table(T.Module);
  if (mod) {
    out.module = heaps.string(mod.get(0, 1));
    out.mvid = heaps.guid(mod.get(0, 2));
  }
  const asm = table(T.Assembly);
  if (asm) {
    const culture = heaps.string(asm.get(0, 8));
    out.assembly = { name: heaps.string(asm.get(0, 7)), version: version(asm, 0, 1), ...(culture ? { culture } : {}), publicKey: (heaps.blob(asm.get(0, 6))?.length ?? 0) > 0 };
  }
  const refs = table(T.AssemblyRef);
  for (let i = 0; refs && i < Math.min(refs.rows, MAX_LIST); i++) out.assemblyReferences.push({ name: heaps.string(refs.get(i, 6)), version: version(refs, i, 0) });

  out.typeCount = types?.rows ?? 0;
  for (let i = 0; types && i < types.rows && out.types.length < MAX_LIST; i++) {
    if (heaps.string(types.get(i, 1)) !== '<Module>') out.types.push(typeDefName(i) ?? '');
  }
  out.methodCount = table(T.MethodDef)?.rows ?? 0;

  const moduleRefs = table(T.ModuleRef);
  const implMap = table(T.ImplMap);
  for (let i = 0; implMap && i < Math.min(implMap.rows, MAX_LIST); i++) {
    const scope = implMap.get(i, 3) - 1;
    const dll = moduleRefs && scope >= 0 && scope < moduleRefs.rows ? heaps.string(moduleRefs.get(scope, 0)) : '';
    out.pinvoke.push({ dll, function: heaps.string(implMap.get(i, 2)) });
  }

  const members = table(T.MemberRef);
  const seen = new Set<string>();
  for (let i = 0; members && i < members.rows && seen.size < MAX_MEMBER_REFS; i++) {
    const parent = decode('MemberRefParent', members.get(i, 0));
    if (parent?.table !== T.TypeRef) continue;
    const owner = typeRefName(parent.row);
    if (!owner) continue;
    const member = `${owner}::${heaps.string(members.get(i, 1))}`;
    seen.add(member);
    if (LOADERS.has(member)) {
      // A method signature ends with its last parameter's type: SZARRAY (0x1d) of U1 (0x05) is byte[].
      const signature = heaps.blob(members.get(i, 2));
      const fromBytes = `${member}(…, byte[])`;
      if (signature && signature.length >= 2 && signature[signature.length - 2] === 0x1d && signature[signature.length - 1] === 0x05 && !out.loadsFromBytes.includes(fromBytes)) {
        out.loadsFromBytes.push(fromBytes);
      }
    }
  }
  out.memberReferences = [...seen];

  const resources = table(T.ManifestResource);
  for (let i = 0; resources && i < Math.min(resources.rows, MAX_LIST); i++) out.resources.push(heaps.string(resources.get(i, 2)));

  // Attributes an obfuscator stamps on the assembly are defined in it or referenced, by name.
  const names = new Set<string>();
  for (let i = 0; typeRefs && i < typeRefs.rows; i++) names.add(typeRefName(i) ?? '');
  for (let i = 0; types && i < types.rows; i++) names.add(typeDefName(i) ?? '');
  out.obfuscators = [...new Set(OBFUSCATOR_TYPES.filter(([marker]) => [...names].some((n) => n.endsWith(marker))).map(([, name]) => name))];
}

/**
 * Names the rows of a type table (TypeDef or TypeRef: name in column 1, namespace in column 2) as
 * reflection does: Namespace.Name, and a nested type after the type enclosing it (`enclosingOf`),
 * Namespace.Outer+Inner, with `?` for an enclosing row outside the table. Each row is named once and
 * a chain is cut after MAX_NESTING steps, so a hostile chain or cycle costs one string per row.
 * Undefined for a row outside the table.
 */
function typeNamer(heaps: Heaps, table: Table | undefined, enclosingOf: (row: number) => number | undefined): (row: number) => string | undefined {
  const names = new Map<number, string>();
  const nameOf = (row: number, depth: number): string | undefined => {
    if (!table || row < 0 || row >= table.rows) return undefined;
    let full = names.get(row);
    if (full !== undefined) return full;
    const name = heaps.string(table.get(row, 1));
    const outer = depth < MAX_NESTING ? enclosingOf(row) : undefined;
    full = outer !== undefined ? `${nameOf(outer, depth + 1) ?? '?'}+${name}` : qualified(heaps.string(table.get(row, 2)), name);
    names.set(row, full);
    return full;
  };
  return (row) => nameOf(row, 0);
}

const qualified = (namespace: string, name: string) => (namespace ? `${namespace}.${name}` : name);

/** #US: each entry a compressed length, UTF-16LE text and one flag byte. */
function readUserStrings(r: ByteReader, stream: Stream | undefined, out: DotNetMetadata): void {
  if (!stream) return;
  let at = stream.offset + 1; // entry 0 is the empty string
  const end = stream.offset + stream.size;
  while (at < end) {
    const length = compressedLength(r, at);
    if (!length) throw new Error(`bad length byte at ${hex(at)}`);
    at += length.size;
    if (length.value === 0) continue;
    if (at + length.value > end) throw new Error(`string at ${hex(at)} runs past the heap`);
    out.userStringCount++;
    const chars = (length.value - 1) >> 1;
    if (chars > 0 && out.userStrings.length < MAX_LIST) {
      const text = r.utf16(at, Math.min(chars, MAX_USER_STRING));
      // Only what a person can read: literals of a few printable characters.
      if (/^[\x20-\x7e\t\r\n]{3,}$/.test(text)) out.userStrings.push(text);
    }
    at += length.value;
  }
}

/** Type names obfuscators leave in the assemblies they process. */
export const OBFUSCATOR_TYPES: [string, string][] = [
  ['ConfusedByAttribute', 'ConfuserEx'],
  ['DotfuscatorAttribute', 'Dotfuscator'],
  ['SmartAssembly.Attributes.PoweredByAttribute', 'SmartAssembly'],
  ['BabelObfuscatorAttribute', 'Babel'],
  ['ObfuscatedByGoliath', 'Goliath'],
  ['YanoAttribute', 'Yano'],
  ['CryptoObfuscator.ProtectedWithCryptoObfuscatorAttribute', 'Crypto Obfuscator'],
  ['NineRays.Obfuscator.Evaluation', 'Spices.Net'],
  ['Xenocode.Client.Attributes.AssemblyAttributes.ProcessedByXenocode', 'Xenocode'],
];
