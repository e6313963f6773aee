import { isIPv6 } from 'node:net';
import { parse as parseDomain } from 'tldts';
import { IocType } from '../types';
import { isWhitelistedHost, isWhitelistedIp, isWhitelistedUrl } from './whitelist';

/**
 * Indicators of compromise in text: URLs (also defanged), domains, IPv4/IPv6 addresses, e-mail
 * addresses, MD5/SHA-1/SHA-256/SHA-512 digests, UUIDs and Windows registry paths.
 *
 * Built for large inputs (tens of MB/s on prose and code): URLs, e-mail addresses, domains, IPv4 and
 * IPv6 addresses are found from anchor characters located with `indexOf` (`://`, `@`, `.`, `:`) and
 * expanded by hand over character tables; digests and UUIDs by a probing scan for long hex runs;
 * only registry paths use a regular expression, and only when a hive name occurs. Domains are
 * validated against the public suffix list (tldts, ICANN section) and filtered by heuristics that keep
 * file names (`setup.exe`, `notes.zip`) and code (`System.Net`, `window.top`) out; see `acceptBareDomain`.
 * Indicators inside a URL (its host, a hash in its query) are not reported separately, except the
 * URL's host, which is reported as a domain or IP.
 *
 * `IocCollector` deduplicates, applies the whitelist and bounds each type.
 */

export interface IocLimits {
  /** Most distinct values kept per type; further ones are counted as dropped. */
  maxPerType: number;
  /** Longest URL kept; longer ones are cut. */
  maxUrlLength: number;
}

export const DEFAULT_IOC_LIMITS: IocLimits = { maxPerType: 500, maxUrlLength: 2048 };

export class IocCollector {
  readonly values = new Map<IocType, Set<string>>();
  /** Types that had more distinct values than the limit. */
  readonly truncated = new Set<IocType>();
  /** URLs as found in the text, and whether they were valid: repeated links are handled once. */
  readonly seenUrls = new Map<string, boolean>();
  /** Distinct values dropped by the whitelist. */
  readonly whitelisted = new Set<string>();
  readonly limits: IocLimits;

  constructor(limits: Partial<IocLimits> = {}) {
    this.limits = { ...DEFAULT_IOC_LIMITS, ...limits };
  }

  add(type: IocType, value: string): void {
    let set = this.values.get(type);
    if (!set) this.values.set(type, (set = new Set()));
    if (set.has(value)) return;
    if (set.size >= this.limits.maxPerType) {
      this.truncated.add(type);
      return;
    }
    set.add(value);
  }

  skip(value: string): void {
    if (this.whitelisted.size < 10_000) this.whitelisted.add(value);
  }

  list(type: IocType): string[] {
    return [...(this.values.get(type) ?? [])];
  }

  get size(): number {
    let n = 0;
    for (const set of this.values.values()) n += set.size;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------
// Character tables

const table = (chars: string, ranges: [number, number][] = []): Uint8Array => {
  const t = new Uint8Array(128);
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
};
const ALNUM: [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];
/** Characters of a host name (and of dotted tokens in general). */
const HOST = table('.-', ALNUM);
/** Characters of an e-mail local part (the common ones: RFC 5322 allows more, binary noise has them all). */
const LOCAL = table('._%+-', ALNUM);
/** Characters a URL runs over (RFC 3986 unreserved, reserved and %; not quotes, <>, \, ^, `, {}, |, [] outside the host). */
const URL_CHARS = table("-._~:/?#@!$&()*+,;=%", ALNUM);
const ALNUM_T = table('', ALNUM);
const LETTER = table('', [
  [0x41, 0x5a],
  [0x61, 0x7a],
]);
const HEX_RANGES: [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x46],
  [0x61, 0x66],
];
/** Characters of hex runs and UUIDs. */
const HEX_DASH = table('-', HEX_RANGES);
/** Characters of IPv6 addresses (dotted quad suffix included). */
const IPV6_CHARS = table(':.', HEX_RANGES);
/** Word characters, as `\\b` sees them. */
const WORD = table('_', ALNUM);
const is = (t: Uint8Array, code: number) => code < 128 && t[code] === 1;

// ---------------------------------------------------------------------------------------------
// Refanging: `hxxp://evil[.]com` → `http://evil.com`

/** Bracketed dots, colons and at-signs: `evil[.]com`, `http[:]//`, `user[at]mail(.)ru`. */
const DEFANGED_MARKS = /\[(?:\.|:\/\/|:|dot|@|at)\](?:\/\/)?|\((?:\.|dot)\)|\{\.\}/gi;
/** Mangled schemes: `hxxp://`, `hXXps[:]//`, `h**p://`, `fxp://`. */
const DEFANGED_SCHEMES = /\bh(?:xx|\*\*)p(?=s?(?:\[:|:))|\bfxp(?=\[:|:)/gi;

/** Undoes the usual defanging of URLs and addresses; returns the text unchanged when there is none. */
export function refang(text: string): string {
  let out = text.replace(DEFANGED_MARKS, (m) => {
    const lower = m.toLowerCase();
    if (lower.includes('//')) return '://';
    if (lower.includes(':')) return ':';
    if (lower === '[@]' || lower === '[at]') return '@';
    return '.';
  });
  DEFANGED_SCHEMES.lastIndex = 0;
  if (DEFANGED_SCHEMES.test(out)) out = out.replace(DEFANGED_SCHEMES, (m) => (m.toLowerCase() === 'fxp' ? 'ftp' : 'http'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation helpers

/** Strict dotted-decimal IPv4: four octets 0–255 without leading zeros (`010` is octal to some parsers). */
export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (!p.length || p.length > 3 || (p.length > 1 && p[0] === '0')) return false;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return false;
    }
    if (Number(p) > 255) return false;
  }
  return true;
}

/** Labels of 1–63 letters, digits and inner hyphens; the last label letters (or an IDNA `xn--` label). */
function validHostname(host: string): boolean {
  if (host.length > 253 || host.length < 3) return false;
  const labels = host.split('.');
  if (labels.length < 2) return false;
  for (const l of labels) {
    if (!l.length || l.length > 63 || l.charCodeAt(0) === 0x2d || l.charCodeAt(l.length - 1) === 0x2d) return false;
  }
  const tld = labels[labels.length - 1];
  if (tld.startsWith('xn--')) return true;
  for (let i = 0; i < tld.length; i++) if (!is(LETTER, tld.charCodeAt(i))) return false;
  return tld.length >= 2;
}

const PSL_OPTIONS = { allowPrivateDomains: false, detectIp: false, extractHostname: false, validateHostname: false, mixedInputs: false } as const;

/** The host has a registrable domain under a public suffix of the PSL's ICANN section. */
function hasPublicSuffix(host: string): { suffix: string } | null {
  const r = parseDomain(host, PSL_OPTIONS);
  if (!r.isIcann || !r.domain || !r.publicSuffix) return null;
  return { suffix: r.publicSuffix };
}

/**
 * Public suffixes that are also common file extensions (`.zip`, `.mov`, `.py`, `.sh`, `.pl`, `.rs`,
 * `.md` ...): such a name is a domain only in URL or e-mail context, or spelled with `www.`.
 */
const EXTENSION_LIKE_SUFFIXES = new Set(
  'zip mov py pl pm sh ps cc rs md ml mm ai dot cab java one app so map save pub run download properties cat ax dev mobi page data link website today'.split(' '),
);

/**
 * Public suffixes that are also everyday member names in code (`entry.name`, `methods.post`,
 * `part.stream`, `node.id`): such a name is a domain only in URL or e-mail context, or with `www.`.
 * Suffixes malware favours (`.top`, `.info`, `.xyz`, `.live` ...) are deliberately not listed.
 */
const CODE_MEMBER_SUFFIXES = new Set('name next post search report play stream read store web now id parts property style show'.split(' '));

/**
 * Receivers that make `receiver.member...` code rather than a host (`window.top`, `this.head.next`,
 * `Date.now`); single letters (`e.data`, `v.constructor.name`) only in two-label names, since
 * one-letter subdomains (`s.example.com`) are real.
 */
const CODE_RECEIVERS = new Set(
  'this self window document top parent frames event obj object options opts settings config cfg item node data res req response request result args arguments ctx context date math json console navigator location module exports process err error target element elem el params props state user file app me my you it is'
    .split(' ')
    .concat('abcdefghijklmnopqrstuvwxyz'.split('')),
);

/** A label as people write host names: lower-case, upper-case or Capitalised (`Corp-Mail` too). */
function conventionalCase(label: string): boolean {
  if (label === label.toLowerCase() || label === label.toUpperCase()) return true;
  return label.split('-').every((word) => word.slice(1) === word.slice(1).toLowerCase());
}

/**
 * A dotted token outside URL and e-mail context is reported as a domain only when it reads like one:
 *
 * - valid labels under an ICANN public suffix, with a registrable label of at least 3 characters (4
 *   under a two-letter country code) unless a subdomain is present: `x.com` or `ab.de` alone is more
 *   often code or binary noise than a host;
 * - not a file name: suffixes that are common extensions (`.zip`, `.py`, `.sh`) need `www.`;
 * - written the way host names are: all lower-case, all upper-case, or Capitalised labels over a
 *   lower-case suffix (`Microsoft.com`), never `System.Net`, `System.IO` or random binary noise;
 * - not `receiver.member` code (`window.top`, `this.name`, `Date.now`).
 */
function acceptBareDomain(host: string, original: string): boolean {
  if (!validHostname(host)) return false;
  const psl = hasPublicSuffix(host);
  if (!psl) return false;
  const labels = host.split('.');
  const suffixLabels = psl.suffix.split('.').length;
  const registrable = labels[labels.length - suffixLabels - 1];
  if (labels.length === suffixLabels + 1 && registrable.length < (psl.suffix.length === 2 ? 4 : 3)) return false;
  const tld = labels[labels.length - 1];
  if ((EXTENSION_LIKE_SUFFIXES.has(tld) || CODE_MEMBER_SUFFIXES.has(psl.suffix)) && labels[0] !== 'www') return false;
  if (original !== host && original !== original.toUpperCase()) {
    if (original.slice(original.length - psl.suffix.length) !== psl.suffix) return false;
    const originalLabels = original.split('.');
    for (let i = 0; i < originalLabels.length - suffixLabels; i++) if (!conventionalCase(originalLabels[i])) return false;
  }
  if (CODE_RECEIVERS.has(labels[0]) && (labels[0].length > 1 || labels.length === 2)) return false;
  return true;
}

/** An e-mail domain: a public suffix, a registrable label of two characters or more, conventional case. */
function plausibleMailDomain(domain: string, original: string): boolean {
  if (!validHostname(domain)) return false;
  const psl = hasPublicSuffix(domain);
  if (!psl) return false;
  const labels = original.split('.');
  const suffixLabels = psl.suffix.split('.').length;
  if (labels[labels.length - suffixLabels - 1].length < 2) return false;
  return original === domain || original === original.toUpperCase() || labels.every(conventionalCase);
}

/** Words after which a dotted quad is a version or a section number (`Version=4.1.2.3`, `RFC 7540 8.1.2.4`). */
const IPV4_VERSION_CONTEXT = /(?:version|\bver\.?|\bv|\brev\.?|\bbuild|\bsection|\bsec\.|§|\brfc\s?\d+|\bchapter|\bclause)[\s:=#]*$/i;

/** Dotted quads that are not host addresses: `x.0.0.0`/`x.y.0.0` networks (and assembly versions), netmasks, 0/8. */
function plausibleHostIPv4(ip: string): boolean {
  if (ip.startsWith('0.') && ip !== '0.0.0.0') return false;
  if (ip.startsWith('255.') && ip !== '255.255.255.255') return false;
  if (ip.endsWith('.0.0') && ip !== '0.0.0.0') return false;
  return true;
}

const hexValue = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** A hex digest candidate: one case, digits and letters both, not all one character, not a repeated pattern. */
function plausibleDigest(hex: string): boolean {
  let digits = 0;
  let lower = 0;
  let upper = 0;
  for (let i = 0; i < hex.length; i++) {
    const c = hex.charCodeAt(i);
    if (c <= 0x39) digits++;
    else if (c >= 0x61) lower++;
    else upper++;
  }
  if (lower && upper) return false;
  if (!digits || digits === hex.length) return false;
  for (let period = 1; period <= hex.length >> 1; period++) {
    if (hex.length % period) continue;
    if (hex.slice(period) === hex.slice(0, hex.length - period)) return false;
  }
  return true;
}

function plausibleIPv6(s: string): boolean {
  if (!isIPv6(s)) return false;
  let colons = 0;
  let hex = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) colons++;
    else if (hexValue(c)) hex++;
  }
  const groups = s.split(':').filter(Boolean).length;
  return colons >= 2 && groups >= 2 && hex >= 4;
}

const DIGEST_TYPES: Record<number, IocType> = { 32: IocType.Md5, 40: IocType.Sha1, 64: IocType.Sha256, 128: IocType.Sha512 };

/**
 * Registry paths: a hive (long or short name, `HKLM:` PowerShell drive form too) and at least one key,
 * or a hive-less path under the keys malware touches most (`Software\Microsoft\...`,
 * `System\CurrentControlSet\...`). Inner keys may contain spaces (`Windows NT`), the last may not.
 */
const SEGMENT = String.raw`[^\\\s"'<>|*?;\x00-\x1f]+`;
const REGISTRY = new RegExp(
  String.raw`(?<![\w\\])(?:(?:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKEY_CURRENT_CONFIG|HKLM|HKCU|HKCR|HKU|HKCC):?\\{1,2}|(?=(?:SOFTWARE\\{1,2}(?:Microsoft|Classes|Policies|Wow6432Node)|SYSTEM\\{1,2}(?:CurrentControlSet|ControlSet\d{3}))\\))` +
    String.raw`(?:${SEGMENT}(?: ${SEGMENT})*\\{1,2})*${SEGMENT}`,
  'gi',
);

// ---------------------------------------------------------------------------------------------
// Extraction

/** Spans of the text already taken by URLs: other types do not look inside them. */
class Spans {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  add(start: number, end: number): void {
    this.starts.push(start);
    this.ends.push(end);
  }
  /** Whether `pos` is inside a span (spans are added in increasing order). */
  contains(pos: number): boolean {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pos < this.starts[mid]) hi = mid - 1;
      else if (pos >= this.ends[mid]) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

const SCHEMES = ['https', 'http', 'ftps', 'ftp'];

/** Executable and script extensions a URL path may end with (see `executableUrl`). */
export const EXECUTABLE_URL_EXTENSIONS = new Set(
  'exe dll scr pif bat cmd vbs vbe js jse wsf wsh hta ps1 psm1 msi msp msix appx appxbundle jar lnk cpl sct apk elf'.split(' '),
);

export interface UrlParts {
  host: string;
  hostIsIp: boolean;
  /** The path (without query and fragment), '' when none. */
  path: string;
}

/** Splits a URL as reported by the extractor (`scheme://[userinfo@]host[:port][/path][?q][#f]`). */
export function urlParts(url: string): UrlParts | null {
  const start = url.indexOf('://');
  if (start < 0) return null;
  const rest = url.slice(start + 3);
  let authorityEnd = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '/' || c === '?' || c === '#') {
      authorityEnd = i;
      break;
    }
  }
  let authority = rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) return null;
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after && !/^:\d{1,5}$/.test(after)) return null;
    if (!isIPv6(host)) return null;
    return { host: host.toLowerCase(), hostIsIp: true, path: pathOf(rest.slice(authorityEnd)) };
  }
  const colon = authority.indexOf(':');
  host = colon >= 0 ? authority.slice(0, colon) : authority;
  if (colon >= 0 && !/^\d{1,5}$/.test(authority.slice(colon + 1))) return null;
  host = host.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (isIPv4(host)) return { host, hostIsIp: true, path: pathOf(rest.slice(authorityEnd)) };
  if (!validHostname(host) || !hasPublicSuffix(host)) return null;
  return { host, hostIsIp: false, path: pathOf(rest.slice(authorityEnd)) };
}

function pathOf(s: string): string {
  const q = s.search(/[?#]/);
  return q >= 0 ? s.slice(0, q) : s;
}

/** Code hosting sites whose `/blob/`, `/tree/` and `/src/` paths are HTML views of a file, not the file. */
const SOURCE_VIEWERS = new Set(['github.com', 'www.github.com', 'gitlab.com', 'www.gitlab.com', 'bitbucket.org', 'www.bitbucket.org', 'codeberg.org']);

/**
 * The executable extension a URL's path ends with, or null. Links to a line of a source file
 * (`#L23`) and code-hosting views (`github.com/.../blob/...`) are pages, not downloads.
 */
export function executableUrl(parts: UrlParts, url = ''): string | null {
  if (/#L\d+/.test(url)) return null;
  if (SOURCE_VIEWERS.has(parts.host) && /\/(?:blob|tree|src)\//.test(parts.path)) return null;
  const last = parts.path.slice(parts.path.lastIndexOf('/') + 1);
  const dot = last.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = last.slice(dot + 1).toLowerCase();
  return EXECUTABLE_URL_EXTENSIONS.has(ext) ? ext : null;
}

export interface ExtractOptions {
  /**
   * Source code (JavaScript, VBScript, Python): `a.b.c` outside quotes is a property chain, so bare
   * domains count only inside a string literal (after a quote or `//`).
   */
  quotedDomainsOnly?: boolean;
  /**
   * Mixed content (binary strings, markup, shell scripts): on a line that reads like code (`;`, `{`,
   * `}`, `=>`, `&&`, `||`, ` = `), bare domains count only inside a string literal.
   */
  codeAwareLines?: boolean;
}

/**
 * Extracts the indicators of `text` (already refanged, see `refang`) into `collector`. Only
 * candidates starting in [from, to) are taken: a caller walking a large text in overlapping windows
 * passes each window's own range, so every indicator is seen whole exactly once.
 */
export function extractIocs(text: string, collector: IocCollector, from = 0, to = text.length, options: ExtractOptions = {}): void {
  const spans = new Spans();
  extractUrls(text, collector, spans, from, to);
  extractEmails(text, collector, spans, from, to);
  extractDotted(text, collector, spans, from, to, options.quotedDomainsOnly ? 'always' : options.codeAwareLines ? 'code-lines' : 'never');
  extractIPv6(text, collector, spans, from, to);
  extractHexRuns(text, collector, spans, from, to);
  if (mayHaveRegistry(text)) {
    for (const m of text.matchAll(REGISTRY)) {
      if (m.index < from || m.index >= to || spans.contains(m.index)) continue;
      const value = registryPath(m[0]);
      if (value) collector.add(IocType.RegistryPath, value);
    }
  }
}

/**
 * Normalises a registry match: single backslashes, no `HKLM:` drive colon, and the path cut where a
 * key name turns into prose (a word after a space starting lower-case: `...\\Run is set`).
 */
function registryPath(match: string): string | null {
  const segments = match.replace(/\\\\/g, '\\').replace(/^(HK\w+):/i, '$1').split('\\');
  for (let i = 1; i < segments.length; i++) {
    const prose = segments[i].search(/ [a-z]/);
    if (prose >= 0) {
      segments.length = i + 1;
      segments[i] = segments[i].slice(0, prose);
      break;
    }
  }
  const value = segments.filter(Boolean).join('\\').slice(0, 512);
  return value.includes('\\') ? value : null;
}

function mayHaveRegistry(text: string): boolean {
  return /HK(?:EY_|LM|CU|CR|U\\|CC)|hk(?:ey_|lm|cu|cr|u\\|cc)|S(?:OFTWARE|YSTEM|oftware|ystem)\\/.test(text);
}

function extractUrls(text: string, collector: IocCollector, spans: Spans, from: number, to: number): void {
  let k = text.indexOf('://');
  while (k >= 0) {
    // Scheme: the letters before `://`; a known scheme at their end (binary strings often glue a byte in front).
    let s = k;
    while (s > 0 && k - s < 12 && is(LETTER, text.charCodeAt(s - 1))) s--;
    const letters = text.slice(s, k).toLowerCase();
    const scheme = SCHEMES.find((x) => letters.endsWith(x));
    if (!scheme) {
      k = text.indexOf('://', k + 3);
      continue;
    }
    const start = k - scheme.length;
    let e = k + 3;
    // An IPv6 literal host keeps its brackets.
    if (text.charCodeAt(e) === 0x5b) {
      const close = text.indexOf(']', e);
      if (close > e && close - e < 48) e = close + 1;
    }
    const limit = Math.min(text.length, k + MAX_URL_SCAN);
    while (e < limit && is(URL_CHARS, text.charCodeAt(e))) e++;
    // Trailing punctuation belongs to the sentence, an unbalanced `)` to the surrounding text.
    let open = -1;
    let close = 0;
    for (;;) {
      const c = text[e - 1];
      if (c === '.' || c === ',' || c === ';' || c === ':' || c === '!' || c === '?' || c === '*' || c === "'") e--;
      else if (c === ')') {
        if (open < 0) {
          open = count(text, start, e, '(');
          close = count(text, start, e, ')');
        }
        if (open >= close) break;
        e--;
        close--;
      } else break;
    }
    const next = Math.max(e, k + 3);
    if (start >= from && start < to && e > k + 3) {
      const raw = text.slice(start, e);
      const known = collector.seenUrls.get(raw);
      if (known !== undefined) {
        // Seen before (the same link repeated): its indicators are already collected.
        if (known) spans.add(start, e);
        k = text.indexOf('://', next);
        continue;
      }
      const parts = urlParts(raw);
      if (collector.seenUrls.size < 50_000) collector.seenUrls.set(raw, parts !== null);
      if (parts) {
        spans.add(start, e);
        const url = normaliseUrl(raw, scheme, k - start).slice(0, collector.limits.maxUrlLength);
        if (isWhitelistedUrl(url, parts.host, parts.hostIsIp)) {
          collector.skip(url);
        } else {
          collector.add(IocType.Url, url);
          if (parts.hostIsIp) {
            if (!isWhitelistedIp(parts.host)) collector.add(IocType.Ip, parts.host);
          } else if (!isWhitelistedHost(parts.host)) {
            collector.add(IocType.Domain, parts.host);
          }
        }
      }
    }
    k = text.indexOf('://', next);
  }
}

/** Characters a URL is followed over before it is cut (reports keep at most maxUrlLength of them). */
const MAX_URL_SCAN = 16 * 1024;

const count = (text: string, start: number, end: number, ch: string): number => {
  let n = 0;
  for (let i = start; i < end; i++) if (text[i] === ch) n++;
  return n;
};

/** Lower-cases the scheme and the authority; the path keeps its case. */
function normaliseUrl(raw: string, scheme: string, schemeLength: number): string {
  const afterScheme = raw.slice(schemeLength + 3);
  const slash = afterScheme.search(/[/?#]/);
  const authority = slash >= 0 ? afterScheme.slice(0, slash) : afterScheme;
  const rest = slash >= 0 ? afterScheme.slice(slash) : '';
  return `${scheme}://${authority.toLowerCase()}${rest}`;
}

function extractEmails(text: string, collector: IocCollector, spans: Spans, from: number, to: number): void {
  let at = text.indexOf('@');
  while (at >= 0) {
    let s = at;
    while (s > 0 && at - s < 64 && is(LOCAL, text.charCodeAt(s - 1))) s--;
    const overlong = s > 0 && is(LOCAL, text.charCodeAt(s - 1));
    while (s < at && !is(ALNUM_T, text.charCodeAt(s))) s++; // a local part starts with a letter or digit here
    let e = at + 1;
    while (e < text.length && e - at <= 253 && is(HOST, text.charCodeAt(e))) e++;
    while (e > at + 1 && !is(ALNUM_T, text.charCodeAt(e - 1))) e--;
    if (!overlong && s < at && e > at + 1 && s >= from && s < to && !spans.contains(s) && text.charCodeAt(at - 1) !== 0x2e) {
      const original = text.slice(at + 1, e);
      const domain = original.toLowerCase();
      if (at - s >= 2 && plausibleMailDomain(domain, original)) {
        const value = `${text.slice(s, at)}@${domain}`.toLowerCase();
        if (isWhitelistedHost(domain)) collector.skip(value);
        else collector.add(IocType.Email, value);
      }
    }
    at = text.indexOf('@', Math.max(e, at + 1));
  }
}

/** Domains and IPv4 addresses: every dotted token of host characters. */
type QuotedRule = 'always' | 'code-lines' | 'never';

function extractDotted(text: string, collector: IocCollector, spans: Spans, from: number, to: number, quoted: QuotedRule): void {
  let d = text.indexOf('.');
  while (d >= 0) {
    let s = d;
    while (s > 0 && is(HOST, text.charCodeAt(s - 1))) s--;
    let e = d + 1;
    while (e < text.length && is(HOST, text.charCodeAt(e))) e++;
    const next = e + 1;
    // Trim dots and hyphens at the ends ("see evil.com." / "--evil.com").
    while (s < e && (text.charCodeAt(s) === 0x2e || text.charCodeAt(s) === 0x2d)) s++;
    while (e > s && (text.charCodeAt(e - 1) === 0x2e || text.charCodeAt(e - 1) === 0x2d)) e--;
    if (e - s >= 4 && e - s <= 253 && s >= from && s < to && !spans.contains(s)) {
      const before = s > 0 ? text.charCodeAt(s - 1) : 0x20;
      const after = e < text.length ? text.charCodeAt(e) : 0x20;
      // Identifier characters around the token make it code (`_x.com`, `$a.b`, `obj.run(`), `@` an e-mail.
      const codeContext = before === 0x5f || before === 0x24 || before === 0x40 || after === 0x5f || after === 0x40 || after === 0x28 || after === 0x24;
      if (!codeContext) {
        const token = text.slice(s, e);
        if (token.indexOf('.') > 0) dotted(text, token, s, collector, quoted === 'never' || isQuote(before) ? 'never' : quoted);
      }
    }
    d = text.indexOf('.', next);
  }
}

/**
 * IPv6 addresses: every run of hex digits, colons and dots around a colon, not touching a word
 * character, validated by node:net and `plausibleIPv6`.
 */
function extractIPv6(text: string, collector: IocCollector, spans: Spans, from: number, to: number): void {
  const n = text.length;
  let c = text.indexOf(':');
  while (c >= 0) {
    let s = c;
    while (s > 0 && is(IPV6_CHARS, text.charCodeAt(s - 1))) s--;
    let e = c + 1;
    while (e < n && is(IPV6_CHARS, text.charCodeAt(e))) e++;
    const next = e;
    while (e > s && text.charCodeAt(e - 1) === 0x2e) e--;
    while (s < e && text.charCodeAt(s) === 0x2e) s++;
    if (e - s >= 6 && e - s <= 45 && s >= from && s < to && !(s > 0 && (is(WORD, text.charCodeAt(s - 1)) || text.charCodeAt(s - 1) === 0x25)) && !(e < n && is(WORD, text.charCodeAt(e))) && !spans.contains(s)) {
      const value = text.slice(s, e).toLowerCase();
      if (plausibleIPv6(value)) {
        if (isWhitelistedIp(value)) collector.skip(value);
        else collector.add(IocType.Ip, value);
      }
    }
    c = text.indexOf(':', next);
  }
}

/**
 * MD5/SHA-1/SHA-256/SHA-512 digests (hex runs of exactly 32/40/64/128 digits) and UUIDs
 * (8-4-4-4-12), bounded by non-word characters. Runs of hex digits and dashes of at least 32
 * characters are found by probing every 32nd character (a probe that is not a hex digit or a dash
 * rules out every run through it), then split at the dashes.
 */
function extractHexRuns(text: string, collector: IocCollector, spans: Spans, from: number, to: number): void {
  const n = text.length;
  const MIN = 32;
  let i = 0;
  while (i + MIN <= n) {
    if (!is(HEX_DASH, text.charCodeAt(i + MIN - 1))) {
      i += MIN;
      continue;
    }
    let s = i + MIN - 1;
    while (s > i && is(HEX_DASH, text.charCodeAt(s - 1))) s--;
    let e = i + MIN;
    while (e < n && is(HEX_DASH, text.charCodeAt(e))) e++;
    if (e - s >= MIN) hexRun(text, s, e, collector, spans, from, to);
    i = e + 1;
  }
}

function hexRun(text: string, s: number, e: number, collector: IocCollector, spans: Spans, from: number, to: number): void {
  // Hex pieces between dashes; a piece at the run's edge is bounded only if no word character touches the run.
  const pieces: [number, number][] = [];
  let p = s;
  for (let k = s; k <= e; k++) {
    if (k === e || text.charCodeAt(k) === 0x2d) {
      if (k > p) pieces.push([p, k]);
      p = k + 1;
    }
  }
  const openLeft = s > 0 && is(WORD, text.charCodeAt(s - 1));
  const openRight = e < text.length && is(WORD, text.charCodeAt(e));
  const bounded = (start: number, end: number) => !(start === s && openLeft) && !(end === e && openRight);
  const take = (start: number) => start >= from && start < to && !spans.contains(start);
  for (let k = 0; k < pieces.length; k++) {
    const [ps, pe] = pieces[k];
    if (k + 4 < pieces.length && isUuidShape(pieces, k) && bounded(ps, pieces[k + 4][1])) {
      const value = text.slice(ps, pieces[k + 4][1]);
      k += 4;
      if (!take(ps)) continue;
      const lower = value.toLowerCase();
      if (lower !== value && value.toUpperCase() !== value) continue;
      if (/^[0-]+$/.test(value) || /^[f-]+$/i.test(value)) continue;
      collector.add(IocType.Uuid, lower);
      continue;
    }
    const type = DIGEST_TYPES[pe - ps];
    if (!type || !bounded(ps, pe) || !take(ps)) continue;
    const value = text.slice(ps, pe);
    if (plausibleDigest(value)) collector.add(type, value.toLowerCase());
  }
}

const UUID_SHAPE = [8, 4, 4, 4, 12];
function isUuidShape(pieces: [number, number][], k: number): boolean {
  for (let j = 0; j < 5; j++) {
    const [ps, pe] = pieces[k + j];
    if (pe - ps !== UUID_SHAPE[j]) return false;
    if (j && ps !== pieces[k + j - 1][1] + 1) return false;
  }
  return true;
}

const isQuote = (c: number) => c === 0x22 || c === 0x27 || c === 0x60 || c === 0x2f;

/** Whether the line around `pos` reads like source code. */
function onCodeLine(text: string, pos: number): boolean {
  let s = pos;
  while (s > 0 && pos - s < 2000 && text.charCodeAt(s - 1) !== 0x0a) s--;
  let e = pos;
  while (e < text.length && e - pos < 2000 && text.charCodeAt(e) !== 0x0a) e++;
  return CODE_LINE.test(text.slice(s, e));
}
const CODE_LINE = /[;{}]|=>|&&|\|\|| = /;

/** A dotted token: an IPv4 address, or a domain unless `unquoted` says a bare one here is code. */
function dotted(text: string, token: string, start: number, collector: IocCollector, unquoted: QuotedRule): void {
  const first = token.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39 && isIPv4(token)) {
    if (!plausibleHostIPv4(token)) return;
    if (IPV4_VERSION_CONTEXT.test(text.slice(Math.max(0, start - 20), start))) return;
    if (isWhitelistedIp(token)) collector.skip(token);
    else collector.add(IocType.Ip, token);
    return;
  }
  if (unquoted === 'always') return;
  const host = token.toLowerCase();
  if (!acceptBareDomain(host, token)) return;
  if (unquoted === 'code-lines' && onCodeLine(text, start)) return;
  if (isWhitelistedHost(host)) collector.skip(host);
  else collector.add(IocType.Domain, host);
}
