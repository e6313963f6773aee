import type { FileIdentity } from '../../engine/identify/identify';
import { EngineFailure } from '../../engine/engine-runner';
import { verdictOf } from '../../engine/signals/scoring';
import { AnalysisIssue, FileReport, IocType, Verdict } from '../../engine/types';
import { URL_IDENTITY } from '../../engine/url/url-analysis';
import { Flow, FlowKind } from './flow.entity';

/** Identity of a submitted file the engine did not get to identify (its bytes are not parsed here, on the event loop). */
const NOT_ANALYSED: FileIdentity = { kind: 'data', label: 'Not analysed', mime: 'application/octet-stream', extension: 'bin', isArchive: false };

export interface SampleDigests {
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
}

/** One line saying why an analysis failed, for the flow's `error` and the report's `issues`. */
export function failureReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').trim().slice(0, 1000) || 'the analysis failed';
}

export function failureKind(err: unknown): AnalysisIssue['kind'] {
  return err instanceof EngineFailure && err.kind === 'timeout' ? 'timeout' : 'error';
}

/**
 * The report of a flow whose analysis failed for good: the submitted file (or URL), verdict
 * UNKNOWN, the reason in `issues`. The writer marks it overallState `failed`.
 */
export function failedRootReport(flow: Pick<Flow, 'kind' | 'url' | 'fileName' | 'sampleSha256'>, sample: SampleDigests | null, reason: string, kind: AnalysisIssue['kind']): FileReport {
  const isUrl = flow.kind === FlowKind.Url;
  const identity = isUrl ? URL_IDENTITY : NOT_ANALYSED;
  const name = isUrl ? flow.url ?? 'url' : flow.fileName ?? flow.sampleSha256 ?? 'sample';
  const size = sample?.size ?? 0;
  return {
    index: 0,
    parentIndex: null,
    relation: null,
    name,
    path: [name],
    depth: 0,
    size,
    identity,
    digests: {
      md5: sample?.md5 ?? '',
      sha1: sample?.sha1 ?? '',
      sha256: sample?.sha256 ?? (isUrl ? '' : flow.sampleSha256 ?? ''),
      sha512: sample?.sha512 ?? '',
      ssdeep: '',
      tlsh: null,
    },
    resources: isUrl ? { url: { url: flow.url } } : { file: { type: identity.label, mime: identity.mime, kind: identity.kind, extension: identity.extension, size } },
    signals: [],
    iocs: isUrl && flow.url ? [{ type: IocType.Url, value: flow.url, origins: ['submission'] }] : [],
    tags: [],
    issues: [{ analyzer: 'engine', kind, message: reason }],
    analyzers: [],
    verdict: verdictOf(Verdict.Unknown, 0),
    data: new Uint8Array(0),
  };
}
