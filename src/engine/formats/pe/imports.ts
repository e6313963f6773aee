import { createHash } from 'node:crypto';
import { ordinalName } from './ordinals';
import { DIR, PeFile } from './pe-file';
import { hex, printable } from './reader';

/**
 * Import tables: the regular import directory, delay-load imports and bound imports, and the
 * imphash (Mandiant's import hash) exactly as pefile's `get_imphash()` and YARA's `pe.imphash()`
 * compute it: for every regular import in file order, `<dll>.<function>` lower-cased, where the DLL
 * name loses a `.dll`, `.ocx` or `.sys` extension and a function imported by ordinal is named from
 * the ws2_32/wsock32/oleaut32 tables or `ord<N>`; joined with commas; MD5. DLLs from which nothing
 * could be read contribute nothing (both tools skip them); delay-load imports do not count.
 *
 * Hostile tables are bounded: at most MAX_DESCRIPTORS descriptors, MAX_FUNCTIONS_PER_DLL thunks per
 * DLL and MAX_FUNCTIONS overall; a thunk table that runs off the mapped file ends the DLL's list.
 */
export const MAX_DESCRIPTORS = 4096;
export const MAX_FUNCTIONS_PER_DLL = 16384;
export const MAX_FUNCTIONS = 65536;
const MAX_NAME = 512;

export interface ImportedFunction {
  name?: string;
  ordinal?: number;
  hint?: number;
}

export interface ImportedLibrary {
  dll: string;
  functions: ImportedFunction[];
  /** More thunks than read (bounds). */
  truncated?: true;
}

export interface ImportTables {
  imports: ImportedLibrary[];
  delayImports: ImportedLibrary[];
  boundImports: { dll: string; timestamp: number }[];
  imphash: string | null;
  /** Functions over all regular imports. */
  functionCount: number;
  errors: string[];
}

/** Characters pefile accepts in an imported function name (others make the entry `*invalid*`, which it skips). */
const VALID_FUNCTION = /^[A-Za-z0-9._?@$()<>]*$/;
/** Characters pefile accepts in an imported DLL name (others make it `*invalid*`). */
const VALID_DLL = /^[A-Za-z0-9!#$%&'()\-@^_`{}~+,.;=[\]\\/]*$/;

export function parseImports(pe: PeFile): ImportTables {
  const errors: string[] = [];
  const budget = { functions: MAX_FUNCTIONS };
  const imports = regularImports(pe, errors, budget);
  const delayImports = delayLoadImports(pe, errors, budget);
  const boundImports = boundImportList(pe, errors);
  return { imports, delayImports, boundImports, imphash: imphash(imports), functionCount: imports.reduce((n, l) => n + l.functions.length, 0), errors };
}

function regularImports(pe: PeFile, errors: string[], budget: { functions: number }): ImportedLibrary[] {
  const dir = pe.directory(DIR.import);
  const out: ImportedLibrary[] = [];
  if (!dir) return out;
  let rva = dir.rva;
  for (let n = 0; n < MAX_DESCRIPTORS; n++, rva += 20) {
    const at = pe.rvaToOffset(rva);
    if (at < 0 || !pe.r.has(at, 20)) {
      if (n === 0) errors.push(`import directory at RVA ${hex(rva)} is not in the file`);
      break;
    }
    const originalFirstThunk = pe.r.u32(at);
    const nameRva = pe.r.u32(at + 12);
    const firstThunk = pe.r.u32(at + 16);
    if (nameRva === 0) break; // the terminating descriptor (and YARA's end condition)
    const rawDll = pe.stringAt(nameRva, MAX_NAME);
    if (rawDll === null) continue;
    const dll = VALID_DLL.test(rawDll) ? rawDll : '*invalid*';
    const { functions, truncated } = thunks(pe, originalFirstThunk || firstThunk, budget, false);
    // pefile falls back to the IAT when the lookup table yields nothing.
    const list = functions.length || !originalFirstThunk ? { functions, truncated } : thunks(pe, firstThunk, budget, false);
    if (!list.functions.length) continue;
    out.push({ dll: printable(dll, MAX_NAME), functions: list.functions, ...(list.truncated ? { truncated: true as const } : {}) });
    if (budget.functions <= 0) {
      errors.push(`more than ${MAX_FUNCTIONS} imported functions: the rest were not read`);
      break;
    }
  }
  return out;
}

/** Reads a thunk array (import lookup table or IAT): names (hint/name entries) and ordinals, until a zero thunk. */
function thunks(pe: PeFile, tableRva: number, budget: { functions: number }, rvasAreVas: boolean, imageBase = 0n): { functions: ImportedFunction[]; truncated: boolean } {
  const functions: ImportedFunction[] = [];
  if (!tableRva) return { functions, truncated: false };
  const size = pe.is64 ? 8 : 4;
  const ordinalFlag = pe.is64 ? 0x8000000000000000n : 0x80000000n;
  for (let i = 0; i < MAX_FUNCTIONS_PER_DLL; i++) {
    if (budget.functions <= 0) return { functions, truncated: true };
    const value = pe.pointerAt(tableRva + i * size);
    if (value === null || value === 0n) return { functions, truncated: false };
    if (value & ordinalFlag) {
      functions.push({ ordinal: Number(value & 0xffffn) });
    } else {
      const nameRva = rvasAreVas ? Number(value - imageBase) : Number(value & (pe.is64 ? 0x7fffffffffffffffn : 0x7fffffffn));
      const hint = pe.u16At(nameRva);
      const name = pe.stringAt(nameRva + 2, MAX_NAME);
      if (name === null || hint === null) return { functions, truncated: false };
      if (!VALID_FUNCTION.test(name)) continue; // pefile skips invalid names
      functions.push({ name, hint });
    }
    budget.functions--;
  }
  return { functions, truncated: true };
}

/** Delay-load descriptors (ImgDelayDescr, 32 bytes): RVA-based (attributes bit 0) or, in old images, VA-based. */
function delayLoadImports(pe: PeFile, errors: string[], budget: { functions: number }): ImportedLibrary[] {
  const dir = pe.directory(DIR.delayImport);
  const out: ImportedLibrary[] = [];
  if (!dir || !pe.optional) return out;
  const imageBase = pe.optional.imageBase;
  for (let n = 0; n < MAX_DESCRIPTORS; n++) {
    const at = pe.rvaToOffset(dir.rva + n * 32);
    if (at < 0 || !pe.r.has(at, 32)) {
      if (n === 0) errors.push(`delay-load import directory at RVA ${hex(dir.rva)} is not in the file`);
      break;
    }
    const attributes = pe.r.u32(at);
    const nameField = pe.r.u32(at + 4);
    const nameTable = pe.r.u32(at + 16);
    if (nameField === 0) break;
    const vaBased = (attributes & 1) === 0;
    const toRva = (v: number) => (vaBased ? pe.vaToRva(BigInt(v)) : v);
    const dll = pe.stringAt(toRva(nameField), MAX_NAME);
    if (dll === null) continue;
    const { functions, truncated } = thunks(pe, toRva(nameTable), budget, vaBased, imageBase);
    out.push({ dll: printable(dll, MAX_NAME), functions, ...(truncated ? { truncated: true as const } : {}) });
  }
  return out;
}

/** Bound import descriptors: offsets of names are relative to the directory's start (a file offset in practice). */
function boundImportList(pe: PeFile, errors: string[]): { dll: string; timestamp: number }[] {
  const dir = pe.directory(DIR.boundImport);
  const out: { dll: string; timestamp: number }[] = [];
  if (!dir) return out;
  // The bound import directory lives in the headers, where RVA and file offset coincide.
  const base = pe.rvaToOffset(dir.rva) >= 0 ? pe.rvaToOffset(dir.rva) : dir.rva;
  let at = base;
  for (let n = 0; n < MAX_DESCRIPTORS && pe.r.has(at, 8); n++) {
    const timestamp = pe.r.u32(at);
    const nameOffset = pe.r.u16(at + 4);
    const forwarders = pe.r.u16(at + 6);
    if (timestamp === 0 && nameOffset === 0) break;
    const dll = pe.r.cString(base + nameOffset, MAX_NAME);
    if (dll !== null) out.push({ dll: printable(dll), timestamp });
    at += 8 + forwarders * 8;
  }
  if (!out.length && dir.size) errors.push('bound import directory unreadable');
  return out;
}

/** The imphash of a list of regular imports (null when there are none). */
export function imphash(imports: ImportedLibrary[]): string | null {
  const parts: string[] = [];
  for (const lib of imports) {
    const lower = lib.dll.toLowerCase();
    const dot = lower.lastIndexOf('.');
    const base = dot >= 0 && ['dll', 'ocx', 'sys'].includes(lower.slice(dot + 1)) ? lower.slice(0, dot) : lower;
    for (const f of lib.functions) {
      const name = f.name ?? ordinalName(lower, f.ordinal ?? 0);
      if (name) parts.push(`${base}.${name.toLowerCase()}`);
    }
  }
  return parts.length ? createHash('md5').update(parts.join(','), 'latin1').digest('hex') : null;
}

/** Every imported function name (without DLL), ordinals named as in the imphash: what API-use rules look at. */
export function importedNames(tables: Pick<ImportTables, 'imports' | 'delayImports'>): Set<string> {
  const names = new Set<string>();
  for (const lib of [...tables.imports, ...tables.delayImports]) {
    const lower = lib.dll.toLowerCase();
    for (const f of lib.functions) {
      const name = f.name ?? ordinalName(lower, f.ordinal ?? 0);
      names.add(name);
    }
  }
  return names;
}
