import { splitCommands } from './generic';
import type { Extraction, Normalised } from './layers';
import { bytesToText, decodeBase64, evalArithmetic, FAKE_ENV, isTextual } from './text';

/**
 * Batch (cmd.exe) de-obfuscation, line by line as cmd reads a file: `set` variables (also
 * `set "a=b"`, `set /a`), `%var%` expansion with `%var:~start,length%` substrings and
 * `%var:old=new%` substitutions (on the script's variables and on the Windows environment),
 * undefined variables expanding to nothing, `!var!` under delayed expansion, `^` escapes, `%%`.
 * Extraction: files written with `echo ... >> file` and decoded with `certutil -decode`.
 */

const DYNAMIC: Record<string, string> = { random: '4242', cd: 'C:\\Users\\user', errorlevel: '0', cmdextversion: '2', date: '03/10/2025', time: ' 9:15:00.00', cmdcmdline: 'C:\\WINDOWS\\system32\\cmd.exe' };
const ENV = new Map(Object.entries(FAKE_ENV).map(([k, v]) => [k.toLowerCase(), v]));

interface BatchState {
  vars: Map<string, string>;
  delayed: boolean;
  counts: Map<string, number>;
}

const bump = (state: BatchState, step: string, n = 1) => state.counts.set(step, (state.counts.get(step) ?? 0) + n);

/** `~start,length` of a value, as cmd computes it. */
function substring(value: string, spec: string): string | null {
  const m = /^\s*(-?\d+)\s*(?:,\s*(-?\d+)\s*)?$/.exec(spec);
  if (!m) return null;
  const len = value.length;
  let start = Number(m[1]);
  if (start < 0) start = Math.max(0, len + start);
  if (start > len) return '';
  if (m[2] === undefined) return value.slice(start);
  const l = Number(m[2]);
  return l >= 0 ? value.slice(start, start + l) : value.slice(start, Math.max(start, len + l));
}

/** `:old=new` of a value (case-insensitive; `*old` replaces up to the first match). */
function substitute(value: string, spec: string): string {
  const eq = spec.indexOf('=');
  let from = spec.slice(0, eq);
  const to = spec.slice(eq + 1);
  if (!from) return value;
  if (from.startsWith('*')) {
    from = from.slice(1);
    const i = value.toLowerCase().indexOf(from.toLowerCase());
    return i < 0 ? value : to + value.slice(i + from.length);
  }
  const lowerValue = value.toLowerCase();
  const lowerFrom = from.toLowerCase();
  let out = '';
  let i = 0;
  for (;;) {
    const j = lowerValue.indexOf(lowerFrom, i);
    if (j < 0) break;
    out += value.slice(i, j) + to;
    i = j + from.length;
  }
  return out + value.slice(i);
}

/** Expands one `%name[:modifier]%` (or `!...!`) reference; undefined names give `undefined`. */
function lookup(state: BatchState, ref: string): string | undefined {
  const colon = ref.indexOf(':');
  const name = (colon >= 0 ? ref.slice(0, colon) : ref).toLowerCase();
  const modifier = colon >= 0 ? ref.slice(colon + 1) : null;
  const own = state.vars.get(name);
  const value = own ?? ENV.get(name) ?? DYNAMIC[name];
  if (value === undefined) return undefined;
  if (modifier === null) {
    if (own === undefined) return undefined; // keep %TEMP% readable: the environment is expanded only when cut
    bump(state, 'variable-expansion');
    return value;
  }
  if (modifier.startsWith('~')) {
    const v = substring(value, modifier.slice(1));
    if (v === null) return undefined;
    bump(state, 'substring');
    return v;
  }
  if (modifier.includes('=')) {
    bump(state, 'substitution');
    return substitute(value, modifier);
  }
  return undefined;
}

/** Phase 1 of cmd's parser: `%` expansion (in a batch file: `%%` is `%`, unknown variables are empty). */
function expandPercent(state: BatchState, line: string): string {
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const next = line[i + 1];
    if (next === '%') {
      out += '%';
      i++;
      continue;
    }
    if (next === undefined || /[0-9*~]/.test(next)) {
      out += c;
      continue;
    }
    const close = line.indexOf('%', i + 1);
    if (close < 0) {
      out += c;
      continue;
    }
    const ref = line.slice(i + 1, close);
    if (!/^[^\s%]+(?::[^%]*)?$/.test(ref) || ref.length > 200) {
      out += c;
      continue;
    }
    const v = lookup(state, ref);
    if (v !== undefined) out += v;
    else if (!ref.includes(':') && !ENV.has(ref.toLowerCase()) && !(ref.toLowerCase() in DYNAMIC)) {
      bump(state, 'empty-variables'); // an undefined variable in a batch file expands to nothing
    } else out += line.slice(i, close + 1);
    i = close;
  }
  return out;
}

function expandDelayed(state: BatchState, segment: string): string {
  return segment.replace(/!([^!\s]+(?::[^!]*)?)!/g, (m, ref: string) => lookup(state, ref) ?? m);
}

/** Phase 2: carets escape the next character outside double quotes. */
function removeCarets(state: BatchState, segment: string): string {
  let out = '';
  let quoted = false;
  let n = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '"') quoted = !quoted;
    if (c === '^' && !quoted && i + 1 < segment.length) {
      out += segment[++i];
      n++;
      continue;
    }
    out += c;
  }
  if (n) bump(state, 'carets', n);
  return out;
}

function applySet(state: BatchState, segment: string): void {
  const m = /^\s*@?set\s+(?<rest>.*)$/i.exec(segment);
  if (!m) return;
  let rest = m.groups!.rest;
  if (/^\/p\b/i.test(rest)) return;
  const arithmetic = /^\/a\s+/i.test(rest);
  if (arithmetic) rest = rest.replace(/^\/a\s+/i, '');
  let assignment = rest;
  if (assignment.startsWith('"')) {
    const end = assignment.lastIndexOf('"');
    assignment = assignment.slice(1, end > 0 ? end : undefined);
  }
  const eq = assignment.indexOf('=');
  if (eq <= 0) return;
  const name = assignment.slice(0, eq).trim().toLowerCase();
  let value = assignment.slice(eq + 1);
  if (!name || /\s/.test(name) && !arithmetic) return;
  if (arithmetic) {
    const v = evalArithmetic(value.replace(/"/g, ''));
    if (v === null) return;
    value = String(v);
  }
  if (value.length > 100_000) return;
  state.vars.set(name.trim(), value);
}

export function normaliseBatch(text: string): Normalised {
  const state: BatchState = { vars: new Map(), delayed: false, counts: new Map() };
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (const raw of lines) {
    if (/^\s*(?:@?rem\b|::)/i.test(raw)) {
      out.push(raw);
      continue;
    }
    if (/\bsetlocal\b[^\n]*\benabledelayedexpansion\b/i.test(raw) || /\bcmd(?:\.exe)?\b[^\n]*\/v(?::on)?\b/i.test(raw)) state.delayed = true;
    if (/\bsetlocal\b[^\n]*\bdisabledelayedexpansion\b/i.test(raw)) state.delayed = false;
    const expanded = expandPercent(state, raw);
    const segments = splitCommands(expanded);
    const parts: string[] = [];
    for (const seg of segments.length ? segments : ['']) {
      let s = state.delayed ? expandDelayed(state, seg) : seg;
      s = removeCarets(state, s);
      applySet(state, s);
      parts.push(s);
    }
    out.push(segments.length > 1 ? parts.join(' & ') : parts[0]);
  }
  const steps = [...state.counts].map(([name, count]) => ({ name, count, heavy: name !== 'variable-expansion' }));
  return { text: out.join('\n'), steps };
}

/** certutil -decode of a file the script wrote with echo. */
export function extractBatch(text: string): Extraction[] {
  const out: Extraction[] = [];
  const files = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^\s*@?\(?\s*echo[ .](?<data>.*?)\s*(?<op>>>?)\s*"?(?<file>[^"\s>]+)"?\s*\)?\s*$/i.exec(line);
    if (!m) continue;
    const key = m.groups!.file.toLowerCase();
    if (m.groups!.op === '>') files.set(key, []);
    const list = files.get(key) ?? [];
    if (list.length < 100_000) list.push(m.groups!.data);
    files.set(key, list);
  }
  for (const m of text.matchAll(/certutil(?:\.exe)?"?\s+(?:-f\s+)?-decode(?<hex>hex)?\s+"?(?<in>[^"\s]+)"?\s+"?(?<out>[^"\s]+)"?/gi)) {
    const content = files.get(m.groups!.in.toLowerCase());
    if (!content) continue;
    const body = content.filter((l) => !/^-----(BEGIN|END)/.test(l)).join('');
    const bytes = m.groups!.hex ? hexBytes(body) : decodeBase64(body);
    if (!bytes || !bytes.length) continue;
    const name = m.groups!.out.split(/[\\/]/).pop() || 'certutil-decoded.bin';
    out.push(isTextual(bytes) ? { technique: 'batch:certutil-decode', language: 'guess', text: bytesToText(bytes), obfuscation: true } : { technique: 'batch:certutil-decode', payload: bytes, name, obfuscation: true });
  }
  return out;
}

function hexBytes(s: string): Uint8Array | null {
  const clean = s.replace(/[^0-9a-f]/gi, '');
  if (clean.length < 2 || clean.length % 2) return null;
  return new Uint8Array(Buffer.from(clean, 'hex'));
}
