import { extractArchive, ExtractionOutcome, MemberReport } from '../archive/extractor';
import { hasExecutableExtension } from '../archive/member-names';
import { EXECUTABLE_KINDS, FileKind, identify } from '../identify/identify';
import type { AnalysisIssue, Analyzer, AnalyzerResult, ExtractedFile, FileContext, SignalHit } from '../types';

/**
 * Opens archives and containers (zip incl. ZipCrypto and AES, 7z incl. encrypted headers, rar,
 * gzip, bzip2, xz, zstd, tar, cab, iso and other disk images, chm, arj, cpio — FileIdentity.isArchive)
 * with 7-Zip in WebAssembly, one level per call: its members come back as children (`archive-member`) and the
 * pipeline analyses them, recursing within its depth, file-count and byte limits.
 *
 * Signals: archive.encrypted (opened with a known password), archive.password_unknown,
 * archive.path_traversal (evidence: the raw names), archive.bomb (members refused by size, ratio or
 * budget, stopped while expanding beyond their declared size, or needing more memory to decode
 * than 7-Zip may have), archive.too_many_files,
 * archive.too_deep (at the deepest level it is listed, not extracted), archive.malformed (7-Zip's
 * message), archive.executable_member (an executable or script by name or content),
 * archive.disk_image_payload (the same inside an ISO or another disk image: VHD, VHDX, VMDK, VDI,
 * QCOW, DMG, a raw partitioned disk, UDF, FAT, NTFS, ext).
 *
 * Facts: resources.archive = { format, members: [{name, size, packedSize, encrypted, refused?, ...}],
 * memberCount, truncated?, encrypted, password?, errors, warnings ... }, the member list bounded.
 */
export const MAX_REPORTED_MEMBERS = 300;
const MAX_EVIDENCE = 20;

/** Containers Windows mounts with a double click: what runs from them carries no Mark of the Web. */
const DISK_IMAGES = new Set<FileKind>(['iso', 'disk-image']);

export class ArchiveAnalyzer implements Analyzer {
  readonly name = 'archive';
  readonly budgetMs = 60_000;

  appliesTo(file: FileContext): boolean {
    return file.identity.isArchive;
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const { limits } = file.options;
    const passwords = [...new Set([...file.options.archivePasswords.filter((p) => typeof p === 'string' && p.length > 0), 'infected'])];
    const outcome = await extractArchive({
      data: file.data,
      name: file.name,
      kind: file.identity.kind,
      extension: file.identity.extension,
      passwords,
      maxFileBytes: limits.maxFileBytes,
      maxCompressionRatio: limits.maxCompressionRatio,
      budget: file.extractionBudget,
      deadline: Date.now() + Math.max(1000, Math.min(this.budgetMs, limits.maxAnalysisMs) - 250),
      signal: file.signal,
      listOnly: file.depth + 1 > limits.maxDepth,
    });
    return this.report(file, outcome, passwords);
  }

  private report(file: FileContext, outcome: ExtractionOutcome, passwords: string[]): AnalyzerResult {
    const signals: SignalHit[] = [];
    const issues: AnalysisIssue[] = outcome.issues.map((i) => ({ analyzer: this.name, ...i }));
    const tags = new Set<string>([outcome.format]);
    const hit = (id: string, evidence: string[], description?: string) => {
      if (evidence.length) signals.push({ id, evidence: bound(evidence), ...(description ? { description } : {}) });
    };

    // Passwords: which one worked is said, its value only when it is the public `infected`.
    let password: Record<string, unknown> | undefined;
    if (outcome.encrypted) {
      tags.add('encrypted');
      const index = outcome.passwordIndex;
      const opened = index !== undefined;
      password = { opened, tried: passwords.length, ...(opened ? { index, password: passwords[index] === 'infected' ? 'infected' : '(a submitted password, withheld)' } : {}) };
      if (opened) {
        hit('archive.encrypted', [`${outcome.headersEncrypted ? 'archive (headers and content)' : 'content'} opened with ${passwords[index] === 'infected' ? "the password 'infected'" : `password #${index + 1} of the ${passwords.length} tried (a submitted password)`}`]);
      } else if (!outcome.passwordUnknown) {
        hit('archive.encrypted', ['encrypted archive']);
      }
    }
    if (outcome.passwordUnknown) {
      const locked = outcome.members.filter((m) => m.encrypted && !m.extracted && !m.refused);
      hit('archive.password_unknown', [
        outcome.headersEncrypted && !outcome.listing ? `encrypted headers: none of the ${passwords.length} known password(s) opened the archive` : `${locked.length} encrypted member(s) not opened with any of the ${passwords.length} known password(s)`,
        ...locked.map((m) => m.name),
      ]);
    }

    hit('archive.path_traversal', outcome.unsafeNames.map((u) => u.name));

    const bombs = outcome.refusals.filter((r) => ['size', 'ratio', 'budget', 'expanded', 'memory'].includes(r.reason));
    hit('archive.bomb', bombs.map((r) => r.message));
    hit('archive.too_many_files', outcome.refusals.filter((r) => r.reason === 'files').map((r) => r.message));
    const tooDeep = outcome.refusals.filter((r) => r.reason === 'depth');
    if (tooDeep.length) {
      hit('archive.too_deep', [`${file.path.join('/')} is at depth ${file.depth}: its ${tooDeep.length} member(s) were listed, not extracted (limit ${file.options.limits.maxDepth})`, ...tooDeep.map((r) => r.name)]);
    }
    for (const r of outcome.refusals.slice(0, 10)) issues.push({ analyzer: this.name, kind: 'limit', message: r.message });
    if (outcome.refusals.length > 10) issues.push({ analyzer: this.name, kind: 'limit', message: `… and ${outcome.refusals.length - 10} more refused member(s)` });

    if (outcome.malformed.length) {
      hit('archive.malformed', outcome.malformed);
      issues.push({ analyzer: this.name, kind: 'error', message: `archive could not be read completely: ${outcome.malformed[0]}` });
    }

    // Executables and scripts: by name among all members, by content among the extracted ones.
    const executables: string[] = [];
    const extractedReports = new Set(outcome.extracted.map((e) => e.report));
    for (const m of outcome.members) {
      if (!m.directory && hasExecutableExtension(m.name) && !extractedReports.has(m)) executables.push(m.name);
    }
    for (const e of outcome.extracted) {
      const kind = identify(e.data).kind;
      if (hasExecutableExtension(e.name) || EXECUTABLE_KINDS.has(kind)) executables.push(`${e.report.name} (${kind})`);
    }
    hit('archive.executable_member', executables);
    if (DISK_IMAGES.has(file.identity.kind)) hit('archive.disk_image_payload', executables.map((e) => `${file.identity.label} carries ${e}`));

    const children: ExtractedFile[] = outcome.extracted.map((e) => ({ name: e.name, data: e.data, relation: 'archive-member' }));
    const listing = outcome.listing;
    const members = outcome.members.slice(0, MAX_REPORTED_MEMBERS).map(compactMember);
    const archive: Record<string, unknown> = {
      format: outcome.format,
      ...(listing?.physicalSize !== undefined ? { physicalSize: listing.physicalSize } : {}),
      ...(listing && Object.keys(listing.properties).length ? { properties: listing.properties } : {}),
      memberCount: listing?.memberCount ?? 0,
      declaredSize: listing?.declaredTotal ?? 0,
      extracted: children.length,
      refused: outcome.refusals.length,
      encrypted: outcome.encrypted,
      ...(outcome.headersEncrypted ? { headersEncrypted: true } : {}),
      ...(password ? { password } : {}),
      members,
      ...(listing && (listing.truncated || outcome.members.length > members.length) ? { truncated: true } : {}),
      ...(outcome.malformed.length ? { errors: outcome.malformed } : {}),
      ...(outcome.warnings.length ? { warnings: outcome.warnings } : {}),
      ...(outcome.unsafeNames.length ? { unsafeNames: outcome.unsafeNames.slice(0, MAX_EVIDENCE) } : {}),
    };
    return { facts: { archive }, signals, issues, children, tags: [...tags] };
  }
}

function bound(evidence: string[]): string[] {
  const unique = [...new Set(evidence)];
  return unique.length > MAX_EVIDENCE ? [...unique.slice(0, MAX_EVIDENCE), `… ${unique.length - MAX_EVIDENCE} more`] : unique;
}

function compactMember(m: MemberReport): MemberReport {
  const out = { ...m };
  for (const key of Object.keys(out) as (keyof MemberReport)[]) if (out[key] === undefined) delete out[key];
  return out;
}
