import { after, before, foldChain, literalsIn, LiteralSyntax, normaliseToFixpoint, rewrite, RewriteStep } from './literals';
import type { Extraction, Normalised } from './layers';
import { charOf, evalArithmetic } from './text';

/**
 * VBScript (and VBA-like) static de-obfuscation: `Chr` / `ChrW` / `ChrB` of constant expressions,
 * `&` / `+` concatenation (line continuations included), `StrReverse`, `Replace`, `LCase` / `UCase`,
 * `Mid` / `Left` / `Right`, `Space`, `String`, `Join(Array(...))`, single-assignment string
 * variables and constants; extraction of what `Execute` / `ExecuteGlobal` / `Eval` receive and of
 * the command lines given to `Run`, `Exec`, `ShellExecute` and WMI `Create`.
 */

const STR = String.raw`"(?:[^"\n]|"")*"(?!")`;
const LIT = STR;
const CONT = String.raw`(?:[ \t]|[ \t]_[ \t]*\r?\n)*`;
// Unterminated strings are skipped to the end of their line (no rescanning from every quote).
const SKIP = String.raw`"(?:[^"\n]|"")*"?|'[^\n]*|(?<=^|[\n:])[ \t]*rem\b[^\n]*`;

const vbValue = (literal: string): string | null => literal.slice(1, -1).replace(/""/g, '"');
const vbQuote = (v: string) => `"${v.replace(/"/g, '""')}"`;

export const VBS_SYNTAX: LiteralSyntax = { lit: LIT, skip: SKIP, value: vbValue, quote: vbQuote };

const NUMEXPR = String.raw`(?:[^()\n"]|\([^()\n"]*\)){1,80}?`;
const int = (s: string | undefined) => (s === undefined ? null : evalArithmetic(s));

const STEPS: [string, RewriteStep][] = [
  [
    'chr',
    (t) =>
      rewrite(t, VBS_SYNTAX, String.raw`\b(?:chrw|chrb|chr)\$?\s*\(\s*(?<e>${NUMEXPR})\s*\)`, ({ groups }) => {
        const ch = charOf(int(groups.e));
        return ch === null ? null : vbQuote(ch);
      }),
  ],
  [
    'concatenation',
    (t) =>
      rewrite(t, VBS_SYNTAX, String.raw`${LIT}(?:${CONT}[&+]${CONT}${LIT})+`, ({ text, index, match }) => {
        const parts = literalsIn(match, VBS_SYNTAX);
        const prev = before(text, index);
        const leftBlocked = /[*/\\^-]/.test(prev.char) || /^(mod|not)$/i.test(prev.word);
        const rightBlocked = /^[.(]/.test(after(text, index + match.length));
        return foldChain(parts, ' & ', vbQuote, leftBlocked, rightBlocked);
      }),
  ],
  [
    'string-functions',
    (t) => {
      let count = 0;
      const apply = (pattern: string, fn: (g: Record<string, string | undefined>) => string | null) => {
        const r = rewrite(t, VBS_SYNTAX, pattern, ({ groups }) => {
          const v = fn(groups);
          return v === null ? null : vbQuote(v);
        });
        count += r.count;
        t = r.text;
      };
      apply(String.raw`\bstrreverse\s*\(\s*(?<s>${LIT})\s*\)`, (g) => [...vbValue(g.s!)!].reverse().join(''));
      apply(String.raw`\breplace\s*\(\s*(?<s>${LIT})\s*,\s*(?<a>${LIT})\s*,\s*(?<b>${LIT})\s*(?:,\s*(?<start>\d+)\s*(?:,\s*(?<n>-?\d+)\s*(?:,\s*(?<cmp>\d|vbTextCompare|vbBinaryCompare)\s*)?)?)?\)`, (g) => {
        const s = vbValue(g.s!)!;
        const a = vbValue(g.a!)!;
        const b = vbValue(g.b!)!;
        if (!a || (g.start && g.start !== '1') || (g.n && g.n !== '-1')) return null;
        if (g.cmp && /^(1|vbtextcompare)$/i.test(g.cmp)) return s.replace(new RegExp(a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi'), () => b);
        return s.split(a).join(b);
      });
      apply(String.raw`\b(?<f>lcase|ucase|trim|ltrim|rtrim)\$?\s*\(\s*(?<s>${LIT})\s*\)`, (g) => {
        const s = vbValue(g.s!)!;
        const f = g.f!.toLowerCase();
        return f === 'lcase' ? s.toLowerCase() : f === 'ucase' ? s.toUpperCase() : f === 'trim' ? s.trim() : f === 'ltrim' ? s.trimStart() : s.trimEnd();
      });
      apply(String.raw`\bmid\$?\s*\(\s*(?<s>${LIT})\s*,\s*(?<a>${NUMEXPR})\s*(?:,\s*(?<b>${NUMEXPR})\s*)?\)`, (g) => {
        const s = vbValue(g.s!)!;
        const a = int(g.a);
        const b = g.b === undefined ? undefined : int(g.b);
        if (a === null || a < 1 || b === null) return null;
        return b === undefined ? s.slice(a - 1) : s.slice(a - 1, a - 1 + b);
      });
      apply(String.raw`\b(?<f>left|right)\$?\s*\(\s*(?<s>${LIT})\s*,\s*(?<n>${NUMEXPR})\s*\)`, (g) => {
        const s = vbValue(g.s!)!;
        const n = int(g.n);
        if (n === null || n < 0) return null;
        return g.f!.toLowerCase() === 'left' ? s.slice(0, n) : n ? s.slice(-n) : '';
      });
      apply(String.raw`\bspace\$?\s*\(\s*(?<n>\d{1,4})\s*\)`, (g) => ' '.repeat(Number(g.n)));
      apply(String.raw`\bstring\$?\s*\(\s*(?<n>\d{1,4})\s*,\s*(?<c>${LIT})\s*\)`, (g) => (vbValue(g.c!)![0] ?? '').repeat(Number(g.n)));
      apply(String.raw`\bjoin\s*\(\s*array\s*\(\s*(?<items>${LIT}(?:\s*,${CONT}${LIT})*)\s*\)\s*(?:,\s*(?<sep>${LIT})\s*)?\)`, (g) => {
        const items = literalsIn(g.items!, VBS_SYNTAX).map((l) => l.value!);
        return items.join(g.sep === undefined ? ' ' : vbValue(g.sep)!);
      });
      return { text: t, count };
    },
  ],
  [
    'parentheses',
    (t) =>
      rewrite(t, VBS_SYNTAX, String.raw`\(\s*(?<s>${LIT})\s*\)`, ({ text, index, groups }) => {
        const prev = index > 0 ? text[index - 1] : '';
        if (/[\w)$.]/.test(prev)) return null;
        return groups.s!;
      }),
  ],
  ['variables', propagateVariables],
];

const VBS_HEAVY = new Set(['chr', 'string-functions', 'concatenation']);

/** `x = "literal"` (or `Const x = "literal"`) assigned once: its later uses become the literal. */
function propagateVariables(text: string): { text: string; count: number } {
  if (text.length > 2_000_000) return { text, count: 0 };
  const writes = new Map<string, number>();
  for (const m of text.matchAll(/(?<![\w.])([a-z]\w{0,40})\s*=(?!=)|\bfor\s+(?:each\s+)?([a-z]\w*)|\bset\s+([a-z]\w*)|\bredim\s+(?:preserve\s+)?([a-z]\w*)/gi)) {
    const name = (m[1] ?? m[2] ?? m[3] ?? m[4]).toLowerCase();
    writes.set(name, (writes.get(name) ?? 0) + 1);
  }
  // Parameters of procedures are written by every call.
  for (const m of text.matchAll(/\b(?:sub|function)\s+\w+\s*\(([^)\n]{0,500})\)/gi)) for (const p of m[1].split(',')) {
    const name = p.trim().replace(/^(?:byval|byref)\s+/i, '').split(/\s/)[0]?.toLowerCase();
    if (name) writes.set(name, 99);
  }
  const assignments = new Map<string, { value: string; end: number }>();
  for (const m of text.matchAll(new RegExp(String.raw`(?<=^|[\n:])[ \t]*(?:(?:private|public)?\s*const\s+)?(?<name>[a-z]\w{0,40})\s*=\s*(?<v>${LIT})[ \t]*(?=$|[\r\n:']|\s'|\s+rem\b)`, 'gi'))) {
    const name = m.groups!.name.toLowerCase();
    if (['set', 'dim', 'const', 'if', 'then', 'else', 'for', 'while', 'call', 'private', 'public'].includes(name)) continue;
    // Comparisons (`If x = "a" Then`) count as writes here, which only makes propagation rarer.
    if (writes.get(name) !== 1) continue;
    assignments.set(name, { value: vbValue(m.groups!.v)!, end: m.index + m[0].length });
    if (assignments.size >= 5000) break;
  }
  if (!assignments.size) return { text, count: 0 };
  let count = 0;
  const r = rewrite(text, VBS_SYNTAX, String.raw`(?<![\w.])(?<n>[a-z]\w{0,40})\b(?!\s*=(?!=))(?!\s*\()`, ({ text: t, index, groups }) => {
    const a = assignments.get(groups.n!.toLowerCase());
    if (!a || index < a.end) return null;
    const lineStart = t.lastIndexOf('\n', index) + 1;
    if (/^\s*(?:dim|private|public|redim|const)\b/i.test(t.slice(lineStart, index))) return null;
    count++;
    return vbQuote(a.value);
  });
  return { text: r.text, count };
}

export function normaliseVbscript(text: string, maxPasses = 10): Normalised {
  return normaliseToFixpoint(text, STEPS, VBS_HEAVY, maxPasses);
}

export function extractVbscript(text: string): Extraction[] {
  const out: Extraction[] = [];
  for (const m of text.matchAll(new RegExp(String.raw`\b(?:execute|executeglobal|eval)\b\s*\(?\s*(?<s>${LIT})\s*\)?`, 'gi'))) {
    const v = vbValue(m.groups!.s);
    if (v && v.trim().length >= 3) out.push({ technique: 'vbscript:execute', language: 'vbscript', text: v, obfuscation: true });
  }
  for (const m of text.matchAll(new RegExp(String.raw`\.\s*(?<m>run|exec|create)\b\s*\(?\s*(?<s>${LIT})`, 'gi'))) {
    const v = vbValue(m.groups!.s);
    if (v && v.trim().length >= 3) out.push({ technique: m.groups!.m.toLowerCase() === 'create' ? 'command-line:wmi-create' : 'command-line:run', language: 'batch', text: v, obfuscation: false });
  }
  for (const m of text.matchAll(new RegExp(String.raw`\.\s*shellexecute\b\s*\(?\s*(?<f>${LIT})\s*(?:,\s*(?<a>${LIT}))?`, 'gi'))) {
    const f = vbValue(m.groups!.f)!;
    const a = m.groups!.a ? vbValue(m.groups!.a)! : '';
    out.push({ technique: 'command-line:shellexecute', language: 'batch', text: `${f} ${a}`.trim(), obfuscation: false });
  }
  return out;
}
