import type { FileKind } from '../identify/identify';
import { executableUrl, ExtractOptions, extractIocs, IocCollector, IocLimits, refang, urlParts } from '../iocs/extract';
import { stringsOf } from '../text/strings';
import { Analyzer, AnalyzerResult, FileContext, IocType, SignalHit } from '../types';

/** Kinds read as text (decoded whole, in windows); every other kind is read through its strings. */
export const TEXT_KINDS = new Set<FileKind>(['text', 'html', 'hta', 'svg', 'xml', 'email', 'javascript', 'vbscript', 'powershell', 'batch', 'shell', 'python', 'rtf']);

/** Source code, where `a.b.c` outside quotes is a property chain rather than a host name. */
const CODE_KINDS = new Set<FileKind>(['javascript', 'vbscript', 'python']);
/** Prose, where a bare domain counts wherever it stands (in every other text kind, not on lines of code). */
const PROSE_KINDS = new Set<FileKind>(['text', 'email', 'rtf']);

/** Kinds in which a URL to a `.js` file is ordinary (pages and scripts load scripts). */
const WEB_KINDS = new Set<FileKind>(['html', 'svg', 'xml', 'javascript']);

/** Bytes decoded per window, and characters of context carried from one window into the next. */
const WINDOW_BYTES = 4 * 1024 * 1024;
const OVERLAP = 4096;
/** Characters of strings joined into one text for extraction. */
const STRINGS_BATCH = 4 * 1024 * 1024;
/** Most evidence lines per signal hit. */
const MAX_EVIDENCE = 10;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function textEncoding(data: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (data[0] === 0xff && data[1] === 0xfe) return 'utf-16le';
  if (data[0] === 0xfe && data[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/**
 * Extracts the indicators of a text file, decoded in windows of WINDOW_BYTES with OVERLAP characters
 * of the previous window kept as context; each indicator is taken by the window it starts in.
 * Returns false when stopped by `signal`.
 */
export async function iocsOfText(
  data: Uint8Array,
  collector: IocCollector,
  signal?: AbortSignal,
  { windowBytes = WINDOW_BYTES, overlap = OVERLAP, ...options }: { windowBytes?: number; overlap?: number } & ExtractOptions = {},
): Promise<boolean> {
  const decoder = new TextDecoder(textEncoding(data), { fatal: false, ignoreBOM: false });
  let carry = '';
  let from = 0;
  for (let offset = 0; offset < data.length; offset += windowBytes) {
    if (signal?.aborted) return false;
    const last = offset + windowBytes >= data.length;
    const text = carry + refang(decoder.decode(data.subarray(offset, offset + windowBytes), { stream: !last }));
    const to = last ? text.length : Math.max(from, text.length - overlap);
    extractIocs(text, collector, from, to, options);
    if (!last) {
      // The next window sees the uncommitted tail [to, end) again, with OVERLAP characters of context before it.
      const keep = Math.max(0, to - overlap);
      carry = text.slice(keep);
      from = to - keep;
      await yieldToLoop();
    }
  }
  return true;
}

/** Extracts the indicators of a file's strings, joined by newlines (no indicator spans two strings). */
export async function iocsOfStrings(strings: { value: string }[], collector: IocCollector, signal?: AbortSignal): Promise<boolean> {
  let batch: string[] = [];
  let chars = 0;
  const flush = () => {
    const text = refang(batch.join('\n'));
    extractIocs(text, collector, 0, text.length, { codeAwareLines: true });
    batch = [];
    chars = 0;
  };
  for (const s of strings) {
    batch.push(s.value);
    chars += s.value.length + 1;
    if (chars >= STRINGS_BATCH) {
      flush();
      if (signal?.aborted) return false;
      await yieldToLoop();
    }
  }
  if (batch.length) flush();
  return true;
}

/**
 * Indicators of compromise of every file: from the decoded text for text kinds, from the printable
 * strings (shared with the strings analyzer) for everything else. Raises `iocs.ip_url` for URLs to a
 * bare IP address and `iocs.executable_url` for URLs to executables and scripts.
 */
export class IocsAnalyzer implements Analyzer {
  readonly name = 'iocs';
  readonly budgetMs = 30_000;

  constructor(private readonly limits: Partial<IocLimits> = {}) {}

  appliesTo(file: FileContext): boolean {
    return file.data.length > 0;
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const collector = new IocCollector(this.limits);
    const asText = TEXT_KINDS.has(file.identity.kind);
    const origin = asText ? 'text' : 'strings';
    const facts: Record<string, unknown> = { source: origin };
    if (asText) {
      const options = { quotedDomainsOnly: CODE_KINDS.has(file.identity.kind), codeAwareLines: !PROSE_KINDS.has(file.identity.kind) };
      if (!(await iocsOfText(file.data, collector, file.signal, options))) facts.incomplete = 'stopped before the end of the text';
    } else {
      const strings = await stringsOf(file.data, file.signal);
      if (strings.truncated === 'aborted') facts.incomplete = `strings extraction stopped after ${strings.scannedBytes} bytes`;
      else if (strings.truncated) facts.incomplete = `only the first ${strings.strings.length} strings were searched`;
      if (!(await iocsOfStrings(strings.strings, collector, file.signal))) facts.incomplete = 'stopped before the last strings';
    }

    const iocs: NonNullable<AnalyzerResult['iocs']> = [];
    const counts: Record<string, number> = {};
    for (const [type, values] of collector.values) {
      if (!values.size) continue;
      counts[type] = values.size;
      for (const value of values) iocs.push({ type, value, origin });
    }
    facts.counts = counts;
    if (collector.whitelisted.size) facts.whitelisted = collector.whitelisted.size;
    if (collector.truncated.size) {
      facts.truncated = `more than ${collector.limits.maxPerType} distinct ${[...collector.truncated].sort().join(', ')} indicators: the rest were not kept`;
    }
    return { facts: { iocs: facts }, iocs, signals: this.signals(collector.list(IocType.Url), file.identity.kind) };
  }

  private signals(urls: string[], kind: FileKind): SignalHit[] {
    const ipUrls: string[] = [];
    const executableUrls: string[] = [];
    for (const url of urls) {
      const parts = urlParts(url);
      if (!parts) continue;
      if (parts.hostIsIp) ipUrls.push(url);
      const ext = executableUrl(parts, url);
      if (ext && !((ext === 'js' || ext === 'mjs') && WEB_KINDS.has(kind))) executableUrls.push(url);
    }
    const hits: SignalHit[] = [];
    if (ipUrls.length) hits.push({ id: 'iocs.ip_url', evidence: evidence(ipUrls) });
    if (executableUrls.length) hits.push({ id: 'iocs.executable_url', evidence: evidence(executableUrls) });
    return hits;
  }
}

function evidence(values: string[]): string[] {
  const shown = values.slice(0, MAX_EVIDENCE);
  if (values.length > MAX_EVIDENCE) shown.push(`... and ${values.length - MAX_EVIDENCE} more`);
  return shown;
}
