import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { after, before, foldChain, indexList, literalsIn, LiteralSyntax, normaliseToFixpoint, rewrite, RewriteStep } from './literals';
import type { Extraction, Normalised } from './layers';
import { bytesToText, charOf, decodeBase64, evalArithmetic, FAKE_ENV, isTextual, safeRegExp } from './text';

/**
 * PowerShell de-obfuscation: normalisation to a fixpoint (backtick escapes, `[char]NN`, char-code
 * arrays joined, string concatenation, the format operator, `.Replace()` / `-replace`, reversed and
 * indexed strings, automatic variables used as alphabets, single-assignment string variables) and
 * extraction of the next stages (base64 via FromBase64String, Gzip/Deflate streams over base64,
 * Invoke-Expression / ScriptBlock of a constant string).
 */

// A literal's end is unambiguous (a doubled quote never ends it), and the skip alternative also
// swallows unterminated strings, comments and here-strings: no pattern rescans the rest of the text
// from every quote (hostile input stays linear).
const SQ = String.raw`'(?:[^']|'')*'(?!')`;
const DQ = String.raw`"(?:[^"\`]|""|\`[\s\S])*"(?!")`;
const LIT = `(?:${SQ}|${DQ})`;
const SKIP = String.raw`@'[\s\S]*?(?:'@|$)|@"[\s\S]*?(?:"@|$)|<#[\s\S]*?(?:#>|$)|#[^\n]*|'(?:[^']|'')*'?|"(?:[^"\`]|""|\`[\s\S])*"?`;

const DQ_ESCAPES: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', e: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function psValue(literal: string): string | null {
  const q = literal[0];
  const inner = literal.slice(1, -1);
  if (q === "'") return inner.replace(/''/g, "'");
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '`' && i + 1 < inner.length) {
      const n = inner[++i];
      out += DQ_ESCAPES[n] ?? n;
    } else if (c === '"' && inner[i + 1] === '"') {
      out += '"';
      i++;
    } else if (c === '$' && /[\w{(:?^$]/.test(inner[i + 1] ?? '')) {
      return null; // expandable: a variable or subexpression
    } else out += c;
  }
  return out;
}

const psQuote = (v: string) => `'${v.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`;

export const PS_SYNTAX: LiteralSyntax = { lit: LIT, skip: SKIP, value: psValue, quote: psQuote };

const NUM = String.raw`(?:0x[0-9a-f]+|\d+)`;
const NUMLIST = String.raw`${NUM}(?:\s*,\s*${NUM})+`;
const numbers = (list: string) => list.split(',').map((s) => evalArithmetic(s.trim()));

function charsOf(codes: (number | null)[], xor = 0): string | null {
  let out = '';
  for (const c of codes) {
    const ch = charOf(c === null ? null : c ^ xor);
    if (ch === null) return null;
    out += ch;
  }
  return out;
}

/** Values of automatic variables obfuscators index into (`$env:ComSpec[4,15,25] -join ''` is `iex`). */
const AUTOMATIC: Record<string, string> = {
  '$pshome': 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0',
  '$shellid': 'Microsoft.PowerShell',
  '$verbosepreference': 'SilentlyContinue',
  '$debugpreference': 'SilentlyContinue',
  '$erroractionpreference': 'Continue',
  '$warningpreference': 'Continue',
  '$confirmpreference': 'High',
  '$progresspreference': 'Continue',
};
function automaticValue(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/^\$\{?|\}$/g, '$').replace(/^\$+/, '$');
  if (lower.startsWith('$env:')) return FAKE_ENV[lower.slice(5).toUpperCase()];
  return AUTOMATIC[lower];
}

/** Each normalisation step, by the name it is reported under. */
const STEPS: [string, RewriteStep][] = [
  ['backticks', (t) => rewrite(t, PS_SYNTAX, String.raw`\`(?=[^\r\n])`, () => '')],
  [
    'char-codes',
    (t) =>
      rewrite(t, PS_SYNTAX, String.raw`\[(?:system\.)?char\]\s*(?:\(\s*(?<expr>[^()\n]{1,60}|(?:[^()\n]|\([^()\n]*\)){1,80})\s*\)|(?<num>${NUM})(?![\w.]))`, ({ groups }) => {
        const ch = charOf(evalArithmetic(groups.expr ?? groups.num ?? ''));
        return ch === null ? null : psQuote(ch);
      }),
  ],
  [
    'char-code-array',
    (t) => {
      // (72,101 | %{[char]$_}) -join ''   /   -join (72,101 | ForEach-Object {[char]($_ -bxor 5)})
      const each = String.raw`\|\s*(?:%|foreach(?:-object)?)\s*\{\s*\[(?:system\.)?char\]\s*(?:\(\s*\$_\s*(?:-bxor\s*(?<xor>${NUM}))?\s*\)|\$_)\s*\}`;
      let r = rewrite(t, PS_SYNTAX, String.raw`\(\s*\(?\s*(?<list>${NUMLIST})\s*\)?\s*${each}\s*\)\s*-join\s*(?:''|"")`, ({ groups }) => {
        const s = charsOf(numbers(groups.list!), groups.xor ? evalArithmetic(groups.xor) ?? 0 : 0);
        return s === null ? null : psQuote(s);
      });
      let count = r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`-join\s*\(\s*\(?\s*(?<list>${NUMLIST})\s*\)?\s*${each}\s*\)`, ({ groups }) => {
        const s = charsOf(numbers(groups.list!), groups.xor ? evalArithmetic(groups.xor) ?? 0 : 0);
        return s === null ? null : psQuote(s);
      });
      count += r.count;
      // [char[]](72,101) -join ''   /   -join [char[]](72,101)   /   [string]::join('', [char[]](72,101))
      r = rewrite(r.text, PS_SYNTAX, String.raw`(?:-join\s*\(?\s*)?\[(?:system\.)?char\[\]\]\s*\(\s*(?<list>${NUMLIST})\s*\)(?:\s*\)?\s*-join\s*(?:''|""))?`, ({ match, groups }) => {
        if (!/^-join/i.test(match) && !/-join\s*(''|"")$/i.test(match)) return null;
        const s = charsOf(numbers(groups.list!));
        return s === null ? null : psQuote(s);
      });
      count += r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`\[(?:system\.)?string\]::join\(\s*(?:''|"")\s*,\s*\(?\s*\[(?:system\.)?char\[\]\]\s*\(\s*(?<list>${NUMLIST})\s*\)\s*\)?\s*\)`, ({ groups }) => {
        const s = charsOf(numbers(groups.list!));
        return s === null ? null : psQuote(s);
      });
      return { text: r.text, count: count + r.count };
    },
  ],
  [
    'automatic-variable-alphabet',
    (t) =>
      rewrite(t, PS_SYNTAX, String.raw`(?<name>\$(?:env:\w+|\{env:\w+\}|pshome|shellid|verbosepreference|debugpreference|erroractionpreference|warningpreference|confirmpreference|progresspreference))(?:\.tostring\(\))?(?=\s*\[)`, ({ groups }) => {
        const v = automaticValue(groups.name!);
        return v === undefined ? null : psQuote(v);
      }),
  ],
  [
    'indexed-string',
    (t) => {
      // -join 'abc'[-1..-3]  /  'abc'[4,15,25] -join ''  (joined)   and   'abc'[3]  (one character)
      const idx = String.raw`\[(?<idx>[-\d\s,.()]+|[^\]\n]*?\.length[^\]\n]*?)\]`;
      const joined = (groups: Record<string, string | undefined>, match: string): string | null => {
        const s = psValue(groups.s!);
        if (s === null) return null;
        const expr = groups.idx!.replace(new RegExp(`${LIT}\\s*\\.\\s*length`, 'gi'), (m) => String(psValue(m.replace(/\s*\.\s*length$/i, ''))?.length ?? 'x')).replace(/-\s*\(\s*(\d+)\s*\)/g, '-$1').replace(/\(\s*(-?\d+)\s*\)/g, '$1');
        const indices = indexList(expr, s.length);
        if (!indices) return null;
        const sep = groups.sep ? psValue(groups.sep) : '';
        if (sep === null) return null;
        const outside = match.replace(groups.idx!, '');
        if ((outside.match(/\(/g) ?? []).length !== (outside.match(/\)/g) ?? []).length) return null;
        return psQuote(indices.map((i) => s[i]).join(sep));
      };
      let r = rewrite(t, PS_SYNTAX, String.raw`-join\s*(?:\(\s*)?(?<s>${LIT})\s*${idx}(?:\s*\))?`, ({ groups, match }) => joined(groups, match));
      let count = r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`(?:\(\s*)?(?<s>${LIT})\s*${idx}(?:\s*\))?\s*-join\s*(?<sep>${LIT})`, ({ groups, match }) => joined(groups, match));
      count += r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`(?<s>${LIT})\s*\[\s*(?<i>-?\d+)\s*\]`, ({ text, index, groups }) => {
        const s = psValue(groups.s!);
        if (s === null || before(text, index).char === '.') return null;
        const i = Number(groups.i);
        const ch = s[i < 0 ? s.length + i : i];
        return ch === undefined ? null : psQuote(ch);
      });
      return { text: r.text, count: count + r.count };
    },
  ],
  [
    'reversed-string',
    (t) => {
      // ([regex]::Matches('txet','.','RightToLeft') | %{$_.value}) -join ''   /   -join [regex]::Matches(...)
      const m = String.raw`\[regex\]::matches\(\s*(?<s>${LIT})\s*,\s*(?:'\.'|"\.")\s*,\s*(?:'righttoleft'|"righttoleft")\s*\)`;
      let r = rewrite(t, PS_SYNTAX, String.raw`\(\s*${m}\s*\|\s*(?:%|foreach(?:-object)?)\s*\{\s*\$_\.value\s*\}\s*\)\s*-join\s*(?:''|"")`, ({ groups }) => {
        const s = psValue(groups.s!);
        return s === null ? null : psQuote([...s].reverse().join(''));
      });
      let count = r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`-join\s*\(?\s*${m}\s*\)?`, ({ groups }) => {
        const s = psValue(groups.s!);
        return s === null ? null : psQuote([...s].reverse().join(''));
      });
      count += r.count;
      // $v = 'txet'.ToCharArray(); [array]::Reverse($v); ... -join $v
      let text = r.text;
      const assign = new RegExp(String.raw`\$(?<v>\w+)\s*=\s*(?:\[char\[\]\]\s*\(?\s*(?<a>${LIT})\s*\)?|\(?\s*(?<b>${LIT})\s*\)?\s*\.tochararray\(\s*\))\s*[;\n]\s*\[(?:system\.)?array\]::reverse\(\s*\$\k<v>\s*\)`, 'gi');
      for (const a of [...text.matchAll(assign)].slice(0, 50)) {
        const s = psValue(a.groups!.a ?? a.groups!.b!);
        if (s === null) continue;
        const v = a.groups!.v;
        const reversed = psQuote([...s].reverse().join(''));
        const tail = text.slice(a.index + a[0].length);
        const uses = new RegExp(String.raw`-join\s*(?:\(\s*\$${v}\s*\)|\$${v}\b)|\$${v}\b\s*-join\s*(?:''|"")|\[(?:system\.)?string\]::(?:new|join)\(\s*(?:(?:''|"")\s*,\s*)?\$${v}\s*\)`, 'gi');
        const replaced = tail.replace(uses, () => {
          count++;
          return reversed;
        });
        if (replaced !== tail) text = text.slice(0, a.index + a[0].length) + replaced;
      }
      return { text, count };
    },
  ],
  [
    'concatenation',
    (t) =>
      rewrite(t, PS_SYNTAX, String.raw`${LIT}(?:\s*\+\s*${LIT})+`, ({ text, index, match }) => {
        const parts = literalsIn(match, PS_SYNTAX);
        const prev = before(text, index);
        const leftBlocked = prev.char === ',' || prev.char === '.' || prev.char === '*' || /^-(f|join|split)$/i.test(prev.word) || text.slice(Math.max(0, index - 3), index).includes('..');
        const next = after(text, index + match.length);
        const rightBlocked = /^[.[]/.test(next) || /^-f\b/i.test(next) || /^,/.test(next);
        return foldChain(parts, ' + ', psQuote, leftBlocked, rightBlocked);
      }),
  ],
  [
    'format-operator',
    (t) =>
      rewrite(t, PS_SYNTAX, String.raw`(?:\(\s*)?(?<fmt>${LIT})\s*\)?\s*-f\s*(?<args>${LIT}(?:\s*,\s*${LIT})*)`, ({ text, index, match, groups }) => {
        const prev = before(text, index);
        if (prev.char === '.' || prev.char === ',') return null;
        if (match.startsWith('(') && /[\w\]]/.test(text[index - 1] ?? '')) return null;
        const next = after(text, index + match.length);
        if (/^[.[,]/.test(next)) return null;
        const fmt = psValue(groups.fmt!);
        const args = literalsIn(groups.args!, PS_SYNTAX).map((a) => a.value);
        if (fmt === null || args.some((a) => a === null)) return null;
        let bad = false;
        const out = fmt.replace(/\{\{|\}\}|\{(\d+)(?:\s*,\s*(-?\d+))?(?::[^}]*)?\}/g, (m, i?: string, align?: string) => {
          if (m === '{{') return '{';
          if (m === '}}') return '}';
          const v = args[Number(i)];
          if (v === undefined || v === null) {
            bad = true;
            return m;
          }
          const w = align ? Number(align) : 0;
          return w > 0 ? v.padStart(w) : w < 0 ? v.padEnd(-w) : v;
        });
        if (bad) return null;
        const opened = match.trimStart().startsWith('(') && !/\)\s*-f/i.test(match);
        return opened ? `(${psQuote(out)}` : psQuote(out);
      }),
  ],
  [
    'replace',
    (t) => {
      let r = rewrite(t, PS_SYNTAX, String.raw`(?<s>${LIT})\s*\.\s*replace\s*\(\s*(?<a>${LIT})\s*,\s*(?<b>${LIT})\s*\)`, ({ groups }) => {
        const [s, a, b] = [psValue(groups.s!), psValue(groups.a!), psValue(groups.b!)];
        if (s === null || a === null || b === null || !a) return null;
        return psQuote(s.split(a).join(b));
      });
      let count = r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`(?<s>${LIT})\s*-(?<op>[ci]?replace)\s*(?<a>${LIT})\s*(?:,\s*(?<b>${LIT}))?`, ({ text, index, match, groups }) => {
        const prev = before(text, index);
        if (['+', '.', ',', '-', '*'].includes(prev.char)) return null;
        if (/^[.[]/.test(after(text, index + match.length))) return null;
        const s = psValue(groups.s!);
        const a = psValue(groups.a!);
        const b = groups.b ? psValue(groups.b) : '';
        if (s === null || a === null || b === null) return null;
        const re = safeRegExp(a, groups.op!.toLowerCase() === 'creplace' ? 'g' : 'gi');
        if (!re) return null;
        return psQuote(s.replace(re, b.replace(/\$\{(\w+)\}/g, '$<$1>')));
      });
      count += r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`(?<s>${LIT})\s*\.\s*(?<m>tolower|toupper|tolowerinvariant|toupperinvariant|trim|trimstart|trimend|tostring)\s*\(\s*\)`, ({ groups }) => {
        const s = psValue(groups.s!);
        if (s === null) return null;
        const m = groups.m!.toLowerCase();
        const v = m.startsWith('tolower') ? s.toLowerCase() : m.startsWith('toupper') ? s.toUpperCase() : m === 'trim' ? s.trim() : m === 'trimstart' ? s.trimStart() : m === 'trimend' ? s.trimEnd() : s;
        return psQuote(v);
      });
      count += r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`(?<s>${LIT})\s*\.\s*substring\s*\(\s*(?<a>\d+)\s*(?:,\s*(?<b>\d+)\s*)?\)`, ({ groups }) => {
        const s = psValue(groups.s!);
        if (s === null) return null;
        const a = Number(groups.a);
        const b = groups.b === undefined ? undefined : Number(groups.b);
        if (a > s.length || (b !== undefined && a + b > s.length)) return null;
        return psQuote(b === undefined ? s.slice(a) : s.slice(a, a + b));
      });
      return { text: r.text, count: count + r.count };
    },
  ],
  [
    'base64-inline',
    (t) =>
      rewrite(t, PS_SYNTAX, String.raw`\[(?:system\.)?text\.encoding\]::(?<enc>utf8|ascii|unicode|default|utf7|bigendianunicode|utf32)\.getstring\(\s*\[(?:system\.)?convert\]::frombase64string\(\s*(?<b>${LIT})\s*\)\s*\)`, ({ groups }) => {
        const b = psValue(groups.b!);
        const bytes = b === null ? null : decodeBase64(b);
        if (!bytes) return null;
        const enc = groups.enc!.toLowerCase();
        const v = enc === 'unicode' ? Buffer.from(bytes).toString('utf16le') : enc === 'bigendianunicode' ? null : Buffer.from(bytes).toString(enc === 'ascii' || enc === 'default' ? 'latin1' : 'utf8');
        if (v === null || v.length > 512 || /[\r\n\0]/.test(v) || !isTextual(new Uint8Array(Buffer.from(v, 'utf8')))) return null;
        return psQuote(v);
      }),
  ],
  [
    'parentheses',
    (t) =>
      rewrite(t, PS_SYNTAX, String.raw`\(\s*(?<s>${LIT})\s*\)`, ({ text, index, groups }) => {
        const prev = index > 0 ? text[index - 1] : '';
        if (/[\w\]$.]/.test(prev)) return null; // a call or a method: iex('..') stays, (..) after an operator goes
        if (psValue(groups.s!) === null) return null;
        return groups.s!;
      }),
  ],
  [
    'invocation',
    (t) => {
      let r = rewrite(t, PS_SYNTAX, String.raw`(?<op>[&.])\s*\(?\s*(?<n>'(?:iex|invoke-expression|[a-z]+-[a-z]+)'|"(?:iex|invoke-expression|[a-z]+-[a-z]+)")\s*\)?(?=[\s(])`, ({ text, index, groups }) => {
        if (groups.op === '.' && /[\w)\]]/.test(text[index - 1] ?? '')) return null; // a member access, not dot-sourcing
        return psValue(groups.n!)!;
      });
      let count = r.count;
      // $wc.('Download'+'String')($u)  /  $wc.'DownloadString'($u)  →  $wc.DownloadString($u)
      r = rewrite(r.text, PS_SYNTAX, String.raw`\.\s*(?:\(\s*(?<a>${LIT})\s*\)(?:\s*\.\s*invoke)?|(?<b>${LIT}))\s*(?=\()`, ({ groups }) => {
        const name = psValue(groups.a ?? groups.b!);
        return name !== null && /^\w+$/.test(name) ? `.${name}` : null;
      });
      count += r.count;
      r = rewrite(r.text, PS_SYNTAX, String.raw`new-object\s+\(?\s*(?<n>${LIT})\s*\)?`, ({ groups }) => {
        const name = psValue(groups.n!);
        return name !== null && /^[\w.]+$/.test(name) ? `New-Object ${name}` : null;
      });
      return { text: r.text, count: count + r.count };
    },
  ],
  ['variables', propagateVariables],
];

/** Steps that only an obfuscator needs (the others also tidy honest code). */
export const PS_HEAVY_STEPS = new Set(['backticks', 'char-codes', 'char-code-array', 'automatic-variable-alphabet', 'indexed-string', 'reversed-string', 'format-operator', 'replace', 'base64-inline', 'invocation', 'concatenation']);

const NOT_PROPAGATED = new Set(['_', 'true', 'false', 'null', 'args', 'input', 'this', 'psitem', 'matches', 'error', 'home', 'host', 'pwd', 'lastexitcode', 'myinvocation', 'psscriptroot', 'pscommandpath']);

/**
 * Single-assignment string variables: `$a = 'http://'; $b = $a + 'x.example'` becomes
 * `$b = 'http://' + 'x.example'` (uses after the assignment only; the assignment stays).
 */
function propagateVariables(text: string): { text: string; count: number } {
  if (text.length > 2_000_000) return { text, count: 0 };
  // Writes of every variable, counted in one pass.
  const writes = new Map<string, number>();
  const bump = (name: string) => writes.set(name, (writes.get(name) ?? 0) + 1);
  for (const m of text.matchAll(/\$(\w+)\s*(?:[-+*/%]?=(?!=)|\+\+|--)|\[ref\]\s*\$(\w+)|foreach\s*\(\s*\$(\w+)|(?:set-variable|sv)\s+(?:-name\s+)?['"]?(\w+)/gi)) {
    bump((m[1] ?? m[2] ?? m[3] ?? m[4]).toLowerCase());
  }
  const assignments = new Map<string, { value: string; end: number }>();
  const assignRe = new RegExp(String.raw`(?:^|[;\n{(])[ \t]*\$(?<name>[a-z_]\w*)\s*=\s*(?<v>${LIT})[ \t]*(?=[;\r\n})]|$)`, 'gi');
  for (const m of text.matchAll(assignRe)) {
    const name = m.groups!.name.toLowerCase();
    const value = psValue(m.groups!.v);
    if (NOT_PROPAGATED.has(name) || value === null || writes.get(name) !== 1) continue;
    assignments.set(name, { value, end: m.index + m[0].length });
    if (assignments.size >= 5000) break;
  }
  if (!assignments.size) return { text, count: 0 };
  let count = 0;
  const useRe = new RegExp(String.raw`(?<hit>\$\{?(?<n>\w+)\}?(?![\w:])(?!\s*=(?!=)))|(?<dq>${DQ})|(?:${SKIP})`, 'gi');
  const out = text.replace(useRe, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    const index = args[args.length - 3] as number;
    const match = args[0] as string;
    if (groups.hit) {
      const a = assignments.get(groups.n!.toLowerCase());
      if (!a || index < a.end || text[index - 1] === '`') return match;
      if (/\s*(\+\+|--)/y.test(text.slice(index + match.length, index + match.length + 2))) return match;
      count++;
      return psQuote(a.value);
    }
    if (groups.dq && match.includes('$')) {
      // "...$name..." interpolation of a known constant
      return match.replace(/(?<!`)\$(?:\{(\w+)\}|(\w+)(?![\w:]))/g, (m, braced?: string, bare?: string) => {
        const a = assignments.get((braced ?? bare)!.toLowerCase());
        if (!a || index < a.end) return m;
        count++;
        return a.value.replace(/[`"$]/g, (c) => '`' + c);
      });
    }
    return match;
  });
  return { text: out, count };
}

/** Normalises PowerShell to a fixpoint (bounded passes); the steps that changed something, with counts. */
export function normalisePowerShell(text: string, maxPasses = 12): Normalised {
  return normaliseToFixpoint(text, STEPS, PS_HEAVY_STEPS, maxPasses);
}

const MAX_DECOMPRESSED = 16 * 1024 * 1024;

function decompress(bytes: Uint8Array, hint: 'gzip' | 'deflate' | null): { data: Uint8Array; method: 'gzip' | 'deflate' } | null {
  const attempts: ['gzip' | 'deflate', (b: Uint8Array) => Buffer][] = [];
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) attempts.push(['gzip', (b) => gunzipSync(b, { maxOutputLength: MAX_DECOMPRESSED })]);
  if (hint) {
    attempts.push(['deflate', (b) => inflateRawSync(b, { maxOutputLength: MAX_DECOMPRESSED })]);
    attempts.push(['deflate', (b) => inflateSync(b, { maxOutputLength: MAX_DECOMPRESSED })]);
  }
  for (const [method, fn] of attempts) {
    try {
      return { data: new Uint8Array(fn(bytes)), method };
    } catch {
      // not this format, or over the bound
    }
  }
  return null;
}

/** Next stages of a (normalised) PowerShell text. */
export function extractPowerShell(text: string): Extraction[] {
  const out: Extraction[] = [];
  const compressedHint = /\b(?:IO\.Compression\.)?(GzipStream|DeflateStream)\b/i.exec(text)?.[1]?.toLowerCase().startsWith('gzip') ? 'gzip' : /DeflateStream/i.test(text) ? 'deflate' : null;
  const b64 = new RegExp(String.raw`frombase64string\(\s*(?<b>${LIT})\s*\)`, 'gi');
  for (const m of text.matchAll(b64)) {
    const value = psValue(m.groups!.b);
    const bytes = value === null ? null : decodeBase64(value);
    if (!bytes || bytes.length < 4) continue;
    const unpacked = decompress(bytes, compressedHint);
    if (unpacked) {
      const technique = unpacked.method === 'gzip' ? 'powershell:gzip+base64' : 'powershell:deflate+base64';
      if (isTextual(unpacked.data)) out.push({ technique, language: 'powershell', text: bytesToText(unpacked.data), obfuscation: true });
      else out.push({ technique, payload: unpacked.data, name: 'decompressed.bin', obfuscation: true });
      continue;
    }
    if (isTextual(bytes)) out.push({ technique: 'powershell:base64', language: 'guess', text: bytesToText(bytes), obfuscation: true });
    else out.push({ technique: 'powershell:base64', payload: bytes, name: 'base64-decoded.bin', obfuscation: true });
  }
  // Invoke-Expression / ScriptBlock of a constant (scanned with the literal-skipping helper: one branch starts with a literal)
  rewrite(text, PS_SYNTAX, String.raw`\b(?:invoke-expression|iex)\s*\(?\s*(?<a>${LIT})|(?<b>${LIT})\s*\)?\s*\|\s*(?:invoke-expression|iex)\b|\[scriptblock\]::create\(\s*(?<c>${LIT})\s*\)`, ({ groups }) => {
    const v = psValue((groups.a ?? groups.b ?? groups.c)!);
    if (v && v.trim().length >= 4) out.push({ technique: 'powershell:invoke-expression', language: 'powershell', text: v, obfuscation: false });
    return null;
  });
  return out;
}
