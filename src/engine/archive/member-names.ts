/**
 * Archive member names are attacker-controlled strings. They are recorded (escaped) and judged,
 * never used as host paths: the pipeline's `safeName` makes a child's display name, and 7-Zip only
 * ever writes into its in-memory file system.
 */

export type UnsafeNameReason = 'parent-directory' | 'absolute-path' | 'drive-letter' | 'nul' | 'control-characters';

/** Why a member name would escape an extraction directory or deceive someone reading it (empty: it is fine). */
export function unsafeNameReasons(raw: string): UnsafeNameReason[] {
  const reasons: UnsafeNameReason[] = [];
  if (raw.split(/[\\/]/).some((segment) => segment === '..')) reasons.push('parent-directory');
  if (/^[\\/]/.test(raw)) reasons.push('absolute-path');
  if (/^[A-Za-z]:/.test(raw)) reasons.push('drive-letter');
  if (raw.includes('\u0000')) reasons.push('nul');
  // eslint-disable-next-line no-control-regex
  if (/[\u0001-\u001f\u007f]/.test(raw)) reasons.push('control-characters');
  return reasons;
}

const MAX_SHOWN = 512;

/**
 * The raw name, printable: control characters as `\xNN` (a NUL would also be refused by PostgreSQL
 * JSON), bounded length. Printable names come back unchanged.
 */
export function escapeName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = raw.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return escaped.length > MAX_SHOWN ? `${escaped.slice(0, MAX_SHOWN)}…` : escaped;
}

/**
 * The form in which a name can be compared between 7-Zip's listing (control characters printed as
 * `_`, cut at NUL) and the file 7-Zip creates (`e` mode: the last path segment).
 */
export function comparableName(name: string | undefined): string {
  if (name === undefined) return '';
  const cut = name.split('\u0000', 1)[0];
  const last = cut.split(/[\\/]/).filter(Boolean).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  return last.replace(/[\u0000-\u001f\u007f]/g, '_');
}

/** Single-stream compressors: the member is the archive without its compression suffix. */
const STREAM_SUFFIXES: Record<string, [RegExp, string][]> = {
  gzip: [[/\.tgz$/i, '.tar'], [/\.gz$/i, ''], [/\.z$/i, '']],
  bzip2: [[/\.tbz2?$/i, '.tar'], [/\.bz2?$/i, '']],
  xz: [[/\.txz$/i, '.tar'], [/\.xz$/i, ''], [/\.lzma$/i, '']],
  zstd: [[/\.tzst$/i, '.tar'], [/\.zst$/i, '']],
};

export const STREAM_KINDS = new Set(Object.keys(STREAM_SUFFIXES));

/** Name of the single member of a gzip / bzip2 / xz / zstd stream: `x.exe.bz2` → `x.exe`, `a.tgz` → `a.tar`. */
export function streamMemberName(archiveName: string, kind: string): string {
  for (const [pattern, replacement] of STREAM_SUFFIXES[kind] ?? []) {
    if (pattern.test(archiveName)) {
      const name = archiveName.replace(pattern, replacement);
      if (name) return name;
    }
  }
  return `${archiveName}.out`;
}

/** Extensions that run code when opened on Windows (or on the shell), for `archive.executable_member`. */
const EXECUTABLE_EXTENSIONS = new Set([
  'exe', 'dll', 'scr', 'com', 'pif', 'cpl', 'sys', 'drv', 'ocx', 'msi', 'msp', 'msc', 'appx', 'msix',
  'bat', 'cmd', 'ps1', 'psm1', 'psd1', 'vbs', 'vbe', 'js', 'jse', 'wsf', 'wsh', 'wsc', 'hta', 'sct',
  'lnk', 'url', 'scf', 'inf', 'reg', 'jar', 'class', 'apk', 'dex', 'elf', 'so', 'sh', 'bash', 'py', 'pyw',
  'chm', 'application', 'gadget', 'xll',
]);

export function hasExecutableExtension(name: string): boolean {
  const last = comparableName(name);
  const dot = last.lastIndexOf('.');
  return dot >= 0 && EXECUTABLE_EXTENSIONS.has(last.slice(dot + 1).toLowerCase().trim());
}
