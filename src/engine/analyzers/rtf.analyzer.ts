import { hasExecutableExtension } from '../archive/member-names';
import { classifyField, dangerousDde, fieldTargets } from '../formats/office/fields';
import { isOle, OleFile } from '../formats/office/ole';
import { checkEquationNative, EQUATION_CLSID, OLE2LINK_CLSID, parseOle1, parsePackage } from '../formats/office/ole-objects';
import { addTarget, isRemoteTarget } from '../formats/office/report';
import { parseRtf, RtfObjectRaw } from '../formats/rtf/rtf';
import { EXECUTABLE_KINDS, identify } from '../identify/identify';
import { extractIocs, IocCollector, refang } from '../iocs/extract';
import { AnalysisIssue, Analyzer, AnalyzerResult, ExtractedFile, FileContext, SignalHit, Verdict } from '../types';

/**
 * RTF documents (kind `rtf`): embedded objects decoded from `\objdata` hex (OLE1 header → native
 * data) and extracted as children (`rtf-object`, named after the Packager's original file name or
 * the OLE1 class), Equation Editor objects checked for the CVE-2017-11882 / CVE-2018-0802 font
 * overflow, OLE2Link (CVE-2017-0199) and linked objects, field instructions (HYPERLINK,
 * INCLUDEPICTURE, DDEAUTO), `\*\template`, and parser-evasion tricks (formats/rtf/rtf.ts).
 *
 * Facts: resources.rtf. Signals: rtf.* (signals/definitions/office.ts). IOCs: origin `rtf`.
 */
const MAX_EVIDENCE = 15;
const EQUATION_CLSID_BYTES = [0x02, 0xce, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46];

interface ObjectFact {
  index: number;
  offset: number;
  objclass?: string;
  /** Class name from the OLE1 header. */
  className?: string;
  format?: 'linked' | 'embedded' | 'static' | 'raw OLE' | 'unrecognised';
  kinds?: string[];
  update?: true;
  size: number;
  nativeSize?: number;
  /** Bytes of the extracted payload (the packaged file, or the native data). */
  payloadSize?: number;
  junk?: number;
  binBytes?: number;
  fileName?: string;
  extractedAs?: string;
  kind?: string;
  executable?: true;
  equation?: true;
  exploit?: string;
  links?: string[];
  note?: string;
}

export class RtfAnalyzer implements Analyzer {
  readonly name = 'rtf';
  readonly budgetMs = 30_000;

  appliesTo(file: FileContext): boolean {
    return file.identity.kind === 'rtf';
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const { limits } = file.options;
    const deadline = Date.now() + Math.max(1000, Math.min(this.budgetMs, limits.maxAnalysisMs) - 500);
    const parsed = parseRtf(file.data, { maxObjects: 100, maxObjectBytes: Math.min(limits.maxFileBytes, file.extractionBudget.bytes) + 4096, maxFields: 1000, maxDepth: 4096, deadline, signal: file.signal });

    const signals: SignalHit[] = [];
    const tags = new Set<string>();
    const issues: AnalysisIssue[] = [];
    const children: ExtractedFile[] = [];
    const iocs = new IocCollector();
    const budget = { ...file.extractionBudget };
    const listOnly = file.depth + 1 > limits.maxDepth;
    const hit = (id: string, evidence: string[], extra: Partial<SignalHit> = {}) => {
      if (evidence.length) signals.push({ id, evidence: bound(evidence), ...extra });
    };
    const take = (fact: ObjectFact, name: string, data: Uint8Array) => {
      if (!data.length) return;
      if (listOnly) {
        fact.note = 'not extracted: nesting depth limit';
        return;
      }
      if (data.length > limits.maxFileBytes || data.length > budget.bytes || budget.files <= 0) {
        fact.note = 'not extracted: extraction limits';
        issues.push({ analyzer: this.name, kind: 'limit', message: `object ${fact.index}: ${data.length} bytes not extracted (extraction limits)` });
        return;
      }
      budget.files--;
      budget.bytes -= data.length;
      fact.extractedAs = name;
      children.push({ name, data, relation: 'rtf-object' });
    };

    const objects = parsed.objects.map((o, index) => this.object(o, index, take, iocs));
    const withData = objects.filter((o) => o.size > 0 && o.format !== 'linked');
    if (withData.length) tags.add('embedded-object');
    hit('rtf.embedded_object', withData.map(describe));
    hit('rtf.embedded_executable', objects.filter((o) => o.executable).map(describe));
    const equations = objects.filter((o) => o.equation);
    if (equations.length) tags.add('equation-editor');
    hit('rtf.equation_editor', equations.map(describe));
    const exploits = objects.filter((o) => o.exploit);
    if (exploits.length) tags.add('exploit').add('CVE-2017-11882');
    hit('rtf.equation_exploit', exploits.map((o) => `object ${o.index}: ${o.exploit}`));
    const ole2link = objects.filter((o) => /^OLE2Link$/i.test(o.className ?? o.objclass ?? '') || o.note === 'OLE2Link');
    if (ole2link.length) tags.add('CVE-2017-0199');
    hit('rtf.ole2link', ole2link.map((o) => `object ${o.index}: ${o.className ?? o.objclass}${o.links?.length ? ` → ${o.links.join(', ')}` : ''}`));
    hit('rtf.remote_object', objects.filter((o) => o.links?.some(isRemoteTarget) && !ole2link.includes(o)).map((o) => `object ${o.index} (${(o.kinds ?? []).join(' ') || 'linked'}): ${o.links!.filter(isRemoteTarget).join(', ')}`));
    hit('rtf.objupdate', objects.filter((o) => o.update).map((o) => `object ${o.index} (${o.objclass || o.className || 'unknown class'}) updates automatically`));

    if (parsed.anomalies.length) tags.add('obfuscated');
    hit('rtf.obfuscation', parsed.anomalies);

    const fields = parsed.fields.map((f) => classifyField(f, 'fldinst')).filter((f): f is NonNullable<typeof f> => f !== null);
    const dde = fields.filter((f) => f.kind === 'dde');
    if (dde.length) tags.add('dde');
    hit('rtf.dde', dde.map((f) => f.instruction.slice(0, 300)), dde.some(dangerousDde) ? { verdict: Verdict.LikelyMalicious, strength: 0.85 } : {});
    for (const f of fields) for (const target of fieldTargets(f)) addTarget(iocs, target);
    if (dde.length) extractIocs(refang(dde.map((f) => f.instruction).join('\n')), iocs, 0, undefined, { quotedDomainsOnly: true });
    const remoteTemplates = parsed.templates.filter(isRemoteTarget);
    for (const t of parsed.templates) addTarget(iocs, t);
    if (remoteTemplates.length) tags.add('template-injection');
    hit('rtf.template_injection', remoteTemplates.map((t) => `\\*\\template ${t}`));

    if (parsed.incomplete) issues.push({ analyzer: this.name, kind: 'timeout', message: parsed.incomplete });
    const rtf: Record<string, unknown> = {
      header: parsed.header,
      groups: parsed.groups,
      maxDepth: parsed.maxDepth,
      controlWords: parsed.controlWords,
      objects,
      ...(fields.length ? { fields: fields.slice(0, 100).map((f) => ({ code: f.code, kind: f.kind, instruction: f.instruction })) } : {}),
      ...(parsed.templates.length ? { templates: parsed.templates } : {}),
      ...(parsed.anomalies.length ? { anomalies: parsed.anomalies } : {}),
      ...(parsed.incomplete ? { incomplete: parsed.incomplete } : {}),
    };
    const iocList: NonNullable<AnalyzerResult['iocs']> = [];
    for (const [type, values] of iocs.values) for (const value of values) iocList.push({ type, value, origin: 'rtf' });
    return { facts: { rtf }, signals, iocs: iocList, children, issues, tags: [...tags] };
  }

  /** Decodes one object: OLE1 header → native data → Package payload, OLE compound or raw bytes. */
  private object(raw: RtfObjectRaw, index: number, take: (fact: ObjectFact, name: string, data: Uint8Array) => void, iocs: IocCollector): ObjectFact {
    const fact: ObjectFact = {
      index,
      offset: raw.offset,
      ...(raw.objclass ? { objclass: raw.objclass } : {}),
      ...(raw.kinds.length ? { kinds: raw.kinds } : {}),
      ...(raw.update ? { update: true as const } : {}),
      size: raw.data.length,
      ...(raw.junk ? { junk: raw.junk } : {}),
      ...(raw.binBytes ? { binBytes: raw.binBytes } : {}),
    };
    if (raw.truncated) fact.note = 'object data longer than the extraction limit: cut';
    const data = raw.data;
    if (/^equation\.\d/i.test(raw.objclass) || containsBytes(data, EQUATION_CLSID_BYTES)) fact.equation = true;
    if (!data.length) return fact;

    const ole1 = parseOle1(data);
    let payload: Uint8Array | undefined;
    let name = '';
    if (ole1) {
      fact.className = ole1.className;
      fact.format = ole1.formatId === 1 ? 'linked' : ole1.formatId === 2 ? 'embedded' : 'static';
      if (/^equation\.\d/i.test(ole1.className)) fact.equation = true;
      if (ole1.formatId === 1) {
        fact.links = [ole1.topic, ole1.item, ole1.networkName ?? ''].filter((s) => s && /[\\/:]/.test(s)).slice(0, 5);
        for (const link of fact.links) addTarget(iocs, link);
      }
      if (ole1.native) {
        fact.nativeSize = ole1.native.length;
        if (ole1.truncated) fact.note = 'native data shorter than declared';
        const pkg = /^package$/i.test(ole1.className) ? parsePackage(ole1.native) : null;
        if (pkg) {
          fact.fileName = pkg.fileName || pkg.label;
          payload = pkg.data;
          name = baseName(pkg.fileName) || baseName(pkg.label);
        } else {
          payload = ole1.native;
          name = `${safeClass(ole1.className || raw.objclass) || `object${index}`}.bin`;
        }
      }
    } else if (isOle(data)) {
      fact.format = 'raw OLE';
      payload = data;
      name = `${safeClass(raw.objclass) || `object${index}`}.bin`;
    } else {
      fact.format = 'unrecognised';
      payload = data;
      name = `${safeClass(raw.objclass) || `object${index}`}.bin`;
    }
    if (!payload?.length) return fact;
    fact.payloadSize = payload.length;

    // What the payload is: an OLE compound file (Equation Editor, OLE2Link ...) or a file.
    if (isOle(payload)) this.inspectOle(payload, fact, iocs);
    else if (fact.equation) {
      const check = checkEquationNative(payload);
      if (check?.exploit) fact.exploit = check.exploit;
    }
    const kind = identify(payload).kind;
    fact.kind = kind;
    if (EXECUTABLE_KINDS.has(kind) || (fact.fileName && hasExecutableExtension(fact.fileName))) fact.executable = true;
    take(fact, name || `object${index}.bin`, payload);
    return fact;
  }

  private inspectOle(payload: Uint8Array, fact: ObjectFact, iocs: IocCollector): void {
    try {
      const ole = new OleFile(payload);
      const root = ole.root!;
      if (root.clsid === EQUATION_CLSID) fact.equation = true;
      const equation = ole.find('Equation Native');
      if (equation) {
        fact.equation = true;
        const check = checkEquationNative(ole.read(equation, 1024 * 1024).data);
        if (check?.exploit) fact.exploit = check.exploit;
      }
      if (root.clsid === OLE2LINK_CLSID || ole.find('\u0001Ole')) {
        const stream = ole.find('\u0001Ole');
        const text = stream ? ole.read(stream, 64 * 1024).data : new Uint8Array(0);
        const links = utf16Urls(text);
        if (root.clsid === OLE2LINK_CLSID) fact.note = 'OLE2Link';
        if (links.length) {
          fact.links = [...new Set([...(fact.links ?? []), ...links])].slice(0, 5);
          for (const link of links) addTarget(iocs, link);
        }
      }
    } catch {
      // Not a readable compound file: the child's own analysis will say so.
    }
  }
}

function utf16Urls(b: Uint8Array): string[] {
  const out: string[] = [];
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    const c = b[i] | (b[i + 1] << 8);
    if (c > 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else {
      if (/^(https?|ftp|file):\/\/|^\\\\/i.test(s)) out.push(s);
      s = '';
    }
  }
  if (/^(https?|ftp|file):\/\/|^\\\\/i.test(s)) out.push(s);
  return out.slice(0, 10);
}

function containsBytes(haystack: Uint8Array, needle: number[]): boolean {
  const first = needle[0];
  for (let i = haystack.indexOf(first); i >= 0 && i + needle.length <= haystack.length; i = haystack.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return true;
  }
  return false;
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? '';
}

function safeClass(name: string): string {
  return name.replace(/[^\w.-]/g, '').slice(0, 64);
}

function describe(o: ObjectFact): string {
  return [`object ${o.index}`, o.objclass && `\\objclass ${o.objclass}`, o.className && o.className !== o.objclass && `class ${o.className}`, o.fileName && `file ${o.fileName}`, o.kind && `${o.kind}, ${o.payloadSize ?? o.size} bytes`].filter(Boolean).join(', ');
}

function bound(evidence: string[]): string[] {
  const unique = [...new Set(evidence)];
  return unique.length > MAX_EVIDENCE ? [...unique.slice(0, MAX_EVIDENCE), `… ${unique.length - MAX_EVIDENCE} more`] : unique;
}
