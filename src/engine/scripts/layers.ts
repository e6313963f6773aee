import { identify, FileKind } from '../identify/identify';
import { extractBatch, normaliseBatch } from './batch';
import { extractGeneric } from './generic';
import { extractHtml } from './html';
import { extractJavaScript, normaliseJavaScript } from './javascript';
import { extractPowerShell, normalisePowerShell } from './powershell';
import { printable, ScriptLanguage, sha256Text } from './text';
import { extractVbscript, normaliseVbscript } from './vbscript';

/**
 * The layers of a script: the file's own text, then every text de-obfuscation or emulation
 * uncovered, each kept with the technique that produced it and its parent. A language module
 * normalises a layer (rewrites to a fixpoint: one new layer when something changed) and extracts
 * its next stages (new layers, or binary payloads). The set is bounded in depth, count and size,
 * and identical texts are kept once, so hostile recursion ends.
 */

export interface NormalisedStep {
  name: string;
  count: number;
  /** Only an obfuscator needs it (char codes, format operator, carets ...). */
  heavy: boolean;
}

export interface Normalised {
  text: string;
  steps: NormalisedStep[];
}

export type Extraction =
  | { technique: string; language: ScriptLanguage | 'guess'; text: string; obfuscation: boolean }
  | { technique: string; payload: Uint8Array; name: string; obfuscation: boolean };

export type LayerOrigin = 'file' | 'deobfuscation' | 'emulation';

export interface Layer {
  index: number;
  parent: number | null;
  technique: string;
  language: ScriptLanguage;
  text: string;
  origin: LayerOrigin;
  depth: number;
  /** Layers on the way here (this one included) that undid obfuscation. */
  obfuscationDepth: number;
  steps?: NormalisedStep[];
  sha256: string;
  truncated?: boolean;
}

export interface DecodedPayload {
  technique: string;
  name: string;
  data: Uint8Array;
  layer: number;
}

export interface LayerLimits {
  maxDepth: number;
  maxLayers: number;
  /** Longest text kept per layer (longer ones are cut). */
  maxLayerChars: number;
  maxTotalChars: number;
  maxPayloads: number;
  maxPayloadBytes: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = {
  maxDepth: 10,
  maxLayers: 64,
  maxLayerChars: 2 * 1024 * 1024,
  maxTotalChars: 16 * 1024 * 1024,
  maxPayloads: 16,
  maxPayloadBytes: 32 * 1024 * 1024,
};

const PREVIEW_CHARS = 2000;

export class LayerSet {
  readonly layers: Layer[] = [];
  readonly payloads: DecodedPayload[] = [];
  /** Limits reached, said once each. */
  readonly notes = new Set<string>();
  private readonly seen = new Set<string>();
  private readonly seenPayloads = new Set<string>();
  private totalChars = 0;
  private payloadBytes = 0;

  constructor(readonly limits: LayerLimits = DEFAULT_LAYER_LIMITS) {}

  root(text: string, language: ScriptLanguage): Layer {
    const layer = this.make(null, 'file', language, text, 'file', false);
    this.layers.push(layer);
    this.seen.add(`${language}\u0000${layer.sha256}`);
    this.totalChars += layer.text.length;
    return layer;
  }

  /** Adds a layer below `parent`; null when it repeats a layer already kept or a limit refuses it. */
  add(parent: Layer | null, technique: string, language: ScriptLanguage, text: string, origin: LayerOrigin, obfuscation: boolean, steps?: NormalisedStep[]): Layer | null {
    if (!text.trim()) return null;
    const layer = this.make(parent, technique, language, text, origin, obfuscation, steps);
    const key = `${language}\u0000${layer.sha256}`;
    if (this.seen.has(key)) return null;
    if (this.layers.length >= this.limits.maxLayers) {
      this.notes.add(`more than ${this.limits.maxLayers} layers: the rest were not kept`);
      return null;
    }
    if (this.totalChars + layer.text.length > this.limits.maxTotalChars) {
      this.notes.add(`layers beyond ${this.limits.maxTotalChars} characters in total were not kept`);
      return null;
    }
    this.seen.add(key);
    this.totalChars += layer.text.length;
    this.layers.push(layer);
    return layer;
  }

  addPayload(parent: Layer, technique: string, name: string, data: Uint8Array): void {
    const key = sha256Text(Buffer.from(data).toString('latin1'));
    if (this.seenPayloads.has(key)) return;
    if (this.payloads.length >= this.limits.maxPayloads || this.payloadBytes + data.length > this.limits.maxPayloadBytes) {
      this.notes.add(`decoded payloads beyond ${this.limits.maxPayloads} files / ${this.limits.maxPayloadBytes} bytes were not kept`);
      return;
    }
    this.seenPayloads.add(key);
    this.payloadBytes += data.length;
    this.payloads.push({ technique, name, data, layer: parent.index });
  }

  private make(parent: Layer | null, technique: string, language: ScriptLanguage, text: string, origin: LayerOrigin, obfuscation: boolean, steps?: NormalisedStep[]): Layer {
    const truncated = text.length > this.limits.maxLayerChars;
    if (truncated) this.notes.add(`a layer longer than ${this.limits.maxLayerChars} characters was cut`);
    const kept = truncated ? text.slice(0, this.limits.maxLayerChars) : text;
    return {
      index: this.layers.length,
      parent: parent?.index ?? null,
      technique,
      language,
      text: kept,
      origin,
      depth: parent ? parent.depth + 1 : 0,
      obfuscationDepth: (parent?.obfuscationDepth ?? 0) + (obfuscation ? 1 : 0),
      ...(steps ? { steps } : {}),
      sha256: sha256Text(kept),
      ...(truncated ? { truncated } : {}),
    };
  }

  /** The report form: every layer with a bounded, printable preview. */
  facts(): Record<string, unknown>[] {
    return this.layers.map((l) => ({
      index: l.index,
      parent: l.parent,
      technique: l.technique,
      language: l.language,
      origin: l.origin,
      size: l.text.length,
      sha256: l.sha256,
      preview: printable(l.text, PREVIEW_CHARS),
      ...(l.steps ? { steps: l.steps.map((s) => ({ name: s.name, count: s.count })) } : {}),
      ...(l.truncated ? { truncated: true } : {}),
    }));
  }
}

interface LanguageModule {
  normalise?: (text: string) => Normalised;
  extract?: (text: string) => Extraction[];
}

const MODULES: Record<ScriptLanguage, LanguageModule> = {
  powershell: { normalise: normalisePowerShell, extract: extractPowerShell },
  javascript: { normalise: normaliseJavaScript, extract: extractJavaScript },
  vbscript: { normalise: normaliseVbscript, extract: extractVbscript },
  batch: { normalise: normaliseBatch, extract: extractBatch },
  html: { extract: extractHtml },
  shell: {},
  python: {},
  text: {},
};

const KIND_LANGUAGE: Partial<Record<FileKind, ScriptLanguage>> = {
  powershell: 'powershell',
  javascript: 'javascript',
  vbscript: 'vbscript',
  batch: 'batch',
  shell: 'shell',
  python: 'python',
  html: 'html',
  hta: 'html',
  svg: 'html',
};

/** The language of decoded text: by identification, else the language that decoded it. */
export function guessLanguage(text: string, fallback: ScriptLanguage): ScriptLanguage {
  const kind = identify(new Uint8Array(Buffer.from(text.slice(0, 65536), 'utf8'))).kind;
  const lang = KIND_LANGUAGE[kind];
  if (lang) return lang;
  return fallback === 'powershell' || fallback === 'batch' || fallback === 'shell' || fallback === 'python' ? fallback : 'text';
}

/**
 * De-obfuscates `start` and everything it uncovers, breadth first, until nothing new appears or a
 * limit is reached. Layers found below an emulation layer keep the origin `emulation`.
 */
export function deobfuscate(set: LayerSet, start: Layer, deadline: number): void {
  const queue: Layer[] = [start];
  while (queue.length) {
    if (Date.now() > deadline) {
      set.notes.add('de-obfuscation stopped at its time budget');
      return;
    }
    const layer = queue.shift()!;
    if (layer.depth >= set.limits.maxDepth) {
      set.notes.add(`layers deeper than ${set.limits.maxDepth} were not de-obfuscated`);
      continue;
    }
    const origin: LayerOrigin = layer.origin === 'emulation' ? 'emulation' : 'deobfuscation';
    const mod = MODULES[layer.language];
    let base = layer;
    if (mod.normalise) {
      const n = mod.normalise(layer.text);
      if (n.steps.length && n.text !== layer.text) {
        const heavy = n.steps.filter((s) => s.heavy).reduce((sum, s) => sum + s.count, 0);
        const added = set.add(layer, `${layer.language}:${n.steps.map((s) => s.name).join('+')}`, layer.language, n.text, origin, heavy >= 3, n.steps);
        if (added) base = added;
      }
    }
    const extractions = [...extractGeneric(base.text, base.language), ...(mod.extract?.(base.text) ?? [])];
    for (const e of extractions) {
      if ('payload' in e) {
        set.addPayload(base, e.technique, e.name, e.payload);
        continue;
      }
      const language = e.language === 'guess' ? guessLanguage(e.text, base.language) : e.language;
      const child = set.add(base, e.technique, language, e.text, origin, e.obfuscation);
      if (child) queue.push(child);
    }
  }
}
