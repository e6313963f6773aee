import { createHash } from 'node:crypto';
import { BudgetExceeded, Clock, PdfDocument, PdfObject } from './document';
import { latin1, pdfDate, PdfDict, PdfName, PdfRef, PdfString, PdfValue, textOf } from './objects';

/**
 * What a PDF does, read from its parsed objects (document.ts): the actions it triggers and when
 * (OpenAction, additional actions of the document, pages, annotations and form fields, the
 * JavaScript name tree, /Next chains), its JavaScript (action scripts and XFA <script> blocks), Launch
 * actions, embedded files (filespecs, the EmbeddedFiles name tree, FileAttachment annotations),
 * external targets (URI, SubmitForm, GoToR, GoToE, ImportData), metadata (Info and XMP) and the
 * PDFiD-style keyword counts. Every walk is bounded in depth, node count and time.
 */

/** PDFiD's keywords (and a few more action names), counted as names in every object version. */
export const KEYWORDS = [
  'Page', 'Encrypt', 'ObjStm', 'JS', 'JavaScript', 'AA', 'OpenAction', 'AcroForm', 'JBIG2Decode', 'RichMedia', 'Launch', 'EmbeddedFile', 'XFA', 'URI',
  'SubmitForm', 'GoToR', 'GoToE', 'ImportData',
] as const;
const KEYWORD_SET = new Set<string>(KEYWORDS);

const ACTION_TYPES = new Set(['JavaScript', 'Launch', 'URI', 'SubmitForm', 'GoToR', 'GoToE', 'ImportData', 'Named', 'GoTo', 'ResetForm', 'Hide', 'Rendition', 'RichMediaExecute', 'Sound', 'Movie', 'Thread', 'SetOCGState', 'Trans', 'GoTo3DView', 'ECMAScript']);
const ANNOTATION_SUBTYPES = new Set(['Link', 'FileAttachment', 'Widget', 'Screen', 'RichMedia', 'Text', 'FreeText', 'Sound', 'Movie', '3D', 'Popup', 'Stamp', 'Square', 'Circle', 'Highlight', 'Underline', 'Ink', 'Polygon', 'PolyLine', 'Line', 'Caret', 'StrikeOut', 'Squiggly', 'PrinterMark', 'TrapNet', 'Watermark', 'Redact']);

/** Most characters of one script kept in the facts; the child file has it whole. */
export const SCRIPT_FACT_CHARS = 4096;
/** Largest script (decoded bytes) extracted as a child. */
export const MAX_SCRIPT_BYTES = 16 * 1024 * 1024;
/** Most actions, scripts, launches, targets and embedded files kept per document; more are counted in `dropped`. */
export const MAX_ITEMS = 10_000;
const WALK_DEPTH = 70;

export interface PdfScript {
  /** Child file name: `script-<object>.js` or `xfa-script-<object>-<n>.js`. */
  name: string;
  object: number;
  source: 'action' | 'xfa';
  triggers: string[];
  automatic: boolean;
  data: Uint8Array;
  text: string;
  /** Revision of the object holding the script (0: the original document). */
  section: number;
  obfuscation: string[];
  exploits: string[];
  capabilities: string[];
  /** Decoding was incomplete (damaged or refused stream). */
  damaged?: string;
}

export interface PdfActionFact {
  object: number | null;
  type: string;
  triggers: string[];
  automatic: boolean;
  target?: string;
}

export interface PdfLaunch {
  object: number | null;
  triggers: string[];
  automatic: boolean;
  platform: 'Win' | 'Unix' | 'Mac' | 'any';
  file?: string;
  parameters?: string;
  directory?: string;
  operation?: string;
}

export interface PdfEmbedded {
  object: number;
  name: string;
  via: string[];
  data: Uint8Array;
  declaredSize?: number;
  mime?: string;
  description?: string;
  refused?: string;
  damaged?: string;
}

export interface PdfTarget {
  action: string;
  target: string;
  object: number | null;
  automatic: boolean;
}

export interface PdfInspection {
  info: Record<string, string>;
  xmp: Record<string, string>;
  pages: number;
  streams: number;
  keywords: Record<string, number>;
  colorsOverflow: number;
  filters: Record<string, number>;
  actions: PdfActionFact[];
  scripts: PdfScript[];
  launches: PdfLaunch[];
  embedded: PdfEmbedded[];
  targets: PdfTarget[];
  acroForm: boolean;
  xfa: boolean;
  xfaScripts: number;
  richMedia: boolean;
  jbig2: number;
  /** Objects of superseded versions (replaced by an incremental update) that carry JavaScript. */
  supersededScripts: number;
  objectsAfterEof: number;
  trailingBytes: number;
  incrementalUpdates: number;
  catalogVersion?: string;
  /** A walk stopped early (time budget). */
  truncated?: string;
  /** Items beyond MAX_ITEMS, by kind, not analysed. */
  dropped: Record<string, number>;
  /** An unexpected failure stopped the inspection (a bug, not the input's fault): what was found before it is kept. */
  failed?: string;
}

interface ActionRecord {
  dict: PdfDict;
  object: number | null;
  type: string;
  triggers: Set<string>;
  automatic: boolean;
}

interface Edge {
  value: PdfValue;
  object: number | null;
  trigger: string;
  automatic: boolean;
}

type Owner = 'document' | 'page' | 'field' | 'annotation' | 'object';

function ownerOf(dict: PdfDict): Owner {
  const type = dict.name('Type');
  if (type === 'Catalog') return 'document';
  if (type === 'Page') return 'page';
  const subtype = dict.name('Subtype');
  if (subtype === 'Widget' || dict.has('FT')) return 'field';
  if (type === 'Annot' || (subtype !== undefined && ANNOTATION_SUBTYPES.has(subtype))) return 'annotation';
  return 'object';
}

/** Additional-action events that run without the user clicking anything in the document. */
function automaticEvent(owner: Owner, event: string): boolean {
  if (owner === 'document') return true; // WC, WS, DS, WP, DP: closing, saving, printing
  if (owner === 'page') return event === 'O' || event === 'C';
  if (['PO', 'PC', 'PV', 'PI'].includes(event)) return true;
  if (owner === 'field') return event === 'F' || event === 'C';
  return false;
}

const OWNER_LABEL: Record<Owner, string> = { document: 'Document', page: 'Page', field: 'Field', annotation: 'Annotation', object: 'Object' };

export async function inspectPdf(doc: PdfDocument, clock: Clock): Promise<PdfInspection> {
  const result: PdfInspection = {
    info: {},
    xmp: {},
    pages: 0,
    streams: 0,
    keywords: Object.fromEntries(KEYWORDS.map((k) => [k, 0])),
    colorsOverflow: 0,
    filters: {},
    actions: [],
    scripts: [],
    launches: [],
    embedded: [],
    targets: [],
    acroForm: false,
    xfa: false,
    xfaScripts: 0,
    richMedia: false,
    jbig2: 0,
    supersededScripts: 0,
    objectsAfterEof: 0,
    trailingBytes: 0,
    incrementalUpdates: 0,
    dropped: {},
  };
  try {
    await countKeywords(doc, result, clock);
    structure(doc, result);
    metadata(doc, result);
    await behaviour(doc, result, clock);
  } catch (err) {
    if (err instanceof BudgetExceeded) result.truncated = 'time budget spent while inspecting the objects';
    else result.failed = err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Keyword counts, filters, page and stream counts, file structure

async function countKeywords(doc: PdfDocument, r: PdfInspection, clock: Clock): Promise<void> {
  const count = (v: PdfValue, depth: number): void => {
    if (depth > WALK_DEPTH) return;
    if (v instanceof PdfName) {
      if (KEYWORD_SET.has(v.value)) r.keywords[v.value]++;
    } else if (Array.isArray(v)) {
      for (const x of v) count(x, depth + 1);
    } else if (v instanceof PdfDict) {
      for (const [k, x] of v.map) {
        if (KEYWORD_SET.has(k)) r.keywords[k]++;
        if (k === 'Colors' && typeof x === 'number' && x > 2 ** 24) r.colorsOverflow++;
        count(x, depth + 1);
      }
    }
  };
  for (const v of doc.versions) {
    await clock.tick(256);
    count(v.value, 0);
    if (v.stream) {
      for (const f of doc.filtersOf(v.stream.dict).filters) r.filters[f] = (r.filters[f] ?? 0) + 1;
    }
  }
  r.jbig2 = r.filters.JBIG2Decode ?? 0;
}

function structure(doc: PdfDocument, r: PdfInspection): void {
  for (const o of doc.objects.values()) {
    if (o.stream) r.streams++;
    if (o.value instanceof PdfDict && o.value.name('Type') === 'Page') r.pages++;
  }
  const root = doc.resolve(doc.trailer.get('Root'));
  if (root instanceof PdfDict) {
    if (!r.pages) {
      const pages = doc.resolve(root.get('Pages'));
      const c = pages instanceof PdfDict ? doc.resolve(pages.get('Count')) : undefined;
      if (typeof c === 'number' && c >= 0 && c < 1e7) r.pages = Math.floor(c);
    }
    const version = root.name('Version');
    if (version) r.catalogVersion = version;
  }
  const lastEof = doc.eofOffsets.length ? doc.eofOffsets[doc.eofOffsets.length - 1] : -1;
  if (lastEof >= 0) {
    for (const v of doc.versions) if (v.container === undefined && v.offset > lastEof) r.objectsAfterEof++;
    let p = lastEof + 5;
    while (p < doc.data.length && (doc.data[p] <= 0x20)) p++;
    r.trailingBytes = doc.data.length - p;
  }
  const revisions = Math.max(doc.xref.sections.filter((s) => !s.hybrid).length, doc.eofOffsets.length);
  r.incrementalUpdates = Math.max(0, revisions - 1 - (doc.linearized ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Info dictionary and XMP

const INFO_KEYS = ['Title', 'Author', 'Subject', 'Keywords', 'Creator', 'Producer', 'CreationDate', 'ModDate'];

function metadata(doc: PdfDocument, r: PdfInspection): void {
  if (doc.encryption && !doc.decryptor) return; // strings and streams are ciphertext
  const info = doc.resolve(doc.trailer.get('Info'));
  if (info instanceof PdfDict) {
    for (const key of INFO_KEYS) {
      const v = doc.resolve(info.get(key));
      if (!(v instanceof PdfString)) continue;
      const text = clean(textOf(v.bytes, 1024));
      if (!text) continue;
      const field = key.charAt(0).toLowerCase() + key.slice(1);
      if (key === 'CreationDate' || key === 'ModDate') r.info[key === 'CreationDate' ? 'created' : 'modified'] = pdfDate(text) ?? text;
      else r.info[field] = text;
    }
  }
  const root = doc.resolve(doc.trailer.get('Root'));
  let meta: PdfObject | undefined = root instanceof PdfDict ? doc.target(root.get('Metadata')) : undefined;
  if (!meta?.stream) {
    for (const o of doc.objects.values()) {
      if (o.stream && o.stream.dict.name('Type') === 'Metadata' && o.stream.dict.name('Subtype') === 'XML') {
        meta = o;
        break;
      }
    }
  }
  if (meta?.stream) {
    const decoded = doc.decode(meta);
    if (decoded.data.length) r.xmp = xmpFields(new TextDecoder('utf-8', { fatal: false }).decode(decoded.data.subarray(0, 1 << 20)));
  }
}

const XMP_FIELDS: [string, string[]][] = [
  ['producer', ['pdf:Producer']],
  ['creatorTool', ['xmp:CreatorTool', 'xap:CreatorTool']],
  ['created', ['xmp:CreateDate', 'xap:CreateDate']],
  ['modified', ['xmp:ModifyDate', 'xap:ModifyDate']],
  ['metadataDate', ['xmp:MetadataDate', 'xap:MetadataDate']],
  ['title', ['dc:title']],
  ['creator', ['dc:creator']],
  ['keywords', ['pdf:Keywords']],
  ['documentId', ['xmpMM:DocumentID', 'xapMM:DocumentID']],
  ['instanceId', ['xmpMM:InstanceID', 'xapMM:InstanceID']],
];

export function xmpFields(xml: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, names] of XMP_FIELDS) {
    for (const name of names) {
      const q = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const attr = new RegExp(`\\b${q}\\s*=\\s*(["'])([\\s\\S]{0,2048}?)\\1`).exec(xml);
      const elem = attr ? null : new RegExp(`<${q}(?:\\s[^>]{0,1024})?>([\\s\\S]{0,8192}?)</${q}>`).exec(xml);
      let value = attr ? attr[2] : elem ? elem[1] : undefined;
      if (value === undefined) continue;
      const li = /<rdf:li(?:\s[^>]*)?>([\s\S]*?)<\/rdf:li>/.exec(value);
      if (li) value = li[1];
      value = clean(xmlText(value.replace(/<[^>]*>/g, '')));
      if (value) {
        out[field] = value;
        break;
      }
    }
  }
  return out;
}

export function xmlText(s: string): string {
  return s.replace(/&(?:#x([0-9a-f]{1,6})|#(\d{1,7})|(lt|gt|amp|quot|apos));/gi, (m, hex, dec, named) => {
    if (named) return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[named.toLowerCase() as 'lt'] ?? m;
    const code = hex ? parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

// eslint-disable-next-line no-control-regex
const clean = (s: string) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim().slice(0, 512);

// ---------------------------------------------------------------------------------------------
// Actions, scripts, launches, embedded files, targets

async function behaviour(doc: PdfDocument, r: PdfInspection, clock: Clock): Promise<void> {
  const actions = new Map<PdfDict, ActionRecord>();
  const edges: Edge[] = [];
  const filespecs: { value: PdfValue; object: number | null; via: string; name?: string }[] = [];
  const xfaValues: { value: PdfValue; object: number | null }[] = [];
  const nameTrees: { value: PdfValue; kind: 'JavaScript' | 'EmbeddedFiles' }[] = [];
  const shared = new Set<PdfDict>();

  const visit = (v: PdfValue, object: number, depth: number): void => {
    if (depth > WALK_DEPTH) return;
    if (Array.isArray(v)) {
      for (const x of v) visit(x, object, depth + 1);
      return;
    }
    if (!(v instanceof PdfDict)) return;
    const type = v.name('S');
    if (v.has('JS') || (type !== undefined && ACTION_TYPES.has(type))) {
      if (!actions.has(v)) actions.set(v, { dict: v, object, type: type ?? 'JavaScript', triggers: new Set(), automatic: false });
    }
    const owner = ownerOf(v);
    if (v.has('OpenAction')) edges.push({ value: v.get('OpenAction')!, object, trigger: 'OpenAction', automatic: true });
    const aa = doc.resolve(v.get('AA'));
    if (aa instanceof PdfDict) {
      for (const [event, action] of aa.map) edges.push({ value: action, object, trigger: `${OWNER_LABEL[owner]} AA/${event}`, automatic: automaticEvent(owner, event) });
    }
    if (v.has('A') && (owner !== 'object' || v.has('Title'))) edges.push({ value: v.get('A')!, object, trigger: `${owner === 'object' ? 'Outline' : OWNER_LABEL[owner]} A`, automatic: false });
    const names = v.get('Names');
    const namesDict = names instanceof PdfDict || names instanceof PdfRef ? doc.resolve(names) : undefined;
    if (namesDict instanceof PdfDict && !shared.has(namesDict)) {
      // A names dictionary or form shared by many objects is read once.
      shared.add(namesDict);
      if (namesDict.has('JavaScript')) nameTrees.push({ value: namesDict.get('JavaScript')!, kind: 'JavaScript' });
      if (namesDict.has('EmbeddedFiles')) nameTrees.push({ value: namesDict.get('EmbeddedFiles')!, kind: 'EmbeddedFiles' });
    }
    if (v.has('AcroForm')) {
      const form = doc.resolve(v.get('AcroForm'));
      if (form instanceof PdfDict && !shared.has(form)) {
        shared.add(form);
        r.acroForm = true;
        if (form.has('XFA')) {
          r.xfa = true;
          xfaValues.push({ value: form.get('XFA')!, object });
        }
      }
    }
    if (v.has('EF')) filespecs.push({ value: v, object, via: 'filespec' });
    if (v.name('Subtype') === 'FileAttachment' && v.has('FS')) filespecs.push({ value: v.get('FS')!, object, via: 'FileAttachment annotation' });
    if (v.name('Subtype') === 'RichMedia' || v.has('RichMediaContent')) r.richMedia = true;
    for (const x of v.map.values()) visit(x, object, depth + 1);
  };

  for (const o of doc.objects.values()) {
    await clock.tick(256);
    visit(o.value, o.num, 0);
  }
  for (const v of doc.versions) {
    if (doc.objects.get(v.num) !== v && v.value instanceof PdfDict && v.value.has('JS')) r.supersededScripts++;
  }

  // Name trees: leaves of /Names arrays, /Kids followed (bounded, loop-safe).
  for (const tree of nameTrees) {
    for (const [key, leaf] of nameTreeLeaves(doc, tree.value)) {
      if (tree.kind === 'JavaScript') edges.push({ value: leaf, object: doc.target(leaf)?.num ?? null, trigger: 'Names/JavaScript', automatic: true });
      else filespecs.push({ value: leaf, object: doc.target(leaf)?.num ?? null, via: 'EmbeddedFiles name tree', name: key });
    }
  }

  // Triggers, along /Next chains.
  for (const edge of edges) {
    const seen = new Set<PdfDict>();
    const queue: { value: PdfValue; object: number | null }[] = [{ value: edge.value, object: edge.object }];
    while (queue.length && seen.size < 64) {
      const { value, object } = queue.shift()!;
      const target = doc.target(value);
      const dict = doc.resolve(value);
      if (!(dict instanceof PdfDict) || seen.has(dict)) continue;
      seen.add(dict);
      const owner = target?.num ?? object;
      let record = actions.get(dict);
      if (!record) {
        const s = dict.name('S');
        if (!s && !dict.has('JS')) continue; // a destination, not an action
        record = { dict, object: owner, type: s ?? 'JavaScript', triggers: new Set(), automatic: false };
        actions.set(dict, record);
      }
      record.triggers.add(edge.trigger);
      record.automatic ||= edge.automatic;
      const next = doc.resolve(dict.get('Next'));
      for (const n of Array.isArray(next) ? next.slice(0, 64) : next ? [dict.get('Next')!] : []) queue.push({ value: n, object: owner });
    }
  }

  const scriptsByHash = new Map<string, PdfScript>();
  const usedNames = new Set<string>();
  const byHolder = new Map<PdfObject, PdfScript>();
  const merge = (existing: PdfScript, triggers: string[], automatic: boolean) => {
    for (const t of triggers) if (!existing.triggers.includes(t) && existing.triggers.length < 50) existing.triggers.push(t);
    existing.automatic ||= automatic;
  };
  const addScript = (s: Omit<PdfScript, 'name'>, base: string): PdfScript => {
    const key = createHash('sha256').update(s.data).digest('hex');
    const existing = scriptsByHash.get(key);
    if (existing) {
      merge(existing, s.triggers, s.automatic);
      return existing;
    }
    let name = `${base}.js`;
    for (let k = 2; usedNames.has(name); k++) name = `${base}-${k}.js`;
    usedNames.add(name);
    const script = { ...s, triggers: [...s.triggers], name };
    scriptsByHash.set(key, script);
    if (r.scripts.length < MAX_ITEMS) r.scripts.push(script);
    else drop(r, 'scripts');
    return script;
  };

  for (const a of actions.values()) {
    await clock.tick(16);
    const triggers = [...a.triggers];
    const fact: PdfActionFact = { object: a.object, type: a.type, triggers, automatic: a.automatic };
    const d = a.dict;
    const readable = !doc.encryption || !!doc.decryptor;
    if (readable && (d.has('JS') || a.type === 'JavaScript')) {
      const js = d.get('JS');
      const holder = doc.target(js);
      const known = holder && byHolder.get(holder);
      let bytes: Uint8Array = new Uint8Array(0);
      let damaged: string | undefined;
      if (known) {
        // The same script stream behind several actions: read once.
        merge(known, triggers, a.automatic);
      } else if (holder?.stream) {
        const decoded = doc.decode(holder);
        bytes = decoded.data.subarray(0, MAX_SCRIPT_BYTES);
        if (decoded.refused) damaged = decoded.refused;
        else if (!decoded.complete) damaged = decoded.notes.join('; ') || 'incomplete';
      } else {
        const v = doc.resolve(js);
        if (v instanceof PdfString) bytes = v.bytes;
        else if (Array.isArray(v)) bytes = Buffer.concat(v.filter((x): x is PdfString => x instanceof PdfString).map((x) => x.bytes));
      }
      const { text, data } = scriptText(bytes);
      const object = holder?.num ?? a.object ?? 0;
      const section = (holder ?? (a.object !== null ? doc.get(a.object) : undefined))?.section ?? 0;
      if (!known && (text.trim().length || damaged)) {
        const script = addScript({ object, source: 'action', triggers, automatic: a.automatic, data, text, section, ...markers(text), ...(damaged ? { damaged } : {}) }, `script-${object}`);
        if (holder) byHolder.set(holder, script);
      }
    }
    if (!readable) {
      if (r.actions.length < MAX_ITEMS) r.actions.push(fact);
      else drop(r, 'actions');
      continue;
    }
    if (a.type === 'Launch') {
      for (const l of launchesOf(doc, d, a)) if (r.launches.length < MAX_ITEMS) r.launches.push(l);
      const f = fileSpecText(doc, d.get('F'));
      if (f) fact.target = f;
    }
    if (a.type === 'URI') {
      const uri = doc.resolve(d.get('URI'));
      if (uri instanceof PdfString) fact.target = clean(latin1(uri.bytes, 4096));
    }
    if (['SubmitForm', 'GoToR', 'GoToE', 'ImportData'].includes(a.type)) {
      const f = fileSpecText(doc, d.get('F'));
      if (f) fact.target = f;
    }
    if (fact.target && a.type !== 'JavaScript') {
      if (r.targets.length < MAX_ITEMS) r.targets.push({ action: a.type, target: fact.target, object: a.object, automatic: a.automatic });
      else drop(r, 'action targets');
    }
    if (r.actions.length < MAX_ITEMS) r.actions.push(fact);
    else drop(r, 'actions');
  }

  // XFA: the form's XML packets, scanned for <script> blocks.
  for (const x of xfaValues) {
    const value = doc.resolve(x.value);
    const packets: PdfValue[] = Array.isArray(value) ? value.filter((_, i) => i % 2 === 1) : [x.value];
    for (const p of packets.slice(0, 64)) {
      await clock.tick(1);
      const holder = doc.target(p);
      if (!holder?.stream) continue;
      const decoded = doc.decode(holder);
      const xml = new TextDecoder('utf-8', { fatal: false }).decode(decoded.data.subarray(0, 32 * 1024 * 1024));
      let n = 0;
      for (const block of scriptBlocks(xml)) {
        const contentType = /contentType\s*=\s*["']([^"']*)["']/i.exec(block.attributes)?.[1] ?? 'application/x-javascript';
        const code = xmlText(block.body.replace(/^\s*<!\[CDATA\[([\s\S]*)\]\]>\s*$/, '$1'));
        if (!code.trim()) continue;
        r.xfaScripts++;
        if (!/javascript|ecmascript/i.test(contentType)) continue;
        n++;
        const before = xml.slice(Math.max(0, block.index - 512), block.index);
        const automatic = /\bactivity\s*=\s*["'](?:initialize|docReady|docClose|ready|preOpen|layoutReady)["']/i.test(before);
        addScript({ object: holder.num, source: 'xfa', triggers: ['XFA'], automatic, data: new Uint8Array(Buffer.from(code, 'utf8')), text: code, section: holder.section, ...markers(code) }, `xfa-script-${holder.num}-${n}`);
        if (n >= MAX_ITEMS) break;
      }
    }
  }

  embeddedFiles(doc, r, filespecs);
}

/** `<script ...>...</script>` blocks, found with indexOf (linear: no regular expression runs over the whole XML). */
function* scriptBlocks(xml: string): Generator<{ index: number; attributes: string; body: string }> {
  const lower = xml.toLowerCase();
  let at = lower.indexOf('<script');
  while (at >= 0) {
    const open = lower.indexOf('>', at);
    if (open < 0) return;
    const close = lower.indexOf('</script', open);
    if (close < 0) return;
    const next = lower.charCodeAt(at + 7);
    if (next === 0x3e || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d || next === 0x2f) {
      yield { index: at, attributes: xml.slice(at + 7, Math.min(open, at + 7 + 2048)), body: xml.slice(open + 1, close) };
    }
    at = lower.indexOf('<script', close);
  }
}

function drop(r: PdfInspection, kind: string, n = 1): void {
  r.dropped[kind] = (r.dropped[kind] ?? 0) + n;
}

/**
 * A script's text and the bytes of its child file: a UTF-16BE script (with its byte-order mark) becomes
 * UTF-8, anything else is kept byte for byte (and read as Latin-1 for the facts).
 */
export function scriptText(bytes: Uint8Array): { text: string; data: Uint8Array } {
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    const text = textOf(bytes, MAX_SCRIPT_BYTES);
    return { text, data: new Uint8Array(Buffer.from(text, 'utf8')) };
  }
  return { text: latin1(bytes), data: bytes };
}

function* nameTreeLeaves(doc: PdfDocument, root: PdfValue): Generator<[string | undefined, PdfValue]> {
  const seen = new Set<PdfDict>();
  const stack: { value: PdfValue; depth: number }[] = [{ value: root, depth: 0 }];
  let leaves = 0;
  while (stack.length) {
    const { value, depth } = stack.pop()!;
    const node = doc.resolve(value);
    if (!(node instanceof PdfDict) || seen.has(node) || depth > 32 || seen.size > 10_000) continue;
    seen.add(node);
    const names = doc.resolve(node.get('Names'));
    if (Array.isArray(names)) {
      for (let i = 0; i + 1 < names.length && leaves < 10_000; i += 2, leaves++) {
        const key = doc.resolve(names[i]);
        yield [key instanceof PdfString ? clean(textOf(key.bytes, 512)) : undefined, names[i + 1]];
      }
    }
    const kids = doc.resolve(node.get('Kids'));
    if (Array.isArray(kids)) for (const k of kids.slice(0, 10_000).reverse()) stack.push({ value: k, depth: depth + 1 });
  }
}

/** A file specification (string or dictionary) as text: /UF, then /F, then the platform entries. */
export function fileSpecText(doc: PdfDocument, value: PdfValue | undefined): string | undefined {
  const v = doc.resolve(value);
  if (v instanceof PdfString) return clean(textOf(v.bytes, 4096)) || undefined;
  if (v instanceof PdfDict) {
    for (const key of ['UF', 'F', 'Unix', 'DOS', 'Mac']) {
      const s = doc.resolve(v.get(key));
      if (s instanceof PdfString) {
        const text = clean(textOf(s.bytes, 4096));
        if (text) return text;
      }
    }
  }
  return undefined;
}

function launchesOf(doc: PdfDocument, d: PdfDict, a: ActionRecord): PdfLaunch[] {
  const base = { object: a.object, triggers: [...a.triggers], automatic: a.automatic };
  const out: PdfLaunch[] = [];
  const text = (v: PdfValue | undefined) => {
    const x = doc.resolve(v);
    if (x instanceof PdfString) return clean(textOf(x.bytes, 4096)) || undefined;
    if (x instanceof PdfName) return x.value;
    return undefined;
  };
  for (const platform of ['Win', 'Unix', 'Mac'] as const) {
    const p = doc.resolve(d.get(platform));
    if (p instanceof PdfDict) {
      const l: PdfLaunch = { ...base, platform };
      const file = text(p.get('F')) ?? fileSpecText(doc, p.get('F'));
      if (file) l.file = file;
      const params = text(p.get('P'));
      if (params) l.parameters = params;
      const dir = text(p.get('D'));
      if (dir) l.directory = dir;
      const op = text(p.get('O'));
      if (op) l.operation = op;
      out.push(l);
    } else if (p instanceof PdfString) {
      out.push({ ...base, platform, file: text(p) });
    }
  }
  const f = fileSpecText(doc, d.get('F'));
  if (f || !out.length) out.push({ ...base, platform: 'any', ...(f ? { file: f } : {}) });
  return out;
}

function embeddedFiles(doc: PdfDocument, r: PdfInspection, specs: { value: PdfValue; object: number | null; via: string; name?: string }[]): void {
  const found = new Map<PdfObject, { names: string[]; via: Set<string>; desc?: string }>();
  for (const spec of specs) {
    const dict = doc.resolve(spec.value);
    if (!(dict instanceof PdfDict)) continue;
    const ef = doc.resolve(dict.get('EF'));
    if (!(ef instanceof PdfDict)) continue;
    const name = fileSpecText(doc, dict) ?? spec.name;
    const desc = doc.resolve(dict.get('Desc'));
    for (const key of ['UF', 'F', 'DOS', 'Unix', 'Mac']) {
      const stream = doc.target(ef.get(key));
      if (!stream?.stream) continue;
      let entry = found.get(stream);
      if (!entry) found.set(stream, (entry = { names: [], via: new Set() }));
      if (name && !entry.names.includes(name)) entry.names.push(name);
      entry.via.add(spec.via);
      if (desc instanceof PdfString && !entry.desc) entry.desc = clean(textOf(desc.bytes, 512));
    }
  }
  for (const o of doc.objects.values()) {
    if (o.stream && o.stream.dict.name('Type') === 'EmbeddedFile' && !found.has(o)) found.set(o, { names: [], via: new Set(['unreferenced stream']) });
  }
  for (const [o, entry] of found) {
    if (r.embedded.length >= MAX_ITEMS) {
      drop(r, 'embedded files', found.size - r.embedded.length);
      break;
    }
    const dict = o.stream!.dict;
    const decoded = doc.decode(o);
    const params = doc.resolve(dict.get('Params'));
    const size = params instanceof PdfDict ? doc.resolve(params.get('Size')) : undefined;
    const subtype = doc.resolve(dict.get('Subtype'));
    const mime = subtype instanceof PdfName ? subtype.value : subtype instanceof PdfString ? clean(textOf(subtype.bytes, 256)) : undefined;
    const via = [...entry.via].filter((v) => v !== 'filespec' || entry.via.size === 1);
    r.embedded.push({
      object: o.num,
      name: entry.names[0] ?? `embedded-${o.num}.bin`,
      via: via.length ? via : ['filespec'],
      data: decoded.data,
      ...(typeof size === 'number' ? { declaredSize: size } : {}),
      ...(mime ? { mime } : {}),
      ...(entry.desc ? { description: entry.desc } : {}),
      ...(decoded.refused ? { refused: decoded.refused } : {}),
      ...(!decoded.refused && !decoded.complete ? { damaged: decoded.notes.join('; ') || 'incomplete' } : {}),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// JavaScript markers

const OBFUSCATION: [string, RegExp][] = [
  ['eval', /\beval\s*\(/],
  ['unescape', /\bunescape\s*\(/],
  ['String.fromCharCode', /fromCharCode\s*\(/],
  ['atob', /\batob\s*\(/],
  ['Function constructor', /\bnew\s+Function\s*\(|\bFunction\s*\(\s*["'`]/],
  ['%u-escaped data', /%u[0-9a-f]{4}(?:[^%]{0,8}%u[0-9a-f]{4}){15}/i],
  ['\\x-escaped data', /(?:\\x[0-9a-f]{2}){32}/i],
  ['code read from annotations', /getAnnots?\s*\(/],
  ['code read from document fields', /getField\s*\([^)]{0,256}\)\s*\.\s*(?:value|rawValue)[\s\S]{0,64}eval/],
  ['string reversal', /\.split\s*\(\s*["']{2}\s*\)\s*\.\s*reverse\s*\(\s*\)\s*\.\s*join/],
];

const EXPLOITS: [string, RegExp][] = [
  ['util.printf (CVE-2008-2992)', /util\s*\.\s*printf\s*\(/],
  ['Collab.collectEmailInfo (CVE-2007-5659)', /collectEmailInfo/],
  ['Collab.getIcon (CVE-2009-0927)', /Collab\s*\.\s*getIcon|\.getIcon\s*\(/],
  ['media.newPlayer (CVE-2009-4324)', /media\s*\.\s*newPlayer/],
  ['spell.customDictionaryOpen (CVE-2009-1493)', /customDictionaryOpen/],
  ['printSeps (CVE-2010-4091)', /printSeps\s*\(/],
  ['heap spray', /%u0c0c%u0c0c|%u0a0a%u0a0a|%u9090%u9090|0x0c0c0c0c|\\x0c\\x0c\\x0c\\x0c/i],
];

const CAPABILITIES: [string, RegExp][] = [
  ['exportDataObject (launches an embedded file)', /exportDataObject\s*\([\s\S]{0,300}nLaunch\s*:\s*[12]/],
  ['exportDataObject', /exportDataObject\s*\(/],
  ['launchURL', /launchURL\s*\(/],
  ['submitForm', /submitForm\s*\(/],
  ['getURL', /getURL\s*\(/],
  ['importDataObject', /importDataObject\s*\(/],
  ['mailDoc', /mailDoc\s*\(/],
  ['app.openDoc', /openDoc\s*\(/],
  ['app.alert', /app\s*\.\s*alert\s*\(/],
  ['delayed execution (app.setTimeOut)', /app\s*\.\s*setTime(?:Out|Interval)\s*\(/],
];

export function markers(text: string): { obfuscation: string[]; exploits: string[]; capabilities: string[] } {
  const t = text.length > 4 * 1024 * 1024 ? text.slice(0, 4 * 1024 * 1024) : text;
  const pick = (list: [string, RegExp][]) => list.filter(([, re]) => re.test(t)).map(([n]) => n);
  const obfuscation = pick(OBFUSCATION);
  if (longestHexRun(t) >= 512) obfuscation.push('long hex string');
  return { obfuscation, exploits: pick(EXPLOITS), capabilities: pick(CAPABILITIES) };
}

function longestHexRun(t: string): number {
  let best = 0;
  let run = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i) | 0x20;
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)) {
      if (++run > best) best = run;
    } else run = 0;
  }
  return best;
}
