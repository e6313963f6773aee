import { zipRawEntries } from '../archive/zip-names';
import { u16, u32, u32be } from '../formats/bytes';

/**
 * Identifies a file by its content, never by its name: magic numbers, container directories
 * (ZIP central directory, OLE stream names are refined later by the Office analyzer) and, for
 * text, weighted script keywords. Returns a stable `kind` the pipeline dispatches on, a human
 * label, a MIME type and the extension the content deserves.
 */
export type FileKind =
  | 'pe' | 'elf' | 'macho' | 'java-class' | 'dex'
  | 'ole' | 'ooxml' | 'odf' | 'pdf' | 'rtf' | 'lnk'
  | 'chm' | 'tnef'
  | 'zip' | 'jar' | 'apk' | '7z' | 'rar' | 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'tar' | 'cab' | 'iso' | 'arj' | 'cpio'
  /** Virtual disks and file-system images other than ISO 9660: VHD, VHDX, VMDK, VDI, QCOW, DMG; raw MBR / GPT disks; UDF, FAT, NTFS, ext. */
  | 'disk-image'
  | 'image' | 'html' | 'hta' | 'svg' | 'xml' | 'email'
  | 'javascript' | 'vbscript' | 'powershell' | 'batch' | 'shell' | 'python'
  | 'text' | 'empty' | 'data'
  /** The root of a URL scan (never returned by identify(): the URL scan builds it). */
  | 'url';

export interface FileIdentity {
  kind: FileKind;
  /** Human-readable type, e.g. "PE32+ executable (DLL) x86-64". */
  label: string;
  mime: string;
  extension: string;
  /** Archive kinds the archive analyzer unpacks. */
  isArchive: boolean;
}

/** Contents that run code (by what they are, whatever their name). */
export const EXECUTABLE_KINDS = new Set<FileKind>(['pe', 'elf', 'macho', 'dex', 'java-class', 'lnk', 'hta', 'javascript', 'vbscript', 'powershell', 'batch', 'shell', 'python', 'chm', 'jar', 'apk']);

const ARCHIVE_KINDS = new Set<FileKind>(['chm', 'zip', 'jar', 'apk', '7z', 'rar', 'gzip', 'bzip2', 'xz', 'zstd', 'tar', 'cab', 'iso', 'disk-image', 'arj', 'cpio']);

const id = (kind: FileKind, label: string, mime: string, extension: string): FileIdentity => ({
  kind,
  label,
  mime,
  extension,
  isArchive: ARCHIVE_KINDS.has(kind),
});

/** Virtual disks and file-system images, which 7-Zip opens like archives (files in them lose the Mark of the Web). */
function identifyDiskImage(b: Uint8Array): FileIdentity | undefined {
  const image = (label: string, extension: string) => id('disk-image', label, 'application/x-raw-disk-image', extension);
  if (startsWith(b, 'vhdxfile')) return image('Hyper-V virtual disk (VHDX)', 'vhdx');
  // A dynamic VHD starts with a copy of its footer; a fixed one has the footer only, in its last 512 bytes.
  if (startsWith(b, 'conectix') || (b.length >= 1024 && startsWith(b, 'conectix', b.length - 512))) return image('Virtual PC virtual disk (VHD)', 'vhd');
  if (startsWith(b, 'BEA01', 0x8001)) return image('UDF disk image', 'udf');
  if (b.length >= 1024 && startsWith(b, 'koly', b.length - 512)) return image('Apple disk image (DMG)', 'dmg');
  if (startsWith(b, 'QFI\xfb')) return image('QEMU copy-on-write virtual disk (QCOW)', 'qcow2');
  if (startsWith(b, 'KDMV')) return image('VMware virtual disk (VMDK)', 'vmdk');
  if (u32(b, 0x40) === 0xbeda107f) return image('VirtualBox virtual disk (VDI)', 'vdi');
  const bootSector = b.length >= 4096 && b[510] === 0x55 && b[511] === 0xaa && (b[0] === 0xeb || b[0] === 0xe9);
  if (bootSector && startsWith(b, 'NTFS    ', 3)) return image('NTFS file system image', 'img');
  if (bootSector && (startsWith(b, 'FAT', 0x36) || startsWith(b, 'FAT32', 0x52))) return image('FAT file system image', 'img');
  if (startsWith(b, 'EFI PART', 512)) return image('Raw disk image with a GPT partition table', 'img');
  if (hasPartitionTable(b)) return image('Raw disk image with an MBR partition table', 'img');
  // ext2/3/4: the superblock at 1024, its magic at 56, a block size of 1–64 KiB (log2 − 10 at 24), revision 0 or 1 (at 76).
  if (b.length >= 4096 && u16(b, 1080) === 0xef53 && u32(b, 1048) <= 6 && u32(b, 1100) <= 1) return image('ext2/3/4 file system image', 'img');
  return undefined;
}

/**
 * A classic MBR partition table (no file system boot sector at 0): the 0x55AA mark, four entries
 * whose status bytes are 0x00 or 0x80, and a used entry that starts inside this data: a lone 512-byte
 * boot sector (a bootkit's MBR) stays data, for lack of anything to open.
 */
function hasPartitionTable(b: Uint8Array): boolean {
  if (b.length < 1024 || b[510] !== 0x55 || b[511] !== 0xaa) return false;
  let inside = false;
  for (let e = 446; e < 510; e += 16) {
    if (b[e] !== 0x00 && b[e] !== 0x80) return false;
    const type = b[e + 4];
    const start = u32(b, e + 8);
    const sectors = u32(b, e + 12);
    if (type === 0) continue;
    if (start === 0 || sectors === 0) return false;
    if (start * 512 < b.length) inside = true;
  }
  return inside;
}

const startsWith = (b: Uint8Array, sig: number[] | string, offset = 0): boolean => {
  const bytes = typeof sig === 'string' ? Array.from(sig, (c) => c.charCodeAt(0)) : sig;
  if (b.length < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (b[offset + i] !== bytes[i]) return false;
  return true;
};

const PE_MACHINES: Record<number, string> = { 0x14c: 'Intel 80386', 0x8664: 'x86-64', 0x1c0: 'ARM', 0x1c4: 'ARMv7 Thumb', 0xaa64: 'ARM64', 0x200: 'Intel Itanium' };
const PE_SUBSYSTEMS: Record<number, string> = { 1: 'native', 2: 'GUI', 3: 'console', 9: 'Windows CE GUI', 10: 'EFI application', 11: 'EFI boot driver', 12: 'EFI runtime driver' };

function identifyPe(b: Uint8Array): FileIdentity {
  const peOffset = u32(b, 0x3c);
  if (peOffset < 0 || peOffset > b.length - 24 || !startsWith(b, 'PE\0\0', peOffset)) {
    return id('pe', 'MS-DOS executable', 'application/x-dosexec', 'exe');
  }
  const machine = u16(b, peOffset + 4);
  const characteristics = u16(b, peOffset + 22);
  const optional = peOffset + 24;
  const magic = u16(b, optional);
  const is64 = magic === 0x20b;
  const subsystem = u16(b, optional + 68);
  // CLR runtime header: data directory 14.
  const dirBase = optional + (is64 ? 112 : 96);
  const rvaCount = u32(b, optional + (is64 ? 108 : 92));
  // A real CLR header directory is 72 bytes; packers that mangle headers leave noise here.
  const isDotNet = rvaCount > 14 && u32(b, dirBase + 14 * 8) > 0 && u32(b, dirBase + 14 * 8 + 4) === 72;
  const isDll = (characteristics & 0x2000) !== 0;
  const parts = [
    is64 ? 'PE32+' : 'PE32',
    isDll ? 'executable (DLL)' : 'executable',
    `(${PE_SUBSYSTEMS[subsystem] ?? 'unknown subsystem'})`,
    PE_MACHINES[machine] ?? `machine 0x${machine.toString(16)}`,
  ];
  if (isDotNet) parts.push('Mono/.Net assembly');
  return id('pe', parts.join(' '), isDll ? 'application/x-msdownload' : 'application/vnd.microsoft.portable-executable', isDll ? 'dll' : subsystem === 1 ? 'sys' : 'exe');
}

const ELF_MACHINES: Record<number, string> = { 3: 'Intel 80386', 8: 'MIPS', 20: 'PowerPC', 40: 'ARM', 62: 'x86-64', 183: 'ARM aarch64', 243: 'RISC-V' };

function identifyElf(b: Uint8Array): FileIdentity {
  const cls = b[4] === 2 ? '64-bit' : '32-bit';
  const little = b[5] !== 2;
  const read16 = (o: number) => (little ? u16(b, o) : (b[o] << 8) | b[o + 1]);
  const type = read16(16);
  const machine = read16(18);
  const typeName = { 1: 'relocatable', 2: 'executable', 3: 'shared object', 4: 'core file' }[type] ?? 'file';
  return id('elf', `ELF ${cls} ${little ? 'LSB' : 'MSB'} ${typeName}, ${ELF_MACHINES[machine] ?? `machine ${machine}`}`, 'application/x-executable', type === 3 ? 'so' : 'elf');
}

/** Names in a ZIP's central directory (bounded), without inflating anything. */
export function zipEntryNames(b: Uint8Array, max = 2000): string[] {
  return zipRawEntries(b, max).map((e) => e.name);
}

function identifyZip(b: Uint8Array): FileIdentity {
  const names = zipEntryNames(b);
  const has = (n: string) => names.includes(n);
  const hasPrefix = (p: string) => names.some((n) => n.startsWith(p));
  if (has('[Content_Types].xml')) {
    const macro = names.some((n) => /vbaProject\.bin$/i.test(n));
    if (hasPrefix('word/')) return id('ooxml', `Microsoft Word 2007+${macro ? ' (macro-enabled)' : ''}`, macro ? 'application/vnd.ms-word.document.macroEnabled.12' : 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', macro ? 'docm' : 'docx');
    if (hasPrefix('xl/')) return id('ooxml', `Microsoft Excel 2007+${macro ? ' (macro-enabled)' : ''}`, macro ? 'application/vnd.ms-excel.sheet.macroEnabled.12' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', macro ? 'xlsm' : 'xlsx');
    if (hasPrefix('ppt/')) return id('ooxml', `Microsoft PowerPoint 2007+${macro ? ' (macro-enabled)' : ''}`, macro ? 'application/vnd.ms-powerpoint.presentation.macroEnabled.12' : 'application/vnd.openxmlformats-officedocument.presentationml.presentation', macro ? 'pptm' : 'pptx');
    return id('ooxml', 'Office Open XML document', 'application/vnd.openxmlformats-officedocument', 'zip');
  }
  if (has('AndroidManifest.xml') && has('classes.dex')) return id('apk', 'Android package (APK)', 'application/vnd.android.package-archive', 'apk');
  if (has('META-INF/MANIFEST.MF') || names.some((n) => n.endsWith('.class'))) return id('jar', 'Java archive (JAR)', 'application/java-archive', 'jar');
  if (names[0] === 'mimetype' && (hasPrefix('content.xml') || has('content.xml'))) return id('odf', 'OpenDocument', 'application/vnd.oasis.opendocument', 'odt');
  const encrypted = (u16(b, 6) & 1) === 1;
  return id('zip', encrypted ? 'Zip archive (encrypted)' : 'Zip archive', 'application/zip', 'zip');
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Share of bytes in the head that look like text (printable ASCII, whitespace, UTF-8 continuation). */
function textRatio(b: Uint8Array): number {
  const n = Math.min(b.length, 8192);
  if (!n) return 0;
  let text = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || c >= 0x80) text++;
    else if (c === 0) return 0;
  }
  return text / n;
}

interface ScriptRule {
  kind: FileKind;
  label: string;
  mime: string;
  extension: string;
  patterns: [RegExp, number][];
}

// Keyword weights; the best-scoring language above a threshold wins.
const SCRIPT_RULES: ScriptRule[] = [
  {
    kind: 'powershell', label: 'PowerShell script', mime: 'text/x-powershell', extension: 'ps1',
    patterns: [[/\b(Invoke-Expression|IEX|Invoke-WebRequest|New-Object\s+(System\.)?Net\.WebClient|Start-Process|Get-ItemProperty|Set-ItemProperty)\b/i, 4], [/\$env:|\$PSHOME|\$ExecutionContext/i, 3], [/-(EncodedCommand|enc|ExecutionPolicy|NoProfile|WindowStyle)\b/i, 3], [/\[(System\.)?Convert\]::FromBase64String|\[Text\.Encoding\]|\[char\]\s*\d+/i, 3], [/\bparam\s*\(|\bfunction\s+[\w-]+-[\w-]+/i, 2], [/\$[A-Za-z_]\w*\s*=/, 1], [/\b(?:Get|Set|New|Remove|Write|Read|Start|Stop|Add|Import|Export|Select|Where|ForEach|Out|ConvertTo|ConvertFrom|Test|Join|Split)-(?:[A-Z][a-z]+){1,3}\b/, 3]],
  },
  {
    kind: 'vbscript', label: 'VBScript', mime: 'text/vbscript', extension: 'vbs',
    patterns: [[/\bCreateObject\s*\(\s*"/i, 3], [/\bWScript\.(Shell|CreateObject|Echo|Sleep|ScriptFullName)/i, 2], [/^\s*Dim\s+\w+/im, 3], [/\bEnd\s+(Sub|Function|If)\b/i, 3], [/^\s*(Sub|Function)\s+\w+/im, 2], [/\bOn\s+Error\s+Resume\s+Next\b/i, 4], [/\bSet\s+\w+\s*=/i, 2], [/\b(Chr|ChrW|StrReverse|Execute|ExecuteGlobal)\s*\(/i, 2], [/^\s*'/m, 1]],
  },
  {
    kind: 'javascript', label: 'JavaScript / JScript', mime: 'application/javascript', extension: 'js',
    patterns: [[/\bnew\s+ActiveXObject\s*\(/i, 5], [/\bWScript\.(CreateObject|Shell|Sleep|Echo)/, 1], [/\bfunction\s*\w*\s*\([^)]*\)\s*\{/, 3], [/\b(var|let|const)\s+[\w$]+\s*=/, 2], [/\beval\s*\(|String\.fromCharCode|\.charCodeAt\(|unescape\s*\(/, 3], [/=>\s*[{(]?/, 1], [/;\s*$/m, 1], [/\/\/[^\n]*$/m, 1]],
  },
  {
    kind: 'batch', label: 'DOS batch file', mime: 'text/x-msdos-batch', extension: 'bat',
    patterns: [[/^\s*@?echo\s+off\b/im, 5], [/^\s*(set|setlocal|goto|call|rem)\b/im, 2], [/%~?[dpnx0-9]+|%\w+%/i, 2], [/^\s*:[A-Za-z_]\w*\s*$/m, 2], [/\b(cmd(\.exe)?\s+\/c|start\s+""|bitsadmin|certutil|reg\s+add|schtasks)\b/i, 2]],
  },
  {
    kind: 'python', label: 'Python script', mime: 'text/x-python', extension: 'py',
    patterns: [[/^\s*(import\s+\w+|from\s+[\w.]+\s+import\b)/m, 3], [/^\s*def\s+\w+\s*\(.*\)\s*:/m, 3], [/\bif\s+__name__\s*==\s*['"]__main__['"]/, 5], [/^\s*(class\s+\w+.*:|elif\b|except\b.*:)/m, 2]],
  },
];

function identifyText(b: Uint8Array): FileIdentity {
  const head = textDecoder.decode(b.subarray(0, 65536)).replace(/^\uFEFF/, '');
  const trimmed = head.trimStart();
  const lower = trimmed.slice(0, 2048).toLowerCase();

  if (trimmed.startsWith('#!')) {
    const line = trimmed.split('\n', 1)[0];
    if (/python/.test(line)) return id('python', 'Python script', 'text/x-python', 'py');
    if (/node|deno/.test(line)) return id('javascript', 'Node.js script', 'application/javascript', 'js');
    if (/pwsh|powershell/.test(line)) return id('powershell', 'PowerShell script', 'text/x-powershell', 'ps1');
    return id('shell', `Shell script (${line.slice(2).trim().slice(0, 60)})`, 'text/x-shellscript', 'sh');
  }
  if (/<hta:application\b/i.test(head)) return id('hta', 'HTML application (HTA)', 'application/hta', 'hta');
  if (/^<\?xml[^>]*>\s*(<!--[\s\S]*?-->\s*)*<svg\b/i.test(trimmed) || /^<svg\b/i.test(trimmed)) return id('svg', 'SVG image', 'image/svg+xml', 'svg');
  if (/^(<!doctype\s+html|<html\b|<head\b|<body\b)/.test(lower) || /^<(a|script|iframe|body|div|meta|img|form|object|embed|link|style|table|title)\b[^>]*>/i.test(trimmed) || /<(script|iframe|body|div|meta)\b[^>]*>/i.test(head.slice(0, 4096))) {
    return id('html', 'HTML document', 'text/html', 'html');
  }
  if (lower.startsWith('<?xml')) return id('xml', 'XML document', 'application/xml', 'xml');
  if (/^(received|return-path|from|message-id|mime-version|delivered-to|x-[\w-]+):/im.test(trimmed.slice(0, 512)) && /^(from|to|subject|date):/im.test(head)) {
    return id('email', 'E-mail message (RFC 822)', 'message/rfc822', 'eml');
  }

  let best: ScriptRule | undefined;
  let bestScore = 0;
  for (const rule of SCRIPT_RULES) {
    const score = rule.patterns.reduce((sum, [re, weight]) => sum + (re.test(head) ? weight : 0), 0);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  if (best && bestScore >= 5) return id(best.kind, best.label, best.mime, best.extension);
  return id('text', 'Text', 'text/plain', 'txt');
}

export function identify(b: Uint8Array): FileIdentity {
  if (b.length === 0) return id('empty', 'Empty file', 'application/x-empty', 'bin');
  if (startsWith(b, 'MZ')) return identifyPe(b);
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return identifyElf(b);
  const be = u32be(b, 0);
  if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(be)) return id('macho', 'Mach-O executable', 'application/x-mach-binary', 'macho');
  if (be === 0xcafebabe) {
    // Shared by Mach-O universal binaries (few architectures) and Java classes (class-file version ≥ 45).
    return u32be(b, 4) < 45
      ? id('macho', 'Mach-O universal binary', 'application/x-mach-binary', 'macho')
      : id('java-class', 'Java class file', 'application/java-vm', 'class');
  }
  if (startsWith(b, 'ITSF')) return id('chm', 'MS Windows HtmlHelp data (CHM)', 'application/vnd.ms-htmlhelp', 'chm');
  if (u32(b, 0) === 0x223e9f78) return id('tnef', 'Transport Neutral Encapsulation Format (winmail.dat)', 'application/vnd.ms-tnef', 'dat');
  if (startsWith(b, 'dex\n')) return id('dex', 'Android Dalvik executable', 'application/vnd.android.dex', 'dex');
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return id('ole', 'Composite Document File V2 (OLE)', 'application/x-ole-storage', 'ole');
  if (startsWith(b, [0x50, 0x4b, 3, 4]) || startsWith(b, [0x50, 0x4b, 5, 6])) return identifyZip(b);
  if (startsWith(b, [0x4c, 0, 0, 0, 0x01, 0x14, 0x02, 0])) return id('lnk', 'MS Windows shortcut (LNK)', 'application/x-ms-shortcut', 'lnk');
  if (startsWith(b, '{\\rt')) return id('rtf', 'Rich Text Format document', 'text/rtf', 'rtf');
  if (textDecoder.decode(b.subarray(0, 1024)).includes('%PDF-')) return id('pdf', 'PDF document', 'application/pdf', 'pdf');
  if (startsWith(b, 'Rar!\x1a\x07')) return id('rar', b[6] === 1 ? 'RAR archive v5' : 'RAR archive', 'application/vnd.rar', 'rar');
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return id('7z', '7-Zip archive', 'application/x-7z-compressed', '7z');
  if (startsWith(b, [0x1f, 0x8b])) return id('gzip', 'gzip compressed data', 'application/gzip', 'gz');
  if (startsWith(b, 'BZh') && b[3] >= 0x31 && b[3] <= 0x39) return id('bzip2', 'bzip2 compressed data', 'application/x-bzip2', 'bz2');
  if (startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return id('xz', 'XZ compressed data', 'application/x-xz', 'xz');
  if (startsWith(b, [0x28, 0xb5, 0x2f, 0xfd])) return id('zstd', 'Zstandard compressed data', 'application/zstd', 'zst');
  if (startsWith(b, 'MSCF\0\0\0\0')) return id('cab', 'Microsoft Cabinet archive', 'application/vnd.ms-cab-compressed', 'cab');
  if (startsWith(b, 'ustar', 257)) return id('tar', 'POSIX tar archive', 'application/x-tar', 'tar');
  if (startsWith(b, 'CD001', 0x8001)) return id('iso', 'ISO 9660 disk image', 'application/x-iso9660-image', 'iso');
  const disk = identifyDiskImage(b);
  if (disk) return disk;
  if (startsWith(b, [0x60, 0xea])) return id('arj', 'ARJ archive', 'application/x-arj', 'arj');
  if (startsWith(b, '070701') || startsWith(b, '070707') || startsWith(b, [0xc7, 0x71]) || startsWith(b, [0x71, 0xc7])) return id('cpio', 'cpio archive', 'application/x-cpio', 'cpio');
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47])) return id('image', 'PNG image', 'image/png', 'png');
  if (startsWith(b, [0xff, 0xd8, 0xff])) return id('image', 'JPEG image', 'image/jpeg', 'jpg');
  if (startsWith(b, 'GIF87a') || startsWith(b, 'GIF89a')) return id('image', 'GIF image', 'image/gif', 'gif');
  if (startsWith(b, 'BM') && u32(b, 2) === b.length) return id('image', 'BMP image', 'image/bmp', 'bmp');
  if (startsWith(b, [0, 0, 1, 0]) && u16(b, 4) > 0 && u16(b, 4) < 64) return id('image', 'Windows icon', 'image/vnd.microsoft.icon', 'ico');
  if (startsWith(b, [0xff, 0xfe]) || startsWith(b, [0xfe, 0xff])) return id('text', 'Text (UTF-16)', 'text/plain', 'txt');
  if (textRatio(b) > 0.95) return identifyText(b);
  return id('data', 'Data', 'application/octet-stream', 'bin');
}
