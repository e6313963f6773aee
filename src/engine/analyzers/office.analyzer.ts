import { extractIocs, IocCollector, refang } from '../iocs/extract';
import { fieldTargets, dangerousDde } from '../formats/office/fields';
import { OleError } from '../formats/office/ole';
import { readOleDocument } from '../formats/office/ole-document';
import { readOoxmlDocument } from '../formats/office/ooxml-document';
import { addTarget, OfficeDocument, ReadOptions } from '../formats/office/report';
import { codeLines, stompingHints, VbaProject } from '../formats/office/vba';
import { executesOrDownloads, scanVba, VbaScan } from '../formats/office/vba-scan';
import { XLM_EXECUTION_FUNCTIONS, XLM_EXECUTION_STRINGS } from '../formats/office/xlm';
import { AnalysisIssue, Analyzer, AnalyzerResult, FileContext, SignalHit, Verdict } from '../types';

/**
 * Office documents, OLE2 (.doc/.xls/.ppt/.msg/.msi, embedded objects, vbaProject.bin) and Office
 * Open XML (.docx/.docm/.xlsm/.pptm ...), read without running anything (formats/office/*):
 *
 * - the document type refined from the root CLSID, stream names or the main part's content type
 *   (application, macro-enabled, template), metadata (author, last modified by, times, application);
 * - VBA macros decompressed from every VBA project (module names and source in the report, bounded),
 *   auto-exec entry points, calls that start programs or download, API declarations, PowerShell
 *   command lines, obfuscation density, stomping hints, and the IOCs of the macro text (origin `vba`);
 * - Excel 4.0 macro sheets (BIFF8 and OOXML), their visibility, Auto_Open names, their formulas;
 * - DDE fields and links, remote templates and remote OLE objects/frames (IOCs, origin
 *   `office-relationship` / `office-field`);
 * - embedded objects: Ole10Native packages extracted under their original names (`ole10native`),
 *   other embeddings whole (`ooxml-embedding`, `ole-package`, `ole-contents`), Equation Editor
 *   objects checked for the CVE-2017-11882 overflow;
 * - encryption (EncryptedPackage, Word RC4/XOR, Excel FilePass), which stops analysis of the content.
 *
 * Facts: resources.office. Signals: office.* (signals/definitions/office.ts). Damage becomes an
 * issue (`error`), refusals on purpose an issue (`limit`); nothing here throws out of the pipeline.
 */
const MAX_MODULE_SCAN = 2 * 1024 * 1024;
const MAX_VBA_TOTAL = 16 * 1024 * 1024;
/** Source code kept per module in the report. */
const MAX_REPORTED_CODE = 64 * 1024;
const MAX_REPORTED_FORMULAS = 200;
const MAX_EVIDENCE = 15;
const MAX_PART = 128 * 1024 * 1024;

const SHELLCODE_ALLOC = /^(VirtualAlloc(Ex)?|VirtualProtect(Ex)?|HeapCreate|HeapAlloc|NtAllocateVirtualMemory)$/i;
const SHELLCODE_COPY = /^(RtlMoveMemory|RtlCopyMemory|WriteProcessMemory|NtWriteVirtualMemory)$/i;
const SHELLCODE_RUN = /^(CreateThread|CreateRemoteThread|NtCreateThreadEx|QueueUserAPC|EnumSystemLanguageGroupsA|EnumSystemCodePagesW|EnumTimeFormatsA|CallWindowProc[AW]?)$/i;

export class OfficeAnalyzer implements Analyzer {
  readonly name = 'office';
  readonly budgetMs = 30_000;

  appliesTo(file: FileContext): boolean {
    return file.identity.kind === 'ole' || file.identity.kind === 'ooxml';
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const { limits } = file.options;
    const options: ReadOptions = {
      maxModuleBytes: MAX_MODULE_SCAN,
      maxVbaBytes: MAX_VBA_TOTAL,
      maxPartBytes: MAX_PART,
      maxChildBytes: limits.maxFileBytes,
      budget: { ...file.extractionBudget },
      listOnly: file.depth + 1 > limits.maxDepth,
      deadline: Date.now() + Math.max(1000, Math.min(this.budgetMs, limits.maxAnalysisMs) - 500),
      signal: file.signal,
    };
    const format = file.identity.kind === 'ole' ? 'ole' : 'ooxml';
    let doc: OfficeDocument;
    try {
      doc = format === 'ole' ? readOleDocument(file.data, options) : readOoxmlDocument(file.data, options);
    } catch (err) {
      const message = err instanceof OleError ? err.message : `could not read the document: ${err instanceof Error ? err.message : String(err)}`;
      return { facts: { office: { format, error: message } }, issues: [{ analyzer: this.name, kind: 'error', message: message.slice(0, 500) }] };
    }
    return this.report(doc, file);
  }

  private report(doc: OfficeDocument, file: FileContext): AnalyzerResult {
    const signals: SignalHit[] = [];
    const tags = new Set<string>();
    const hit = (id: string, evidence: string[], extra: Partial<SignalHit> = {}) => {
      if (evidence.length) signals.push({ id, evidence: bound(evidence), ...extra });
    };
    const collectors = { vba: new IocCollector(), xlm: new IocCollector(), relationship: new IocCollector(), field: new IocCollector() };

    // VBA
    const modules = doc.vbaProjects.flatMap((p) => p.modules);
    const scan = scanVba(modules.map((m) => ({ name: m.name, source: m.source })));
    if (doc.vbaProjects.length) {
      tags.add('macro');
      hit('office.vba_macro', modules.length ? modules.map((m) => `${m.name} (${m.type}, ${m.sourceBytes} bytes of source, ${codeLines(m.source).length} lines of code)`) : doc.vbaProjects.map((p) => `VBA project in ${p.storage || '(root)'}`));
      this.vbaSignals(doc.vbaProjects, scan, hit, tags);
      const text = [...modules.map((m) => m.source), ...scan.deobfuscated].join('\n');
      extractIocs(refang(text), collectors.vba, 0, undefined, { quotedDomainsOnly: true });
    }

    // XLM
    const xlm = doc.xlm;
    const macroSheets = xlm?.sheets.filter((s) => s.type === 'macro') ?? [];
    if (xlm && (macroSheets.length || xlm.formulas.length)) {
      tags.add('xlm');
      hit('office.xlm_macro', macroSheets.map((s) => `${s.name} (${s.state})`));
      hit('office.xlm_hidden', macroSheets.filter((s) => s.state !== 'visible').map((s) => `${s.name}: ${s.state}`));
      hit('office.xlm_autoexec', xlm.autoOpen);
      const risky = xlm.functions.filter((f) => XLM_EXECUTION_FUNCTIONS.has(f.toUpperCase()));
      const riskyStrings = xlm.strings.filter((s) => XLM_EXECUTION_STRINGS.test(s));
      if (risky.length || riskyStrings.length) {
        const cells = xlm.formulas.filter((f) => risky.some((r) => f.formula.toUpperCase().includes(`${r.toUpperCase()}(`)) || riskyStrings.some((s) => f.formula.includes(s)));
        hit('office.xlm_execution', [...risky.map((f) => `calls ${f}`), ...cells.map((c) => `${c.sheet}!${c.cell}: ${c.formula.slice(0, 200)}`)]);
      }
      extractIocs(refang([...xlm.strings, ...xlm.formulas.map((f) => f.formula)].join('\n')), collectors.xlm, 0, undefined, { quotedDomainsOnly: true });
    } else if (xlm?.autoOpen.length && doc.vbaProjects.length === 0) {
      hit('office.xlm_autoexec', xlm.autoOpen);
    }

    // Fields and DDE
    const dde = doc.fields.filter((f) => f.kind === 'dde');
    if (dde.length) {
      tags.add('dde');
      const dangerous = dde.some(dangerousDde);
      hit('office.dde', dde.map((f) => `${f.where}: ${f.instruction.slice(0, 300)}`), dangerous ? { verdict: Verdict.LikelyMalicious, strength: 0.85 } : {});
      extractIocs(refang(dde.map((f) => f.instruction).join('\n')), collectors.field, 0, undefined, { quotedDomainsOnly: true });
    }
    const includes: string[] = [];
    for (const f of doc.fields) {
      for (const target of fieldTargets(f)) {
        addTarget(collectors.field, target);
        if (f.kind === 'include' && /^(https?|ftp):\/\/|^\\\\/i.test(target)) includes.push(`${f.where}: ${f.code} ${target}`);
      }
    }

    // External references
    for (const r of doc.references) addTarget(collectors.relationship, r.target);
    const remote = doc.references.filter((r) => r.remote);
    const templates = remote.filter((r) => r.kind === 'template');
    if (templates.length) tags.add('template-injection');
    hit('office.template_injection', templates.map((r) => `${r.source}: attachedTemplate → ${r.target}`));
    hit('office.remote_object', remote.filter((r) => ['oleObject', 'frame', 'subDocument', 'oleLink'].includes(r.kind)).map((r) => `${r.source}: ${r.type} → ${r.target}`));
    const remoteIncludes = [...includes, ...remote.filter((r) => r.kind === 'image').map((r) => `${r.source}: image → ${r.target}`)];
    hit('office.remote_include', remoteIncludes);

    // Embedded objects
    if (doc.objects.length) {
      tags.add('embedded-object');
      hit('office.embedded_object', doc.objects.map(describeObject));
      hit('office.embedded_executable', doc.objects.filter((o) => o.executable).map(describeObject));
    }
    if (doc.equations.length) {
      tags.add('equation-editor');
      hit('office.equation_editor', doc.equations.map((e) => `${e.location}${e.mtefVersion !== undefined ? ` (MTEF v${e.mtefVersion})` : ''}`));
      const exploits = doc.equations.filter((e) => e.exploit);
      if (exploits.length) tags.add('exploit').add('CVE-2017-11882');
      hit('office.equation_exploit', exploits.map((e) => `${e.location}: ${e.exploit}`));
    }

    if (doc.encryption) {
      tags.add('encrypted');
      hit('office.encrypted', [doc.encryption]);
    }

    const iocs: NonNullable<AnalyzerResult['iocs']> = [];
    for (const [origin, collector] of [['vba', collectors.vba], ['xlm', collectors.xlm], ['office-relationship', collectors.relationship], ['office-field', collectors.field]] as const) {
      for (const [type, values] of collector.values) for (const value of values) iocs.push({ type, value, origin });
    }

    const issues: AnalysisIssue[] = [
      ...[...new Set(doc.problems)].slice(0, 20).map((message) => ({ analyzer: this.name, kind: 'error' as const, message: message.slice(0, 500) })),
      ...[...new Set(doc.limits)].slice(0, 20).map((message) => ({ analyzer: this.name, kind: 'limit' as const, message: message.slice(0, 500) })),
    ];
    if (doc.timedOut || file.signal.aborted) issues.push({ analyzer: this.name, kind: 'timeout', message: 'stopped by its time budget before the end of the document' });
    return { facts: { office: this.facts(doc, scan) }, signals, iocs, children: doc.children, issues, tags: [...tags] };
  }

  private vbaSignals(projects: VbaProject[], scan: VbaScan, hit: (id: string, evidence: string[], extra?: Partial<SignalHit>) => void, tags: Set<string>): void {
    const byCategory = (...categories: string[]) => scan.keywords.filter((k) => categories.includes(k.category)).map((k) => `${k.keyword} ×${k.count}: ${k.description}`);
    const autoExec = scan.autoExec.map((a) => `${a.name} (module ${a.module})`);
    hit('office.vba_autoexec', autoExec);
    if (scan.autoExec.length && executesOrDownloads(scan)) {
      hit('office.vba_autoexec_execution', [...autoExec, ...byCategory('execution', 'download'), ...scan.powershell.map((p) => `PowerShell: ${p.slice(0, 200)}`), ...scan.shellcodeApis.map((a) => `API ${a}`)]);
    }
    hit('office.vba_shell', byCategory('execution'));
    hit('office.vba_download', byCategory('download'));
    hit('office.vba_powershell', scan.powershell.map((p) => p.slice(0, 300)));
    hit('office.vba_suspicious_calls', byCategory('object', 'environment', 'reflection', 'registry', 'file'));
    const o = scan.obfuscation;
    if (o.obfuscated) {
      hit('office.vba_obfuscation', [
        `${o.chrCalls} Chr() calls, ${o.strReverse} StrReverse(), ${o.replaceCalls} Replace() in ${o.codeBytes} bytes of code (${o.perKb} per KB)`,
        ...(o.concatenations ? [`${o.concatenations} string concatenations`] : []),
        ...(o.longLiterals ? [`${o.longLiterals} string literals of 300+ characters`] : []),
        ...scan.deobfuscated.slice(0, 5).map((s) => `decoded: ${s.slice(0, 200)}`),
      ]);
      tags.add('obfuscated');
    }
    const apis = scan.shellcodeApis;
    const shellcode = apis.some((a) => SHELLCODE_ALLOC.test(a)) && apis.some((a) => SHELLCODE_COPY.test(a) || SHELLCODE_RUN.test(a));
    if (shellcode) hit('office.vba_shellcode_api', apis);
    else hit('office.vba_api_declarations', scan.apiDeclarations.map((a) => `${a.alias ?? a.name} from ${a.lib}`));
    const stomping = projects.flatMap(stompingHints);
    if (stomping.length) tags.add('vba-stomping');
    hit('office.vba_stomping', stomping);
    hit('office.vba_hidden_module', projects.flatMap((p) => p.modules.filter((m) => m.hidden).map((m) => `${m.name} (${p.storage || '(root)'})`)));
  }

  private facts(doc: OfficeDocument, scan: VbaScan): Record<string, unknown> {
    const t = doc.documentType;
    const facts: Record<string, unknown> = {
      format: doc.format,
      application: t.application,
      type: t.type,
      extension: t.extension,
      macroEnabled: t.macroEnabled,
      template: t.template,
      ...(t.contentType ? { contentType: t.contentType } : {}),
      encrypted: !!doc.encryption,
      ...(doc.encryption ? { encryption: doc.encryption } : {}),
      metadata: doc.metadata,
      contents: { count: doc.contentCount, items: doc.contents, ...(doc.contentCount > doc.contents.length ? { truncated: true } : {}) },
    };
    if (doc.vbaProjects.length) {
      facts.vba = {
        projects: doc.vbaProjects.map((p) => ({
          storage: p.storage,
          ...(p.name ? { name: p.name } : {}),
          codepage: p.codepage,
          ...(p.pcodeVersion !== undefined ? { pcodeVersion: p.pcodeVersion } : {}),
          ...(p.protected ? { protected: true } : {}),
          modules: p.modules.map((m) => ({
            name: m.name,
            stream: m.stream,
            type: m.type,
            sourceBytes: m.sourceBytes,
            pcodeBytes: m.pcodeBytes,
            code: m.source.slice(0, MAX_REPORTED_CODE),
            ...(m.sourceTruncated || m.source.length > MAX_REPORTED_CODE ? { truncated: true } : {}),
            ...(m.hidden ? { hidden: true } : {}),
            ...(m.error ? { error: m.error } : {}),
          })),
        })),
        autoExec: scan.autoExec,
        suspicious: scan.keywords,
        apiDeclarations: scan.apiDeclarations,
        powershell: scan.powershell,
        obfuscation: scan.obfuscation,
        deobfuscated: scan.deobfuscated.slice(0, 20).map((s) => s.slice(0, 1000)),
        stomping: doc.vbaProjects.flatMap(stompingHints),
      };
    }
    if (doc.xlm && (doc.xlm.sheets.length || doc.xlm.formulas.length)) {
      facts.xlm = {
        sheets: doc.xlm.sheets,
        macroSheets: doc.xlm.sheets.filter((s) => s.type === 'macro').length,
        autoOpen: doc.xlm.autoOpen,
        encrypted: doc.xlm.encrypted,
        formulas: doc.xlm.formulas.slice(0, MAX_REPORTED_FORMULAS),
        ...(doc.xlm.formulas.length > MAX_REPORTED_FORMULAS ? { formulasTruncated: doc.xlm.formulas.length } : {}),
        functions: doc.xlm.functions,
        strings: doc.xlm.strings.slice(0, 100),
      };
    }
    if (doc.fields.length) facts.fields = doc.fields.slice(0, 100);
    if (doc.references.length) facts.externalReferences = doc.references.slice(0, 100);
    if (doc.objects.length) facts.objects = doc.objects;
    if (doc.equations.length) facts.equations = doc.equations;
    if (doc.problems.length) facts.problems = [...new Set(doc.problems)].slice(0, 50);
    return facts;
  }
}

function describeObject(o: { location: string; fileName?: string; className?: string; kind?: string; size: number; extractedAs?: string }): string {
  return [o.location, o.className && `class ${o.className}`, o.fileName && `file ${o.fileName}`, o.kind && `${o.kind}, ${o.size} bytes`].filter(Boolean).join(', ');
}

function bound(evidence: string[]): string[] {
  const unique = [...new Set(evidence)];
  return unique.length > MAX_EVIDENCE ? [...unique.slice(0, MAX_EVIDENCE), `… ${unique.length - MAX_EVIDENCE} more`] : unique;
}
