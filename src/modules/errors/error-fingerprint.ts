import { createHash } from 'node:crypto';

/** Longest message and stack stored per error group, and most stack lines kept. */
export const MAX_MESSAGE_LENGTH = 2_000;
export const MAX_STACK_LENGTH = 8_000;
export const MAX_STACK_LINES = 40;

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const HEX = /\b(?:0x)?[0-9a-f]{16,}\b/gi;
const NUMBER = /\b\d+(?:\.\d+)?\b/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

/**
 * Removes what must not be stored with an error: credentials in URLs, query-string values,
 * bearer tokens and API keys, `password=`-style pairs, long opaque tokens. Applied to messages,
 * stacks and URLs before anything is recorded.
 */
export function redactSecrets(text: string): string {
  return (
    text
      // scheme://user:password@host → scheme://[redacted]@host
      .replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+(?::[^\s/@]*)?@/gi, '$1[redacted]@')
      // ?a=1&b=2 → ?a=[redacted]&b=[redacted] (query strings carry tokens, e-mails, search terms)
      .replace(/([?&][^\s=&#?]+)=[^\s&#"']*/g, '$1=[redacted]')
      .replace(/\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, '$1 [redacted]')
      .replace(/\b(password|passwd|pwd|secret|token|api[-_]?key|x-api-key|authorization|client[-_]?secret|access[-_]?key)(["']?\s*[:=]\s*["']?)[^\s"',;&]+/gi, '$1$2[redacted]')
      // JWTs and other long opaque tokens
      .replace(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[redacted]')
      .replace(/\b[A-Za-z0-9_-]{40,}\b/g, (m) => (/^[0-9a-f]+$/i.test(m) ? m : '[redacted]'))
  );
}

/** The message with what varies between occurrences of one error (ids, hashes, numbers, e-mails) replaced. */
export function normalizeMessage(message: string): string {
  return message.replace(UUID, '<uuid>').replace(HEX, '<hash>').replace(EMAIL, '<email>').replace(NUMBER, '<n>').slice(0, 500);
}

/** Keeps at most MAX_STACK_LINES lines and MAX_STACK_LENGTH characters, with secrets removed. */
export function boundedStack(stack: string | undefined | null): string | null {
  if (!stack) return null;
  return redactSecrets(stack.split('\n').slice(0, MAX_STACK_LINES).join('\n')).slice(0, MAX_STACK_LENGTH);
}

const FRAME = /^\s*at\s+(.*)$/;

/**
 * The first stack frame in our own code (not node_modules, not node: internals), without line and
 * column numbers (they move with every release) and without the absolute install path.
 */
export function topOwnFrame(stack: string | null | undefined): string | null {
  if (!stack) return null;
  const frames = stack
    .split('\n')
    .map((line) => FRAME.exec(line)?.[1])
    .filter((f): f is string => !!f);
  const own = frames.find((f) => !f.includes('node_modules') && !f.includes('node:') && !/\(<anonymous>\)|^<anonymous>$/.test(f)) ?? frames[0];
  if (!own) return null;
  return own
    .replace(/:\d+:\d+\)?$/, (m) => (m.endsWith(')') ? ')' : ''))
    .replace(/(\(|\s|^)(?:file:\/\/)?\/[^()\s]*?\/(node_modules\/)/, '$1$2')
    .replace(/(\(|\s|^)(?:file:\/\/)?\/[^()\s]*?\/((?:src|dist|test)\/)/, '$1$2')
    .replace(/\?[^)\s]*/, '')
    .slice(0, 300);
}

/** One group per error class + normalised message + top own frame, per source. */
export function fingerprintOf(source: string, errorClass: string, message: string, topFrame: string | null): string {
  return createHash('sha256').update([source, errorClass, normalizeMessage(message), topFrame ?? ''].join('\u0000')).digest('hex');
}

/** Name, message and stack of whatever was thrown (Error-like objects from other realms included). */
export function describeThrown(error: unknown): { errorClass: string; message: string; stack: string | null } {
  if (typeof error === 'object' && error !== null) {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: string } };
    const errorClass = (typeof e.constructor?.name === 'string' && e.constructor.name !== 'Object' ? e.constructor.name : undefined) ?? (typeof e.name === 'string' ? e.name : 'Error');
    const message = typeof e.message === 'string' ? e.message : safeString(error);
    return { errorClass: errorClass.slice(0, 200), message, stack: typeof e.stack === 'string' ? e.stack : null };
  }
  return { errorClass: typeof error, message: safeString(error), stack: null };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
