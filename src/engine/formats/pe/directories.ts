import { DotNetMetadata, parseDotNetMetadata } from './dotnet-metadata';
import { DIR, PeFile } from './pe-file';
import { hex, printable } from './reader';

/**
 * The smaller data directories: TLS (callbacks run before the entry point), debug (CodeView PDB
 * path, reproducible-build marker) and the CLR header of .NET assemblies (runtime version from the
 * metadata root).
 */

export const MAX_TLS_CALLBACKS = 64;

export interface TlsFacts {
  callbacks: { va: string; rva: number; section?: string; executable: boolean }[];
  truncated?: true;
}

export function parseTls(pe: PeFile, errors: string[]): TlsFacts | undefined {
  const dir = pe.directory(DIR.tls);
  if (!dir || !pe.optional) return undefined;
  const at = pe.rvaToOffset(dir.rva);
  const size = pe.is64 ? 40 : 24;
  if (at < 0 || !pe.r.has(at, size)) {
    errors.push(`TLS directory at RVA ${hex(dir.rva)} is not in the file`);
    return undefined;
  }
  const callbacksVa = pe.is64 ? pe.r.u64big(at + 24) : BigInt(pe.r.u32(at + 12));
  const facts: TlsFacts = { callbacks: [] };
  if (!callbacksVa) return facts;
  const arrayRva = pe.vaToRva(callbacksVa);
  if (arrayRva < 0) {
    errors.push(`TLS callback array VA ${hex(callbacksVa)} is outside the image`);
    return facts;
  }
  const step = pe.is64 ? 8 : 4;
  for (let i = 0; ; i++) {
    if (i >= MAX_TLS_CALLBACKS) {
      facts.truncated = true;
      break;
    }
    const va = pe.pointerAt(arrayRva + i * step);
    if (va === null || va === 0n) break;
    const rva = pe.vaToRva(va);
    const section = rva >= 0 ? pe.sectionOfRva(rva) : undefined;
    facts.callbacks.push({ va: hex(va), rva, ...(section ? { section: section.name } : {}), executable: !!section?.executable });
  }
  return facts;
}

export interface DebugEntry {
  type: string;
  timestamp: number;
  pdb?: string;
  guid?: string;
  age?: number;
}

const DEBUG_TYPES: Record<number, string> = {
  1: 'coff', 2: 'codeview', 3: 'fpo', 4: 'misc', 5: 'exception', 6: 'fixup', 9: 'borland', 10: 'reserved10', 11: 'clsid', 12: 'vc_feature',
  13: 'pogo', 14: 'iltcg', 15: 'mpx', 16: 'repro', 17: 'embedded_portable_pdb', 19: 'pdbchecksum', 20: 'ex_dllcharacteristics',
};

export function parseDebug(pe: PeFile, errors: string[]): DebugEntry[] {
  const dir = pe.directory(DIR.debug);
  const out: DebugEntry[] = [];
  if (!dir) return out;
  const at = pe.rvaToOffset(dir.rva);
  if (at < 0) {
    errors.push(`debug directory at RVA ${hex(dir.rva)} is not in the file`);
    return out;
  }
  const count = Math.min(Math.floor(dir.size / 28), 32);
  for (let i = 0; i < count; i++) {
    const e = at + i * 28;
    if (!pe.r.has(e, 28)) break;
    const type = pe.r.u32(e + 12);
    const size = pe.r.u32(e + 16);
    const pointer = pe.r.u32(e + 24);
    const entry: DebugEntry = { type: DEBUG_TYPES[type] ?? String(type), timestamp: pe.r.u32(e + 4) };
    if (type === 2 && size >= 24 && pe.r.has(pointer, 24) && pe.r.u32(pointer) === 0x53445352) {
      // RSDS: GUID, age, PDB path.
      // A copy: the GUID's first three fields are little-endian and are reversed for display (never in the sample's bytes).
      const g = Buffer.from(pe.r.bytes(pointer + 4, 16));
      const h = (b: Uint8Array) => Buffer.from(b).toString('hex');
      entry.guid = `${h(Buffer.from(g.subarray(0, 4)).reverse())}-${h(Buffer.from(g.subarray(4, 6)).reverse())}-${h(Buffer.from(g.subarray(6, 8)).reverse())}-${h(g.subarray(8, 10))}-${h(g.subarray(10, 16))}`;
      entry.age = pe.r.u32(pointer + 20);
      const path = pe.r.cString(pointer + 24, Math.min(size - 24, 1024));
      if (path) entry.pdb = Buffer.from(path, 'latin1').toString('utf8');
    } else if (type === 2 && size >= 16 && pe.r.has(pointer, 16) && pe.r.u32(pointer) === 0x3031424e) {
      // NB10: PDB 2.0 path after offset, timestamp and age.
      const path = pe.r.cString(pointer + 16, Math.min(size - 16, 1024));
      if (path) entry.pdb = printable(path, 1024);
    }
    out.push(entry);
  }
  return out;
}

export interface DotNetFacts {
  runtimeVersion?: string;
  clrHeaderVersion: string;
  flags: string[];
  entryPointToken?: string;
  strongNameSigned: boolean;
  metadata?: Omit<DotNetMetadata, 'errors'>;
}

const CLR_FLAGS: [number, string][] = [
  [0x1, 'ILONLY'], [0x2, '32BITREQUIRED'], [0x4, 'IL_LIBRARY'], [0x8, 'STRONGNAMESIGNED'], [0x10, 'NATIVE_ENTRYPOINT'], [0x10000, 'TRACKDEBUGDATA'], [0x20000, '32BITPREFERRED'],
];

export function parseClr(pe: PeFile, errors: string[]): DotNetFacts | undefined {
  const dir = pe.directory(DIR.clr);
  if (!dir) return undefined;
  const at = pe.rvaToOffset(dir.rva);
  if (at < 0 || !pe.r.has(at, 72)) {
    errors.push(`CLR header at RVA ${hex(dir.rva)} is not in the file`);
    return undefined;
  }
  const r = pe.r;
  const flags = r.u32(at + 16);
  const facts: DotNetFacts = {
    clrHeaderVersion: `${r.u16(at + 4)}.${r.u16(at + 6)}`,
    flags: CLR_FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n),
    strongNameSigned: (flags & 0x8) !== 0,
  };
  if (!(flags & 0x10)) facts.entryPointToken = hex(r.u32(at + 20), 8);
  const metadata = pe.rvaToOffset(r.u32(at + 8));
  if (metadata >= 0 && r.has(metadata, 16) && r.u32(metadata) === 0x424a5342) {
    try {
      const { errors: damaged, ...parsed } = parseDotNetMetadata(r, metadata, r.u32(at + 12));
      facts.metadata = parsed;
      if (parsed.version) facts.runtimeVersion = parsed.version;
      errors.push(...damaged.map((e) => `.NET metadata: ${e}`));
    } catch (err) {
      errors.push(`.NET metadata at ${hex(metadata)} could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  } else {
    errors.push(`.NET metadata root not found at RVA ${hex(r.u32(at + 8))}`);
  }
  return facts;
}
