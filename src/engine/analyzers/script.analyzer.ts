import type { FileKind } from '../identify/identify';
import { identify } from '../identify/identify';
import { executableUrl, extractIocs, IocCollector, isIPv4, refang, UrlParts, urlParts } from '../iocs/extract';
import { isWhitelistedHost, isWhitelistedIp } from '../iocs/whitelist';
import { DEFAULT_EMULATION_OPTIONS, EmulationOptions, EmulationResult, EmulationSource, FAKE_PE, FAKE_TEXT } from '../scripts/emulator/emulator';
import { emulateInChild } from '../scripts/emulator/emulator-host';
import { emulationFindings } from '../scripts/emulator/behaviour';
import { scriptSources } from '../scripts/html';
import { staticSignals } from '../scripts/indicators';
import { resolveConditionalCompilation } from '../scripts/javascript';
import { deobfuscate, Layer, LayerSet } from '../scripts/layers';
import { decodeScript, printable, ScriptLanguage, sha256Text } from '../scripts/text';
import type { AnalysisIssue, Analyzer, AnalyzerResult, ExtractedFile, FileContext, SignalHit } from '../types';
import { IocType } from '../types';

/**
 * Scripts: JavaScript / JScript, VBScript, PowerShell, batch, shell, Python, and the script in
 * HTML, HTA, SVG and WSF / scriptlet markup.
 *
 * 1. De-obfuscation in layers (src/engine/scripts): the file's text is normalised and its next
 *    stages extracted, again and again, to a fixpoint within depth, count and size limits; every
 *    layer is kept with the technique that produced it (resources.script.layers).
 * 2. Emulation (JavaScript, and the JavaScript of pages): the code runs in an isolated-vm isolate
 *    against emulated Windows Script Host, browser, Acrobat and Node objects, within a time and a
 *    memory limit; every emulated action is recorded in order (resources.emulationData), code the
 *    sample builds at run time becomes further layers, files it writes become children
 *    (`emulated-drop`), and the command lines it starts are de-obfuscated in turn.
 * 3. Signals (`script.*`, signals/definitions/scripts.ts) from the clear-text layers and from the
 *    emulated behaviour; indicators from every layer the file does not show as it is (origin
 *    `deobfuscation`) and from emulation (origin `emulation`).
 */

export interface ScriptAnalyzerOptions {
  /** Run JavaScript in the emulator (off: static de-obfuscation only). */
  emulation: boolean;
  emulationTimeoutMs: number;
  emulationMemoryMb: number;
  /** Actions kept in resources.emulationData. */
  maxEmulationRecords: number;
  /** Largest script read (bytes); the rest is not analysed. */
  maxScriptBytes: number;
}

export const DEFAULT_SCRIPT_OPTIONS: ScriptAnalyzerOptions = {
  emulation: true,
  emulationTimeoutMs: 3000,
  emulationMemoryMb: 64,
  maxEmulationRecords: 500,
  maxScriptBytes: 8 * 1024 * 1024,
};

const KIND_LANGUAGE: Partial<Record<FileKind, ScriptLanguage>> = {
  javascript: 'javascript',
  vbscript: 'vbscript',
  powershell: 'powershell',
  batch: 'batch',
  shell: 'shell',
  python: 'python',
  html: 'html',
  hta: 'html',
  svg: 'html',
};

const EXTENSION_LANGUAGE: Record<string, ScriptLanguage> = {
  js: 'javascript', jse: 'javascript', mjs: 'javascript', cjs: 'javascript',
  vbs: 'vbscript', vbe: 'vbscript', vba: 'vbscript', bas: 'vbscript',
  ps1: 'powershell', psm1: 'powershell', psd1: 'powershell',
  bat: 'batch', cmd: 'batch',
  sh: 'shell', bash: 'shell', zsh: 'shell', ksh: 'shell',
  py: 'python', pyw: 'python',
  hta: 'html', htm: 'html', html: 'html', xhtml: 'html', svg: 'html', wsf: 'html', wsc: 'html', sct: 'html',
};

/** Text that runs something even when identification saw plain text (one-line droppers). */
const COMMAND_MARKERS = /\b(?:powershell|pwsh)(?:\.exe)?\b|\bcmd(?:\.exe)?\s+\/[ckr]\b|\b(?:mshta|certutil|bitsadmin|rundll32|regsvr32|wscript|cscript)(?:\.exe)?\b|FromBase64String|-EncodedCommand\b/i;

/** Names of documents, data and logs: text there is read, not executed. */
const PROSE_EXTENSIONS = new Set('txt md markdown rst adoc log csv tsv json yml yaml toml ini cfg conf xml eml msg rtf tex'.split(' '));

const extensionOf = (name: string) => {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
};

/** Languages whose layers are code: bare `a.b.c` there is a property chain, not a host name. */
const CODE_LANGUAGES = new Set<ScriptLanguage>(['javascript', 'vbscript', 'python']);

export class ScriptAnalyzer implements Analyzer {
  readonly name = 'script';
  readonly budgetMs = 30_000;
  private readonly options: ScriptAnalyzerOptions;

  constructor(options: Partial<ScriptAnalyzerOptions> = {}) {
    this.options = { ...DEFAULT_SCRIPT_OPTIONS, ...options };
  }

  appliesTo(file: FileContext): boolean {
    return this.languageOf(file) !== null;
  }

  /** The language the file is read as, or null when it is not a script. */
  languageOf(file: FileContext): ScriptLanguage | null {
    const kind = file.identity.kind;
    const byKind = KIND_LANGUAGE[kind];
    if (byKind) return byKind;
    if (kind !== 'text' && kind !== 'xml') return null;
    const byName = EXTENSION_LANGUAGE[extensionOf(file.name)];
    if (byName) return byName;
    if (kind === 'xml') return /<script\b/i.test(decodeScript(file.data.subarray(0, 65536))) ? 'html' : null;
    // A one-line dropper identifies as text; prose that only mentions a command (README.md, notes.txt) is not run by anyone.
    if (PROSE_EXTENSIONS.has(extensionOf(file.name))) return null;
    const head = decodeScript(file.data.subarray(0, 1024 * 1024));
    return COMMAND_MARKERS.test(head) ? 'batch' : null;
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const language = this.languageOf(file);
    if (!language) return {};
    const deadline = Date.now() + this.budgetMs - 2000;
    const issues: AnalysisIssue[] = [];
    let data = file.data;
    if (data.length > this.options.maxScriptBytes) {
      issues.push({ analyzer: this.name, kind: 'limit', message: `only the first ${this.options.maxScriptBytes} bytes of the script were analysed` });
      data = data.subarray(0, this.options.maxScriptBytes);
    }
    const text = decodeScript(data);
    const set = new LayerSet();
    const root = set.root(text, language);
    deobfuscate(set, root, deadline);

    // Emulation of the JavaScript (the file's, or its page's blocks and handlers in order).
    let emulation: EmulationResult | undefined;
    const sourceLayers = this.emulationSources(set, root);
    if (this.options.emulation && sourceLayers.length && !file.signal.aborted) {
      const sources: EmulationSource[] = sourceLayers.map((l) => ({ code: resolveConditionalCompilation(l.text), label: l === root ? file.name : `${l.technique} #${l.index}` }));
      const options: EmulationOptions = {
        ...DEFAULT_EMULATION_OPTIONS,
        timeoutMs: this.options.emulationTimeoutMs,
        memoryMb: this.options.emulationMemoryMb,
        maxRecords: this.options.maxEmulationRecords,
        fileName: file.name,
        scriptBytes: data,
        environment: language === 'html' ? 'browser' : 'wsh',
        ...(language === 'html' ? { html: text } : {}),
        signal: file.signal,
      };
      emulation = await emulateInChild(sources, options);
      // All of emulation's layers first (what the sample itself produced), then their de-obfuscation.
      const added = emulation.layers.map((l) => set.add(sourceLayers[l.source] ?? root, l.technique, l.language, l.text, 'emulation', /eval|function|timer|string|atob/i.test(l.technique)));
      for (const layer of added) if (layer) deobfuscate(set, layer, deadline);
    }
    const findings = emulation ? emulationFindings(emulation, file.name) : undefined;
    for (const c of findings?.commands ?? []) {
      const parent = sourceLayers[emulation!.records[c.record]?.source ?? 0] ?? root;
      const added = set.add(parent, 'emulation:command-line', 'batch', c.command, 'emulation', false);
      if (added) deobfuscate(set, added, deadline);
    }

    const signals: SignalHit[] = [...staticSignals(set), ...(findings?.signals ?? [])];
    const { iocs, newExecutableUrls } = this.indicators(set, findings?.iocText ?? '');
    if (newExecutableUrls.length) signals.push({ id: 'iocs.executable_url', evidence: newExecutableUrls.slice(0, 10).map((u) => `${u} (found by de-obfuscation or emulation)`) });

    const children: ExtractedFile[] = [];
    const budget = { ...file.extractionBudget };
    const take = (name: string, bytes: Uint8Array, relation: string) => {
      if (budget.files <= 0 || bytes.length > budget.bytes || bytes.length > file.options.limits.maxFileBytes) return false;
      budget.files--;
      budget.bytes -= bytes.length;
      children.push({ name, data: bytes, relation });
      return true;
    };
    const payloadHits: string[] = [];
    for (const p of set.payloads) {
      const identity = identify(p.data);
      if (identity.kind !== 'data' && identity.kind !== 'text') payloadHits.push(`layer ${p.layer} (${p.technique}): ${identity.label}, ${p.data.length} bytes`);
      take(p.name, p.data, 'deobfuscated-payload');
    }
    if (payloadHits.length) signals.push({ id: 'script.encoded_payload', evidence: payloadHits.slice(0, 10) });

    const dropFacts: Record<string, unknown>[] = [];
    for (const d of emulation?.drops ?? []) {
      const placeholder = isPlaceholder(d.data);
      const name = d.path.split(/[\\/]/).pop() || 'dropped.bin';
      const child = !placeholder && d.data.length > 0 && take(name, d.data, 'emulated-drop');
      dropFacts.push({ path: d.path, size: d.data.length, sha256: sha256Text(Buffer.from(d.data).toString('latin1')), api: d.api, ...(d.source ? { source: d.source } : {}), ...(placeholder ? { placeholder: 'the emulated download body, not extracted' } : {}), extracted: !!child });
    }

    if (emulation) {
      if (emulation.outcome === 'timeout') issues.push({ analyzer: this.name, kind: 'timeout', message: emulation.message ?? 'emulation timed out' });
      else if (emulation.outcome === 'memory') issues.push({ analyzer: this.name, kind: 'limit', message: emulation.message ?? 'emulation memory limit reached' });
      else if (emulation.outcome === 'error' || emulation.outcome === 'unavailable') issues.push({ analyzer: this.name, kind: 'error', message: `emulation failed: ${emulation.message ?? emulation.outcome}` });
    }
    for (const note of set.notes) issues.push({ analyzer: this.name, kind: 'limit', message: note });

    const facts: Record<string, unknown> = {
      script: {
        language,
        layers: set.facts(),
        ...(set.payloads.length ? { payloads: set.payloads.map((p) => ({ layer: p.layer, technique: p.technique, name: p.name, size: p.data.length, type: identify(p.data).label })) } : {}),
        ...(set.notes.size ? { limits: [...set.notes] } : {}),
        ...(language === 'html' ? { scriptSources: scriptSources(text).slice(0, 50).map((s) => printable(s, 500)) } : {}),
      },
    };
    if (emulation) {
      facts.emulationData = emulation.records.map((r) => ({ api: r.api, args: r.args.map((a) => printable(a, 512)), category: r.category }));
      facts.emulation = {
        engine: 'isolated-vm',
        environment: language === 'html' ? 'browser' : 'wsh',
        sources: sourceLayers.map((l) => ({ layer: l.index, technique: l.technique, size: l.text.length })),
        outcome: emulation.outcome,
        ...(emulation.message ? { message: printable(emulation.message, 500) } : {}),
        ...(emulation.exceptions.length ? { exceptions: emulation.exceptions.map((e) => printable(e, 500)) } : {}),
        actions: emulation.totalRecords,
        ...(emulation.totalRecords > emulation.records.length ? { truncated: `${emulation.totalRecords - emulation.records.length} further actions not kept` } : {}),
        ...(dropFacts.length ? { files: dropFacts } : {}),
        ...(emulation.sleepMs ? { sleptMs: emulation.sleepMs } : {}),
        startupMs: Math.round(emulation.startupMs * 10) / 10,
        runMs: Math.round(emulation.runMs * 10) / 10,
      };
    }
    const tags: string[] = [language === 'html' ? file.identity.kind : language];
    if (set.layers.some((l) => l.obfuscationDepth > 0)) tags.push('obfuscated');
    if (emulation) tags.push('emulated');
    return { facts, signals, iocs, children, issues, tags };
  }

  /** Layers the emulator runs: the JavaScript file itself, or a page's JavaScript blocks and handlers in document order. */
  private emulationSources(set: LayerSet, root: Layer): Layer[] {
    if (root.language === 'javascript') return [root];
    if (root.language !== 'html') return [];
    const blocks = set.layers.filter((l) => l.parent === root.index && l.language === 'javascript' && (l.technique === 'html:script-block' || l.technique === 'html:event-handlers'));
    const total = blocks.reduce((n, l) => n + l.text.length, 0);
    return total > 8 * 1024 * 1024 ? [] : blocks;
  }

  /** Indicators of every layer the file does not show as it is, and of the emulated actions. */
  private indicators(set: LayerSet, emulationText: string): { iocs: NonNullable<AnalyzerResult['iocs']>; newExecutableUrls: string[] } {
    const root = set.layers[0];
    const byOrigin = new Map<string, IocCollector>();
    const collect = (origin: string, text: string, language: ScriptLanguage) => {
      let collector = byOrigin.get(origin);
      if (!collector) byOrigin.set(origin, (collector = new IocCollector()));
      const t = refang(text.length > 4_000_000 ? text.slice(0, 4_000_000) : text);
      extractIocs(t, collector, 0, t.length, { quotedDomainsOnly: CODE_LANGUAGES.has(language), codeAwareLines: !CODE_LANGUAGES.has(language) && language !== 'text' });
      schemeUrls(t, collector);
    };
    for (const layer of set.layers) {
      if (layer === root || (layer.text.length < 1_000_000 && root.text.includes(layer.text))) continue;
      collect(layer.origin === 'emulation' ? 'emulation' : 'deobfuscation', layer.text, layer.language);
    }
    if (emulationText) collect('emulation', emulationText, 'text');

    const iocs: NonNullable<AnalyzerResult['iocs']> = [];
    const urls = new Set<string>();
    for (const [origin, collector] of byOrigin) {
      for (const [type, values] of collector.values) {
        for (const value of values) {
          iocs.push({ type, value, origin });
          if (type === IocType.Url) urls.add(value);
        }
      }
    }
    const newExecutableUrls: string[] = [];
    for (const url of urls) {
      const parts = urlParts(url) ?? looseUrlParts(url);
      const ext = parts ? executableUrl(parts, url) : null;
      if (ext && !root.text.includes(url) && !(ext === 'js' && root.language === 'html')) newExecutableUrls.push(url);
    }
    return { iocs, newExecutableUrls };
  }
}

/**
 * URLs with an explicit scheme whose host has no public suffix (`http://malicious.example/x.exe`,
 * `http://fileserver.corp/a.ps1`): the general extractor leaves them out to keep noise out of
 * binaries, but a URL a script hid behind obfuscation, or asked for while emulated, is the point.
 */
function schemeUrls(text: string, collector: IocCollector): void {
  for (const m of text.matchAll(/\b(?:https?|ftp):\/\/(?<host>[a-z0-9](?:[a-z0-9-]{0,62}\.)+[a-z][a-z0-9-]{1,62}|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#][^\s"'<>`)\]}|\\^]*)?/gi)) {
    const url = m[0].replace(/[.,;:!]+$/, '');
    if (urlParts(url)) continue; // the general extractor's
    const host = m.groups!.host.toLowerCase();
    const ip = isIPv4(host);
    if (ip ? isWhitelistedIp(host) : isWhitelistedHost(host)) continue;
    if (!ip && !/[a-z]/.test(host.slice(host.lastIndexOf('.') + 1))) continue;
    if (url.length > collector.limits.maxUrlLength) continue;
    collector.add(IocType.Url, url);
    collector.add(ip ? IocType.Ip : IocType.Domain, host);
  }
}

/** Host and path of a URL the general parser refuses (no public suffix). */
function looseUrlParts(url: string): UrlParts | null {
  const m = /^[a-z]+:\/\/([^/?#:]+)(?::\d+)?([^?#]*)/i.exec(url);
  return m ? { host: m[1].toLowerCase(), hostIsIp: isIPv4(m[1]), path: m[2] } : null;
}

const FAKE_PE_BYTES = Buffer.from(FAKE_PE, 'latin1');
const FAKE_TEXT_BYTES = Buffer.from(FAKE_TEXT, 'latin1');

/** A file whose content is only the emulator's own download placeholder (with a BOM at most). */
function isPlaceholder(data: Uint8Array): boolean {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return b.equals(FAKE_PE_BYTES) || b.equals(FAKE_TEXT_BYTES) || b.subarray(3).equals(FAKE_TEXT_BYTES) || b.subarray(2).equals(FAKE_TEXT_BYTES);
}
