import { ElfFile, ElfSymbol, PT_GNU_STACK, PT_LOAD } from '../formats/elf/elf-file';
import { hex } from '../formats/pe/reader';
import type { Analyzer, AnalyzerResult, FileContext, SignalHit } from '../types';
import { Verdict } from '../types';

/**
 * ELF executables and shared objects (Linux, BSD, Android; any machine, 32/64 bit, either byte
 * order), parsed, never run.
 *
 * Facts (resources.elf): class, byte order, type, machine, OS ABI, entry point, interpreter
 * (PT_INTERP), linkage (dynamic, static, static-pie), NEEDED libraries, SONAME, RPATH/RUNPATH,
 * dynamic flags, GNU build id, segments (type, R/W/X, offsets, sizes, entropy of loaded ones),
 * sections (name, type, A/W/X, size, entropy), symbols (counts; imported and exported names,
 * bounded), whether the file is stripped, packers.
 *
 * Signals (signals/definitions/formats.ts, `elf.*`), kept conservative — what a normal toolchain
 * produces raises none: UPX (informational), no section headers with a compressed loaded segment
 * (a packer whose marks were removed, suspicious), no section headers at all (informational), a
 * writable and executable LOAD segment, an entry point outside the executable segments, a
 * non-standard program interpreter, and a shared object that overrides libc functions and reaches
 * the originals through dlsym (an LD_PRELOAD rootkit).
 */
export const MAX_LISTED_SECTIONS = 200;
export const MAX_LISTED_SEGMENTS = 64;
export const MAX_LISTED_SYMBOLS = 500;
const HIGH_ENTROPY = 7.2;

/** Where loaders live: the directory and the file name of a standard program interpreter. */
const STANDARD_INTERPRETER = /^(?:\/usr)?\/(?:lib(?:32|64|x32)?|libexec|system\/bin|apex\/[^/]+\/bin)\/(?:ld-linux[\w.-]*\.so\.\d+|ld-musl-[\w.-]+\.so\.1|ld(?:64)?\.so(?:\.\d+)?|ld-elf(?:32)?\.so\.1|ld\.elf_so|ld-uClibc[\w.-]*\.so(?:\.\d+)?|linker(?:64)?)$|^\/(?:nix|gnu)\/store\/[^/]+\/lib(?:64)?\/ld-[\w.-]+\.so\.\d+$/;

/** libc functions an LD_PRELOAD rootkit overrides to hide files, processes and connections. */
const LIBC_HOOKS = new Set([
  'readdir', 'readdir64', 'readdir_r', 'opendir', 'fopen', 'fopen64', 'open', 'open64', 'openat', 'stat', 'stat64', 'lstat', 'lstat64', '__xstat', '__xstat64', '__lxstat',
  '__lxstat64', 'access', 'unlink', 'unlinkat', 'rmdir', 'kill', 'accept', 'pam_authenticate', 'pam_open_session', 'getpwnam', 'execve', 'write', 'fwrite', 'pcap_loop',
]);

export class ElfAnalyzer implements Analyzer {
  readonly name = 'elf';
  readonly budgetMs = 20_000;

  appliesTo(file: FileContext): boolean {
    return file.identity.kind === 'elf';
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    let elf: ElfFile;
    try {
      elf = new ElfFile(file.data);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { facts: { elf: { error: message } }, issues: [{ analyzer: this.name, kind: 'error', message }] };
    }
    const signals: SignalHit[] = [];
    const tags = new Set<string>(['elf']);
    const hit = (id: string, evidence: string[], extra: Partial<SignalHit> = {}) => {
      if (evidence.length) signals.push({ id, evidence: evidence.slice(0, 15), ...extra });
    };

    const loads = elf.segments.filter((s) => s.typeId === PT_LOAD);
    const dynamic = elf.segments.some((s) => s.typeId === 2);
    const linkage = elf.interpreter ? 'dynamic' : dynamic ? (elf.type === 3 ? 'dynamic' : 'static-pie') : 'static';
    const noSections = elf.declaredCounts.sections === 0;
    const stripped = !elf.sections.some((s) => s.typeId === 2);
    const imported = elf.dynamicSymbols.filter((s) => !s.defined);
    const exported = elf.dynamicSymbols.filter((s) => s.defined && s.binding !== 'LOCAL' && (s.type === 'FUNC' || s.type === 'OBJECT'));

    // Packers.
    const packers: { id: string; evidence: string[] }[] = [];
    const head = Buffer.from(file.data.buffer, file.data.byteOffset, Math.min(file.data.length, 4096)).toString('latin1');
    const tailStart = Math.max(0, file.data.length - 4096);
    const tail = Buffer.from(file.data.buffer, file.data.byteOffset + tailStart, file.data.length - tailStart).toString('latin1');
    const upxEvidence = [
      ...(head.includes('UPX!') ? [`marker "UPX!" at 0x${head.indexOf('UPX!').toString(16)}`] : []),
      ...(tail.includes('UPX!') ? [`marker "UPX!" at 0x${(tailStart + tail.indexOf('UPX!')).toString(16)}`] : []),
      ...(head.includes('This file is packed with the UPX') || tail.includes('This file is packed with the UPX') ? ['UPX copyright notice'] : []),
    ];
    if (upxEvidence.length) {
      packers.push({ id: 'upx', evidence: upxEvidence });
      tags.add('upx').add('packed');
      hit('elf.packed.upx', upxEvidence);
    }
    const executableLoads = loads.filter((s) => s.flags.includes('X'));
    const random = executableLoads.filter((s) => s.fileSize >= 4096 && (s.entropy ?? 0) > HIGH_ENTROPY);
    if (noSections && elf.type === 2) hit('elf.no_section_headers', ['no section header table']);
    if (noSections && random.length && !packers.length) {
      tags.add('packed');
      hit('elf.packed.heuristic', random.map((s) => `executable LOAD segment at ${hex(s.offset)} (${s.fileSize} bytes) has entropy ${s.entropy}`));
    }

    // Segments and entry point.
    const rwx = loads.filter((s) => s.flags === 'RWX').map((s) => `LOAD segment at ${hex(s.offset)} (vaddr ${hex(s.vaddr)}) is RWX`);
    hit('elf.rwx_segment', rwx, packers.length ? { verdict: Verdict.Informational, strength: 0.2, description: 'A loaded segment is writable and executable (by design of the packer)' } : {});
    if ((elf.type === 2 || (elf.type === 3 && elf.interpreter)) && elf.entry && loads.length) {
      const inside = executableLoads.some((s) => elf.entry >= s.vaddr && elf.entry < s.vaddr + s.memSize);
      if (!inside) hit('elf.entry_point_anomaly', [`entry point ${hex(elf.entry)} is not inside an executable LOAD segment`]);
    }
    if (elf.interpreter && !STANDARD_INTERPRETER.test(elf.interpreter)) hit('elf.unusual_interpreter', [`interpreter ${elf.interpreter}`]);

    // LD_PRELOAD rootkits: libc functions overridden, originals reached through dlsym(RTLD_NEXT, ...).
    if (elf.type === 3) {
      const hooks = exported.filter((s) => s.type === 'FUNC' && LIBC_HOOKS.has(s.name)).map((s) => s.name);
      const dlsym = imported.some((s) => s.name === 'dlsym' || s.name.startsWith('dlsym@'));
      if (hooks.length >= 3 && dlsym) {
        const preload = Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength).includes('ld.so.preload');
        hit('elf.preload_rootkit', [`exports libc functions: ${[...new Set(hooks)].sort().join(', ')}`, 'imports dlsym', ...(preload ? ['names /etc/ld.so.preload'] : [])]);
      }
    }
    if (file.signal.aborted) return { signals, issues: [{ analyzer: this.name, kind: 'timeout', message: 'stopped before the facts were assembled' }] };

    const stack = elf.segments.find((s) => s.typeId === PT_GNU_STACK);
    const facts = {
      class: elf.is64 ? 'ELF64' : 'ELF32',
      endianness: elf.little ? 'little' : 'big',
      type: elf.typeName,
      ...(elf.pie ? { pie: true } : {}),
      machine: elf.machineName,
      osabi: elf.osabiName,
      entryPoint: hex(elf.entry),
      ...(elf.interpreter ? { interpreter: elf.interpreter } : {}),
      linkage,
      needed: elf.needed,
      ...(elf.soname ? { soname: elf.soname } : {}),
      ...(elf.rpath ? { rpath: elf.rpath } : {}),
      ...(elf.runpath ? { runpath: elf.runpath } : {}),
      ...(elf.dynamicFlags.length ? { dynamicFlags: elf.dynamicFlags } : {}),
      ...(elf.buildId ? { buildId: elf.buildId } : {}),
      stripped,
      ...(stack ? { executableStack: stack.flags.includes('X') } : {}),
      segmentCount: elf.declaredCounts.segments,
      segments: elf.segments.slice(0, MAX_LISTED_SEGMENTS).map((s) => ({
        type: s.type,
        flags: s.flags,
        offset: hex(s.offset),
        vaddr: hex(s.vaddr),
        fileSize: s.fileSize,
        memSize: s.memSize,
        ...(s.entropy !== undefined ? { entropy: s.entropy } : {}),
      })),
      sectionCount: elf.declaredCounts.sections,
      sections: elf.sections.slice(0, MAX_LISTED_SECTIONS).map((s) => ({
        name: s.name,
        type: s.type,
        flags: s.flags,
        offset: hex(s.offset),
        size: s.size,
        ...(s.entropy !== undefined ? { entropy: s.entropy } : {}),
      })),
      symbols: {
        dynamic: elf.symbolCounts.dynamic,
        static: elf.symbolCounts.static,
        imported: names(imported),
        exported: names(exported),
        ...(imported.length > MAX_LISTED_SYMBOLS || exported.length > MAX_LISTED_SYMBOLS ? { truncated: true } : {}),
      },
      packers,
      ...(elf.anomalies.length ? { anomalies: elf.anomalies.slice(0, 50) } : {}),
    };
    if (linkage === 'static') tags.add('static');
    if (elf.type === 3 && !elf.pie) tags.add('shared-object');
    return { facts: { elf: facts }, signals, tags: [...tags] };
  }
}

function names(symbols: ElfSymbol[]): string[] {
  return [...new Set(symbols.map((s) => s.name))].slice(0, MAX_LISTED_SYMBOLS);
}
