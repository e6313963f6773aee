import { createHash } from 'node:crypto';
import { hasExecutableExtension } from '../archive/member-names';
import { Clock, DEFAULT_PDF_LIMITS, parsePdf, PdfDocument, PdfLimits } from '../formats/pdf/document';
import { inspectPdf, MAX_ITEMS, PdfInspection, SCRIPT_FACT_CHARS } from '../formats/pdf/inspect';
import { EXECUTABLE_KINDS, identify } from '../identify/identify';
import { executableUrl, extractIocs, IocCollector, urlParts } from '../iocs/extract';
import type { AnalysisIssue, Analyzer, AnalyzerResult, ExtractedFile, FileContext, SignalHit } from '../types';
import { Verdict } from '../types';

/**
 * PDF documents, parsed rather than rendered (formats/pdf): objects found by scanning, so broken or
 * lying xref tables hide nothing; object streams unpacked; filters decoded within limits; documents
 * encrypted with an empty user password decrypted.
 *
 * Children: every JavaScript (action scripts from /JS strings or streams, reached from OpenAction,
 * additional actions, the JavaScript name tree, annotations and form fields; XFA <script> blocks) as
 * `script-<object>.js` (`pdf-javascript`), every embedded file (filespecs, the EmbeddedFiles name
 * tree, FileAttachment annotations, unreferenced /EmbeddedFile streams) under its /UF or /F name
 * (`pdf-embedded-file`).
 *
 * IOCs (origin `pdf`): the targets of URI, SubmitForm, GoToR, GoToE, ImportData and Launch actions,
 * whitelisted infrastructure left out (iocs/whitelist.ts).
 *
 * Signals: see signals/definitions/pdf.ts.
 *
 * Facts: resources.pdf = { version, objects, streams, pages, info, xmp, keywords (PDFiD-style),
 * filters, xref, incrementalUpdates, encryption, actions, javascript (text bounded), launch,
 * embeddedFiles, uris, remoteTargets, acroForm, xfa, obfuscatedNames, malformed, ... }.
 */

const MAX_EVIDENCE = 20;
const MAX_FACT_ITEMS = 100;

/** Actions that run code or reach outside the document (GoTo, Named, Hide and the like only move the view). */
const ACTIVE_ACTIONS = new Set(['JavaScript', 'Launch', 'URI', 'SubmitForm', 'ImportData', 'GoToR', 'GoToE', 'RichMediaExecute', 'Rendition', 'ECMAScript']);

/** Programs whose launch with arguments is how droppers run their payloads. */
const INTERPRETERS: [RegExp, string[]][] = [
  [/\bcmd(?:\.exe)?\b/i, ['T1059.003']],
  [/\bpowershell(?:\.exe)?\b|\bpwsh\b/i, ['T1059.001']],
  [/\b(?:wscript|cscript)(?:\.exe)?\b/i, ['T1059.005']],
  [/\bmshta(?:\.exe)?\b/i, ['T1218.005']],
  [/\brundll32(?:\.exe)?\b/i, ['T1218.011']],
  [/\bregsvr32(?:\.exe)?\b/i, ['T1218.010']],
  [/\b(?:certutil|bitsadmin|msiexec|curl|wget)(?:\.exe)?\b/i, ['T1105']],
  [/(?:^|\/)(?:ba|z|k|da)?sh\b|\/bin\//, ['T1059.004']],
];

export class PdfAnalyzer implements Analyzer {
  readonly name = 'pdf';
  readonly budgetMs = 30_000;

  constructor(private readonly overrides: Partial<PdfLimits> = {}) {}

  appliesTo(file: FileContext): boolean {
    return file.identity.kind === 'pdf';
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const { limits } = file.options;
    const clock = new Clock(Date.now() + Math.max(500, Math.min(this.budgetMs, limits.maxAnalysisMs) - 500), file.signal);
    const pdfLimits: PdfLimits = {
      ...DEFAULT_PDF_LIMITS,
      maxStreamBytes: Math.min(DEFAULT_PDF_LIMITS.maxStreamBytes, limits.maxFileBytes),
      maxRatio: limits.maxCompressionRatio,
      maxDecodedBytes: Math.min(DEFAULT_PDF_LIMITS.maxDecodedBytes, limits.maxTotalBytes),
      ...this.overrides,
    };
    const doc = await parsePdf(file.data, clock, pdfLimits);
    const inspection = await inspectPdf(doc, clock);
    return this.report(file, doc, inspection);
  }

  private report(file: FileContext, doc: PdfDocument, r: PdfInspection): AnalyzerResult {
    const signals: SignalHit[] = [];
    const issues: AnalysisIssue[] = [];
    const tags = new Set<string>(['pdf']);
    const hit = (id: string, evidence: string[], extra: Partial<SignalHit> = {}) => {
      if (evidence.length) signals.push({ id, evidence: bound(evidence.map(printable)), ...extra });
    };
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

    // --- Children, within the extraction budget.
    const children: ExtractedFile[] = [];
    const budget = { ...file.extractionBudget };
    const maxFileBytes = file.options.limits.maxFileBytes;
    const refusedFiles: string[] = [];
    const refusedBytes: string[] = [];
    const admit = (name: string, data: Uint8Array, relation: string): boolean => {
      if (!data.length) return false;
      if (budget.files <= 0) {
        refusedFiles.push(name);
        return false;
      }
      if (data.length > budget.bytes || data.length > maxFileBytes) {
        refusedBytes.push(`${name}: ${data.length} bytes exceeds the extraction limits`);
        return false;
      }
      budget.files--;
      budget.bytes -= data.length;
      children.push({ name, data, relation });
      return true;
    };

    // --- JavaScript
    const scripts = r.scripts;
    for (const s of scripts) admit(s.name, s.data, 'pdf-javascript');
    if (scripts.length) {
      tags.add('javascript');
      hit('pdf.javascript', scripts.map((s) => `${s.name} (object ${s.object}${s.source === 'xfa' ? ', XFA' : ''}; ${s.triggers.length ? s.triggers.join(', ') : 'no trigger'}): ${preview(s.text)}`));
    } else if (r.keywords.JS || r.keywords.JavaScript) {
      // Names without readable code (encrypted, damaged or empty scripts) still say the document has JavaScript.
      hit('pdf.javascript', [`/JS ×${r.keywords.JS}, /JavaScript ×${r.keywords.JavaScript} but no readable script`]);
    }
    const auto = scripts.filter((s) => s.automatic);
    const unreadableAuto = auto.length ? [] : r.actions.filter((a) => a.type === 'JavaScript' && a.automatic);
    if (unreadableAuto.length) {
      tags.add('auto-action');
      hit('pdf.auto_javascript', unreadableAuto.map((a) => `JavaScript action${a.object !== null ? ` in object ${a.object}` : ''} runs on ${a.triggers.join(', ')} (script not readable)`));
    }
    if (auto.length) {
      tags.add('auto-action');
      const obfuscated = auto.filter((s) => s.obfuscation.length);
      hit(
        'pdf.auto_javascript',
        auto.map((s) => `${s.name} runs on ${s.triggers.join(', ')}${s.obfuscation.length ? ` and is obfuscated (${s.obfuscation.join(', ')})` : ''}`),
        obfuscated.length ? { verdict: Verdict.LikelyMalicious, strength: 0.8, description: 'Obfuscated JavaScript runs by itself when the document is opened or on a document, page or field event' } : {},
      );
    }
    hit('pdf.js_obfuscation', scripts.filter((s) => s.obfuscation.length).map((s) => `${s.name}: ${s.obfuscation.join(', ')}`));
    hit('pdf.js_exploit', scripts.filter((s) => s.exploits.length).map((s) => `${s.name}: ${s.exploits.join(', ')}`));
    const xfaScripts = scripts.filter((s) => s.source === 'xfa');
    if (r.xfa) tags.add('xfa');
    hit('pdf.xfa_script', xfaScripts.length ? xfaScripts.map((s) => `${s.name} (object ${s.object})`) : r.xfaScripts ? [`${r.xfaScripts} XFA script(s) (not JavaScript)`] : []);
    const base = doc.linearized ? 1 : 0;
    if (r.incrementalUpdates > 0) {
      hit('pdf.late_javascript', scripts.filter((s) => s.section > base).map((s) => `${s.name} (object ${s.object}) added by update ${s.section - base} of ${r.incrementalUpdates}`));
    }

    // --- Launch actions
    if (r.launches.length) {
      tags.add('launch');
      const mitre = new Set<string>();
      let severe = false;
      const evidence = r.launches.map((l) => {
        const command = [l.file, l.parameters].filter(Boolean).join(' ');
        for (const [re, ids] of INTERPRETERS) if (re.test(command)) ids.forEach((id) => mitre.add(id));
        if (l.parameters || l.automatic || INTERPRETERS.some(([re]) => re.test(l.file ?? ''))) severe = true;
        const where = l.triggers.length ? ` on ${l.triggers.join(', ')}` : '';
        return `${l.platform === 'any' ? '' : `${l.platform}: `}${command || '(no file)'}${l.directory ? ` in ${l.directory}` : ''}${where}`;
      });
      hit('pdf.launch_action', evidence, severe ? { verdict: Verdict.LikelyMalicious, strength: 0.8, mitre: [...mitre] } : mitre.size ? { mitre: [...mitre] } : {});
    }

    // --- Embedded files
    const autoActions = r.actions.some((a) => a.automatic && ACTIVE_ACTIONS.has(a.type)) || r.launches.length > 0 || scripts.some((s) => s.capabilities.some((c) => c.startsWith('exportDataObject')));
    const executables: string[] = [];
    const embeddedFacts = r.embedded.map((e) => {
      const kind = e.data.length ? identify(e.data).kind : undefined;
      const executable = (kind !== undefined && EXECUTABLE_KINDS.has(kind)) || hasExecutableExtension(e.name);
      if (executable) executables.push(`${e.name} (object ${e.object}${kind ? `, ${kind}` : ''})`);
      if (!e.refused) admit(e.name, e.data, 'pdf-embedded-file');
      return {
        object: e.object,
        name: e.name,
        via: e.via,
        size: e.data.length,
        ...(e.data.length ? { sha256: sha(e.data), kind } : {}),
        ...(e.declaredSize !== undefined ? { declaredSize: e.declaredSize } : {}),
        ...(e.mime ? { mime: e.mime } : {}),
        ...(e.description ? { description: e.description } : {}),
        ...(e.refused ? { refused: e.refused } : {}),
        ...(e.damaged ? { damaged: e.damaged } : {}),
      };
    });
    if (r.embedded.length) {
      tags.add('embedded-file');
      hit(
        'pdf.embedded_file',
        r.embedded.map((e) => `${e.name} (object ${e.object}, ${e.data.length} bytes, via ${e.via.join(', ')})`),
        executables.length && !autoActions ? { strength: 0.4, description: 'Contains an embedded executable or script (not opened by any action)' } : {},
      );
    }
    if (executables.length && autoActions) hit('pdf.embedded_executable', executables);

    // Refused by the flow's extraction limits: said once, with the pipeline's own signals for containers.
    if (refusedFiles.length) {
      const message = `${refusedFiles.length} file(s) not extracted: more than ${file.options.limits.maxFiles} files in this submission`;
      issues.push({ analyzer: this.name, kind: 'limit', message });
      hit('archive.too_many_files', [message, ...refusedFiles]);
    }
    if (refusedBytes.length) {
      for (const m of refusedBytes.slice(0, 10)) issues.push({ analyzer: this.name, kind: 'limit', message: m });
      if (refusedBytes.length > 10) issues.push({ analyzer: this.name, kind: 'limit', message: `… and ${refusedBytes.length - 10} more not extracted` });
      hit('archive.bomb', refusedBytes);
    }

    // --- Targets: URI, SubmitForm, GoToR, GoToE, ImportData, Launch
    const collector = new IocCollector();
    const uris: string[] = [];
    const remote: { action: string; target: string }[] = [];
    const exeUrls: string[] = [];
    const unc: string[] = [];
    for (const l of r.launches) extractIocs([l.file, l.parameters].filter(Boolean).join(' '), collector);
    for (const t of r.targets) {
      const text = t.target.trim();
      extractIocs(text, collector);
      if (t.action === 'URI') uris.push(text);
      else remote.push({ action: t.action, target: text });
      const parts = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? urlParts(text) : null;
      if (parts && executableUrl(parts, text) && (t.action === 'URI' || t.action === 'Launch')) exeUrls.push(`${t.action} ${text}`);
      if (/^(?:\\\\|\/\/)[^\\/]+[\\/]|^(?:file|smb):\/\/[^/]/i.test(text) && !/^file:\/\/\/|^file:\/\/localhost\//i.test(text)) unc.push(`${t.action} ${text}`);
    }
    hit('pdf.uri_executable', exeUrls);
    hit('pdf.unc_path', unc);
    hit('pdf.remote_action', remote.filter((x) => x.action !== 'Launch' && /^[a-z][a-z0-9+.-]*:\/\//i.test(x.target)).map((x) => `${x.action} ${x.target}`));
    const iocs: NonNullable<AnalyzerResult['iocs']> = [];
    for (const [type, values] of collector.values) for (const value of values) iocs.push({ type, value, origin: 'pdf' });

    // --- Other traits
    hit('pdf.richmedia', r.richMedia || r.keywords.RichMedia ? [`/RichMedia ×${r.keywords.RichMedia}`] : []);
    hit('pdf.jbig2', r.jbig2 ? [`${r.jbig2} stream(s) with /JBIG2Decode`] : []);
    hit('pdf.colors_overflow', r.colorsOverflow ? [`${r.colorsOverflow} /Colors value(s) above 2^24`] : []);
    const obfuscatedNames = dedupeNames(doc);
    hit('pdf.name_obfuscation', obfuscatedNames.map((n) => `/${n.raw} → /${n.name}`));
    if (r.acroForm) tags.add('acroform');
    if (doc.objectStreams) tags.add('objstm');
    if (r.incrementalUpdates) tags.add('incremental-update');

    // --- Encryption
    const enc = doc.encryption;
    if (enc) {
      tags.add('encrypted');
      const method = `${enc.filter} V${enc.v} R${enc.r}, ${enc.keyBits}-bit ${enc.streamMethod === enc.stringMethod ? enc.streamMethod : `${enc.streamMethod}/${enc.stringMethod}`}`;
      if (doc.decryptor) hit('pdf.encrypted', [`${method}: empty user password, decrypted`]);
      else {
        const why = enc.unsupported ?? 'a user password is required';
        hit('pdf.encrypted_unreadable', [`${method}: ${why}`]);
        issues.push({ analyzer: this.name, kind: 'limit', message: `encrypted PDF (${why}): strings and streams were not analysed` });
      }
    }

    // --- Bombs and limits, damage, time
    const bombs = doc.limits.filter((l) => /exceeds|budget/.test(l));
    hit('pdf.stream_bomb', bombs);
    for (const l of doc.limits.slice(0, 10)) issues.push({ analyzer: this.name, kind: 'limit', message: l });
    const dropped = Object.entries(r.dropped);
    if (dropped.length) issues.push({ analyzer: this.name, kind: 'limit', message: `more than ${MAX_ITEMS} per kind: ${dropped.map(([k, n]) => `${n} ${k}`).join(', ')} not analysed` });
    if (r.failed) issues.push({ analyzer: this.name, kind: 'error', message: `inspection stopped: ${r.failed}` });
    const truncated = doc.truncated ?? r.truncated;
    if (truncated) issues.push({ analyzer: this.name, kind: 'timeout', message: `${truncated}: the report is partial` });
    const malformed = malformedEvidence(doc, r);
    hit('pdf.malformed', malformed);
    if (doc.notes.length) {
      issues.push({ analyzer: this.name, kind: 'error', message: `damaged PDF: ${doc.notes[0]}${doc.notes.length > 1 ? ` (and ${doc.notes.length - 1} more, see resources.pdf.damage)` : ''}` });
    }

    const x = doc.xref;
    const facts: Record<string, unknown> = {
      version: doc.version,
      ...(r.catalogVersion ? { catalogVersion: r.catalogVersion } : {}),
      ...(doc.headerOffset > 0 ? { headerOffset: doc.headerOffset } : {}),
      objects: doc.objects.size,
      objectVersions: doc.versions.length,
      streams: r.streams,
      objectStreams: doc.objectStreams,
      pages: r.pages,
      info: r.info,
      ...(Object.keys(r.xmp).length ? { xmp: r.xmp } : {}),
      linearized: doc.linearized,
      incrementalUpdates: r.incrementalUpdates,
      eofMarkers: doc.eofOffsets.length,
      xref: {
        startxref: x.startxref,
        sections: x.sections.map((s) => ({ offset: s.offset, kind: s.kind, entries: s.entries, ...(s.hybrid ? { hybrid: true } : {}) })),
        valid: x.valid,
        inUse: x.inUse,
        ...(x.errors.length ? { errors: x.errors.slice(0, 10) } : {}),
        ...(x.badOffsets ? { badOffsets: x.badOffsets, badOffsetExamples: x.badOffsetExamples } : {}),
        objectsOutsideXref: x.objectsOutsideXref,
        ...(x.outsideExamples.length ? { outsideExamples: x.outsideExamples } : {}),
        ...(x.loop ? { loop: true } : {}),
      },
      ...(enc ? { encryption: { ...enc, decrypted: !!doc.decryptor } } : {}),
      keywords: { ...r.keywords, 'Colors > 2^24': r.colorsOverflow },
      filters: r.filters,
      acroForm: r.acroForm,
      xfa: r.xfa,
      ...(r.xfaScripts ? { xfaScripts: r.xfaScripts } : {}),
      actions: r.actions.slice(0, MAX_FACT_ITEMS),
      ...(r.actions.length > MAX_FACT_ITEMS ? { actionCount: r.actions.length } : {}),
      ...(scripts.length > MAX_FACT_ITEMS ? { javascriptCount: scripts.length } : {}),
      javascript: scripts.slice(0, MAX_FACT_ITEMS).map((s) => ({
        name: s.name,
        object: s.object,
        source: s.source,
        triggers: s.triggers,
        automatic: s.automatic,
        size: s.data.length,
        sha256: sha(s.data),
        text: printable(s.text.length > SCRIPT_FACT_CHARS ? s.text.slice(0, SCRIPT_FACT_CHARS) : s.text),
        ...(s.text.length > SCRIPT_FACT_CHARS ? { truncated: true } : {}),
        ...(s.obfuscation.length ? { obfuscation: s.obfuscation } : {}),
        ...(s.exploits.length ? { exploits: s.exploits } : {}),
        ...(s.capabilities.length ? { capabilities: s.capabilities } : {}),
        ...(s.section ? { revision: s.section } : {}),
        ...(s.damaged ? { damaged: s.damaged } : {}),
      })),
      ...(r.supersededScripts ? { supersededScripts: r.supersededScripts } : {}),
      launch: r.launches.slice(0, MAX_FACT_ITEMS),
      embeddedFiles: embeddedFacts.slice(0, MAX_FACT_ITEMS),
      ...(embeddedFacts.length > MAX_FACT_ITEMS ? { embeddedFileCount: embeddedFacts.length } : {}),
      uris: [...new Set(uris)].slice(0, 200),
      remoteTargets: remote.slice(0, MAX_FACT_ITEMS),
      ...(obfuscatedNames.length ? { obfuscatedNames: obfuscatedNames.slice(0, MAX_EVIDENCE) } : {}),
      ...(malformed.length ? { malformed } : {}),
      ...(doc.notes.length ? { damage: doc.notes.slice(0, 50) } : {}),
      ...(doc.limits.length ? { refused: doc.limits } : {}),
      ...(truncated ? { truncated } : {}),
    };
    return { facts: { pdf: facts }, signals, iocs, children, issues, tags: [...tags] };
  }
}

/**
 * Control characters as `\xNN` (tab, LF and CR kept): report JSON goes into PostgreSQL, whose jsonb
 * refuses NUL, and people read it.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function dedupeNames(doc: PdfDocument): { raw: string; name: string }[] {
  const seen = new Map<string, string>();
  for (const n of doc.escapedNames) if (n.obfuscated && n.raw && !seen.has(n.raw) && seen.size < 100) seen.set(printable(n.raw), printable(n.value));
  return [...seen].map(([raw, name]) => ({ raw, name }));
}

function malformedEvidence(doc: PdfDocument, r: PdfInspection): string[] {
  const out: string[] = [];
  const x = doc.xref;
  if (doc.headerOffset > 0) out.push(`%PDF- header at offset ${doc.headerOffset}, not at the start of the file`);
  if (doc.headerOffset < 0) out.push('no %PDF- header');
  if (!doc.eofOffsets.length) out.push('no %%EOF marker');
  for (const e of x.errors.slice(0, 5)) out.push(`cross-reference: ${e}`);
  if (x.badOffsets) out.push(`${x.badOffsets} cross-reference entr${x.badOffsets === 1 ? 'y points' : 'ies point'} to the wrong place (${x.badOffsetExamples.slice(0, 3).join('; ')})`);
  if (x.sections.length && x.objectsOutsideXref) out.push(`${x.objectsOutsideXref} object(s) not listed in the cross-reference data (${x.outsideExamples.slice(0, 10).join(', ')})`);
  if (r.objectsAfterEof) out.push(`${r.objectsAfterEof} object(s) after the last %%EOF`);
  if (r.trailingBytes) out.push(`${r.trailingBytes} byte(s) after the last %%EOF`);
  if (doc.unterminatedStreams) out.push(`${doc.unterminatedStreams} stream(s) without endstream`);
  if (doc.badLengths) out.push(`${doc.badLengths} stream(s) whose /Length is wrong`);
  if (doc.missingEndobj) out.push(`${doc.missingEndobj} object(s) without endobj`);
  for (const n of doc.notes.slice(0, 5)) out.push(n);
  return out;
}

function preview(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 160)}…` : one;
}

function bound(evidence: string[]): string[] {
  const unique = [...new Set(evidence)];
  return unique.length > MAX_EVIDENCE ? [...unique.slice(0, MAX_EVIDENCE), `… ${unique.length - MAX_EVIDENCE} more`] : unique;
}
