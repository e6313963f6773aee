import { performance } from 'node:perf_hooks';
import type * as IVM from 'isolated-vm';
import { FAKE_ENV, ScriptLanguage } from '../text';
import { RUNTIME_SOURCE } from './runtime';

/**
 * Runs JavaScript / JScript samples in an isolated-vm Isolate (a separate V8 heap with a hard
 * memory limit; never Node's `vm`), against the emulated host objects of runtime.ts, and returns
 * what the sample did, in order.
 *
 * - One isolate per file, disposed afterwards: nothing of one sample survives into the next.
 * - The isolate gets no host objects. Three `ivm.Callback`s (copied primitive arguments, strings
 *   only, validated and bounded here) carry actions, dropped files and code out; the runtime keeps
 *   them in a closure the sample cannot reach.
 * - One wall-clock budget for the whole file: every call into the isolate runs with the remaining
 *   time as its `timeout`. An endless loop ends as `timeout`, an allocation storm as `memory` (the
 *   isolate is disposed by isolated-vm, not the process); what was recorded before stays.
 * - The caller's AbortSignal disposes the isolate at once.
 */

export type EmulationCategory = 'process' | 'file' | 'network' | 'registry' | 'eval' | 'other';
const CATEGORIES = new Set<EmulationCategory>(['process', 'file', 'network', 'registry', 'eval', 'other']);

export interface EmulationRecord {
  api: string;
  args: string[];
  category: EmulationCategory;
  /** Index of the source (script) that was running. */
  source: number;
}

export interface EmulationDrop {
  path: string;
  data: Uint8Array;
  /** Where the content came from: a URL (an emulated download), `script-built blob`, '' (written by the script). */
  source: string;
  api: string;
  /** Index in the records of the write. */
  record: number;
}

export interface EmulationLayer {
  technique: string;
  language: ScriptLanguage;
  text: string;
  source: number;
  record: number;
}

export type EmulationOutcome = 'completed' | 'exception' | 'quit' | 'timeout' | 'memory' | 'aborted' | 'error' | 'unavailable';

export interface EmulationResult {
  outcome: EmulationOutcome;
  /** Why it ended that way (the sample's exception, the limit, the failure). */
  message?: string;
  records: EmulationRecord[];
  /** Actions recorded inside the isolate, including those beyond `maxRecords`. */
  totalRecords: number;
  drops: EmulationDrop[];
  layers: EmulationLayer[];
  /** The sample's uncaught exceptions (one per source at most, and in callbacks). */
  exceptions: string[];
  /** Isolate + context + runtime set-up, ms. */
  startupMs: number;
  /** Running the sources, events and timers, ms. */
  runMs: number;
  /** Emulated time the sample slept (WScript.Sleep, timers), ms. */
  sleepMs?: number;
}

/** One accepted record, dropped file or layer, handed to emulate()'s observer as it happens. */
export type EmulationEvent = { record: EmulationRecord } | { drop: EmulationDrop } | { layer: EmulationLayer };

export interface EmulationSource {
  code: string;
  label: string;
}

export interface EmulationOptions {
  /** Wall-clock budget for the whole file (set-up excluded), ms. */
  timeoutMs: number;
  /** Isolate heap limit, MB. */
  memoryMb: number;
  maxRecords: number;
  maxArgChars: number;
  maxLayers: number;
  maxLayerChars: number;
  maxDrops: number;
  maxDropBytes: number;
  maxDropTotal: number;
  /** The sample's name (WScript.ScriptName) and bytes (for scripts that read themselves). */
  fileName: string;
  scriptBytes?: Uint8Array;
  /** The page, for document.getElementById on HTML / HTA. */
  html?: string;
  environment: 'wsh' | 'browser';
  signal?: AbortSignal;
}

export const DEFAULT_EMULATION_OPTIONS: Omit<EmulationOptions, 'fileName' | 'environment'> = {
  timeoutMs: 3000,
  memoryMb: 64,
  maxRecords: 500,
  maxArgChars: 512,
  maxLayers: 32,
  maxLayerChars: 1024 * 1024,
  maxDrops: 20,
  maxDropBytes: 8 * 1024 * 1024,
  maxDropTotal: 32 * 1024 * 1024,
};

/** The body every emulated download returns for executables: a recognisable placeholder PE, not a program. */
export const FAKE_PE = buildFakePe();
/** The body emulated downloads of scripts and pages return. */
export const FAKE_TEXT = '/* emulated download: the sandbox fetched nothing */';

function buildFakePe(): string {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('This program cannot be run in DOS mode. EMULATED-DOWNLOAD placeholder', 0x40, 'latin1');
  b.write('PE\0\0', 0x80, 'latin1');
  b.writeUInt16LE(0x14c, 0x84);
  return b.toString('latin1');
}

const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IE_UA = 'Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko';

let ivmModule: typeof IVM | null | undefined;
/** isolated-vm, loaded on first use (a native addon: a machine without it still analyses statically). */
function loadIvm(): typeof IVM | null {
  if (ivmModule === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ivmModule = require('isolated-vm') as typeof IVM;
    } catch {
      ivmModule = null;
    }
  }
  return ivmModule;
}

const SETUP_SOURCE =
  `(function () { var r = globalThis.__emu_record, d = globalThis.__emu_drop, l = globalThis.__emu_layer, c = globalThis.__emu_cfg;` +
  ` delete globalThis.__emu_record; delete globalThis.__emu_drop; delete globalThis.__emu_layer; delete globalThis.__emu_cfg;` +
  ` return (${RUNTIME_SOURCE})(r, d, l, c); })()`;
/** V8's code cache of SETUP_SOURCE, made by the first isolate: later ones skip parsing and compiling it. */
let setupCache: IVM.ExternalCopy<ArrayBuffer> | undefined;

function compileRuntime(isolate: IVM.Isolate): IVM.Script {
  // isolated-vm sets these on the script (its typings leave them out).
  const script = isolate.compileScriptSync(SETUP_SOURCE, {
    filename: 'emulated-host.js',
    ...(setupCache ? { cachedData: setupCache } : { produceCachedData: true }),
  }) as IVM.Script & IVM.CachedDataResult & { cachedDataRejected?: boolean };
  if (script.cachedDataRejected) setupCache = undefined;
  else if (!setupCache && script.cachedData) setupCache = script.cachedData;
  return script;
}

const bound = (s: unknown, max: number): string => {
  const v = typeof s === 'string' ? s : String(s);
  return v.length > max ? `${v.slice(0, max)}…` : v;
};

const LANGUAGES = new Set<ScriptLanguage>(['javascript', 'html', 'vbscript', 'powershell', 'batch']);

/**
 * Emulates `sources` in one fresh isolate. `observe` sees every record, drop and layer the result
 * keeps, as it is kept: a caller that may lose the result (a process killed with its stuck isolate)
 * keeps what was seen before.
 */
export async function emulate(sources: EmulationSource[], options: EmulationOptions, observe?: (event: EmulationEvent) => void): Promise<EmulationResult> {
  const result: EmulationResult = { outcome: 'completed', records: [], totalRecords: 0, drops: [], layers: [], exceptions: [], startupMs: 0, runMs: 0 };
  const ivm = loadIvm();
  if (!ivm) return { ...result, outcome: 'unavailable', message: 'isolated-vm is not available on this machine' };

  const started = performance.now();
  let source = 0;
  let dropBytes = 0;
  let catastrophic: string | undefined;

  const record = (category: unknown, api: unknown, argsJson: unknown) => {
    result.totalRecords++;
    if (result.records.length >= options.maxRecords) return;
    let args: string[] = [];
    try {
      const parsed = JSON.parse(typeof argsJson === 'string' ? argsJson : '[]') as unknown;
      if (Array.isArray(parsed)) args = parsed.slice(0, 6).map((a) => bound(a, options.maxArgChars));
    } catch {
      args = [];
    }
    const cat = (CATEGORIES.has(category as EmulationCategory) ? category : 'other') as EmulationCategory;
    const kept: EmulationRecord = { api: bound(api, 200), args, category: cat, source };
    result.records.push(kept);
    observe?.({ record: kept });
  };
  const drop = (path: unknown, data: unknown, from: unknown, api: unknown) => {
    if (typeof data !== 'string' || result.drops.length >= options.maxDrops) return;
    const bytes = Buffer.from(data.length > options.maxDropBytes ? data.slice(0, options.maxDropBytes) : data, 'latin1');
    if (dropBytes + bytes.length > options.maxDropTotal) return;
    dropBytes += bytes.length;
    const kept: EmulationDrop = { path: bound(path, 1024), data: new Uint8Array(bytes), source: bound(from, 2048), api: bound(api, 200), record: result.records.length - 1 };
    result.drops.push(kept);
    observe?.({ drop: kept });
  };
  const layer = (technique: unknown, language: unknown, text: unknown) => {
    if (typeof text !== 'string' || result.layers.length >= options.maxLayers) return;
    const lang = LANGUAGES.has(language as ScriptLanguage) ? (language as ScriptLanguage) : 'javascript';
    const kept: EmulationLayer = { technique: bound(technique, 100), language: lang, text: text.slice(0, options.maxLayerChars), source, record: result.records.length - 1 };
    result.layers.push(kept);
    observe?.({ layer: kept });
  };

  const isolate = new ivm.Isolate({ memoryLimit: options.memoryMb, onCatastrophicError: (message) => (catastrophic = message) });
  const onAbort = () => {
    if (!isolate.isDisposed) isolate.dispose();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let context: IVM.Context | undefined;
  try {
    // Set-up runs no sample code and is bounded: the synchronous calls save a thread hop each.
    context = isolate.createContextSync();
    const jail = context.global;
    const scriptName = options.fileName.split(/[\\/]/).pop() || 'sample.js';
    const cfg = {
      env: FAKE_ENV,
      maxRecords: options.maxRecords + 100,
      maxLayers: options.maxLayers,
      maxLayerChars: options.maxLayerChars,
      maxDrops: options.maxDrops,
      maxDropBytes: options.maxDropBytes,
      maxDropTotal: options.maxDropTotal,
      maxStreamBytes: 16 * 1024 * 1024,
      maxTimerRuns: 500,
      cwd: FAKE_ENV.USERPROFILE + '\\Downloads',
      scriptPath: `${FAKE_ENV.USERPROFILE}\\Downloads\\${scriptName}`,
      scriptName,
      scriptSize: options.scriptBytes?.length ?? 0,
      scriptBinary: options.scriptBytes && options.scriptBytes.length <= 1024 * 1024 ? Buffer.from(options.scriptBytes).toString('latin1') : '',
      fakePe: FAKE_PE,
      fakeText: FAKE_TEXT,
      html: options.html ? options.html.slice(0, 4 * 1024 * 1024) : '',
      pageUrl: `file:///C:/Users/user/Downloads/${encodeURIComponent(scriptName)}`,
      userAgent: options.environment === 'wsh' ? IE_UA : BROWSER_UA,
    };
    jail.setSync('__emu_record', new ivm.Callback(record));
    jail.setSync('__emu_drop', new ivm.Callback(drop));
    jail.setSync('__emu_layer', new ivm.Callback(layer));
    jail.setSync('__emu_cfg', JSON.stringify(cfg));
    const setup = compileRuntime(isolate);
    const entry = setup.runSync(context, { reference: true, timeout: 2000 }) as IVM.Reference<{ run: (code: string, label: string) => string; finish: () => string }>;
    setup.release();
    const run = entry.getSync('run', { reference: true });
    const finish = entry.getSync('finish', { reference: true });
    result.startupMs = performance.now() - started;

    const deadline = performance.now() + options.timeoutMs;
    const remaining = () => Math.max(1, Math.round(deadline - performance.now()));
    for (let i = 0; i < sources.length; i++) {
      source = i;
      const outcome = (await run.apply(undefined, [sources[i].code, sources[i].label], { arguments: { copy: true }, result: { copy: true }, timeout: remaining() })) as unknown;
      if (typeof outcome === 'string' && outcome.startsWith('exception')) {
        result.outcome = 'exception';
        if (result.exceptions.length < 20) result.exceptions.push(bound(`${sources[i].label}: ${outcome.slice('exception: '.length)}`, 500));
      }
      if (outcome === 'quit') {
        result.outcome = 'quit';
        break;
      }
    }
    const summary = (await finish.apply(undefined, [], { result: { copy: true }, timeout: remaining() })) as unknown;
    try {
      const s = JSON.parse(typeof summary === 'string' ? summary : '{}') as { outcome?: string; recorded?: number; sleepMs?: number };
      if (s.outcome === 'quit') result.outcome = 'quit';
      if (typeof s.sleepMs === 'number' && Number.isFinite(s.sleepMs)) result.sleepMs = s.sleepMs;
      if (typeof s.recorded === 'number' && Number.isFinite(s.recorded)) result.totalRecords = Math.max(result.totalRecords, Math.min(s.recorded, Number.MAX_SAFE_INTEGER));
    } catch {
      // a summary the sample tampered with says nothing
    }
    if (result.outcome === 'completed' && result.exceptions.length) result.outcome = 'exception';
    if (!result.message && result.exceptions.length) result.message = result.exceptions[0];
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/timed out/i.test(message)) {
      result.outcome = 'timeout';
      result.message = `emulation stopped after its ${options.timeoutMs} ms budget`;
    } else if (/memory limit/i.test(message)) {
      result.outcome = 'memory';
      result.message = `emulation stopped at its ${options.memoryMb} MB memory limit`;
    } else if (options.signal?.aborted) {
      result.outcome = 'aborted';
      result.message = 'emulation stopped: the analysis ran out of time';
    } else {
      result.outcome = 'error';
      result.message = bound(catastrophic ? `isolate failure: ${catastrophic}` : message, 500);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    result.runMs = performance.now() - started - result.startupMs;
    try {
      context?.release();
    } catch {
      // already gone with the isolate
    }
    if (!isolate.isDisposed) isolate.dispose();
  }
  return result;
}
