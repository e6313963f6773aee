import { hasExecutableExtension } from '../../archive/member-names';
import { EXECUTABLE_KINDS, identify } from '../../identify/identify';
import { u16 } from '../bytes';
import { binaryWordFields, classifyField } from './fields';
import { oleMetadata } from './metadata';
import { OleEntry, OleFile } from './ole';
import { checkEquationNative, EQUATION_CLSID, OLE2LINK_CLSID, parseCompObj, parseOle10Native } from './ole-objects';
import { pptStorages } from './ppt';
import { DocumentType, emptyDocument, EmbeddedObject, expired, isRemoteTarget, OfficeDocument, ReadOptions } from './report';
import { readVbaProjects, VbaProject } from './vba';
import { parseBiffWorkbook } from './xlm';

/**
 * Reads an OLE2 compound document (.doc/.dot, .xls/.xlt, .ppt, .vsd, .msi, .msg, an embedded
 * object or a bare vbaProject.bin): its type, metadata, encryption, VBA projects, XLM macro sheets,
 * Word field codes and embedded objects (extracted as children).
 */
const CLSIDS: Record<string, [string, string, string]> = {
  '00020906-0000-0000-c000-000000000046': ['Word', 'Word 97-2003 document', 'doc'],
  '00020900-0000-0000-c000-000000000046': ['Word', 'Word 6/95 document', 'doc'],
  '00020820-0000-0000-c000-000000000046': ['Excel', 'Excel 97-2003 workbook', 'xls'],
  '00020810-0000-0000-c000-000000000046': ['Excel', 'Excel 5/95 workbook', 'xls'],
  '64818d10-4f9b-11cf-86ea-00aa00b929e8': ['PowerPoint', 'PowerPoint 97-2003 presentation', 'ppt'],
  '64818d11-4f9b-11cf-86ea-00aa00b929e8': ['PowerPoint', 'PowerPoint 97-2003 presentation', 'ppt'],
  '000c1084-0000-0000-c000-000000000046': ['Installer', 'Windows Installer package (MSI)', 'msi'],
  '000c1086-0000-0000-c000-000000000046': ['Installer', 'Windows Installer patch (MSP)', 'msp'],
  '000c1082-0000-0000-c000-000000000046': ['Installer', 'Windows Installer transform (MST)', 'mst'],
  '00020d0b-0000-0000-c000-000000000046': ['Outlook', 'Outlook message (MSG)', 'msg'],
  '00021a14-0000-0000-c000-000000000046': ['Visio', 'Visio drawing', 'vsd'],
  [EQUATION_CLSID]: ['Equation Editor', 'Equation Editor 3.0 object', 'bin'],
  '0003000c-0000-0000-c000-000000000046': ['Packager', 'Packager object', 'bin'],
};

export function oleDocumentType(ole: OleFile): DocumentType {
  const root = ole.root!;
  const has = (name: string) => !!ole.find(name);
  const macro = ole.entries.some((e) => e.type === 'storage' && e.name.toLowerCase() === 'vba');
  const byClsid = CLSIDS[root.clsid];
  const t = (application: string, type: string, extension: string, template = false): DocumentType => ({
    application,
    type: macro && !/VBA/.test(type) ? `${type} with VBA macros` : type,
    extension,
    macroEnabled: macro,
    template,
    ...(root.clsid ? { contentType: `{${root.clsid}}` } : {}),
  });
  if (has('EncryptedPackage')) return t('Office', 'Encrypted Office Open XML document', 'docx');
  if (has('WordDocument')) {
    const fib = ole.read(ole.find('WordDocument')!, 64).data;
    const template = u16(fib, 0) === 0xa5ec && (u16(fib, 10) & 0x0001) !== 0;
    return t('Word', template ? 'Word 97-2003 template' : 'Word 97-2003 document', template ? 'dot' : 'doc', template);
  }
  if (has('Workbook') || has('Book')) return t('Excel', has('Workbook') ? 'Excel 97-2003 workbook' : 'Excel 5/95 workbook', 'xls');
  if (has('PowerPoint Document')) return t('PowerPoint', 'PowerPoint 97-2003 presentation', 'ppt');
  if (has('VisioDocument')) return t('Visio', 'Visio drawing', 'vsd');
  if (has('__properties_version1.0') || ole.entries.some((e) => e.name.startsWith('__substg1.0_'))) return t('Outlook', 'Outlook message (MSG)', 'msg');
  if (has('Equation Native')) return t('Equation Editor', 'Equation Editor 3.0 object', 'bin');
  if (has('\u0001Ole10Native')) return t('Packager', 'OLE embedded object (Ole10Native)', 'bin');
  if (has('Quill') || (has('Contents') && has('Escher'))) return t('Publisher', 'Publisher document', 'pub');
  if (has('\u0005HwpSummaryInformation') || has('FileHeader')) return t('Hangul', 'Hangul (HWP) document', 'hwp');
  if (has('PROJECT') && has('VBA')) return { application: 'VBA', type: 'VBA project (vbaProject.bin)', extension: 'bin', macroEnabled: true, template: false };
  if (byClsid) return t(byClsid[0], byClsid[1], byClsid[2]);
  return t('OLE', 'OLE2 compound file', 'ole');
}

function encryption(ole: OleFile): string | undefined {
  const info = ole.find('EncryptionInfo');
  if (ole.find('EncryptedPackage')) {
    const head = info ? ole.read(info, 8).data : new Uint8Array(0);
    const major = u16(head, 0);
    const minor = u16(head, 2);
    const method = major === 4 && minor === 4 ? 'agile' : (major === 3 || major === 4) && minor === 2 ? 'standard' : minor === 3 ? 'extensible' : 'unknown';
    return `Office Open XML encryption (EncryptedPackage, ${method}${info ? ` ${major}.${minor}` : ''})`;
  }
  const word = ole.find('WordDocument');
  if (word) {
    const fib = ole.read(word, 64).data;
    const flags = u16(fib, 0) === 0xa5ec ? u16(fib, 10) : 0;
    if (flags & 0x0100) return flags & 0x8000 ? 'Word XOR obfuscation' : 'Word RC4 encryption';
  }
  for (const name of ['Workbook', 'Book']) {
    const wb = ole.find(name);
    if (!wb) continue;
    const head = ole.read(wb, 64 * 1024).data;
    // FilePass (0x002F) sits in the globals, after BOF and before the sheet records.
    for (let p = 0, n = 0; p + 4 <= head.length && n < 2000; n++) {
      const type = u16(head, p);
      if (type === 0x002f) {
        const kind = u16(head, p + 4);
        return kind === 0 ? 'Excel XOR obfuscation (FilePass)' : 'Excel RC4 encryption (FilePass)';
      }
      if (type === 0x0085 || type === 0x000a) break;
      p += 4 + u16(head, p + 2);
    }
  }
  if (ole.find('EncryptedSummary')) return 'PowerPoint encryption';
  return undefined;
}

function readStream(ole: OleFile, entry: OleEntry | undefined, max: number): Uint8Array | undefined {
  return entry ? ole.read(entry, max).data : undefined;
}

function utf16Strings(b: Uint8Array, min = 6): string[] {
  const out: string[] = [];
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    const c = b[i] | (b[i + 1] << 8);
    if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    else {
      if (s.length >= min) out.push(s);
      s = '';
    }
    if (out.length > 50) break;
  }
  if (s.length >= min) out.push(s);
  return out;
}

/**
 * Embedded objects under every storage of a compound file: Ole10Native packages (extracted with
 * their original names), Equation Editor streams (checked for the font-name overflow), OLE2Link
 * monikers (remote links), embedded OOXML packages and other `CONTENTS` payloads.
 */
export function embeddedObjects(ole: OleFile, doc: OfficeDocument, options: ReadOptions, prefix = ''): void {
  const join = (...parts: string[]) => parts.filter(Boolean).join('/');
  for (const storage of ole.entries.filter((e) => e.type === 'storage' || e.type === 'root')) {
    if (expired(doc, options)) return;
    const kids = ole.childrenOf(storage);
    const find = (name: string) => kids.find((k) => k.type === 'stream' && k.name.toLowerCase() === name.toLowerCase());
    const compObjEntry = find('\u0001CompObj');
    const compObj = compObjEntry ? parseCompObj(ole.read(compObjEntry, 4096).data) : {};
    const location = join(prefix, storage.path);
    const native = find('\u0001Ole10Native');
    if (native) {
      const cap = childCap(options) + 65536;
      const stream = ole.read(native, cap).data;
      const parsed = parseOle10Native(stream);
      const payload = parsed.package?.data ?? parsed.native;
      const fileName = parsed.package?.fileName || parsed.package?.label || '';
      const name = baseName(fileName) || `${storage.name || 'object'}.bin`;
      const object: EmbeddedObject = {
        location: join(location, '\\x01Ole10Native'),
        className: compObj.progId ?? (storage.clsid === '0003000c-0000-0000-c000-000000000046' ? 'Package' : undefined),
        size: payload.length,
        ...(fileName ? { fileName } : {}),
      };
      describePayload(object, payload, fileName);
      if (parsed.package?.truncated) object.note = 'declared size larger than the stream';
      take(doc, options, object, name, payload, 'ole10native', native.size > cap);
      doc.objects.push(object);
    }
    const equation = find('Equation Native');
    if (equation || storage.clsid === EQUATION_CLSID || /^Equation\.\d/i.test(compObj.progId ?? '')) {
      const check = equation ? checkEquationNative(ole.read(equation, 1024 * 1024).data) : null;
      doc.equations.push({ location: location || '(root)', ...(check ? { mtefVersion: check.mtefVersion, ...(check.exploit ? { exploit: check.exploit } : {}) } : {}) });
    }
    const oleStream = find('\u0001Ole');
    if (oleStream) {
      const data = ole.read(oleStream, 64 * 1024).data;
      const linked = data.length >= 8 && (data[4] & 1) === 1;
      if (linked || storage.clsid === OLE2LINK_CLSID) {
        for (const target of utf16Strings(data).filter((s) => /^(https?|ftp|file):\/\/|^\\\\/i.test(s)).slice(0, 5)) {
          doc.references.push({ source: join(location, '\\x01Ole'), kind: 'oleLink', type: 'OLE link moniker', target, remote: isRemoteTarget(target) });
        }
      }
    }
    const pkg = find('Package');
    if (pkg) {
      const data = ole.read(pkg, childCap(options)).data;
      const object: EmbeddedObject = { location: join(location, 'Package'), className: compObj.progId, size: pkg.size };
      describePayload(object, data, '');
      take(doc, options, object, `${storage.name || 'package'}.${identify(data).extension}`, data, 'ole-package', pkg.size > childCap(options));
      doc.objects.push(object);
    }
    // CONTENTS holds an embedded object's own file (a PDF, a picture): not the root of a document (Publisher has one).
    const contents = find('CONTENTS');
    if (contents && contents.size > 0 && (storage.id !== 0 || (compObj.progId && !/Publisher/i.test(compObj.progId)))) {
      const data = ole.read(contents, childCap(options)).data;
      const object: EmbeddedObject = { location: join(location, 'CONTENTS'), className: compObj.progId, size: contents.size };
      describePayload(object, data, '');
      take(doc, options, object, `${storage.name || 'contents'}.${identify(data).extension}`, data, 'ole-contents', contents.size > childCap(options));
      doc.objects.push(object);
    }
    if (doc.objects.length >= 200) {
      doc.limits.push('more than 200 embedded objects: the rest were not read');
      return;
    }
  }
}

function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? '';
}

export function describePayload(object: EmbeddedObject, payload: Uint8Array, fileName: string): void {
  const kind = identify(payload).kind;
  object.kind = kind;
  if (EXECUTABLE_KINDS.has(kind) || (fileName && hasExecutableExtension(fileName))) object.executable = true;
}

/** Most bytes read for one embedded payload: the per-file limit or what the extraction budget has left, plus one (to tell "larger"). */
export function childCap(options: ReadOptions): number {
  return Math.max(0, Math.min(options.maxChildBytes, options.budget.bytes)) + 1;
}

/** Extracts a child within the limits, or records why not (`overLimit`: the payload was not read whole). */
export function take(doc: OfficeDocument, options: ReadOptions, object: EmbeddedObject, name: string, data: Uint8Array, relation: string, overLimit = false): void {
  if (!data.length) return;
  if (options.listOnly) {
    object.note = 'not extracted: nesting depth limit';
    return;
  }
  if (overLimit || data.length > options.maxChildBytes || data.length > options.budget.bytes || options.budget.files <= 0) {
    object.note = 'not extracted: extraction limits';
    doc.limits.push(`${object.location}: ${data.length} bytes not extracted (extraction limits)`);
    return;
  }
  options.budget.files--;
  options.budget.bytes -= data.length;
  object.extractedAs = name;
  doc.children.push({ name, data, relation });
}

/**
 * Reads the VBA projects of `ole` into the document, their storages named under `location` (the part
 * or storage holding `ole`; none for the document's own root), with their problems; returns them.
 */
export function addVbaProjects(doc: OfficeDocument, ole: OleFile, options: ReadOptions, location = ''): VbaProject[] {
  const projects = readVbaProjects(ole, { maxModuleBytes: options.maxModuleBytes, maxTotalBytes: options.maxVbaBytes, deadline: options.deadline });
  for (const project of projects) {
    project.storage = [location, project.storage].filter(Boolean).join('/');
    doc.vbaProjects.push(project);
    doc.problems.push(...project.problems.map((p) => `VBA project ${project.storage || '(root)'}: ${p}`));
  }
  return projects;
}

/**
 * PowerPoint keeps embedded objects and its VBA project as compound files inside the `PowerPoint
 * Document` stream (ppt.ts): each is read like a storage of the presentation, under the location
 * `PowerPoint Document@<record offset>`.
 */
function powerPointStorages(stream: Uint8Array, doc: OfficeDocument, options: ReadOptions): void {
  const { storages, problems } = pptStorages(stream, options.maxPartBytes);
  doc.problems.push(...problems.map((p) => `PowerPoint Document: ${p}`));
  for (const storage of storages) {
    if (expired(doc, options)) return;
    const location = `PowerPoint Document@0x${storage.offset.toString(16)}`;
    let inner: OleFile;
    try {
      inner = new OleFile(storage.data);
    } catch (err) {
      doc.problems.push(`${location}: not a compound file (${err instanceof Error ? err.message : String(err)})`);
      continue;
    }
    if (addVbaProjects(doc, inner, options, location).length && !doc.documentType.macroEnabled) {
      doc.documentType = { ...doc.documentType, type: `${doc.documentType.type} with VBA macros`, macroEnabled: true };
    }
    embeddedObjects(inner, doc, options, location);
    doc.problems.push(...inner.problems.map((p) => `${location}: compound file: ${p}`));
  }
}

export function readOleDocument(data: Uint8Array, options: ReadOptions): OfficeDocument {
  const ole = new OleFile(data);
  const doc = emptyDocument('ole', oleDocumentType(ole));
  const streams = ole.streams();
  doc.contentCount = streams.length;
  doc.contents = streams.slice(0, 200).map((s) => ({ name: s.path, size: s.size }));

  const summary = readStream(ole, ole.find('\u0005SummaryInformation'), 1024 * 1024);
  const documentSummary = readStream(ole, ole.find('\u0005DocumentSummaryInformation'), 1024 * 1024);
  if (summary || documentSummary) doc.metadata = oleMetadata(summary, documentSummary);
  doc.encryption = encryption(ole);

  addVbaProjects(doc, ole, options);

  const workbook = ole.find('Workbook') ?? ole.find('Book');
  if (workbook && !expired(doc, options)) {
    const stream = ole.read(workbook, options.maxPartBytes);
    if (stream.truncated) doc.limits.push(`Workbook stream read only to ${stream.data.length} bytes`);
    doc.xlm = parseBiffWorkbook(stream.data, options.deadline);
    doc.problems.push(...doc.xlm.problems.map((p) => `Workbook: ${p}`));
    for (const link of doc.xlm.ddeLinks) {
      const field = classifyField(`DDE ${link}`, 'Workbook');
      if (field) doc.fields.push(field);
    }
  }
  const powerPoint = ole.find('PowerPoint Document');
  if (powerPoint && !doc.encryption && !expired(doc, options)) powerPointStorages(ole.read(powerPoint, options.maxPartBytes).data, doc, options);
  const word = ole.find('WordDocument');
  if (word && !doc.encryption && !expired(doc, options)) {
    doc.fields = binaryWordFields(ole.read(word, options.maxPartBytes).data, 'WordDocument');
  }
  embeddedObjects(ole, doc, options);
  // Damage met while reading (short chains, sectors outside the file) comes first.
  doc.problems.unshift(...ole.problems.map((p) => `compound file: ${p}`));
  return doc;
}
