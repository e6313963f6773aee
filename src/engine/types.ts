import type { FileIdentity } from './identify/identify';

/**
 * The sandbox engine's contract. The engine knows nothing of HTTP, users or quotas: it is given
 * bytes (a submitted file or a downloaded URL body) and returns one report per analysed file.
 */

/** MetaDefender Sandbox verdicts, from least to most severe. */
export enum Verdict {
  Benign = 'BENIGN',
  Unknown = 'UNKNOWN',
  NoThreat = 'NO_THREAT',
  Informational = 'INFORMATIONAL',
  Suspicious = 'SUSPICIOUS',
  LikelyMalicious = 'LIKELY_MALICIOUS',
  Malicious = 'MALICIOUS',
}

/** Threat level of each verdict on MetaDefender's scale (NO_THREAT spans 0.1–0.25). */
export const THREAT_LEVEL: Record<Verdict, number> = {
  [Verdict.Benign]: -1,
  [Verdict.Unknown]: 0,
  [Verdict.NoThreat]: 0.1,
  [Verdict.Informational]: 0.25,
  [Verdict.Suspicious]: 0.5,
  [Verdict.LikelyMalicious]: 0.75,
  [Verdict.Malicious]: 1,
};

export const VERDICT_ORDER: Verdict[] = [
  Verdict.Benign,
  Verdict.Unknown,
  Verdict.NoThreat,
  Verdict.Informational,
  Verdict.Suspicious,
  Verdict.LikelyMalicious,
  Verdict.Malicious,
];

export const moreSevere = (a: Verdict, b: Verdict): Verdict => (VERDICT_ORDER.indexOf(a) >= VERDICT_ORDER.indexOf(b) ? a : b);

export interface FinalVerdict {
  verdict: Verdict;
  threatLevel: number;
  /** 0..1: how sure the engine is of the verdict. */
  confidence: number;
}

export enum IocType {
  Md5 = 'md5',
  Sha1 = 'sha1',
  Sha256 = 'sha256',
  Sha512 = 'sha512',
  Ip = 'ip',
  Domain = 'domain',
  Url = 'url',
  Email = 'email',
  Uuid = 'uuid',
  RegistryPath = 'registry_path',
}

/** An indicator and where it was seen ("strings", "pe.imports", "emulation", "yara:RuleName" ...). */
export interface Ioc {
  type: IocType;
  value: string;
  origins: string[];
}

/** One fired signal, with the evidence that fired it. */
export interface SignalHit {
  /** Catalogue id, e.g. `archive.path_traversal`. */
  id: string;
  /** Where in the file tree / analyzer it was seen, e.g. `archive/inner.zip/evil.exe`. */
  originPath?: string;
  evidence: string[];
  /** Overrides the catalogue's verdict / strength / description for this hit (e.g. a YARA rule's own meta). */
  verdict?: Verdict;
  strength?: number;
  description?: string;
  /** ATT&CK technique ids this hit adds to its signal's (e.g. from a YARA rule's `mitre` meta). */
  mitre?: string[];
}

/** A file an analyzer extracted (archive member, embedded object, dropped payload). */
export interface ExtractedFile {
  name: string;
  data: Uint8Array;
  /** Why it was extracted, e.g. `archive-member`, `ole10native`, `pdf-embedded-file`. */
  relation: string;
}

/** Something an analyzer could not do (refused by a limit, malformed input, budget overrun). */
export interface AnalysisIssue {
  analyzer: string;
  message: string;
  /** `limit`: refused on purpose (bomb, depth, count); `error`: the analyzer failed; `timeout`: over budget. */
  kind: 'limit' | 'error' | 'timeout';
}

/** What one analyzer returns for one file. */
export interface AnalyzerResult {
  /** Facts merged into the report's `resources`, under keys of the analyzer's own (`archive`, `yara`, `pe` ...). */
  facts?: Record<string, unknown>;
  signals?: SignalHit[];
  iocs?: { type: IocType; value: string; origin: string }[];
  children?: ExtractedFile[];
  issues?: AnalysisIssue[];
  /** Tags for the report's `allTags`, e.g. `upx`, `macro`. */
  tags?: string[];
}

/** What an analyzer is given. */
export interface FileContext {
  /** The bytes, whole (files above the engine's in-memory limit are analysed from a prefix). */
  data: Uint8Array;
  name: string;
  identity: FileIdentity;
  /** Path of the file in the extraction tree, `/` separated, the root file first. */
  path: string[];
  depth: number;
  /** Digests computed before analyzers run (hashes analyzer output, reused by others). */
  sha256: string;
  options: EngineOptions;
  /** Aborted when the analyzer's time budget runs out; long loops should check it. */
  signal: AbortSignal;
  /** What extraction may still add to this flow; an extracting analyzer stops early once it is spent. */
  extractionBudget: { files: number; bytes: number };
}

export interface Analyzer {
  readonly name: string;
  /** Milliseconds this analyzer may take per file before it is abandoned and recorded as a timeout. */
  readonly budgetMs: number;
  appliesTo(file: FileContext): boolean;
  analyze(file: FileContext): Promise<AnalyzerResult>;
}

export interface EngineLimits {
  /** Deepest extraction nesting (the submitted file is depth 0). */
  maxDepth: number;
  /** Most files analysed per flow, the submitted one included. */
  maxFiles: number;
  /** Most bytes extracted per flow, over all children. */
  maxTotalBytes: number;
  /** Largest single extracted file. */
  maxFileBytes: number;
  /** Largest ratio of uncompressed to compressed size accepted for an archive member. */
  maxCompressionRatio: number;
  /** Wall-clock budget for one whole analysis. */
  maxAnalysisMs: number;
}

export interface EngineOptions {
  /** Passwords tried on encrypted archives, in order (the submitted one first, then `infected`). */
  archivePasswords: string[];
  /** Run YARA on the submitted file / on extracted files. */
  inputFileYara: boolean;
  extractedFilesYara: boolean;
  limits: EngineLimits;
  /** Admin-uploaded YARA rule sets, each compiled in its own namespace (`name`) beside the bundled rules. */
  yaraRuleSets?: { name: string; source: string }[];
}

/** One analysed file in the flow's tree. */
export interface FileReport {
  /** Stable within the analysis: 0 for the submitted file, then in discovery order. */
  index: number;
  parentIndex: number | null;
  relation: string | null;
  name: string;
  path: string[];
  depth: number;
  size: number;
  identity: FileIdentity;
  digests: { md5: string; sha1: string; sha256: string; sha512: string; ssdeep: string; tlsh: string | null };
  resources: Record<string, unknown>;
  signals: SignalHit[];
  iocs: Ioc[];
  tags: string[];
  issues: AnalysisIssue[];
  /** Names of the analyzers that ran on the file. */
  analyzers: string[];
  verdict: FinalVerdict;
  /** The bytes, for the storage layer to keep extracted files; not part of the report JSON. */
  data: Uint8Array;
}

export interface AnalysisResult {
  files: FileReport[];
  /** The most severe verdict over the whole tree. */
  verdict: FinalVerdict;
  durationMs: number;
}

/** Reports progress (0–100) while an analysis runs. */
export type ProgressListener = (percent: number, message: string) => void;
