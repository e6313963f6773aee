import { FileKind, identify } from '../identify/identify';
import { AuthenticodeFacts, authentihash, certificateTable, parseAuthenticode } from '../formats/pe/authenticode';
import { Capability, detectCapabilities, RULE_APIS } from '../formats/pe/capabilities';
import { DebugEntry, DotNetFacts, parseClr, parseDebug, parseTls } from '../formats/pe/directories';
import { parseExports } from '../formats/pe/exports';
import { importedNames, ImportTables, parseImports } from '../formats/pe/imports';
import { detectPackers } from '../formats/pe/packers';
import { MACHINES, PeFile, PeSection, SUBSYSTEMS } from '../formats/pe/pe-file';
import { attempt, hex } from '../formats/pe/reader';
import { entropyOf } from '../hashing/entropy';
import { languageName, parseResources, parseVersionInfo, ResourceEntry } from '../formats/pe/resources';
import { parseRichHeader } from '../formats/pe/rich';
import { SIGNAL_BY_ID } from '../signals/catalogue';
import { stringsOf } from '../text/strings';
import type { AnalysisIssue, Analyzer, AnalyzerResult, ExtractedFile, FileContext, SignalHit } from '../types';
import { Verdict } from '../types';

/**
 * Windows PE executables (32 and 64 bit, .exe/.dll/.sys, .NET assemblies): parsed, never run.
 *
 * Facts (resources.pe): headers (machine, subsystem, characteristics, linker and OS versions, image
 * base, entry point and the section it lands in), the compile time (ISO) and what is odd about it,
 * the header checksum against the computed one, sections (addresses, sizes, R/W/X, entropy),
 * imports per DLL (names and ordinals; delay-load and bound imports) and the **imphash** (equal to
 * pefile's get_imphash() and YARA's pe.imphash()), exports, resources (type, name, language, size,
 * entropy, content type), version information, the Rich header (decoded @comp.id entries, checksum
 * check, Rich hash), the overlay, TLS callbacks, debug entries (PDB path), the CLR header of .NET
 * assemblies, packers and their traits, the capabilities the imports add up to, Authenticode
 * (signers, certificates, time stamps, checks) and the **authentihash** (SHA-256 of the image as
 * Authenticode hashes it). `imphash` and `authentihash` sit at the top of resources.pe: the worker
 * copies them into searchable columns.
 *
 * Children: executables, archives, documents and scripts found in the overlay (`pe-overlay`), in
 * resources (`pe-resource`; also large high-entropy blobs, possibly encrypted payloads) and PE
 * images embedded in sections (`pe-embedded`), within the flow's extraction budget.
 *
 * Signals (signals/definitions/pe.ts): API-use sets (injection, keylogging, anti-debugging,
 * persistence, download-and-execute, ransomware traits, screen and clipboard capture, credential
 * dumping, dynamic API resolution), packers, structure anomalies and Authenticode problems.
 *
 * Calibration — what keeps ordinary software at NO_THREAT:
 * - API signals need a combination of APIs that only makes sense together (see capabilities.ts);
 *   one ordinary API (CreateProcess, RegSetValueEx, VirtualAlloc, IsDebuggerPresent) never fires;
 * - **a valid signature lowers API-use signals to informational** (strength halved): valid means the
 *   signed digest equals the file's authentihash, the signer's signature verifies, and the signer
 *   certificate is not self-signed. Anyone can sign with a self-signed certificate, so that lowers
 *   nothing; stolen certificates exist, so the signals are lowered, not removed;
 * - traits a named compressor explains (UPX's writable and executable sections, ASPack's entry point
 *   in a non-executable section, UPX's two-function import table) are reported at informational;
 * - the compile time is not an anomaly when it is zero (Go), Delphi's constant 1992 date, or a hash
 *   (a REPRO debug entry: reproducible builds); the checksum only when it is set and wrong; TLS
 *   callbacks only when they run from outside the code sections or in a packed file (mingw's CRT
 *   has two).
 */
export const MAX_LISTED_FUNCTIONS = 5000;
export const MAX_LISTED_RESOURCES = 300;
const MAX_CHILDREN = 32;
const MAX_EVIDENCE = 15;
/** Resources extracted when they hold nothing recognisable but are this large and this random. */
const BLOB_MIN_SIZE = 64 * 1024;
const BLOB_MIN_ENTROPY = 7.5;
/** Longest string (characters) looked into for rule keywords, and the most characters looked into. */
const MAX_KEYWORD_STRING = 1024;
const MAX_KEYWORD_TEXT = 16 * 1024 * 1024;

const DELPHI_TIMESTAMP = 0x2a425e19;
const PE_EPOCH = Date.UTC(1993, 0, 1) / 1000;
/** Resource types whose content is structure, not payload: never extracted. */
const STRUCTURAL_RESOURCES = new Set(['RT_CURSOR', 'RT_ICON', 'RT_MENU', 'RT_DIALOG', 'RT_STRING', 'RT_FONTDIR', 'RT_ACCELERATOR', 'RT_MESSAGETABLE', 'RT_GROUP_CURSOR', 'RT_GROUP_ICON', 'RT_VERSION', 'RT_MANIFEST', 'RT_DLGINCLUDE', 'RT_ANICURSOR', 'RT_ANIICON']);
/** Content worth analysing as a file of its own. */
const NOT_EXTRACTED = new Set<FileKind>(['data', 'empty', 'text', 'image', 'xml']);
const EXECUTABLE = new Set<FileKind>(['pe', 'elf', 'macho']);
/** Compressors whose traits (W+X sections, odd entry point, tiny import table) are by design. */
const COMPRESSORS = new Set(['upx', 'aspack', 'mpress', 'petite', 'wwpack', 'pecompact', 'kkrunchy']);
/** API-use signals, lowered for validly signed files. */
const API_SIGNALS = new Set([
  'pe.injection.remote_thread', 'pe.injection.hollowing', 'pe.injection.apc', 'pe.injection.thread_hijack', 'pe.keylogger', 'pe.anti_debug', 'pe.anti_vm',
  'pe.persistence.run_key', 'pe.persistence.service', 'pe.persistence.scheduled_task', 'pe.download_execute', 'pe.ransomware_traits', 'pe.screen_capture',
  'pe.clipboard', 'pe.credential_dumping', 'pe.dynamic_api_resolution',
]);

/** What installer stubs (NSIS, Inno Setup, InstallShield ...) do by design, lowered to informational for them. */
const INSTALLER_SIGNALS = new Set(['pe.persistence.run_key', 'pe.persistence.service', 'pe.persistence.scheduled_task', 'pe.download_execute']);

export class PeAnalyzer implements Analyzer {
  readonly name = 'pe';
  readonly budgetMs = 20_000;

  appliesTo(file: FileContext): boolean {
    return file.identity.kind === 'pe';
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    /** Parser failures (exceptions): reported as an issue. */
    const errors: string[] = [];
    /** What the file's own tables get wrong (pointers outside the file ...): facts, not failures. */
    const notes: string[] = [];
    const pe = new PeFile(file.data);
    if (!pe.isPe || !pe.file) {
      return { facts: { pe: { format: 'MS-DOS executable', anomalies: pe.anomalies } }, tags: ['msdos'] };
    }
    const signals: SignalHit[] = [];
    const tags = new Set<string>(['pe']);
    const children: ExtractedFile[] = [];
    const budget = { files: Math.min(MAX_CHILDREN, file.extractionBudget.files), bytes: file.extractionBudget.bytes };
    const hit = (id: string, evidence: string[], extra: Partial<SignalHit> = {}) => {
      if (evidence.length) signals.push({ id, evidence: bound(evidence), ...extra });
    };

    // Headers.
    const fh = pe.file;
    const oh = pe.optional;
    const isDll = pe.isDll;
    const subsystem = oh ? (SUBSYSTEMS[oh.subsystem] ?? String(oh.subsystem)) : undefined;
    const isDriver = oh?.subsystem === 1;
    if (isDll) tags.add('dll');
    if (isDriver) tags.add('driver');

    const entryRva = oh?.addressOfEntryPoint ?? 0;
    const entrySection = entryRva ? pe.sectionOfRva(entryRva) : undefined;
    const debug = attempt('debug directory', errors, () => parseDebug(pe, notes)) ?? [];
    const timestamp = timestampFacts(fh.timeDateStamp, debug);

    // Imports, exports, resources and the other directories; each guarded, so one damaged table costs only itself.
    const importTables = attempt('imports', errors, () => parseImports(pe)) ?? { imports: [], delayImports: [], boundImports: [], imphash: null, functionCount: 0, errors: [] };
    notes.push(...importTables.errors);
    const names = importedNames(importTables);
    const exports = attempt('exports', errors, () => parseExports(pe, notes));
    const resourceTree = attempt('resources', errors, () => parseResources(pe, notes));
    const rich = attempt('Rich header', errors, () => parseRichHeader(pe));
    const tls = attempt('TLS directory', errors, () => parseTls(pe, notes));
    const dotnet = attempt('CLR header', errors, () => parseClr(pe, notes));
    if (dotnet) tags.add('dotnet');
    const metadata = dotnet?.metadata;
    // Native functions a .NET assembly calls through P/Invoke count as imports for the capabilities below.
    for (const p of metadata?.pinvoke ?? []) for (const name of pinvokeNames(p.function)) names.add(name);
    if (file.signal.aborted) return { issues: [{ analyzer: this.name, kind: 'timeout', message: 'stopped after the headers' }] };

    // Authenticode.
    const authenticode = attempt('Authenticode', errors, () => parseAuthenticode(pe)) ?? { signed: false, signatures: [], problems: [] };
    const table = certificateTable(pe);
    const sha256Authentihash = table && authenticode.signatures.length ? (authenticode.signatures.find((s) => s.digestAlgorithm === 'sha256')?.computedDigest ?? authentihash(pe, 'sha256', table.offset)) : authentihash(pe, 'sha256', table?.offset ?? pe.data.length);
    const primary = authenticode.signatures[0];
    const trustedSignature = !!primary && primary.valid && !primary.selfSigned && authenticode.signatures.every((s) => s.digestMatches);
    if (authenticode.signed) tags.add('signed');

    // Version information.
    const versionEntry = resourceTree?.entries.find((e) => e.type === 'RT_VERSION' && e.offset >= 0);
    const versionInfo = versionEntry ? attempt('version information', errors, () => parseVersionInfo(pe.r.bytes(versionEntry.offset, versionEntry.size))) : undefined;

    // Packers.
    const packing = detectPackers(pe, entrySection, importTables.functionCount, names);
    const packerIds = new Set(packing.packers.map((p) => p.id));
    const explainedByCompressor = packing.packers.some((p) => COMPRESSORS.has(p.id));
    for (const p of packing.packers) {
      tags.add(p.id);
      tags.add('packed');
      const signalId = `pe.packed.${p.id}`;
      if (SIGNAL_BY_ID.has(signalId)) hit(signalId, [`${p.name}: ${p.evidence.join('; ')}`, ...packing.heuristics]);
    }
    if (!packing.packers.length && packing.heuristics.length >= 2) {
      tags.add('packed');
      hit('pe.packed.heuristic', packing.heuristics);
    }
    if (metadata) {
      const downloads = metadata.memberReferences.filter((m) => DOTNET_DOWNLOADERS.has(m));
      const loads = metadata.loadsFromBytes.map((m) => `references ${m}: loads an assembly from bytes in memory`);
      hit('pe.dotnet.reflective_load', loads.length ? [...loads, ...downloads.map((m) => `and downloads with ${m}`)] : [], downloads.length ? { strength: 0.65 } : {});
      hit('pe.dotnet.obfuscated', metadata.obfuscators.map((o) => `marker types of ${o}`));
      if (metadata.obfuscators.length) tags.add('obfuscated');
    }

    // Capabilities from imports and strings.
    const strings = await stringsOf(file.data, file.signal);
    const keywordText = lowerText(strings.strings);
    const findStrings = (needles: string[]) => {
      if (needles.length === 1) return keywordText.includes(needles[0]) ? needles : [];
      // One pass for a group of needles.
      const found = new Set<string>();
      for (const m of keywordText.matchAll(needlePattern(needles))) found.add(m[0]);
      return needles.filter((n) => found.has(n));
    };
    const resolvesAtRunTime = [...names].some((n) => /^(GetProcAddress|LdrGetProcedureAddress)$/.test(n));
    const resolved = new Set<string>();
    if (resolvesAtRunTime) {
      for (const s of strings.strings) {
        if (s.value.length <= 40 && !names.has(s.value) && isRuleApi(s.value)) resolved.add(s.value);
      }
    }
    const capabilities = detectCapabilities({ imports: names, resolved, findStrings, importCount: importTables.functionCount }).filter(
      // A compressor's two-function import table is the packer's, not the program's.
      (c) => !(c.signal === 'pe.dynamic_api_resolution' && packing.packers.length),
    );
    const overlay = overlayFacts(pe, table);
    const installer = installerOf(pe, overlay ? file.data.subarray(overlay.offset, overlay.offset + overlay.size) : undefined, versionInfo?.strings ?? {});
    if (installer) {
      tags.add('installer');
      if (overlay) overlay.installer = installer;
    }
    for (const c of capabilities) signals.push(this.apiHit(c, trustedSignature, primary?.signer?.subject, installer));

    // Structure anomalies.
    if (timestamp.anomaly) hit('pe.timestamp_anomaly', [timestamp.anomaly]);
    const checksum = oh ? { stored: hex(oh.checksum, 8), computed: hex(pe.computeChecksum(), 8) } : undefined;
    const checksumValid = checksum ? checksum.stored === checksum.computed : undefined;
    if (oh && oh.checksum !== 0 && checksumValid === false && !trustedSignature) {
      hit('pe.checksum_mismatch', [`stored ${checksum!.stored}, computed ${checksum!.computed}${isDriver ? ' (a driver: the kernel checks driver checksums)' : ''}`], isDriver ? { verdict: Verdict.Suspicious, strength: 0.4 } : {});
    }
    const wx = pe.sections.filter((s) => s.writable && s.executable).map((s) => `section ${s.name} is writable and executable`);
    hit('pe.section_wx', wx, explainedByCompressor ? lowered('pe.section_wx', 'by design of the packer') : {});
    const entryProblem = entryPointProblem(pe, entryRva, entrySection, isDll);
    if (entryProblem) hit('pe.entry_point_anomaly', [entryProblem], explainedByCompressor ? lowered('pe.entry_point_anomaly', 'by design of the packer') : {});
    if (rich && !rich.valid) hit('pe.rich_header_forged', rich.problems);
    if (tls?.callbacks.length) {
      const outside = tls.callbacks.filter((c) => !c.executable).map((c) => `TLS callback ${c.va} ${c.section ? `in non-executable section ${c.section}` : 'outside every section'}`);
      const packed = packing.packers.length > 0 || packing.heuristics.length >= 2;
      hit('pe.tls_callbacks', outside.length ? outside : packed ? [`${tls.callbacks.length} TLS callback(s) in a packed file`] : []);
    }

    // Authenticode problems.
    if (authenticode.signatures.some((s) => !s.digestMatches)) {
      hit('pe.signature.tampered', authenticode.signatures.filter((s) => !s.digestMatches).map((s) => `${s.digestAlgorithm}: signed ${s.signedDigest}, file ${s.computedDigest}`));
    }
    const invalid = [
      ...authenticode.problems,
      // Digest mismatches are pe.signature.tampered; algorithms not checked here and unreadable time stamps are not invalidity.
      ...authenticode.signatures.flatMap((s) => s.problems.filter((p) => !/changed after signing|is not checked|unauthenticated attribute/.test(p))),
    ];
    if (invalid.length && (authenticode.certificateTable || authenticode.signatures.length)) hit('pe.signature.invalid', invalid);
    if (primary?.selfSigned) hit('pe.signature.self_signed', [`signed by ${primary.signer?.subject ?? 'an unknown signer'} with a self-signed certificate`]);
    if (authenticode.unsignedData) {
      const { afterTable, insideTable } = authenticode.unsignedData;
      hit('pe.signature.unsigned_data', [
        ...(afterTable ? [`${afterTable} byte(s) after the certificate table`] : []),
        ...(insideTable ? [`${insideTable} byte(s) of non-zero padding inside the certificate table`] : []),
      ], afterTable ? {} : lowered('pe.signature.unsigned_data', 'inside the table only: installers store download tags there'));
    }

    // Overlay, resources and embedded images: facts and children.
    if (overlay) {
      tags.add('overlay');
      const data = file.data.subarray(overlay.offset, overlay.offset + overlay.size);
      const identity = identify(data);
      overlay.type = identity.label;
      if (EXECUTABLE.has(identity.kind)) hit('pe.overlay_executable', [`${identity.label} appended at ${hex(overlay.offset)} (${overlay.size} bytes)`]);
      if (!NOT_EXTRACTED.has(identity.kind)) this.extract(children, budget, data, `overlay-${hex(overlay.offset)}.${identity.extension}`, 'pe-overlay', errors);
    }
    const resources = resourceTree ? this.resourceFacts(file, resourceTree.entries, children, budget, errors, hit) : undefined;
    const embedded = this.embeddedImages(pe, overlay, resourceTree?.entries ?? [], children, budget, errors);
    if (embedded.length) hit('pe.embedded_executable', embedded);

    const facts: Record<string, unknown> = {
      format: pe.is64 ? 'PE32+' : 'PE32',
      machine: MACHINES[fh.machine] ?? hex(fh.machine, 4),
      ...(subsystem ? { subsystem } : {}),
      isDll,
      isDriver,
      characteristics: pe.fileCharacteristics,
      dllCharacteristics: pe.dllCharacteristics,
      compileTime: timestamp.iso,
      timestamp: fh.timeDateStamp,
      ...(timestamp.note ? { timestampNote: timestamp.note } : {}),
      ...(oh
        ? {
            entryPoint: { rva: hex(entryRva), ...(entrySection ? { section: entrySection.name } : {}), offset: entryRva ? pe.rvaToOffset(entryRva) : null },
            imageBase: hex(oh.imageBase),
            sizeOfImage: oh.sizeOfImage,
            sizeOfHeaders: oh.sizeOfHeaders,
            linkerVersion: `${oh.majorLinkerVersion}.${oh.minorLinkerVersion}`,
            osVersion: `${oh.majorOsVersion}.${oh.minorOsVersion}`,
            subsystemVersion: `${oh.majorSubsystemVersion}.${oh.minorSubsystemVersion}`,
            checksum: { ...checksum, valid: checksumValid },
          }
        : {}),
      imphash: importTables.imphash,
      authentihash: sha256Authentihash,
      sections: pe.sections.map(sectionFact),
      imports: listImports(importTables.imports),
      importCount: importTables.functionCount,
      ...(importTables.delayImports.length ? { delayImports: listImports(importTables.delayImports) } : {}),
      ...(importTables.boundImports.length ? { boundImports: importTables.boundImports } : {}),
      ...(exports ? { exports } : {}),
      ...(resources ? { resources } : {}),
      ...(versionInfo ? { versionInfo } : {}),
      ...(rich ? { richHeader: rich } : {}),
      ...(overlay ? { overlay } : {}),
      ...(tls ? { tls } : {}),
      ...(debug.length ? { debug } : {}),
      ...(dotnet ? { dotnet: dotnetFacts(dotnet) } : {}),
      packers: packing.packers,
      ...(packing.heuristics.length ? { packingTraits: packing.heuristics } : {}),
      capabilities: capabilities.map((c) => ({ name: c.name, signal: c.signal, apis: c.evidence })),
      signature: signatureFacts(authenticode, trustedSignature),
      ...(installer ? { installer } : {}),
      ...(pe.anomalies.length || notes.length ? { anomalies: [...pe.anomalies, ...notes].slice(0, 50) } : {}),
      ...(errors.length ? { errors: errors.slice(0, 50) } : {}),
    };
    const issues: AnalysisIssue[] = errors.length ? [{ analyzer: this.name, kind: 'error', message: `parts of the PE could not be read: ${errors[0]}${errors.length > 1 ? ` (+${errors.length - 1} more)` : ''}` }] : [];
    return { facts: { pe: facts }, signals, children, tags: [...tags], issues };
  }

  /** A capability's signal; lowered to informational for a validly signed file, and for what an installer stub does by design. */
  private apiHit(c: Capability, trusted: boolean, signer: string | undefined, installer: string | undefined): SignalHit {
    const base: SignalHit = { id: c.signal, evidence: bound(c.evidence), ...(c.strength !== undefined ? { strength: c.strength } : {}) };
    const why = trusted && API_SIGNALS.has(c.signal)
      ? `the file is validly signed by ${signer ?? 'its publisher'}`
      : installer && INSTALLER_SIGNALS.has(c.signal)
        ? `${installer} stub: installers write autostart keys, create services and download by design; its payload is analysed separately`
        : undefined;
    if (!why) return base;
    const definition = SIGNAL_BY_ID.get(c.signal)!;
    return { ...base, verdict: Verdict.Informational, strength: Math.round((c.strength ?? definition.strength) * 50) / 100, description: `${definition.description} (lowered: ${why})` };
  }

  private extract(children: ExtractedFile[], budget: { files: number; bytes: number }, data: Uint8Array, name: string, relation: string, errors: string[]): boolean {
    if (budget.files <= 0 || data.length > budget.bytes) {
      if (errors.length < 50) errors.push(`${name} (${data.length} bytes) not extracted: extraction budget spent`);
      return false;
    }
    budget.files--;
    budget.bytes -= data.length;
    children.push({ name, data: data.slice(), relation });
    return true;
  }

  private resourceFacts(
    file: FileContext,
    entries: ResourceEntry[],
    children: ExtractedFile[],
    budget: { files: number; bytes: number },
    errors: string[],
    hit: (id: string, evidence: string[], extra?: Partial<SignalHit>) => void,
  ) {
    const types: Record<string, number> = {};
    const languages = new Set<string>();
    const listed: Record<string, unknown>[] = [];
    const embedded: string[] = [];
    for (const e of entries) {
      if (file.signal.aborted) break;
      types[e.type] = (types[e.type] ?? 0) + 1;
      languages.add(languageName(e.language));
      const inFile = e.offset >= 0 && e.offset + e.size <= file.data.length;
      const data = inFile ? file.data.subarray(e.offset, e.offset + e.size) : undefined;
      let contentType: string | undefined;
      let entropy: number | undefined;
      if (data && listed.length < MAX_LISTED_RESOURCES) entropy = entropyOf(data);
      if (data && data.length && !STRUCTURAL_RESOURCES.has(e.type)) {
        const identity = identify(data);
        if (identity.kind !== 'data') contentType = identity.label;
        const blob = identity.kind === 'data' && data.length >= BLOB_MIN_SIZE && (entropy ?? entropyOf(data)) >= BLOB_MIN_ENTROPY;
        if (!NOT_EXTRACTED.has(identity.kind) || blob) {
          const name = `resource-${e.type.replace(/^RT_/, '')}-${e.name}-${e.language}.${identity.extension}`.replace(/[^\w.-]/g, '_');
          this.extract(children, budget, data, name, 'pe-resource', errors);
          if (EXECUTABLE.has(identity.kind)) embedded.push(`${identity.label} in resource ${e.type}/${e.name} (${e.size} bytes)`);
        }
      }
      if (listed.length < MAX_LISTED_RESOURCES) {
        listed.push({ type: e.type, name: e.name, language: languageName(e.language), codepage: e.codepage, size: e.size, offset: inFile ? e.offset : null, ...(entropy !== undefined ? { entropy } : {}), ...(contentType ? { contentType } : {}) });
      }
    }
    hit('pe.embedded_executable', embedded);
    return { count: entries.length, types, languages: [...languages], entries: listed, ...(entries.length > listed.length ? { truncated: true } : {}) };
  }

  /** PE images inside sections (not the file itself, its resources or its overlay): dropped payloads. */
  private embeddedImages(pe: PeFile, overlay: OverlayFacts | undefined, resources: ResourceEntry[], children: ExtractedFile[], budget: { files: number; bytes: number }, errors: string[]): string[] {
    const found: string[] = [];
    const data = Buffer.from(pe.data.buffer, pe.data.byteOffset, pe.data.byteLength);
    const end = overlay ? overlay.offset : pe.data.length;
    const inResource = (at: number) => resources.some((e) => e.offset >= 0 && at >= e.offset && at < e.offset + e.size);
    let at = data.indexOf('MZ', 2, 'latin1');
    for (let candidates = 0; at >= 0 && at < end && candidates < 2000 && found.length < 8; candidates++) {
      if (at + 0x40 <= pe.data.length) {
        const lfanew = data.readUInt32LE(at + 0x3c);
        if (lfanew >= 0x40 && lfanew < 0x1000 && at + lfanew + 24 <= pe.data.length && data.readUInt32LE(at + lfanew) === 0x4550 && !inResource(at)) {
          const inner = new PeFile(pe.data.subarray(at));
          const size = Math.max(inner.endOfImageData, 0x200);
          if (inner.isPe && inner.sections.length && size <= end - at + 0x200) {
            const section = pe.sectionOfOffset(at);
            found.push(`PE image at ${hex(at)}${section ? ` in section ${section.name}` : ''} (${size} bytes)`);
            this.extract(children, budget, pe.data.subarray(at, Math.min(at + size, pe.data.length)), `embedded-${hex(at)}.${inner.isDll ? 'dll' : 'exe'}`, 'pe-embedded', errors);
            at = data.indexOf('MZ', at + Math.max(size, 2), 'latin1');
            continue;
          }
        }
      }
      at = data.indexOf('MZ', at + 2, 'latin1');
    }
    return found;
  }
}

const bound = (evidence: string[]) => {
  const unique = [...new Set(evidence)];
  return unique.length > MAX_EVIDENCE ? [...unique.slice(0, MAX_EVIDENCE), `… ${unique.length - MAX_EVIDENCE} more`] : unique;
};

/** A hit reported at informational: what it shows is explained (by a packer, by installer conventions). */
const lowered = (id: string, why: string): Partial<SignalHit> => ({ verdict: Verdict.Informational, strength: 0.2, description: `${SIGNAL_BY_ID.get(id)?.description ?? id} (${why})` });

const patterns = new WeakMap<string[], RegExp>();
/** One regular expression matching any of the needles (literal, lower-case; the longest first, so that a needle is not hidden by its prefix), cached per list. */
function needlePattern(needles: string[]): RegExp {
  let re = patterns.get(needles);
  if (!re) patterns.set(needles, (re = new RegExp([...needles].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')));
  return re;
}

const isRuleApi = (name: string) => RULE_APIS.has(name) || ((name.endsWith('A') || name.endsWith('W')) && RULE_APIS.has(name.slice(0, -1)));

function lowerText(strings: { value: string }[]): string {
  const parts: string[] = [];
  let total = 0;
  for (const s of strings) {
    if (s.value.length > MAX_KEYWORD_STRING) continue;
    parts.push(s.value);
    total += s.value.length + 1;
    if (total > MAX_KEYWORD_TEXT) break;
  }
  return parts.join('\n').toLowerCase();
}

function sectionFact(s: PeSection) {
  return {
    name: s.name,
    ...(s.rawName ? { rawName: s.rawName } : {}),
    virtualAddress: hex(s.virtualAddress),
    virtualSize: s.virtualSize,
    rawOffset: hex(s.rawOffset),
    rawSize: s.rawSize,
    characteristics: hex(s.characteristics, 8),
    flags: `${s.readable ? 'R' : '-'}${s.writable ? 'W' : '-'}${s.executable ? 'X' : '-'}`,
    entropy: s.entropy,
  };
}

function listImports(libs: ImportTables['imports']) {
  let budget = MAX_LISTED_FUNCTIONS;
  return libs.map((lib) => {
    const shown = lib.functions.slice(0, Math.max(0, budget));
    budget -= shown.length;
    return {
      dll: lib.dll,
      count: lib.functions.length,
      functions: shown.map((f) => f.name ?? `#${f.ordinal}`),
      ...(shown.length < lib.functions.length || lib.truncated ? { truncated: true } : {}),
    };
  });
}

interface TimestampFacts {
  iso: string | null;
  anomaly?: string;
  note?: string;
}

function timestampFacts(stamp: number, debug: DebugEntry[]): TimestampFacts {
  const iso = new Date(stamp * 1000).toISOString();
  if (stamp === 0) return { iso: null, note: 'zero (not set by the linker, e.g. Go)' };
  if (debug.some((d) => d.type === 'repro')) return { iso, note: 'reproducible build: the timestamp is a hash, not a date' };
  if (stamp === DELPHI_TIMESTAMP) return { iso, note: "Borland Delphi's constant 1992-06-19 timestamp" };
  const now = Date.now() / 1000;
  if (stamp > now + 86400) return { iso, anomaly: `compile time ${iso} is in the future` };
  if (stamp < PE_EPOCH) return { iso, anomaly: `compile time ${iso} is before the PE format existed` };
  const codeview = debug.find((d) => d.type === 'codeview' && d.timestamp);
  if (codeview && Math.abs(codeview.timestamp - stamp) > 86400 * 2) {
    return { iso, anomaly: `compile time ${iso} differs from the debug directory's ${new Date(codeview.timestamp * 1000).toISOString()}` };
  }
  return { iso };
}

function entryPointProblem(pe: PeFile, rva: number, section: PeSection | undefined, isDll: boolean): string | undefined {
  if (!pe.optional) return undefined;
  // Entry point 0: normal for a DLL; in an image without any code section (a stub or resource-only image) it runs nothing either.
  if (rva === 0) return isDll || !pe.sections.some((s) => s.executable || s.characteristics & 0x20) ? undefined : 'the entry point is 0 in an executable that is not a DLL';
  if (!section) {
    return rva < pe.optional.sizeOfHeaders ? `the entry point ${hex(rva)} is in the headers` : `the entry point ${hex(rva)} lies outside every section`;
  }
  if (!section.executable && !(section.characteristics & 0x20)) return `the entry point is in section ${section.name}, which is neither executable nor code`;
  return undefined;
}

interface OverlayFacts {
  offset: number;
  size: number;
  entropy: number;
  type?: string;
  installer?: string;
  coffSymbolTable?: { offset: number; size: number };
}

/** Data after the image, less the COFF symbol table mingw leaves there and the certificate table. */
function overlayFacts(pe: PeFile, table: { offset: number; size: number } | undefined): OverlayFacts | undefined {
  let start = pe.endOfImageData;
  let end = pe.data.length;
  let coff: OverlayFacts['coffSymbolTable'];
  const fh = pe.file!;
  if (fh.pointerToSymbolTable && fh.pointerToSymbolTable >= start && fh.pointerToSymbolTable < end && fh.numberOfSymbols < 0x1000000) {
    const strings = fh.pointerToSymbolTable + fh.numberOfSymbols * 18;
    const stringsSize = pe.r.has(strings, 4) ? pe.r.u32(strings) : 0;
    const coffEnd = Math.min(end, strings + Math.max(4, stringsSize));
    if (fh.pointerToSymbolTable - start < 16) {
      coff = { offset: fh.pointerToSymbolTable, size: coffEnd - fh.pointerToSymbolTable };
      start = coffEnd;
    }
  }
  if (table && table.offset >= start) end = Math.min(end, table.offset);
  // Zeros (alignment padding, before a certificate table or not) are not an overlay.
  const size = end - start;
  if (size <= 0 || pe.data.subarray(start, end).every((b) => b === 0)) return undefined;
  return { offset: start, size, entropy: entropyOf(pe.data, start, end), ...(coff ? { coffSymbolTable: coff } : {}) };
}

/** Installer and bundler stubs, by their overlay markers, section names and version information. */
const INSTALLER_NAMES: [RegExp, string][] = [
  [/InstallShield|Setup Launcher/i, 'InstallShield'],
  [/Nullsoft|NSIS/i, 'NSIS'],
  [/Inno Setup/i, 'Inno Setup'],
  [/Windows Installer XML|WiX Toolset/i, 'WiX'],
  [/Advanced Installer|Caphyon/i, 'Advanced Installer'],
  [/InstallAware/i, 'InstallAware'],
  [/Wise Installation/i, 'Wise'],
  [/Setup Factory|Indigo Rose/i, 'Setup Factory'],
];

function installerOf(pe: PeFile, overlay: Uint8Array | undefined, version: Record<string, string>): string | undefined {
  if (overlay) {
    const head = Buffer.from(overlay.buffer, overlay.byteOffset, Math.min(overlay.length, 64)).toString('latin1');
    const tail = Buffer.from(overlay.buffer, overlay.byteOffset + Math.max(0, overlay.length - 4096), Math.min(overlay.length, 4096)).toString('latin1');
    if (head.slice(4, 16) === 'NullsoftInst') return 'NSIS';
    if (head.includes('AU3!EA06') || head.includes('AU3!EA05')) return 'AutoIt';
    if (head.startsWith('zlb\u001a') || head.startsWith('idska32\u001a')) return 'Inno Setup';
    if (tail.includes('MEI\u000c\u000b\u000a\u000b\u000e')) return 'PyInstaller';
  }
  if (pe.sections.some((s) => s.name === '.ndata')) return 'NSIS';
  const described = [version.CompanyName, version.FileDescription, version.LegalCopyright, version.ProductName, version.Comments].filter(Boolean).join(' ');
  return INSTALLER_NAMES.find(([re]) => re.test(described))?.[1];
}

function signatureFacts(a: AuthenticodeFacts, trusted: boolean) {
  const primary = a.signatures[0];
  return {
    signed: a.signed,
    ...(a.signed ? { valid: !!primary?.valid, trustedForScoring: trusted } : {}),
    ...(primary?.signer ? { signer: primary.signer.subject, issuer: primary.signer.issuer, serialNumber: primary.signer.serialNumber } : {}),
    ...(primary ? { digestAlgorithm: primary.digestAlgorithm } : {}),
    ...(primary?.signingTime ?? primary?.timestamp?.time ? { signingTime: primary.timestamp?.time ?? primary.signingTime } : {}),
    ...(a.certificateTable ? { certificateTable: a.certificateTable } : {}),
    ...(a.unsignedData ? { unsignedData: a.unsignedData } : {}),
    signatures: a.signatures,
    ...(a.problems.length ? { problems: a.problems } : {}),
  };
}

/** Members whose use means the assembly fetches something from the network. */
const DOTNET_DOWNLOADERS = new Set([
  'System.Net.WebClient::DownloadData', 'System.Net.WebClient::DownloadFile', 'System.Net.WebClient::DownloadString',
  'System.Net.WebClient::DownloadDataAsync', 'System.Net.WebClient::DownloadFileAsync', 'System.Net.WebClient::DownloadDataTaskAsync',
  'System.Net.Http.HttpClient::GetByteArrayAsync', 'System.Net.Http.HttpClient::GetStreamAsync', 'System.Net.Http.HttpClient::GetAsync',
  'System.Net.WebRequest::Create', 'System.Net.HttpWebRequest::GetResponse',
]);

/**
 * The names a P/Invoke declaration may bind: the runtime tries the exact name and, for functions with
 * ANSI and Unicode forms, the name with `A` or `W` appended (ExactSpelling = false, the default).
 */
function pinvokeNames(name: string): string[] {
  return /[a-z0-9][AW]$/.test(name) ? [name] : [name, `${name}A`, `${name}W`];
}

/** The .NET facts for the report: member references bounded, with their count. */
function dotnetFacts(dotnet: DotNetFacts): Record<string, unknown> {
  const { metadata, ...header } = dotnet;
  if (!metadata) return header;
  return { ...header, metadata: { ...metadata, memberReferences: metadata.memberReferences.slice(0, 200), memberReferenceCount: metadata.memberReferences.length } };
}
