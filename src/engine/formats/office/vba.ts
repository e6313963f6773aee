import { OleEntry, OleFile } from './ole';
import { decompressOvba } from './ovba';

/**
 * VBA projects inside a compound file ([MS-OVBA] 2.2–2.3): a storage holding a `PROJECT` stream
 * and a `VBA` storage with the compressed `dir` stream, `_VBA_PROJECT` and one stream per module.
 * Found wherever they are: `Macros` (Word), `_VBA_PROJECT_CUR` (Excel), the root of a
 * `vbaProject.bin` (OOXML), or anywhere else an attacker put one.
 *
 * Each module stream is the module's compiled p-code (the "performance cache") followed, at the
 * `dir` stream's MODULEOFFSET, by its compressed source. Office runs the p-code when the VBA version
 * matches, so a document whose source was wiped or replaced while the p-code stayed ("VBA stomping")
 * runs code its source does not show; `stompingHints` reports the cheap tells of that.
 *
 * When the `dir` stream is unreadable, module streams are searched for a compressed container
 * starting with `Attribute` (how every module's source begins), as olevba does.
 */
export interface VbaModule {
  name: string;
  stream: string;
  /** `standard` (a code module) or `document/class` (ThisDocument, Sheet1, class modules, forms). */
  type: 'standard' | 'document/class' | 'unknown';
  /** Decompressed source, bounded by the caller's limit. */
  source: string;
  sourceBytes: number;
  sourceTruncated: boolean;
  /** Bytes of compiled p-code before the source. */
  pcodeBytes: number;
  /** Printable strings of the p-code (literals survive compilation), bounded. */
  pcodeStrings: string[];
  /** Module listed in the dir stream but not in the PROJECT stream: hidden from the VBA editor. */
  hidden?: boolean;
  error?: string;
}

export interface VbaProject {
  /** Storage holding the project ('' for the root of a vbaProject.bin). */
  storage: string;
  codepage: number;
  name?: string;
  modules: VbaModule[];
  /** `_VBA_PROJECT` version: 0xFFFF means "no valid p-code, recompile from source". */
  pcodeVersion?: number;
  /** Project is locked for viewing (PROJECT stream's DPB/CMG protection present and not blank). */
  protected?: boolean;
  problems: string[];
}

export interface VbaReadOptions {
  /** Most decompressed source bytes kept per module. */
  maxModuleBytes: number;
  /** Most decompressed source bytes over all modules. */
  maxTotalBytes: number;
  /** Most modules read per project. */
  maxModules?: number;
  /** Time limit (Date.now() value). */
  deadline?: number;
}

const MAX_PCODE_STRINGS = 200;
type Decoder = InstanceType<typeof TextDecoder>;

export function findVbaProjects(ole: OleFile): { storage: OleEntry; vba: OleEntry }[] {
  const out: { storage: OleEntry; vba: OleEntry }[] = [];
  for (const e of ole.entries) {
    if (e.type !== 'storage' || e.name.toLowerCase() !== 'vba') continue;
    const parent = ole.entry(e.parent);
    if (!parent) continue;
    if (ole.child(e, 'dir') || ole.child(parent, 'PROJECT')) out.push({ storage: parent, vba: e });
    if (out.length >= 20) break;
  }
  return out;
}

export function readVbaProjects(ole: OleFile, options: VbaReadOptions): VbaProject[] {
  const budget = { bytes: options.maxTotalBytes, read: 256 * 1024 * 1024 };
  return findVbaProjects(ole).map(({ storage, vba }) => readProject(ole, storage, vba, options, budget));
}

interface DirModule {
  name?: string;
  nameUnicode?: string;
  stream?: string;
  streamUnicode?: string;
  offset?: number;
  type: VbaModule['type'];
}

function decoderFor(codepage: number): Decoder {
  const label = codepage === 65001 ? 'utf-8' : codepage === 1200 ? 'utf-16le' : codepage === 10000 ? 'macintosh' : `windows-${codepage}`;
  try {
    return new TextDecoder(label, { fatal: false });
  } catch {
    return new TextDecoder('windows-1252', { fatal: false });
  }
}

const utf16 = new TextDecoder('utf-16le', { fatal: false });

/** Parses the decompressed `dir` stream's records (id 2 bytes, size 4 bytes, data). */
export function parseDirStream(dir: Uint8Array): { codepage: number; name?: string; modules: DirModule[]; problems: string[] } {
  const problems: string[] = [];
  const modules: DirModule[] = [];
  let codepage = 1252;
  let name: string | undefined;
  const latin = new TextDecoder('latin1');
  let current: DirModule | undefined;
  let p = 0;
  while (p + 6 <= dir.length) {
    const id = dir[p] | (dir[p + 1] << 8);
    let size = (dir[p + 2] | (dir[p + 3] << 8) | (dir[p + 4] << 16) | (dir[p + 5] << 24)) >>> 0;
    // PROJECTVERSION: its size field says 4, but 6 bytes follow (major u32, minor u16).
    if (id === 0x0009) size = 6;
    const start = p + 6;
    const end = start + size;
    if (end > dir.length) {
      problems.push(`dir record 0x${id.toString(16)} runs past the end of the stream`);
      break;
    }
    const data = dir.subarray(start, end);
    switch (id) {
      case 0x0003:
        if (size >= 2) codepage = data[0] | (data[1] << 8);
        break;
      case 0x0004:
        name = latin.decode(data);
        break;
      case 0x0019:
        current = { type: 'unknown' };
        modules.push(current);
        current.name = decoderFor(codepage).decode(data);
        break;
      case 0x0047:
        if (current) current.nameUnicode = utf16.decode(data);
        break;
      case 0x001a:
        if (current) current.stream = decoderFor(codepage).decode(data);
        break;
      case 0x0032:
        if (current) current.streamUnicode = utf16.decode(data);
        break;
      case 0x0031:
        if (current && size >= 4) current.offset = (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0;
        break;
      case 0x0021:
        if (current) current.type = 'standard';
        break;
      case 0x0022:
        if (current) current.type = 'document/class';
        break;
      case 0x002b:
        current = undefined;
        break;
      default:
        break;
    }
    p = end;
    if (id === 0x0010) break; // dir terminator
  }
  return { codepage, name, modules, problems };
}

function readProject(ole: OleFile, storage: OleEntry, vba: OleEntry, options: VbaReadOptions, budget: { bytes: number; read: number }): VbaProject {
  const project: VbaProject = { storage: storage.path, codepage: 1252, modules: [], problems: [] };
  const projectStream = ole.child(storage, 'PROJECT');
  const listed = new Set<string>();
  if (projectStream) {
    const text = new TextDecoder('latin1').decode(ole.read(projectStream, 1024 * 1024).data);
    for (const line of text.split(/\r?\n/)) {
      const m = /^(Module|Document|Class|BaseClass)=([^/\r\n]+)/i.exec(line);
      if (m) listed.add(m[2].trim().toLowerCase());
      const lock = /^(DPB|CMG|GC)="([0-9A-F]+)"/i.exec(line);
      if (lock && lock[1].toUpperCase() === 'DPB' && lock[2].length > 16) project.protected = true;
    }
  }
  const vbaProjectStream = ole.child(vba, '_VBA_PROJECT');
  if (vbaProjectStream) {
    const head = ole.read(vbaProjectStream, 8).data;
    if (head.length >= 4) project.pcodeVersion = head[2] | (head[3] << 8);
  }

  const dirEntry = ole.child(vba, 'dir');
  let dirModules: DirModule[] = [];
  if (dirEntry) {
    const raw = ole.read(dirEntry, 16 * 1024 * 1024).data;
    const dir = decompressOvba(raw, 16 * 1024 * 1024);
    const parsed = parseDirStream(dir.data);
    if (dir.error && !parsed.modules.length) project.problems.push(`dir stream: ${dir.error}`);
    project.codepage = parsed.codepage;
    project.name = parsed.name;
    project.problems.push(...parsed.problems);
    dirModules = parsed.modules;
  } else {
    project.problems.push('no dir stream in the VBA storage');
  }
  const decoder = decoderFor(project.codepage);
  const maxModules = options.maxModules ?? 500;
  const seenStreams = new Set<string>();

  for (const m of dirModules.slice(0, maxModules)) {
    if (options.deadline && Date.now() > options.deadline) {
      project.problems.push('time budget reached: remaining modules not read');
      break;
    }
    const streamName = m.streamUnicode || m.stream || m.nameUnicode || m.name || '';
    const entry = streamName ? ole.child(vba, streamName) ?? (m.stream ? ole.child(vba, m.stream) : undefined) : undefined;
    const name = m.nameUnicode || m.name || streamName;
    if (!entry) {
      project.modules.push(emptyModule(name, streamName, m.type, 'module stream not found'));
      continue;
    }
    seenStreams.add(entry.name.toLowerCase());
    const module = readModule(ole, entry, name, m.type, m.offset, decoder, options, budget);
    if (listed.size && !listed.has(name.toLowerCase())) module.hidden = true;
    project.modules.push(module);
  }

  // Module streams the dir stream did not describe (or no readable dir stream at all).
  for (const entry of ole.childrenOf(vba)) {
    if (entry.type !== 'stream' || project.modules.length >= maxModules) continue;
    const lower = entry.name.toLowerCase();
    if (seenStreams.has(lower) || lower === 'dir' || lower === '_vba_project' || lower.startsWith('__srp_') || lower === 'projectwm') continue;
    const module = readModule(ole, entry, entry.name, 'unknown', undefined, decoder, options, budget);
    if (module.sourceBytes > 0) {
      module.error = 'not described by the dir stream; source found by its signature';
      project.modules.push(module);
    }
  }
  return project;
}

function emptyModule(name: string, stream: string, type: VbaModule['type'], error?: string): VbaModule {
  return { name, stream, type, source: '', sourceBytes: 0, sourceTruncated: false, pcodeBytes: 0, pcodeStrings: [], ...(error ? { error } : {}) };
}

function readModule(
  ole: OleFile,
  entry: OleEntry,
  name: string,
  type: VbaModule['type'],
  offset: number | undefined,
  decoder: Decoder,
  options: VbaReadOptions,
  budget: { bytes: number; read: number },
): VbaModule {
  const module = emptyModule(name, entry.name, type);
  // Module streams may share sectors in a hostile file: reads are bounded over the whole project too.
  const data = ole.read(entry, Math.max(0, Math.min(64 * 1024 * 1024, budget.read))).data;
  budget.read -= data.length;
  let textOffset = offset;
  if (textOffset === undefined || textOffset >= data.length || data[textOffset] !== 0x01) {
    const found = findCompressedSource(data);
    if (found >= 0) {
      if (textOffset !== undefined) module.error = `source found at ${found}, not at the dir stream's offset ${textOffset}`;
      textOffset = found;
    } else {
      if (textOffset !== undefined && textOffset > data.length) module.error = `source offset ${textOffset} lies beyond the stream (${data.length} bytes)`;
      module.pcodeBytes = Math.min(textOffset ?? data.length, data.length);
      module.pcodeStrings = printableStrings(data.subarray(0, module.pcodeBytes));
      return module;
    }
  }
  module.pcodeBytes = textOffset;
  module.pcodeStrings = printableStrings(data.subarray(0, textOffset));
  const limit = Math.max(0, Math.min(options.maxModuleBytes, budget.bytes));
  const result = decompressOvba(data.subarray(textOffset), limit + 1);
  const kept = result.data.subarray(0, limit);
  budget.bytes -= kept.length;
  module.source = decoder.decode(kept);
  module.sourceBytes = result.data.length;
  module.sourceTruncated = result.truncated || result.data.length > limit;
  if (result.error && !result.data.length) module.error = result.error;
  return module;
}

/** Offset of a compressed container whose text starts with "Attribut", or -1. */
function findCompressedSource(data: Uint8Array): number {
  const needle = [0x41, 0x74, 0x74, 0x72, 0x69, 0x62, 0x75, 0x74]; // Attribut
  outer: for (let i = 4; i + needle.length <= data.length; i++) {
    if (data[i] !== 0x41) continue;
    for (let k = 1; k < needle.length; k++) if (data[i + k] !== needle[k]) continue outer;
    const start = i - 4;
    if (data[start] === 0x01 && (data[start + 2] & 0x70) === 0x30 && data[start + 3] === 0x00) return start;
  }
  return -1;
}

/** ASCII runs of at least 6 printable characters (bounded), as string literals survive in p-code. */
export function printableStrings(data: Uint8Array, min = 6, max = MAX_PCODE_STRINGS): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= data.length; i++) {
    const c = i < data.length ? data[i] : 0;
    if (c >= 0x20 && c < 0x7f) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= min) {
      out.push(String.fromCharCode(...data.subarray(start, Math.min(i, start + 512))));
      if (out.length >= max) break;
    }
    start = -1;
  }
  return out;
}

/** Lines of real code: not blank, not `Attribute ...` headers. */
export function codeLines(source: string): string[] {
  return source.split(/\r\n|\r|\n/).filter((l) => l.trim() && !/^\s*Attribute\s+VB_/i.test(l));
}

const TELLING = /https?:\/\/|\\\\[\w.-]+\\|\.(exe|dll|scr|ps1|vbs|js|hta|bat|cmd)\b|powershell|cmd(\.exe)?\s+\/[ck]|wscript|cscript|mshta|regsvr32|rundll32|certutil|bitsadmin|URLDownloadToFile|WinHttp|XMLHTTP|ADODB\.Stream/i;

/**
 * Signs of VBA stomping, cheap ones only: a module with no source code over a substantial p-code,
 * and literals in the p-code that read like payload (URLs, command lines, executables) and appear
 * nowhere in the project's source.
 */
export function stompingHints(project: VbaProject): string[] {
  if (project.pcodeVersion === 0xffff) return []; // the p-code is marked invalid: Office recompiles from the source
  const hints: string[] = [];
  const allSource = project.modules.map((m) => m.source).join('\n').toLowerCase();
  for (const m of project.modules) {
    if (m.sourceTruncated) continue;
    if (m.pcodeBytes >= 2048 && codeLines(m.source).length === 0) hints.push(`module ${m.name}: ${m.pcodeBytes} bytes of compiled p-code but no source code`);
    const missing = m.pcodeStrings.filter((s) => TELLING.test(s) && !allSource.includes(s.trim().toLowerCase()));
    if (missing.length) hints.push(`module ${m.name}: p-code holds ${missing.slice(0, 3).map((s) => JSON.stringify(s.slice(0, 120))).join(', ')} absent from the source`);
  }
  return hints;
}
