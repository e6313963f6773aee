import { after, before, foldChain, literalsIn, LiteralSyntax, normaliseToFixpoint, rewrite, RewriteStep } from './literals';
import type { Extraction, Normalised } from './layers';
import { bytesToText, charOf, decodeBase64, evalArithmetic, isTextual, safeRegExp, ScriptLanguage } from './text';

/**
 * JavaScript / JScript static de-obfuscation, for what can be read without running anything:
 * `String.fromCharCode` of constants (also `.apply` and `[..].map(..).join('')`), `unescape` /
 * `decodeURIComponent`, hex and unicode escapes, concatenated literals, `split / reverse / join`,
 * `.replace` on literals, and extraction of what `eval`, `Function`, `setTimeout`, `document.write`,
 * `atob` and `Run` / `Exec` / `ShellExecute` receive as constants. Everything computed at run time is
 * the emulator's job.
 */

const SQ = String.raw`'(?:[^'\\\n]|\\[\s\S])*'`;
const DQ = String.raw`"(?:[^"\\\n]|\\[\s\S])*"`;
const TPL = String.raw`\`(?:[^\`\\$]|\\[\s\S]|\$(?!\{))*\``;
const LIT = `(?:${SQ}|${DQ}|${TPL})`;
const REGEX_LITERAL = String.raw`(?<=[=(,:;!&|?{}\[]\s*)\/(?![*/])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+\/[a-z]*`;
// The skip alternative also swallows unterminated strings (to the end of their line) and comments, so no
// pattern rescans the rest of the text from every quote.
const SKIP = String.raw`\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|'(?:[^'\\\n]|\\[\s\S])*'?|"(?:[^"\\\n]|\\[\s\S])*"?|\`(?:[^\`\\]|\\[\s\S])*\`?|${REGEX_LITERAL}`;

function unescapeJs(inner: string): string | null {
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = inner[++i];
    if (n === undefined) return null;
    switch (n) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\n': break;
      case '\r': if (inner[i + 1] === '\n') i++; break;
      case 'x': {
        const h = inner.slice(i + 1, i + 3);
        if (!/^[0-9a-f]{2}$/i.test(h)) return null;
        out += String.fromCharCode(parseInt(h, 16));
        i += 2;
        break;
      }
      case 'u': {
        if (inner[i + 1] === '{') {
          const end = inner.indexOf('}', i);
          const cp = parseInt(inner.slice(i + 2, end), 16);
          if (end < 0 || !Number.isFinite(cp) || cp > 0x10ffff) return null;
          out += String.fromCodePoint(cp);
          i = end;
        } else {
          const h = inner.slice(i + 1, i + 5);
          if (!/^[0-9a-f]{4}$/i.test(h)) return null;
          out += String.fromCharCode(parseInt(h, 16));
          i += 4;
        }
        break;
      }
      default:
        if (/[0-7]/.test(n)) {
          const oct = /^[0-7]{1,3}/.exec(inner.slice(i))![0];
          const v = parseInt(oct, 8);
          out += String.fromCharCode(v > 255 ? parseInt(oct.slice(0, 2), 8) : v);
          i += (v > 255 ? 2 : oct.length) - 1;
        } else out += n;
    }
  }
  return out;
}

function jsValue(literal: string): string | null {
  return unescapeJs(literal.slice(1, -1));
}

const jsQuote = (v: string) => JSON.stringify(v).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

export const JS_SYNTAX: LiteralSyntax = { lit: LIT, skip: SKIP, value: jsValue, quote: jsQuote };

/** One constant argument: no blank at its ends, so the `\s*,\s*` between arguments is the only way to split a list (no backtracking blow-up). */
const ARG = String.raw`[\d()xa-f+\-*/%^&|](?:[ \d()xa-f+\-*/%^&|]{0,38}[\d()xa-f+\-*/%^&|])?`;
const ARGLIST = String.raw`${ARG}(?:\s*,\s*${ARG})*`;

function charCodes(list: string, offset = 0, xor = 0): string | null {
  let out = '';
  for (const part of list.split(',')) {
    const v = evalArithmetic(part.trim().replace(/\^/g, ' xor '));
    const ch = charOf(v === null ? null : (v + offset) ^ xor);
    if (ch === null) return null;
    out += ch;
  }
  return out;
}

const STEPS: [string, RewriteStep][] = [
  [
    'char-codes',
    (t) => {
      let r = rewrite(t, JS_SYNTAX, String.raw`String\s*(?:\.\s*fromCharCode|\[\s*(?:'fromCharCode'|"fromCharCode")\s*\])\s*\(\s*(?<list>${ARGLIST})\s*\)`, ({ groups }) => {
        const s = charCodes(groups.list!);
        return s === null ? null : jsQuote(s);
      }, 'g');
      let count = r.count;
      r = rewrite(r.text, JS_SYNTAX, String.raw`String\s*\.\s*fromCharCode\s*\.\s*apply\s*\(\s*(?:null|this|String|undefined|0)\s*,\s*\[\s*(?<list>${ARGLIST})\s*\]\s*\)`, ({ groups }) => {
        const s = charCodes(groups.list!);
        return s === null ? null : jsQuote(s);
      }, 'g');
      count += r.count;
      const fn = String.raw`(?:function\s*\w*\s*\(\s*(?<p>\w+)\s*\)\s*\{\s*return\s+String\.fromCharCode\(\s*\k<p>\s*(?:(?<op>[-+^])\s*(?<k>\d+|0x[0-9a-f]+))?\s*\)\s*;?\s*\}|\(?\s*(?<q>\w+)\s*\)?\s*=>\s*String\.fromCharCode\(\s*\k<q>\s*(?:(?<op2>[-+^])\s*(?<k2>\d+|0x[0-9a-f]+))?\s*\))`;
      r = rewrite(r.text, JS_SYNTAX, String.raw`\[\s*(?<list>${ARGLIST})\s*\]\s*\.\s*map\s*\(\s*${fn}\s*\)\s*\.\s*join\s*\(\s*(?<sep>${LIT})?\s*\)`, ({ groups }) => {
        const op = groups.op ?? groups.op2;
        const k = evalArithmetic(groups.k ?? groups.k2 ?? '0') ?? 0;
        const s = charCodes(groups.list!, op === '+' ? k : op === '-' ? -k : 0, op === '^' ? k : 0);
        const sep = groups.sep ? jsValue(groups.sep) : ',';
        return s === null || sep === null ? null : jsQuote([...s].join(sep));
      }, 'g');
      return { text: r.text, count: count + r.count };
    },
  ],
  [
    'unescape',
    (t) =>
      rewrite(t, JS_SYNTAX, String.raw`\b(?<f>unescape|decodeURIComponent|decodeURI)\s*\(\s*(?<s>${LIT})\s*\)`, ({ groups }) => {
        const s = jsValue(groups.s!);
        if (s === null) return null;
        try {
          const v = groups.f === 'unescape' ? unescape(s) : groups.f === 'decodeURI' ? decodeURI(s) : decodeURIComponent(s);
          return jsQuote(v);
        } catch {
          return null;
        }
      }, 'g'),
  ],
  [
    'escapes',
    (t) =>
      rewrite(t, JS_SYNTAX, LIT, ({ match }) => {
        // Only literals that hide ASCII behind \x / \u escapes (i18n text in \u00e9 form is left alone).
        const escapes = match.match(/\\x[0-9a-f]{2}|\\u[0-9a-f]{4}/gi);
        if (!escapes || !escapes.some((e) => parseInt(e.slice(2), 16) < 0x7f && parseInt(e.slice(2), 16) >= 0x20)) return null;
        const v = jsValue(match);
        return v === null ? null : jsQuote(v);
      }, 'gi'),
  ],
  [
    'concatenation',
    (t) =>
      rewrite(t, JS_SYNTAX, String.raw`${LIT}(?:\s*\+\s*${LIT})+`, ({ text, index, match }) => {
        const parts = literalsIn(match, JS_SYNTAX);
        const prev = before(text, index);
        const leftBlocked = /[*/%\-~!]/.test(prev.char) || ['typeof', 'void', 'delete', 'in', 'instanceof'].includes(prev.word);
        const rightBlocked = /^[.[(]/.test(after(text, index + match.length)) || /^\?\./.test(after(text, index + match.length));
        return foldChain(parts, ' + ', jsQuote, leftBlocked, rightBlocked);
      }, 'g'),
  ],
  [
    'string-methods',
    (t) => {
      let r = rewrite(t, JS_SYNTAX, String.raw`(?<s>${LIT})\s*\.\s*split\s*\(\s*(?<a>${LIT})\s*\)\s*\.\s*reverse\s*\(\s*\)\s*\.\s*join\s*\(\s*(?<b>${LIT})\s*\)`, ({ groups }) => {
        const [s, a, b] = [jsValue(groups.s!), jsValue(groups.a!), jsValue(groups.b!)];
        return s === null || a === null || b === null ? null : jsQuote(s.split(a).reverse().join(b));
      }, 'g');
      let count = r.count;
      r = rewrite(r.text, JS_SYNTAX, String.raw`(?<s>${LIT})\s*\.\s*split\s*\(\s*(?<a>${LIT})\s*\)\s*\.\s*join\s*\(\s*(?<b>${LIT})\s*\)`, ({ groups }) => {
        const [s, a, b] = [jsValue(groups.s!), jsValue(groups.a!), jsValue(groups.b!)];
        return s === null || a === null || b === null ? null : jsQuote(s.split(a).join(b));
      }, 'g');
      count += r.count;
      r = rewrite(r.text, JS_SYNTAX, String.raw`(?<s>${LIT})\s*\.\s*replace(?<all>All)?\s*\(\s*(?:(?<a>${LIT})|\/(?<re>(?:\\.|[^/\\\n])+)\/(?<flags>[gimsuy]*))\s*,\s*(?<b>${LIT})\s*\)`, ({ text, index, match, groups }) => {
        const s = jsValue(groups.s!);
        const b = jsValue(groups.b!);
        if (s === null || b === null || /\$/.test(b)) return null;
        if (groups.a !== undefined) {
          const a = jsValue(groups.a);
          if (a === null) return null;
          return jsQuote(groups.all ? s.split(a).join(b) : s.replace(a, () => b));
        }
        const re = safeRegExp(groups.re!, groups.flags!.replace(/[^gimsu]/g, ''));
        return re ? jsQuote(s.replace(re, () => b)) : null;
      }, 'g');
      count += r.count;
      r = rewrite(r.text, JS_SYNTAX, String.raw`(?<s>${LIT})\s*\.\s*(?<m>toLowerCase|toUpperCase|trim)\s*\(\s*\)`, ({ groups }) => {
        const s = jsValue(groups.s!);
        if (s === null) return null;
        return jsQuote(groups.m === 'toLowerCase' ? s.toLowerCase() : groups.m === 'toUpperCase' ? s.toUpperCase() : s.trim());
      }, 'g');
      return { text: r.text, count: count + r.count };
    },
  ],
];

const JS_HEAVY = new Set(['char-codes', 'unescape', 'escapes', 'string-methods', 'concatenation']);

/** Quick test: is there anything for the static steps to do? (Most honest scripts: no.) */
const HAS_WORK = /fromCharCode|unescape|decodeURI|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|['"`]\s*\+\s*['"`]|\.reverse\(|\.split\(/i;

export function normaliseJavaScript(text: string, maxPasses = 8): Normalised {
  if (!HAS_WORK.test(text)) return { text, steps: [] };
  return normaliseToFixpoint(text, STEPS, JS_HEAVY, maxPasses);
}

/** Constant arguments of code-running calls. */
export function extractJavaScript(text: string): Extraction[] {
  const out: Extraction[] = [];
  const take = (re: RegExp, technique: string, language: ScriptLanguage | 'guess', obfuscation: boolean) => {
    for (const m of text.matchAll(re)) {
      const v = jsValue(m.groups!.s);
      if (v && v.trim().length >= 3) out.push({ technique, language, text: v, obfuscation });
    }
  };
  take(new RegExp(String.raw`(?<![\w.])eval\s*\(\s*(?<s>${LIT})\s*\)`, 'g'), 'javascript:eval', 'javascript', true);
  take(new RegExp(String.raw`(?<![\w.])(?:new\s+)?Function\s*\((?:\s*${LIT}\s*,)*\s*(?<s>${LIT})\s*\)`, 'g'), 'javascript:function-constructor', 'javascript', true);
  take(new RegExp(String.raw`(?<![\w.])set(?:Timeout|Interval)\s*\(\s*(?<s>${LIT})`, 'g'), 'javascript:timer-string', 'javascript', true);
  take(new RegExp(String.raw`document\s*\.\s*write(?:ln)?\s*\(\s*(?<s>${LIT})\s*\)`, 'g'), 'javascript:document.write', 'html', false);
  take(new RegExp(String.raw`\.\s*(?:run|exec)\s*\(\s*(?<s>${LIT})`, 'gi'), 'command-line:run', 'batch', false);
  take(new RegExp(String.raw`\.\s*create\s*\(\s*(?<s>${LIT})`, 'gi'), 'command-line:wmi-create', 'batch', false);
  for (const m of text.matchAll(new RegExp(String.raw`\.\s*shellexecute\s*\(\s*(?<f>${LIT})\s*(?:,\s*(?<a>${LIT}))?`, 'gi'))) {
    const f = jsValue(m.groups!.f);
    const a = m.groups!.a ? jsValue(m.groups!.a) : '';
    if (f) out.push({ technique: 'command-line:shellexecute', language: 'batch', text: `${f} ${a ?? ''}`.trim(), obfuscation: false });
  }
  for (const m of text.matchAll(new RegExp(String.raw`(?<![\w.])atob\s*\(\s*(?<s>${LIT})\s*\)`, 'g'))) {
    const v = jsValue(m.groups!.s);
    const bytes = v === null ? null : decodeBase64(v);
    if (!bytes || bytes.length < 4) continue;
    out.push(isTextual(bytes) ? { technique: 'javascript:atob', language: 'guess', text: bytesToText(bytes), obfuscation: true } : { technique: 'javascript:atob', payload: bytes, name: 'atob-decoded.bin', obfuscation: true });
  }
  return out;
}

/**
 * JScript conditional compilation (`/*@cc_on ... @*\/`, `@if (@_jscript_version >= 5) ... @end`),
 * which every other engine reads as a comment: rewritten into plain JavaScript for the emulator so
 * code hidden there runs as it would under Windows Script Host.
 */
export function resolveConditionalCompilation(code: string): string {
  if (!/@cc_on|\/\*@/i.test(code)) return code;
  const CC_VARS: Record<string, string> = { _jscript: 'true', _jscript_version: '5.8', _jscript_build: '16384', _win32: 'true', _win64: 'false', _x86: 'true', _amd64: 'false', _microsoft: 'true', _win16: 'false', _mac: 'false' };
  let out = code.replace(/\/\*@cc_on/gi, '').replace(/\/\*@/g, '').replace(/@\*\//g, '').replace(/@cc_on\b/gi, '');
  // @if (cond) → if (cond) {   (the condition's parentheses matched by hand)
  let result = '';
  let i = 0;
  for (;;) {
    const m = /@(if|elif)\s*\(/gi;
    m.lastIndex = i;
    const hit = m.exec(out);
    if (!hit) break;
    let depth = 0;
    let j = hit.index + hit[0].length - 1;
    for (; j < out.length; j++) {
      if (out[j] === '(') depth++;
      else if (out[j] === ')' && --depth === 0) break;
    }
    const cond = out.slice(hit.index + hit[0].length - 1, j + 1);
    result += out.slice(i, hit.index) + (hit[1].toLowerCase() === 'if' ? `if ${cond} {` : `} else if ${cond} {`);
    i = j + 1;
  }
  out = result + out.slice(i);
  return out
    .replace(/@else\b/gi, '} else {')
    .replace(/@end\b/gi, '}')
    .replace(/@set\s+@(\w+)\s*=/gi, 'var __cc_$1 =')
    .replace(/(?<![\w.])@(_\w+)/g, (m, name: string) => CC_VARS[name.toLowerCase()] ?? `__cc_${name}`)
    .replace(/(?<![\w.])@([a-z]\w*)/gi, '__cc_$1');
}
