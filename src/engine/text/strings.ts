/**
 * Printable strings of a file's bytes, the way `strings -a` and `strings -a -el` see them: runs of at
 * least MIN_LENGTH printable ASCII characters (0x20–0x7e and tab) and the same characters encoded as
 * UTF-16LE (each followed by a zero byte, at either byte alignment).
 *
 * One pass over the Uint8Array, no regular expression and no decoding of the whole file: this runs on
 * every file the engine sees (up to the in-memory limit, 256 MB). The kept strings are bounded (count
 * and characters); the counts keep going to the end of the file. The async form yields to the event
 * loop between chunks and stops when the analyzer's AbortSignal fires.
 *
 * `stringsOf` caches the extraction per byte array, so the strings analyzer, the IOC analyzer and
 * any later analyzer share one scan of a file.
 */
export const MIN_LENGTH = 5;

export interface ExtractedString {
  /** Byte offset of the first character. */
  offset: number;
  /** `true` for UTF-16LE. */
  wide: boolean;
  value: string;
}

export interface StringsLimits {
  /** Most strings kept (the counts go on). */
  maxStrings: number;
  /** Most characters kept over all strings. */
  maxChars: number;
  /** Longest single kept string; a longer run is kept up to this length (its count is one string). */
  maxStringLength: number;
}

export const DEFAULT_STRINGS_LIMITS: StringsLimits = { maxStrings: 250_000, maxChars: 16 * 1024 * 1024, maxStringLength: 16 * 1024 };

export interface StringsResult {
  /** Number of ASCII / UTF-16LE strings in the scanned bytes (not only the kept ones). */
  ascii: number;
  utf16: number;
  /** Kept strings, in the order their runs ended in the file. */
  strings: ExtractedString[];
  /** Characters kept. */
  chars: number;
  /** Why not every string was kept: `limit` (count/characters), `aborted` (the scan was stopped early). */
  truncated: false | 'limit' | 'aborted';
  /** Bytes scanned (less than the file's size only when aborted). */
  scannedBytes: number;
}

/** Printable in the ASCII sense: 0x20–0x7e and tab. */
const PRINTABLE = new Uint8Array(256);
for (let c = 0x20; c < 0x7f; c++) PRINTABLE[c] = 1;
PRINTABLE[9] = 1;

/**
 * Scan state carried between chunks of one file. Three independent passes share each chunk: ASCII,
 * and UTF-16LE at even and at odd offsets. Each pass looks for runs of at least MIN_LENGTH
 * characters by probing the last character of the shortest run that could start at the current
 * position: when it is not printable no run starts anywhere before it, and the pass jumps past it.
 * On binary data most probes fail, so a pass reads only a fraction of the bytes; a run found is
 * extended forwards freely (across chunk boundaries) and the pass resumes after it.
 */
class Scanner {
  readonly result: StringsResult = { ascii: 0, utf16: 0, strings: [], chars: 0, truncated: false, scannedBytes: 0 };
  /** Next position each pass examines: [ascii, wide even, wide odd]. Invariant: the unit before it is not a character. */
  private readonly next = [0, 0, 1];
  private readonly buf: Buffer;

  constructor(
    private readonly data: Uint8Array,
    private readonly limits: StringsLimits,
  ) {
    this.buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  /** Scans the runs that start in [.., to). */
  scan(to: number): void {
    this.next[0] = this.scanAscii(this.next[0], to);
    this.next[1] = this.scanWide(this.next[1], to);
    this.next[2] = this.scanWide(this.next[2], to);
    this.result.scannedBytes = to;
  }

  private scanAscii(i: number, to: number): number {
    const b = this.data;
    const n = b.length;
    const probe = MIN_LENGTH - 1;
    while (i < to && i + MIN_LENGTH <= n) {
      if (!PRINTABLE[b[i + probe]]) {
        i += MIN_LENGTH;
        continue;
      }
      let s = i + probe;
      while (s > i && PRINTABLE[b[s - 1]]) s--;
      let e = i + MIN_LENGTH;
      while (e < n && PRINTABLE[b[e]]) e++;
      if (e - s >= MIN_LENGTH) this.keep(s, e, false);
      i = e + 1;
    }
    return i;
  }

  /** UTF-16LE runs at the alignment of `i` (a character is a printable byte followed by a zero). */
  private scanWide(i: number, to: number): number {
    const b = this.data;
    const n = b.length;
    const probe = 2 * (MIN_LENGTH - 1);
    const span = 2 * MIN_LENGTH;
    while (i < to && i + span <= n) {
      const p = i + probe;
      if (b[p + 1] !== 0 || !PRINTABLE[b[p]]) {
        i += span;
        continue;
      }
      let s = p;
      while (s > i && b[s - 1] === 0 && PRINTABLE[b[s - 2]]) s -= 2;
      let e = p + 2;
      while (e + 1 < n && b[e + 1] === 0 && PRINTABLE[b[e]]) e += 2;
      if (e - s >= span) this.keep(s, e, true);
      i = e + 2;
    }
    return i;
  }

  finish(): StringsResult {
    this.result.strings.sort((a, b) => a.offset - b.offset);
    return this.result;
  }

  private keep(start: number, end: number, wide: boolean): void {
    const r = this.result;
    if (wide) r.utf16++;
    else r.ascii++;
    if (r.truncated) return;
    const length = wide ? (end - start) >> 1 : end - start;
    const take = Math.min(length, this.limits.maxStringLength);
    if (r.strings.length >= this.limits.maxStrings || r.chars + take > this.limits.maxChars) {
      r.truncated = 'limit';
      return;
    }
    const value = wide ? this.wideValue(start, take) : this.buf.toString('latin1', start, start + take);
    r.strings.push({ offset: start, wide, value });
    r.chars += take;
  }

  private wideValue(start: number, length: number): string {
    // Printable ASCII in UTF-16LE: the low bytes are the characters.
    const b = this.data;
    if (length <= 64) {
      let s = '';
      for (let k = 0; k < length; k++) s += String.fromCharCode(b[start + 2 * k]);
      return s;
    }
    return this.buf.toString('utf16le', start, start + 2 * length);
  }
}

/** Extracts the strings of `data` in one synchronous pass. */
export function extractStrings(data: Uint8Array, limits: Partial<StringsLimits> = {}): StringsResult {
  const scanner = new Scanner(data, { ...DEFAULT_STRINGS_LIMITS, ...limits });
  scanner.scan(data.length);
  return scanner.finish();
}

/** Bytes scanned between two yields to the event loop. */
const CHUNK = 8 * 1024 * 1024;

/**
 * The same extraction in chunks, yielding to the event loop between them; stops (truncated:
 * 'aborted') once `signal` is aborted.
 */
export async function extractStringsAsync(data: Uint8Array, limits: Partial<StringsLimits> = {}, signal?: AbortSignal): Promise<StringsResult> {
  const scanner = new Scanner(data, { ...DEFAULT_STRINGS_LIMITS, ...limits });
  for (let from = 0; from < data.length; from += CHUNK) {
    if (signal?.aborted) {
      scanner.result.truncated = 'aborted';
      break;
    }
    scanner.scan(Math.min(data.length, from + CHUNK));
    if (from + CHUNK < data.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return scanner.finish();
}

const cache = new WeakMap<Uint8Array, Promise<StringsResult>>();
/**
 * The most recently extracted files, oldest first. Only the last MAX_CACHED extractions stay cached:
 * the pipeline keeps every file's bytes until the whole submission is reported, and the strings of
 * hundreds of extracted files must not live that long. The references are weak, so the cache never
 * keeps a file's bytes alive either.
 */
const recent: WeakRef<Uint8Array>[] = [];
const MAX_CACHED = 4;

/**
 * The strings of a file's bytes, extracted once per byte array (the pipeline hands every analyzer
 * the same `FileContext.data`) with the default limits. The first caller's signal governs the scan:
 * when it was aborted (the strings analyzer ran out of time), later callers get the partial result,
 * marked `truncated: 'aborted'`, rather than spending their own budget on the same scan.
 */
export function stringsOf(data: Uint8Array, signal?: AbortSignal): Promise<StringsResult> {
  let pending = cache.get(data);
  if (!pending) {
    pending = extractStringsAsync(data, {}, signal);
    cache.set(data, pending);
    recent.push(new WeakRef(data));
    while (recent.length > MAX_CACHED) {
      const evicted = recent.shift()!.deref();
      if (evicted) cache.delete(evicted);
    }
  }
  return pending;
}
