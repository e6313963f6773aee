import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisPipeline } from '../pipeline';
import { SIGNAL_BY_ID } from '../signals/catalogue';
import { scoreFile } from '../signals/scoring';
import { testEngineOptions } from '../testing/engine-options';
import { fileContext } from '../testing/file-context';
import { seededBytes } from '../testing/samples';
import { AnalyzerResult, Verdict } from '../types';
import { ElfAnalyzer } from './elf.analyzer';
import { defaultAnalyzers } from './index';

/**
 * ELF facts are checked against binutils' readelf on the machine's own binaries; packed, odd and
 * rootkit-like files are built at test time (by hand, or with the native gcc for the shared object).
 */
const analyzer = new ElfAnalyzer();
const analyze = (data: Uint8Array, name = 'sample') => analyzer.analyze(fileContext(data, name));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const elf = (r: AnalyzerResult) => r.facts!.elf as any;
const ids = (r: AnalyzerResult) => (r.signals ?? []).map((s) => s.id).sort();

const READELF = '/usr/bin/readelf';
const GCC = '/usr/bin/gcc';
if (!existsSync(READELF)) console.warn('elf.analyzer.spec: readelf is missing (Debian package binutils): the reference tests are skipped');
if (!existsSync(GCC)) console.warn('elf.analyzer.spec: gcc is missing (Debian package gcc): the LD_PRELOAD shared-object test is skipped');
const withReadelf = existsSync(READELF) ? describe : describe.skip;

function readelf(path: string) {
  const run = (...args: string[]) => execFileSync(READELF, ['-W', ...args, path], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const header = run('-h');
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.+)$`, 'm').exec(header)?.[1].trim() ?? '';
  const dynamic = run('-d');
  const program = run('-l');
  const sections = run('-S');
  const notes = run('-n');
  return {
    class: field('Class'),
    data: field('Data'),
    type: field('Type'),
    machine: field('Machine'),
    entry: field('Entry point address'),
    sectionCount: Number(field('Number of section headers')),
    segmentCount: Number(field('Number of program headers')),
    needed: [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.+?)\]/g)].map((m) => m[1]),
    soname: /\(SONAME\)\s+Library soname: \[(.+?)\]/.exec(dynamic)?.[1],
    interpreter: /\[Requesting program interpreter: (.+?)\]/.exec(program)?.[1],
    sectionNames: [...sections.matchAll(/^\s*\[\s*\d+\] (\S*)\s+\S+\s+[0-9a-f]{8}/gm)].map((m) => m[1]),
    buildId: /Build ID: ([0-9a-f]+)/.exec(notes)?.[1],
  };
}

const MACHINES: Record<string, string> = { 'Advanced Micro Devices X86-64': 'x86-64', AArch64: 'AArch64', 'Intel 80386': 'i386' };

withReadelf('ElfAnalyzer against readelf', () => {
  const binaries = ['/bin/ls', realpathSync('/usr/bin/python3'), '/usr/lib/x86_64-linux-gnu/libc.so.6', READELF].filter((p) => existsSync(p));

  it.each(binaries)('%s', async (path) => {
    const ref = readelf(path);
    const result = await analyze(new Uint8Array(readFileSync(path)), path.split('/').pop());
    const facts = elf(result);
    expect(facts.class).toBe(ref.class);
    expect(facts.endianness).toBe(ref.data.includes('little') ? 'little' : 'big');
    expect(facts.machine).toBe(MACHINES[ref.machine] ?? ref.machine);
    expect(facts.type).toBe(ref.type.startsWith('EXEC') ? 'executable' : 'shared-object');
    expect(!!facts.pie).toBe(ref.type.includes('Position-Independent'));
    expect(BigInt(facts.entryPoint)).toBe(BigInt(ref.entry));
    expect(facts.sectionCount).toBe(ref.sectionCount);
    expect(facts.segmentCount).toBe(ref.segmentCount);
    expect(facts.needed).toEqual(ref.needed);
    expect(facts.soname).toBe(ref.soname);
    expect(facts.interpreter).toBe(ref.interpreter);
    expect(facts.sections.map((s: { name: string }) => s.name).filter(Boolean)).toEqual(ref.sectionNames.filter(Boolean));
    expect(facts.buildId).toBe(ref.buildId);
    expect(facts.linkage).toBe('dynamic');
    // Toolchain output raises nothing.
    expect(result.signals).toEqual([]);
  });

  it('libc exports and the stripped flag', async () => {
    const result = await analyze(new Uint8Array(readFileSync('/usr/lib/x86_64-linux-gnu/libc.so.6')));
    // The lists are bounded; the counts are not.
    expect(elf(result).symbols.exported).toHaveLength(500);
    expect(elf(result).symbols.truncated).toBe(true);
    expect(elf(result).symbols.dynamic).toBeGreaterThan(1000);
    expect(elf(result).soname).toBe('libc.so.6');
    expect(elf(result).stripped).toBe(true);
  });

  it('/bin/ls is NO_THREAT through the whole pipeline', async () => {
    const flow = await new AnalysisPipeline(defaultAnalyzers()).analyze({ name: 'ls', data: new Uint8Array(readFileSync('/bin/ls')) }, testEngineOptions());
    expect(flow.files[0].analyzers).toContain('elf');
    expect(flow.files[0].signals).toEqual([]);
    expect(flow.verdict.verdict).toBe(Verdict.NoThreat);
  });
});

interface Segment {
  type: number;
  flags: number;
  data: Uint8Array;
  vaddr: number;
  memSize?: number;
}

/** A section-less ELF (header, program headers, segment contents) as packers and sstrip leave them. */
function buildElf({ is64 = true, little = true, machine = 62, type = 2, entry, segments }: { is64?: boolean; little?: boolean; machine?: number; type?: number; entry: number; segments: Segment[] }): Uint8Array {
  const eh = is64 ? 64 : 52;
  const ph = is64 ? 56 : 32;
  let offset = eh + ph * segments.length;
  const placed = segments.map((s) => {
    const at = offset;
    offset += s.data.length;
    return { ...s, offset: at };
  });
  const b = Buffer.alloc(offset);
  const w16 = (v: number, at: number) => (little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const w32 = (v: number, at: number) => (little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const wW = (v: number, at: number) => (is64 ? (little ? b.writeBigUInt64LE(BigInt(v), at) : b.writeBigUInt64BE(BigInt(v), at)) : w32(v, at));
  b.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, little ? 1 : 2, 1, 0]);
  w16(type, 16);
  w16(machine, 18);
  w32(1, 20);
  wW(entry, 24);
  wW(eh, is64 ? 32 : 28);
  wW(0, is64 ? 40 : 32);
  w16(eh, is64 ? 52 : 40);
  w16(ph, is64 ? 54 : 42);
  w16(segments.length, is64 ? 56 : 44);
  w16(is64 ? 64 : 40, is64 ? 58 : 46);
  placed.forEach((s, i) => {
    const at = eh + i * ph;
    w32(s.type, at);
    if (is64) {
      w32(s.flags, at + 4);
      wW(s.offset, at + 8);
      wW(s.vaddr, at + 16);
      wW(s.vaddr, at + 24);
      wW(s.data.length, at + 32);
      wW(s.memSize ?? s.data.length, at + 40);
      wW(0x1000, at + 48);
    } else {
      w32(s.offset, at + 4);
      w32(s.vaddr, at + 8);
      w32(s.vaddr, at + 12);
      w32(s.data.length, at + 16);
      w32(s.memSize ?? s.data.length, at + 20);
      w32(s.flags, at + 24);
      w32(0x1000, at + 28);
    }
    b.set(s.data, s.offset);
  });
  return new Uint8Array(b);
}

const R = 4;
const W = 2;
const X = 1;

describe('ElfAnalyzer on built files', () => {
  it('a 32-bit big-endian MIPS executable with ordinary segments: read in its byte order, no signal', async () => {
    const code = new Uint8Array(64).fill(0x24);
    const result = await analyze(buildElf({ is64: false, little: false, machine: 8, entry: 0x400080, segments: [{ type: 1, flags: R | X, data: code, vaddr: 0x400000, memSize: 0x1000 }] }));
    expect(elf(result)).toMatchObject({ class: 'ELF32', endianness: 'big', machine: 'MIPS', type: 'executable', entryPoint: '0x400080', linkage: 'static', sectionCount: 0 });
    expect(elf(result).segments).toEqual([expect.objectContaining({ type: 'LOAD', flags: 'R-X', vaddr: '0x400000', fileSize: 64, memSize: 0x1000 })]);
    expect(ids(result)).toEqual(['elf.no_section_headers']);
  });

  it('UPX markers: packed with UPX (informational), its RWX segment explained', async () => {
    const payload = seededBytes(16 * 1024, 3);
    payload.set(Buffer.from('UPX!'), 0);
    payload.set(Buffer.from('$Info: This file is packed with the UPX executable packer $'), 100);
    const result = await analyze(buildElf({ entry: 0x401000, segments: [{ type: 1, flags: R | W | X, data: payload, vaddr: 0x400000 }] }));
    expect(ids(result)).toEqual(['elf.no_section_headers', 'elf.packed.upx', 'elf.rwx_segment']);
    expect(result.signals!.find((s) => s.id === 'elf.rwx_segment')!.verdict).toBe(Verdict.Informational);
    expect(elf(result).packers[0].id).toBe('upx');
    expect(scoreFile(result.signals!, [], true).verdict).toBe(Verdict.Informational);
  });

  it('the same without its marks: an unidentified packer (suspicious)', async () => {
    const result = await analyze(buildElf({ entry: 0x401000, segments: [{ type: 1, flags: R | W | X, data: seededBytes(16 * 1024, 4), vaddr: 0x400000 }] }));
    expect(ids(result)).toEqual(['elf.no_section_headers', 'elf.packed.heuristic', 'elf.rwx_segment']);
    expect(scoreFile(result.signals!, [], true).verdict).toBe(Verdict.Suspicious);
    expect(SIGNAL_BY_ID.get('elf.packed.heuristic')!.mitre).toEqual(['T1027.002']);
  });

  it('an interpreter outside the system directories and an entry point outside the code', async () => {
    const interp = Buffer.from('/tmp/.cache/ld-linux-x86-64.so.2\0');
    const result = await analyze(
      buildElf({
        entry: 0x900000,
        segments: [
          { type: 3, flags: R, data: interp, vaddr: 0x400200 },
          { type: 1, flags: R | X, data: new Uint8Array(256), vaddr: 0x400000 },
        ],
      }),
    );
    expect(elf(result).interpreter).toBe('/tmp/.cache/ld-linux-x86-64.so.2');
    expect(ids(result)).toEqual(['elf.entry_point_anomaly', 'elf.no_section_headers', 'elf.unusual_interpreter']);
  });

  it('standard interpreters are not unusual', async () => {
    for (const path of ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1', '/lib/ld-musl-x86_64.so.1', '/system/bin/linker64', '/libexec/ld-elf.so.1', '/nix/store/abc-glibc-2.38/lib/ld-linux-x86-64.so.2']) {
      const result = await analyze(buildElf({ entry: 0x400010, segments: [{ type: 3, flags: R, data: Buffer.from(`${path}\0`), vaddr: 0x400100 }, { type: 1, flags: R | X, data: new Uint8Array(64), vaddr: 0x400000 }] }));
      expect({ path, ids: ids(result) }).toEqual({ path, ids: ['elf.no_section_headers'] });
    }
  });

  it('truncated and corrupted ELF files never throw', async () => {
    const base = new Uint8Array(readFileSync('/bin/ls'));
    const noise = seededBytes(4096, 5);
    for (let n = 0; n < 200; n++) {
      const data = base.slice(0, n < 100 ? Math.max(16, Math.floor((base.length * n) / 100)) : base.length);
      for (let k = 0; n >= 100 && k < 8; k++) data[(noise[(n * 8 + k) % noise.length] * 31 + k) % 128] = noise[(n + k) % noise.length];
      data.set([0x7f, 0x45, 0x4c, 0x46]);
      const result = await analyze(data);
      expect(result.facts?.elf).toBeDefined();
    }
  });
});

(existsSync(GCC) ? describe : describe.skip)('ElfAnalyzer on a shared object built with gcc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elf-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a shared object that overrides readdir/fopen/stat and calls the originals through dlsym: LD_PRELOAD rootkit', async () => {
    // Inert: every override calls the real function (the pattern, not a rootkit).
    const source = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>
static const char *preload = "/etc/ld.so.preload";
struct dirent *readdir(DIR *d) { struct dirent *(*real)(DIR *) = dlsym(RTLD_NEXT, "readdir"); return real(d); }
FILE *fopen(const char *p, const char *m) { FILE *(*real)(const char *, const char *) = dlsym(RTLD_NEXT, "fopen"); (void)preload; return real(p, m); }
int stat(const char *p, struct stat *s) { int (*real)(const char *, struct stat *) = dlsym(RTLD_NEXT, "stat"); return real(p, s); }
`;
    writeFileSync(join(dir, 'hook.c'), source);
    execFileSync(GCC, ['-shared', '-fPIC', '-o', join(dir, 'libhook.so'), join(dir, 'hook.c'), '-ldl'], { stdio: 'pipe' });
    const result = await analyze(new Uint8Array(readFileSync(join(dir, 'libhook.so'))), 'libhook.so');
    expect(ids(result)).toEqual(['elf.preload_rootkit']);
    expect(result.signals![0].evidence).toEqual(['exports libc functions: fopen, readdir, stat', 'imports dlsym', 'names /etc/ld.so.preload']);
    expect(SIGNAL_BY_ID.get('elf.preload_rootkit')!.mitre).toEqual(['T1014', 'T1574.006']);
  });
});
