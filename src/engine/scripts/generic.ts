import { inflateRawSync, inflateSync } from 'node:zlib';
import type { Extraction } from './layers';
import { bytesToText, decodeBase64, isTextual, looksUtf16le, printableRatio, ScriptLanguage } from './text';

/**
 * Extractors that apply whatever the language: what one interpreter hands to another. PowerShell
 * encoded commands (`-e`, `-enc`, `-EncodedCommand` ... base64 of UTF-16LE), command lines given to
 * `powershell -c`, `cmd /c`, `mshta vbscript:` / `javascript:`, `rundll32 javascript:`, certificate
 * (certutil) base64 blocks, `data:` URIs, `echo ... | base64 -d` and Python's b64decode.
 */

/** Every unambiguous prefix of -EncodedCommand PowerShell accepts (`-e` included; `-ex` is -ExecutionPolicy). */
const ENCODED_SWITCH = String.raw`(?:e|ec|en|enc|enco|encod|encode|encoded|encodedc|encodedco|encodedcom|encodedcomm|encodedcomma|encodedcomman|encodedcommand)`;
const ENCODED_COMMAND = new RegExp(String.raw`(?:^|[\s"'(=,;&|^])[-/\u2013\u2014\u2015]${ENCODED_SWITCH}[\s^]+["']?(?<b>[A-Za-z0-9+/]{8,}={0,2})`, 'gi');

/** Decodes a PowerShell encoded command; null when the base64 is not UTF-16LE text. */
export function decodeEncodedCommand(b64: string): string | null {
  const bytes = decodeBase64(b64);
  if (!bytes || bytes.length < 4 || bytes.length % 2) return null;
  if (!looksUtf16le(bytes) && bytes.length >= 8) return null;
  const text = Buffer.from(bytes).toString('utf16le');
  return printableRatio(text) > 0.9 ? text : null;
}

/** Options of powershell.exe that take a value (by prefix), and those after which the rest is not a command. */
/** Options of powershell.exe that take a value: [full name, shortest accepted prefix]. */
const PS_VALUE_OPTIONS: [string, number][] = [
  ['executionpolicy', 2], ['windowstyle', 1], ['version', 1], ['inputformat', 2], ['outputformat', 1], ['psconsolefile', 2],
  ['configurationname', 4], ['workingdirectory', 2], ['settingsfile', 4], ['encodedarguments', 8], ['ep', 2], ['wd', 2], ['ea', 2],
];
const takesValue = (token: string) => {
  const m = /^[-/\u2013](\w+)$/.exec(token);
  if (!m) return false;
  const name = m[1].toLowerCase();
  return PS_VALUE_OPTIONS.some(([full, min]) => name.length >= min && full.startsWith(name));
};
const PS_COMMAND_OPTION = /^[-/\u2013]c(?:o(?:m(?:m(?:a(?:n(?:d)?)?)?)?)?)?$/i;
const PS_STOP_OPTIONS = /^[-/\u2013](?:f|fi|fil|file|e|ec|en\w*|help|\?)$/i;

/** Splits a command line into tokens (double and single quotes group), with their offsets. */
function tokens(line: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  const re = /(?:"[^"]*"?|'[^']*'?|[^\s"']+)+/g;
  for (const m of line.matchAll(re)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/** Removes one pair of surrounding quotes. */
export function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === "'" && t.endsWith("'")))) return t.slice(1, -1);
  if (t.startsWith('"') && !t.slice(1).includes('"')) return t.slice(1);
  return t;
}

/** The command a `powershell ...` command line runs (`-c ...`, or the first argument that is not an option). */
export function powershellCommand(line: string): string | null {
  const toks = tokens(line);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i].text;
    if (PS_COMMAND_OPTION.test(t)) return i + 1 < toks.length ? unquote(line.slice(toks[i + 1].start)) : null;
    if (PS_STOP_OPTIONS.test(t)) return null;
    if (takesValue(t)) {
      i++;
      continue;
    }
    if (/^[-/\u2013]\w+$/.test(t)) continue; // -nop, -noni, -sta ...
    return unquote(line.slice(toks[i].start));
  }
  return null;
}

/** Splits a cmd command at `&`, `&&`, `||` outside double quotes (carets escape). */
export function splitCommands(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === '^' && !quoted && i + 1 < command.length) {
      cur += c + command[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === '&' || (c === '|' && command[i + 1] === '|'))) {
      if (command[i + 1] === c) i++;
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out.filter(Boolean);
}

const NON_TEXT_MIME = /^(image|font|audio|video)\//i;

function decodedLayer(technique: string, bytes: Uint8Array, language: ScriptLanguage | 'guess', name: string): Extraction {
  return isTextual(bytes) ? { technique, language, text: bytesToText(bytes), obfuscation: true } : { technique, payload: bytes, name, obfuscation: true };
}

export function extractGeneric(text: string, language: ScriptLanguage): Extraction[] {
  const out: Extraction[] = [];
  const mentionsPowerShell = /powershell|pwsh/i.test(text);

  for (const m of text.matchAll(ENCODED_COMMAND)) {
    if (!mentionsPowerShell && !/encodedcommand/i.test(m[0])) continue;
    const decoded = decodeEncodedCommand(m.groups!.b);
    if (decoded) out.push({ technique: 'powershell:encoded-command', language: 'powershell', text: decoded, obfuscation: true });
  }

  // Command lines: only in command-like text (in JavaScript and VBScript the string literals given
  // to Run / Exec / ShellExecute are extracted first, unescaped, as command-line layers).
  if (language === 'batch' || language === 'shell' || language === 'powershell' || language === 'text') {
    for (const m of text.matchAll(/(?:^|[\s"'(&|;=@])(?:[\w:\\.%~-]*[\\/])?(?:powershell|pwsh)(?:\.exe)?["']?(?=[\s^])(?<rest>[^\r\n]*)/gi)) {
      const command = powershellCommand(language === 'batch' ? cutAtSeparator(m.groups!.rest) : m.groups!.rest);
      if (command && command.trim().length >= 4 && command.trim() !== text.trim()) out.push({ technique: 'command-line:powershell', language: 'powershell', text: command, obfuscation: false });
    }
    for (const m of text.matchAll(/(?:^|[\s"'(&|;=@])(?:[\w:\\.%~-]*[\\/])?cmd(?:\.exe)?["']?(?<switches>(?:\s+\/[a-bd-jl-qs-z](?::\w+)?)*)\s+\/[ckr]\s*(?<rest>[^\r\n]*)/gi)) {
      const inner = unquote(m.groups!.rest);
      const lines = splitCommands(inner);
      if (!lines.length) continue;
      const delayed = /\/v(?::on)?\b/i.test(m.groups!.switches);
      const body = (delayed ? 'setlocal EnableDelayedExpansion\n' : '') + lines.join('\n');
      if (body.trim() !== text.trim() && body.length >= 3) out.push({ technique: 'command-line:cmd', language: 'batch', text: body, obfuscation: false });
    }
  }
  for (const m of text.matchAll(/\bmshta(?:\.exe)?["']?\s+["']?(?<lang>vbscript|javascript):(?<code>[^\r\n]+)/gi)) {
    const code = m.groups!.code.replace(/["']\s*$/, '');
    out.push({ technique: 'command-line:mshta', language: m.groups!.lang.toLowerCase() === 'vbscript' ? 'vbscript' : 'javascript', text: code, obfuscation: false });
  }
  for (const m of text.matchAll(/javascript:["']?\\\.\.\\mshtml(?:\.dll)?,RunHTMLApplication\s*["']?\s*;(?<code>[^\r\n]+)/gi)) {
    out.push({ technique: 'command-line:rundll32-javascript', language: 'javascript', text: m.groups!.code.replace(/["']\s*$/, ''), obfuscation: false });
  }

  for (const m of text.matchAll(/-----BEGIN (?<t>[A-Z0-9 ]{1,40})-----(?<b>[\sA-Za-z0-9+/=^]{16,}?)-----END \k<t>-----/g)) {
    const bytes = decodeBase64(m.groups!.b.replace(/\^/g, ''));
    if (bytes && bytes.length >= 8) out.push(decodedLayer('base64:certificate-block', bytes, 'guess', 'certificate-block.bin'));
  }
  for (const m of text.matchAll(/data:(?<mime>[\w.+-]+\/[\w.+-]+)?(?:;[\w=.-]+)*;base64,(?<b>[A-Za-z0-9+/=]{16,})/gi)) {
    const mime = m.groups!.mime ?? '';
    if (NON_TEXT_MIME.test(mime)) continue;
    const bytes = decodeBase64(m.groups!.b);
    if (!bytes) continue;
    const lang: ScriptLanguage | 'guess' = /html/i.test(mime) ? 'html' : /javascript|ecmascript/i.test(mime) ? 'javascript' : /vbscript/i.test(mime) ? 'vbscript' : 'guess';
    out.push(decodedLayer('data-uri:base64', bytes, lang, 'data-uri.bin'));
  }
  for (const m of text.matchAll(/(?:echo|printf)\s+(?:-[ne]+\s+)?["']?(?<b>[A-Za-z0-9+/=]{16,})["']?\s*\|\s*base64\s+(?:-d|--decode|-D)\b|base64\s+(?:-d|--decode|-D)\s*<<<\s*["']?(?<c>[A-Za-z0-9+/=]{16,})/g)) {
    const bytes = decodeBase64((m.groups!.b ?? m.groups!.c)!);
    if (bytes) out.push(decodedLayer('shell:base64', bytes, 'shell', 'base64-decoded.bin'));
  }
  for (const m of text.matchAll(/(?<z>zlib\.decompress\(\s*)?(?:base64\.)?(?:b64decode|decodebytes|decodestring)\(\s*[rb]?['"](?<b>[A-Za-z0-9+/=\s]{16,})['"]/g)) {
    let bytes = decodeBase64(m.groups!.b);
    if (!bytes) continue;
    if (m.groups!.z) {
      try {
        bytes = new Uint8Array(inflateSync(bytes, { maxOutputLength: 16 * 1024 * 1024 }));
      } catch {
        try {
          bytes = new Uint8Array(inflateRawSync(bytes, { maxOutputLength: 16 * 1024 * 1024 }));
        } catch {
          continue;
        }
      }
    }
    out.push(decodedLayer(m.groups!.z ? 'python:zlib+base64' : 'python:base64', bytes, 'guess', 'base64-decoded.bin'));
  }
  return out;
}

/** A batch line up to its first `&` / `|` outside quotes. */
function cutAtSeparator(rest: string): string {
  let quoted = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '^') {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (c === '&' || c === '|')) return rest.slice(0, i);
  }
  return rest;
}
