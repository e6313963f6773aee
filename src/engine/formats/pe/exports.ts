import { DIR, PeFile } from './pe-file';
import { hex, printable } from './reader';

/**
 * The export directory: the DLL's own name, and its functions by ordinal with their names and
 * addresses (forwarded exports name their target, `NTDLL.RtlAllocateHeap`). Counts come from the
 * directory; at most MAX_EXPORTS functions are listed.
 */
export const MAX_EXPORTS = 4096;
/** Entries of the address table walked at most (hostile counts reach 2^32). */
const MAX_ADDRESS_TABLE = 65536;

export interface ExportedFunction {
  ordinal: number;
  name?: string;
  rva: string;
  forwarder?: string;
}

export interface ExportTable {
  dllName: string | null;
  timestamp: number;
  ordinalBase: number;
  numberOfFunctions: number;
  numberOfNames: number;
  functions: ExportedFunction[];
  truncated?: true;
}

export function parseExports(pe: PeFile, errors: string[]): ExportTable | undefined {
  const dir = pe.directory(DIR.export);
  if (!dir) return undefined;
  const at = pe.rvaToOffset(dir.rva);
  if (at < 0 || !pe.r.has(at, 40)) {
    errors.push(`export directory at RVA ${hex(dir.rva)} is not in the file`);
    return undefined;
  }
  const r = pe.r;
  const nameRva = r.u32(at + 12);
  const base = r.u32(at + 16);
  const numberOfFunctions = r.u32(at + 20);
  const numberOfNames = r.u32(at + 24);
  const functionsRva = r.u32(at + 28);
  const namesRva = r.u32(at + 32);
  const ordinalsRva = r.u32(at + 36);
  const dllName = pe.stringAt(nameRva, 256);

  // Names by index into the address table.
  const names = new Map<number, string>();
  const nameCount = Math.min(numberOfNames, MAX_ADDRESS_TABLE);
  for (let i = 0; i < nameCount; i++) {
    const namePtr = pe.u32At(namesRva + i * 4);
    const index = pe.u16At(ordinalsRva + i * 2);
    if (namePtr === null || index === null) break;
    const name = pe.stringAt(namePtr, 512);
    if (name !== null && !names.has(index)) names.set(index, printable(name, 512));
  }

  const functions: ExportedFunction[] = [];
  const count = Math.min(numberOfFunctions, MAX_ADDRESS_TABLE);
  let listed = 0;
  let truncated = numberOfFunctions > count;
  for (let i = 0; i < count; i++) {
    const rva = pe.u32At(functionsRva + i * 4);
    if (rva === null) break;
    if (rva === 0) continue; // unused ordinal
    if (listed >= MAX_EXPORTS) {
      truncated = true;
      break;
    }
    const fn: ExportedFunction = { ordinal: base + i, rva: hex(rva) };
    const name = names.get(i);
    if (name !== undefined) fn.name = name;
    if (rva >= dir.rva && rva < dir.rva + dir.size) {
      const forwarder = pe.stringAt(rva, 512);
      if (forwarder) fn.forwarder = printable(forwarder, 512);
    }
    functions.push(fn);
    listed++;
  }
  return {
    dllName: dllName === null ? null : printable(dllName),
    timestamp: r.u32(at + 4),
    ordinalBase: base,
    numberOfFunctions,
    numberOfNames,
    functions,
    ...(truncated ? { truncated: true as const } : {}),
  };
}
