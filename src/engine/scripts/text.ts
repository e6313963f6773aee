import { createHash } from 'node:crypto';

/**
 * Helpers shared by the de-obfuscation layers and the emulator: decoding script bytes, bounded and
 * printable previews (report JSON lives in PostgreSQL, which refuses NUL), digests, base64 and a
 * tiny arithmetic evaluator for the constant expressions obfuscators put in char codes
 * (`Chr(70+2)`, `[char](0x40 -bxor 8)`). Nothing here evaluates sample code.
 */

export type ScriptLanguage = 'powershell' | 'javascript' | 'vbscript' | 'batch' | 'shell' | 'python' | 'html' | 'text';

export const sha256Text = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Decodes script bytes: UTF-16 with a BOM (or evident NUL interleaving), else UTF-8. */
export function decodeScript(data: Uint8Array): string {
  if (data[0] === 0xff && data[1] === 0xfe) return new TextDecoder('utf-16le').decode(data.subarray(2));
  if (data[0] === 0xfe && data[1] === 0xff) return new TextDecoder('utf-16be').decode(data.subarray(2));
  if (looksUtf16le(data)) return new TextDecoder('utf-16le').decode(data);
  return new TextDecoder('utf-8', { fatal: false }).decode(data).replace(/^\uFEFF/, '');
}

/** Bytes that read as UTF-16LE text: most odd bytes are NUL, few even ones. */
export function looksUtf16le(data: Uint8Array): boolean {
  const n = Math.min(data.length, 4096) & ~1;
  if (n < 8) return false;
  let oddZero = 0;
  let evenZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (data[i] === 0) evenZero++;
    if (data[i + 1] === 0) oddZero++;
  }
  return oddZero / (n / 2) > 0.6 && evenZero / (n / 2) < 0.1;
}

/** Share of characters that are printable text (letters, digits, punctuation, whitespace). */
export function printableRatio(text: string, max = 8192): number {
  const n = Math.min(text.length, max);
  if (!n) return 0;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13 || (c >= 0xa0 && c !== 0xfffd)) ok++;
  }
  return ok / n;
}

/** Text safe to store and show: control characters (NUL included) escaped, cut at `max` characters. */
export function printable(text: string, max = 2000): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  // eslint-disable-next-line no-control-regex
  const clean = cut.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ud800-\udfff]/g, (c) => {
    const code = c.charCodeAt(0);
    return code >= 0xd800 ? '\ufffd' : `\\x${code.toString(16).padStart(2, '0')}`;
  });
  return text.length > max ? `${clean}…` : clean;
}

const BASE64_RE = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Strict-ish base64 decode (whitespace allowed, URL-safe alphabet accepted); null when it is not base64. */
export function decodeBase64(text: string, maxBytes = 16 * 1024 * 1024): Uint8Array | null {
  const compact = text.replace(/[\s\r\n]+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (compact.length < 4 || !BASE64_RE.test(compact)) return null;
  if ((compact.replace(/=+$/, '').length * 3) / 4 > maxBytes) return null;
  const unpadded = compact.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return null;
  return new Uint8Array(Buffer.from(unpadded, 'base64'));
}

/** Decoded bytes as text: UTF-16LE when they look like it, else UTF-8 (Latin-1 when not valid UTF-8). */
export function bytesToText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (looksUtf16le(bytes)) return new TextDecoder('utf-16le').decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

/** Bytes that decode to text a person (or an interpreter) would read: mostly printable, no NULs. */
export function isTextual(bytes: Uint8Array): boolean {
  if (!bytes.length) return false;
  return printableRatio(bytesToText(bytes)) > 0.9;
}

// -------------------------------------------------------------------------------------------
// Constant arithmetic: numbers (decimal, 0x / &H hex, &O octal), + - * / \ % mod, -bxor/xor,
// parentheses. Returns null on anything else; never evaluates code.

type Tok = { t: 'n'; v: number } | { t: 'op'; v: string };

function tokenize(expr: string): Tok[] | null {
  const toks: Tok[] = [];
  const re = /\s*(?:(0x[0-9a-f]+|&h[0-9a-f]+|&o[0-7]+|\d+(?:\.\d+)?)|(-bxor|-band|-bor|\bxor\b|\bmod\b|\bband\b|[-+*/\\%()^]))/giy;
  let pos = 0;
  while (pos < expr.length) {
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (!m) return expr.slice(pos).trim() ? null : toks;
    pos = re.lastIndex;
    if (m[1] !== undefined) {
      const s = m[1].toLowerCase();
      const v = s.startsWith('0x') ? parseInt(s.slice(2), 16) : s.startsWith('&h') ? parseInt(s.slice(2), 16) : s.startsWith('&o') ? parseInt(s.slice(2), 8) : Number(s);
      toks.push({ t: 'n', v });
    } else toks.push({ t: 'op', v: m[2].toLowerCase() });
  }
  return toks;
}

/** Evaluates a constant integer expression (bounded length); null when it is not one. */
export function evalArithmetic(expr: string): number | null {
  if (expr.length > 200) return null;
  const parsed = tokenize(expr);
  if (!parsed || !parsed.length) return null;
  const toks: Tok[] = parsed;
  let i = 0;
  const peek = () => toks[i];
  const isOp = (v: string[]) => peek()?.t === 'op' && v.includes((peek() as { v: string }).v);
  function primary(): number | null {
    const tok = toks[i];
    if (!tok) return null;
    if (tok.t === 'n') {
      i++;
      return tok.v;
    }
    if (tok.v === '(') {
      i++;
      const v = xor();
      if (peek()?.t !== 'op' || (peek() as { v: string }).v !== ')') return null;
      i++;
      return v;
    }
    if (tok.v === '-' || tok.v === '+') {
      i++;
      const v = primary();
      return v === null ? null : tok.v === '-' ? -v : v;
    }
    return null;
  }
  function term(): number | null {
    let v = primary();
    while (v !== null && isOp(['*', '/', '\\', '%', 'mod'])) {
      const op = (toks[i++] as { v: string }).v;
      const r = primary();
      if (r === null) return null;
      if ((op === '/' || op === '\\' || op === '%' || op === 'mod') && r === 0) return null;
      v = op === '*' ? v * r : op === '/' ? v / r : op === '\\' ? Math.trunc(v / r) : v % r;
    }
    return v;
  }
  function sum(): number | null {
    let v = term();
    while (v !== null && isOp(['+', '-'])) {
      const op = (toks[i++] as { v: string }).v;
      const r = term();
      if (r === null) return null;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  }
  function xor(): number | null {
    let v = sum();
    while (v !== null && isOp(['-bxor', 'xor', '^', '-band', 'band', '-bor'])) {
      const op = (toks[i++] as { v: string }).v;
      const r = sum();
      if (r === null) return null;
      v = op === '-band' || op === 'band' ? v & r : op === '-bor' ? v | r : v ^ r;
    }
    return v;
  }
  const v = xor();
  if (v === null || i !== toks.length || !Number.isFinite(v)) return null;
  return Math.round(v);
}

/** A char code as a character; null outside the BMP-without-surrogates range obfuscators use. */
export function charOf(code: number | null): string | null {
  if (code === null || code < 0 || code > 0xffff || (code >= 0xd800 && code <= 0xdfff)) return null;
  return String.fromCharCode(code);
}

/** A regular expression from a sample, only when it cannot backtrack badly: no groups with quantifiers, no backreferences, few quantifiers. */
export function safeRegExp(pattern: string, flags: string): RegExp | null {
  if (pattern.length > 200) return null;
  if (/\\[1-9]|\\k</.test(pattern)) return null;
  if (/\([^)]*[*+?{][^)]*\)\s*[*+?{]/.test(pattern)) return null;
  const quantifiers = (pattern.match(/(?<!\\)[*+?]|(?<!\\)\{\d/g) ?? []).length;
  if (quantifiers > 2) return null;
  try {
    return new RegExp(pattern, flags);
  } catch {
    return null;
  }
}

/** The environment every emulated and expanded script sees (a Windows 10 workstation). */
export const FAKE_ENV: Record<string, string> = {
  ALLUSERSPROFILE: 'C:\\ProgramData',
  APPDATA: 'C:\\Users\\user\\AppData\\Roaming',
  COMMONPROGRAMFILES: 'C:\\Program Files\\Common Files',
  COMPUTERNAME: 'DESKTOP-4F7H2KQ',
  COMSPEC: 'C:\\WINDOWS\\system32\\cmd.exe',
  HOMEDRIVE: 'C:',
  HOMEPATH: '\\Users\\user',
  LOCALAPPDATA: 'C:\\Users\\user\\AppData\\Local',
  LOGONSERVER: '\\\\DESKTOP-4F7H2KQ',
  NUMBER_OF_PROCESSORS: '8',
  OS: 'Windows_NT',
  PATH: 'C:\\WINDOWS\\system32;C:\\WINDOWS;C:\\WINDOWS\\System32\\Wbem;C:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\',
  PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC',
  PROCESSOR_ARCHITECTURE: 'AMD64',
  PROGRAMDATA: 'C:\\ProgramData',
  PROGRAMFILES: 'C:\\Program Files',
  'PROGRAMFILES(X86)': 'C:\\Program Files (x86)',
  PSMODULEPATH: 'C:\\Program Files\\WindowsPowerShell\\Modules;C:\\WINDOWS\\system32\\WindowsPowerShell\\v1.0\\Modules',
  PUBLIC: 'C:\\Users\\Public',
  SYSTEMDRIVE: 'C:',
  SYSTEMROOT: 'C:\\WINDOWS',
  TEMP: 'C:\\Users\\user\\AppData\\Local\\Temp',
  TMP: 'C:\\Users\\user\\AppData\\Local\\Temp',
  USERDOMAIN: 'DESKTOP-4F7H2KQ',
  USERNAME: 'user',
  USERPROFILE: 'C:\\Users\\user',
  WINDIR: 'C:\\WINDOWS',
};

/** Expands `%NAME%` references to the fake environment (unknown names stay as they are). */
export function expandEnv(text: string): string {
  return text.replace(/%([A-Za-z_][\w()]*)%/g, (m, name: string) => FAKE_ENV[name.toUpperCase()] ?? m);
}
