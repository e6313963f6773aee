import type { Normalised } from './layers';

/**
 * Rewriting constant string expressions in source text without parsing the whole language: every
 * rewrite is a regular expression tried at each position, beside a "skip" alternative that consumes
 * comments and string literals whole, so a match never starts inside a string or a comment.
 * Patterns use named groups only (the helper owns the numbered ones).
 */

/** One named normalisation step of a language: the rewritten text and how many rewrites it made. */
export type RewriteStep = (text: string) => { text: string; count: number };

/**
 * Applies `steps` in order, pass after pass, until a pass changes nothing or `maxPasses` ran: the
 * normalised text, and the steps that changed something with their rewrite counts (`heavy`: the
 * steps only an obfuscator needs).
 */
export function normaliseToFixpoint(text: string, steps: [string, RewriteStep][], heavy: ReadonlySet<string>, maxPasses: number): Normalised {
  const counts = new Map<string, number>();
  let current = text;
  for (let pass = 0; pass < maxPasses; pass++) {
    let changed = false;
    for (const [name, step] of steps) {
      const r = step(current);
      if (r.count && r.text !== current) {
        counts.set(name, (counts.get(name) ?? 0) + r.count);
        current = r.text;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return { text: current, steps: [...counts].map(([name, count]) => ({ name, count, heavy: heavy.has(name) })) };
}

export interface LiteralSyntax {
  /** Regex source of one string literal (no capturing groups). */
  lit: string;
  /** Regex source of what is passed over whole: comments and literals (no capturing groups). */
  skip: string;
  /** The constant value of a literal, or null (an expandable string, a bad escape). */
  value(literal: string): string | null;
  /** A literal for a value. */
  quote(value: string): string;
}

export interface RewriteContext {
  /** The whole text being rewritten. */
  text: string;
  /** Offset of the match. */
  index: number;
  /** The matched text. */
  match: string;
  groups: Record<string, string | undefined>;
}

/** Rewrites every match of `pattern` outside comments and strings; `fn` returns the replacement or null to keep the match. */
export function rewrite(text: string, syntax: LiteralSyntax, pattern: string, fn: (m: RewriteContext) => string | null, flags = 'gi'): { text: string; count: number } {
  const re = new RegExp(`(?<hit>${pattern})|(?:${syntax.skip})`, flags.includes('g') ? flags : `${flags}g`);
  let count = 0;
  const out = text.replace(re, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    const index = args[args.length - 3] as number;
    const match = args[0] as string;
    if (groups.hit === undefined) return match;
    const replacement = fn({ text, index, match, groups });
    if (replacement === null || replacement === match) return match;
    count++;
    return replacement;
  });
  return { text: out, count };
}

/** The literals of a matched expression, in order (values null where not constant). */
export function literalsIn(source: string, syntax: LiteralSyntax): { text: string; value: string | null; index: number }[] {
  const re = new RegExp(syntax.lit, 'g');
  const out: { text: string; value: string | null; index: number }[] = [];
  for (const m of source.matchAll(re)) out.push({ text: m[0], value: syntax.value(m[0]), index: m.index });
  return out;
}

/** The last non-blank character before `index` (and the word ending there), for context checks. */
export function before(text: string, index: number): { char: string; word: string } {
  let i = index - 1;
  while (i >= 0 && /\s/.test(text[i])) i--;
  const char = i >= 0 ? text[i] : '';
  let s = i;
  while (s >= 0 && /[\w-]/.test(text[s])) s--;
  return { char, word: text.slice(s + 1, i + 1) };
}

/** The text following a match, blanks skipped (bounded look-ahead). */
export function after(text: string, end: number, length = 16): string {
  let i = end;
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return text.slice(i, i + length);
}

/**
 * Folds a chain of concatenated literals. `leftBlocked`: an operator binding tighter than `+` holds
 * the first literal; `rightBlocked`: a member access or call holds the last. Non-constant literals
 * split the chain. Returns null when nothing folds.
 */
export function foldChain(
  parts: { text: string; value: string | null }[],
  joiner: string,
  quote: (v: string) => string,
  leftBlocked: boolean,
  rightBlocked: boolean,
): string | null {
  const head = leftBlocked ? parts.slice(0, 1) : [];
  const tail = rightBlocked ? parts.slice(-1) : [];
  const middle = parts.slice(head.length, parts.length - tail.length);
  const out: string[] = head.map((p) => p.text);
  let folded = false;
  let run: string[] = [];
  const flush = () => {
    if (run.length > 1) folded = true;
    if (run.length) out.push(quote(run.join('')));
    run = [];
  };
  for (const p of middle) {
    if (p.value === null) {
      flush();
      out.push(p.text);
    } else run.push(p.value);
  }
  flush();
  out.push(...tail.map((p) => p.text));
  return folded ? out.join(joiner) : null;
}

/** Bounded list of indices from a PowerShell-style index expression: `4,15,25`, `-1..-20`, `0..3`. */
export function indexList(expr: string, length: number, max = 100_000): number[] | null {
  const out: number[] = [];
  for (const part of expr.split(',')) {
    const p = part.trim();
    const range = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(p);
    if (range) {
      const a = Number(range[1]);
      const b = Number(range[2]);
      const step = a <= b ? 1 : -1;
      for (let i = a; step > 0 ? i <= b : i >= b; i += step) {
        out.push(i);
        if (out.length > max) return null;
      }
    } else if (/^-?\d+$/.test(p)) out.push(Number(p));
    else return null;
  }
  // PowerShell drops indices out of range; negative ones count from the end.
  return out.map((i) => (i < 0 ? length + i : i)).filter((i) => i >= 0 && i < length);
}
