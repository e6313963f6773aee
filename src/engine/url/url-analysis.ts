import { getDomain } from 'tldts';
import type { FileIdentity, FileKind } from '../identify/identify';
import { mostSevere, scoreFile, verdictOf } from '../signals/scoring';
import type { AnalysisPipeline } from '../pipeline';
import { AnalysisIssue, AnalysisResult, EngineOptions, FileReport, Ioc, IocType, ProgressListener, Verdict } from '../types';
import type { UrlFetchResult } from './url-fetcher';

/**
 * The analysis of a URL scan: a root report for the URL itself (its fetch facts, redirect chain,
 * TLS, the URL signals and IOCs) with the downloaded body as its only child (relation
 * `url-download`), which the normal pipeline analyses with everything extracted from it.
 * A URL that could not be fetched is a finished analysis whose root report says so (url.unreachable).
 */

export interface UrlScanInput {
  url: string;
  fetch: UrlFetchResult;
  /** The downloaded body (possibly cut at URL_MAX_BYTES); null when nothing was received. */
  body: { name: string; data: Uint8Array } | null;
}

export const URL_DOWNLOAD_RELATION = 'url-download';

export const URL_IDENTITY: FileIdentity = { kind: 'url', label: 'URL', mime: 'text/x-uri', extension: 'url', isArchive: false };

/** Body kinds for which `url.executable_download` fires: programs and the scripts Windows runs on a double click. */
const EXECUTABLE_KINDS = new Set<FileKind>(['pe', 'elf', 'macho', 'dex', 'apk', 'jar', 'java-class', 'lnk', 'hta', 'vbscript', 'powershell', 'batch']);
const EXECUTABLE_EXTENSION = /\.(exe|dll|scr|com|pif|cpl|msi|msix|appx|jar|apk|js|jse|vbs|vbe|wsf|wsh|hta|ps1|bat|cmd|lnk|elf|bin|sh)$/i;

const EMPTY_DIGESTS: FileReport['digests'] = { md5: '', sha1: '', sha256: '', sha512: '', ssdeep: '', tlsh: null };

export async function analyzeUrl(pipeline: AnalysisPipeline, input: UrlScanInput, options: EngineOptions, onProgress: ProgressListener = () => undefined): Promise<AnalysisResult> {
  const started = Date.now();
  const { fetch } = input;
  const root: FileReport = {
    index: 0,
    parentIndex: null,
    relation: null,
    name: input.url,
    path: [input.url],
    depth: 0,
    size: input.body?.data.length ?? 0,
    identity: URL_IDENTITY,
    digests: EMPTY_DIGESTS,
    resources: { url: fetch },
    signals: [],
    iocs: urlIocs(input.url, fetch),
    tags: [],
    issues: [],
    analyzers: ['url-fetch'],
    verdict: verdictOf(Verdict.Unknown, 0),
    data: new Uint8Array(0),
  };
  const files: FileReport[] = [root];
  const origin = input.url;

  if (fetch.redirects > 0) {
    const hosts = [...new Set(fetch.chain.map((h) => hostOf(h.url)).filter(Boolean))];
    const domains = new Set(hosts.map((h) => getDomain(h) ?? h));
    if (domains.size >= 2 || fetch.redirects >= 3) {
      root.signals.push({ id: 'url.redirect_chain', originPath: origin, evidence: fetch.chain.map((h) => `${h.status ?? '—'} ${h.url}`) });
    }
  }
  if (fetch.truncated && fetch.error) root.issues.push({ analyzer: 'url-fetch', kind: 'limit', message: fetch.error });

  if (!input.body) {
    const reason = fetch.error ?? 'no response';
    root.signals.push({ id: 'url.unreachable', originPath: origin, evidence: [reason] });
    root.issues.push({ analyzer: 'url-fetch', kind: fetch.refused ? 'limit' : 'error', message: reason } satisfies AnalysisIssue);
  } else {
    const body = await pipeline.analyze(input.body, options, (percent, message) => onProgress(percent, message));
    for (const file of body.files) {
      file.index += 1;
      file.parentIndex = file.parentIndex === null ? 0 : file.parentIndex + 1;
      if (file.index === 1) file.relation = URL_DOWNLOAD_RELATION;
      file.depth += 1;
      file.path = [input.url, ...file.path];
      for (const hit of file.signals) if (hit.originPath) hit.originPath = `${input.url} > ${hit.originPath}`;
      files.push(file);
    }
    const download = body.files[0];
    root.digests = download.digests;
    const attachmentName = EXECUTABLE_EXTENSION.test(fetch.fileName) && /attachment/i.test(String(fetch.chain.at(-1)?.headers['content-disposition'] ?? ''));
    if (EXECUTABLE_KINDS.has(download.identity.kind) || attachmentName) {
      root.signals.push({
        id: 'url.executable_download',
        originPath: origin,
        evidence: [`${fetch.finalUrl} served ${download.identity.label} (${fetch.contentType ?? 'no content type'}) as ${fetch.fileName}`],
      });
    }
  }

  root.verdict = scoreFile(root.signals, root.issues, true);
  return { files, verdict: mostSevere(files.map((f) => f.verdict)), durationMs: Date.now() - started };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return '';
  }
}

const isIpLiteral = (host: string) => /^[\d.]+$/.test(host) || host.includes(':');

/** The URL, every redirect target, their domains and the addresses they resolved to. */
function urlIocs(url: string, fetch: UrlFetchResult): Ioc[] {
  const iocs = new Map<string, Ioc>();
  const add = (type: IocType, value: string, origin: string) => {
    if (!value) return;
    const key = `${type}\u0000${value}`;
    const existing = iocs.get(key);
    if (existing) {
      if (!existing.origins.includes(origin)) existing.origins.push(origin);
    } else iocs.set(key, { type, value, origins: [origin] });
  };
  add(IocType.Url, url, 'submission');
  fetch.chain.forEach((hop, i) => {
    if (i > 0) add(IocType.Url, hop.url, 'redirect');
    const host = hostOf(hop.url);
    if (host && !isIpLiteral(host)) add(IocType.Domain, host.toLowerCase(), 'url');
    for (const address of hop.resolved) add(IocType.Ip, address, isIpLiteral(host) ? 'url' : 'dns');
  });
  return [...iocs.values()];
}
