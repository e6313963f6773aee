import { identify } from '../../identify/identify';
import { classifyField, wordXmlFields } from './fields';
import { ooxmlMetadata } from './metadata';
import { isOle, OleError, OleFile } from './ole';
import { addVbaProjects, childCap, describePayload, embeddedObjects, take } from './ole-document';
import { DocumentType, emptyDocument, EmbeddedObject, expired, isRemoteTarget, OfficeDocument, ReadOptions, ReferenceKind } from './report';
import { emptyXlm, functionsOfFormulaText, renderFormula, SheetState, stringsOfFormulaText, XlmResult } from './xlm';
import { readXlsbMacroSheet, readXlsbWorkbook } from './xlsb';
import { attr, decodeEntities, elements, textOf, xmlProblem } from './xml';
import { OoxmlZip, resolvePartName } from './zip';

/**
 * Reads an Office Open XML package (.docx/.docm/.dotm, .xlsx/.xlsm/.xlam/.xlsb, .pptx/.pptm/.ppsm,
 * .vsdx ...): its type from the main part's content type, metadata (docProps), every relationship
 * that points outside the package (remote templates, OLE objects, frames), VBA projects
 * (vbaProject.bin), Excel 4.0 macro sheets, Word field codes (DDE), Excel DDE links, and embedded
 * objects (oleObject*.bin: their Ole10Native payloads are extracted directly; other embeddings
 * whole).
 */
interface MainType {
  application: string;
  type: string;
  extension: string;
  macroEnabled: boolean;
  template: boolean;
}

const M = (application: string, type: string, extension: string, macroEnabled = false, template = false): MainType => ({ application, type, extension, macroEnabled, template });

const MAIN_CONTENT_TYPES: Record<string, MainType> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml': M('Word', 'Word document', 'docx'),
  'application/vnd.ms-word.document.macroenabled.main+xml': M('Word', 'Word macro-enabled document', 'docm', true),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml': M('Word', 'Word template', 'dotx', false, true),
  'application/vnd.ms-word.template.macroenabledtemplate.main+xml': M('Word', 'Word macro-enabled template', 'dotm', true, true),
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml': M('Excel', 'Excel workbook', 'xlsx'),
  'application/vnd.ms-excel.sheet.macroenabled.main+xml': M('Excel', 'Excel macro-enabled workbook', 'xlsm', true),
  'application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml': M('Excel', 'Excel template', 'xltx', false, true),
  'application/vnd.ms-excel.template.macroenabled.main+xml': M('Excel', 'Excel macro-enabled template', 'xltm', true, true),
  'application/vnd.ms-excel.addin.macroenabled.main+xml': M('Excel', 'Excel macro-enabled add-in', 'xlam', true),
  'application/vnd.ms-excel.sheet.binary.macroenabled.main': M('Excel', 'Excel binary workbook', 'xlsb', true),
  'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml': M('PowerPoint', 'PowerPoint presentation', 'pptx'),
  'application/vnd.ms-powerpoint.presentation.macroenabled.main+xml': M('PowerPoint', 'PowerPoint macro-enabled presentation', 'pptm', true),
  'application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml': M('PowerPoint', 'PowerPoint slide show', 'ppsx'),
  'application/vnd.ms-powerpoint.slideshow.macroenabled.main+xml': M('PowerPoint', 'PowerPoint macro-enabled slide show', 'ppsm', true),
  'application/vnd.openxmlformats-officedocument.presentationml.template.main+xml': M('PowerPoint', 'PowerPoint template', 'potx', false, true),
  'application/vnd.ms-powerpoint.template.macroenabled.main+xml': M('PowerPoint', 'PowerPoint macro-enabled template', 'potm', true, true),
  'application/vnd.ms-powerpoint.addin.macroenabled.main+xml': M('PowerPoint', 'PowerPoint macro-enabled add-in', 'ppam', true),
  'application/vnd.ms-visio.drawing.main+xml': M('Visio', 'Visio drawing', 'vsdx'),
  'application/vnd.ms-visio.drawing.macroenabled.main+xml': M('Visio', 'Visio macro-enabled drawing', 'vsdm', true),
  'application/vnd.ms-visio.template.main+xml': M('Visio', 'Visio template', 'vstx', false, true),
  'application/vnd.ms-visio.template.macroenabled.main+xml': M('Visio', 'Visio macro-enabled template', 'vstm', true, true),
};

const MAX_XML = 64 * 1024 * 1024;
const MAX_RELS_PARTS = 2000;
const MAX_FORMULAS = 2000;

function referenceKind(type: string): ReferenceKind {
  const last = type.split('/').pop()!.toLowerCase();
  if (last === 'attachedtemplate') return 'template';
  if (last === 'oleobject') return 'oleObject';
  if (last === 'frame') return 'frame';
  if (last === 'hyperlink') return 'hyperlink';
  if (last === 'image') return 'image';
  if (last === 'subdocument') return 'subDocument';
  return 'other';
}

/** The part a `.rels` part describes: `word/_rels/settings.xml.rels` → `word/settings.xml`. */
function relsSource(relsPart: string): string {
  return relsPart.replace(/(^|\/)_rels\/([^/]+)\.rels$/i, '$1$2');
}

export function readOoxmlDocument(data: Uint8Array, options: ReadOptions): OfficeDocument {
  const zip = new OoxmlZip(data);
  const doc = emptyDocument('ooxml', { application: 'Office', type: 'Office Open XML document', extension: 'zip', macroEnabled: false, template: false });
  doc.problems.push(...zip.problems.map((p) => `zip: ${p}`));
  doc.contentCount = zip.parts.length;
  doc.contents = zip.parts.slice(0, 300).map((p) => ({ name: p.name, size: p.size }));

  // Each part is inflated once: the main part is checked and then searched for fields.
  const cache = new Map<string, { text: string; truncated: boolean; overLimit?: boolean; error?: string } | undefined>();
  const checked = new Set<string>();
  let mainKey = '';
  const readXml = (name: string, check = false): string | undefined => {
    const key = name.toLowerCase();
    const cached = cache.has(key);
    const read = cached ? cache.get(key) : zip.text(name, Math.min(MAX_XML, options.maxPartBytes));
    if (!cached && key === mainKey) cache.set(key, read);
    if (!read) return undefined;
    if (cached) {
      if (check && !read.error && !checked.has(key)) {
        checked.add(key);
        const problem = xmlProblem(read.text);
        if (problem) doc.problems.push(`${name}: not well-formed XML (${problem})`);
      }
      return read.text;
    }
    if (check) checked.add(key);
    if (read.overLimit) doc.limits.push(read.error ?? `${name}: read only in part`);
    else if (read.error) doc.problems.push(read.error);
    else if (read.truncated) doc.limits.push(`${name}: read only in part`);
    if (check && !read.error) {
      const problem = xmlProblem(read.text);
      if (problem) doc.problems.push(`${name}: not well-formed XML (${problem})`);
    }
    return read.text;
  };

  // Type: the main part's content type, found through the package relationships.
  const contentTypes = readXml('[Content_Types].xml', true) ?? '';
  if (!contentTypes) doc.problems.push('[Content_Types].xml is missing or unreadable');
  const overrides = new Map<string, string>();
  for (const e of elements(contentTypes, ['Override'])) {
    const part = attr(e, 'PartName');
    const type = attr(e, 'ContentType');
    if (part && type) overrides.set(part.replace(/^\//, '').toLowerCase(), type.toLowerCase());
  }
  const packageRels = readXml('_rels/.rels', true) ?? '';
  const mainRel = elements(packageRels, ['Relationship']).find((e) => /\/officeDocument$/i.test(attr(e, 'Type') ?? ''));
  const mainPart = mainRel ? resolvePartName('', attr(mainRel, 'Target') ?? '') : undefined;
  const mainContentType = (mainPart && overrides.get(mainPart.toLowerCase())) ?? [...overrides.values()].find((t) => MAIN_CONTENT_TYPES[t]);
  const main = mainContentType ? MAIN_CONTENT_TYPES[mainContentType] : undefined;
  const vbaParts = zip.parts.filter((p) => /(^|\/)vbaProject\.bin$/i.test(p.name));
  const names = zip.names();
  const folder = (prefix: string) => names.some((n) => n.toLowerCase().startsWith(prefix));
  const fallback: MainType = folder('word/') ? M('Word', 'Word document', 'docx') : folder('xl/') ? M('Excel', 'Excel workbook', 'xlsx') : folder('ppt/') ? M('PowerPoint', 'PowerPoint presentation', 'pptx') : folder('visio/') ? M('Visio', 'Visio drawing', 'vsdx') : M('Office', 'Office Open XML document', 'zip');
  const chosen = main ?? fallback;
  const documentType: DocumentType = { ...chosen, macroEnabled: chosen.macroEnabled || vbaParts.length > 0, ...(mainContentType ? { contentType: mainContentType } : {}) };
  if (vbaParts.length && !chosen.macroEnabled) documentType.type = `${chosen.type} with VBA macros (content type says macro-free)`;
  doc.documentType = documentType;
  if (mainPart) {
    mainKey = mainPart.toLowerCase();
    if (!zip.has(mainPart)) doc.problems.push(`main part ${mainPart} is missing`);
    else if (!/\.bin$/i.test(mainPart)) readXml(mainPart, true);
  }

  doc.metadata = ooxmlMetadata(readXml('docProps/core.xml'), readXml('docProps/app.xml'));

  // Relationships pointing outside the package.
  const relsParts = zip.parts.filter((p) => /\.rels$/i.test(p.name)).slice(0, MAX_RELS_PARTS);
  const relsByPart = new Map<string, { id: string; type: string; target: string; external: boolean }[]>();
  for (const part of relsParts) {
    if (expired(doc, options)) break;
    const xml = part.name === '_rels/.rels' ? packageRels : readXml(part.name, true) ?? '';
    const source = relsSource(part.name);
    const list: { id: string; type: string; target: string; external: boolean }[] = [];
    for (const e of elements(xml, ['Relationship'], { max: 5000 })) {
      const target = (attr(e, 'Target') ?? '').trim();
      const type = attr(e, 'Type') ?? '';
      const external = (attr(e, 'TargetMode') ?? '').toLowerCase() === 'external';
      list.push({ id: attr(e, 'Id') ?? '', type, target, external });
      if (!external || !target) continue;
      const kind = referenceKind(type);
      if (doc.references.length < 500) doc.references.push({ source, kind, type: type.split('/').pop() ?? type, target: target.slice(0, 2048), remote: isRemoteTarget(target) });
    }
    relsByPart.set(source.toLowerCase(), list);
  }

  // VBA projects.
  for (const part of vbaParts.slice(0, 10)) {
    if (expired(doc, options)) break;
    const read = zip.read(part, options.maxPartBytes);
    if (read.overLimit) {
      doc.limits.push(`${part.name}: larger than ${options.maxPartBytes} bytes, not read`);
      continue;
    }
    if (read.error) {
      doc.problems.push(read.error);
      continue;
    }
    try {
      const ole = new OleFile(read.data);
      addVbaProjects(doc, ole, options, part.name);
      doc.problems.push(...ole.problems.map((p) => `${part.name}: ${p}`));
    } catch (err) {
      doc.problems.push(`${part.name}: ${err instanceof OleError ? err.message : String(err)}`);
    }
  }

  // Word field codes (DDE, INCLUDEPICTURE ...) in the story parts.
  for (const part of zip.parts) {
    if (doc.fields.length >= 500 || expired(doc, options)) break;
    if (!/^word\/(document|header\d*|footer\d*|footnotes|endnotes|comments|glossary\/document)\.xml$/i.test(part.name)) continue;
    const xml = readXml(part.name);
    if (xml) doc.fields.push(...wordXmlFields(xml, part.name, 500 - doc.fields.length));
  }

  if (documentType.application === 'Excel') doc.xlm = excelMacros(zip, doc, options, readXml, relsByPart);

  // Embedded objects.
  for (const part of zip.parts) {
    if (expired(doc, options)) break;
    if (!/(^|\/)embeddings\/[^/]+$/i.test(part.name)) continue;
    const read = zip.read(part, childCap(options));
    if (read.overLimit) {
      doc.objects.push({ location: part.name, size: part.size, note: 'not extracted: extraction limits' });
      doc.limits.push(`${part.name}: larger than the extraction limits, not extracted`);
      continue;
    }
    if (read.error) {
      doc.problems.push(read.error);
      continue;
    }
    embedded(doc, options, part.name, read.data);
    if (doc.objects.length >= 200) break;
  }
  return doc;
}

/** One `embeddings/` part: an OLE object's payloads, or the part itself. */
function embedded(doc: OfficeDocument, options: ReadOptions, partName: string, data: Uint8Array): void {
  const fileName = partName.split('/').pop()!;
  if (isOle(data)) {
    try {
      const ole = new OleFile(data);
      const before = doc.children.length;
      const objectsBefore = doc.objects.length;
      embeddedObjects(ole, doc, options, partName);
      const root = ole.root!;
      const tookPayload = doc.children.length > before || doc.objects.slice(objectsBefore).some((o) => o.note?.startsWith('not extracted'));
      if (tookPayload) return;
      // No payload of its own (an embedded Word/Excel document, an equation ...): the OLE file itself.
      const object: EmbeddedObject = { location: partName, size: data.length, ...(root.clsid ? { className: `{${root.clsid}}` } : {}) };
      describePayload(object, data, fileName);
      take(doc, options, object, fileName, data, 'ooxml-embedding');
      doc.objects.push(object);
      return;
    } catch (err) {
      doc.problems.push(`${partName}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const object: EmbeddedObject = { location: partName, size: data.length };
  describePayload(object, data, fileName);
  take(doc, options, object, fileName.includes('.') ? fileName : `${fileName}.${identify(data).extension}`, data, 'ooxml-embedding');
  doc.objects.push(object);
}

/**
 * Excel 4.0 macro sheets, sheet visibility, Auto_Open names and DDE links of an OOXML workbook:
 * XML parts (.xlsx/.xlsm) or binary ones (.xlsb, xlsb.ts).
 */
function excelMacros(
  zip: OoxmlZip,
  doc: OfficeDocument,
  options: ReadOptions,
  readXml: (name: string, check?: boolean) => string | undefined,
  relsByPart: Map<string, { id: string; type: string; target: string }[]>,
): XlmResult {
  const xlm = emptyXlm();
  const functions = new Set<string>();
  const strings = new Set<string>();
  const workbookPart = zip.parts.find((p) => /^xl\/workbook\.(xml|bin)$/i.test(p.name))?.name ?? 'xl/workbook.xml';
  const binary = /\.bin$/i.test(workbookPart);
  const readBinary = (name: string): Uint8Array => {
    const part = zip.get(name);
    const read = part ? zip.read(part, options.maxPartBytes) : undefined;
    if (read?.error) doc.problems.push(read.error);
    return read?.data ?? new Uint8Array(0);
  };
  const isAutoOpen = (name: string) => /^(_xlnm\.)?auto_(open|close)/i.test(name);

  let sheets: { name: string; state: SheetState; relId?: string }[];
  let workbook = '';
  if (binary) {
    const book = readXlsbWorkbook(readBinary(workbookPart));
    doc.problems.push(...book.problems.map((p) => `${workbookPart}: ${p}`));
    sheets = book.sheets;
    for (const n of book.names.filter((n) => isAutoOpen(n.name))) {
      xlm.autoOpen.push(`${n.name.replace(/^_xlnm\./i, '')} → ${renderFormula(n.rgce, new Set(), new Set(), doc.problems, 'biff12').slice(0, 200)}`);
    }
  } else {
    workbook = readXml(workbookPart) ?? '';
    sheets = elements(workbook, ['sheet'], { max: 5000 }).map((e) => {
      const state = (attr(e, 'state') ?? 'visible').toLowerCase();
      return { name: attr(e, 'name') ?? '?', state: state === 'veryhidden' ? 'very hidden' : state === 'hidden' ? 'hidden' : 'visible', relId: attr(e, 'id') };
    });
    for (const e of elements(workbook, ['definedName'], { max: 5000, inner: true })) {
      const name = attr(e, 'name') ?? '';
      if (isAutoOpen(name)) xlm.autoOpen.push(`${name.replace(/^_xlnm\./i, '')} → ${textOf(e.inner ?? '').slice(0, 200)}`);
    }
  }
  const rels = relsByPart.get(workbookPart.toLowerCase()) ?? [];
  const macroParts: { sheet: string; part: string }[] = [];
  for (const { name, state, relId } of sheets) {
    const rel = rels.find((r) => r.id === relId);
    const relType = rel?.type.split('/').pop()?.toLowerCase() ?? '';
    const type = relType === 'xlmacrosheet' || relType === 'xlintlmacrosheet' ? 'macro' : relType === 'chartsheet' ? 'chart' : relType === 'dialogsheet' ? 'dialog' : relType === 'worksheet' ? 'worksheet' : 'unknown';
    xlm.sheets.push({ name, type, state });
    if (type === 'macro' && rel) macroParts.push({ sheet: name, part: resolvePartName(workbookPart, rel.target) });
  }
  // Macro sheets not reachable through the workbook (an attacker's leftovers still get looked at).
  for (const p of zip.parts) {
    if (/^xl\/macrosheets\/[^/]+\.(xml|bin)$/i.test(p.name) && !macroParts.some((m) => m.part.toLowerCase() === p.name.toLowerCase())) {
      macroParts.push({ sheet: p.name, part: p.name });
      xlm.sheets.push({ name: p.name, type: 'macro', state: 'visible' });
    }
  }
  for (const { sheet, part } of macroParts) {
    if (/\.bin$/i.test(part)) {
      const problems: string[] = [];
      for (const f of readXlsbMacroSheet(readBinary(part), MAX_FORMULAS - xlm.formulas.length, functions, strings, problems)) xlm.formulas.push({ sheet, ...f });
      doc.problems.push(...problems.slice(0, 20).map((p) => `${part}: ${p}`));
      continue;
    }
    const xml = readXml(part) ?? '';
    for (const cell of elements(xml, ['c'], { max: 100_000, inner: true })) {
      if (xlm.formulas.length >= MAX_FORMULAS) break;
      const f = /<(?:[\w.-]+:)?f\b[^>]*>([\s\S]*?)<\/(?:[\w.-]+:)?f>/.exec(cell.inner ?? '');
      if (!f) continue;
      const formula = decodeEntities(f[1]);
      functionsOfFormulaText(formula, functions);
      stringsOfFormulaText(formula, strings);
      xlm.formulas.push({ sheet, cell: attr(cell, 'r') ?? '?', formula: `=${formula}`.slice(0, 1000) });
    }
  }
  // DDE links (externalLinks/externalLinkN.xml: <ddeLink ddeService="cmd" ddeTopic="/c calc">).
  for (const p of zip.parts) {
    if (!/^xl\/externalLinks\/[^/]+\.xml$/i.test(p.name)) continue;
    for (const e of elements(readXml(p.name) ?? '', ['ddeLink'], { max: 100 })) {
      const f = classifyField(`DDE ${attr(e, 'ddeService') ?? ''} "${attr(e, 'ddeTopic') ?? ''}"`, p.name);
      if (f) doc.fields.push(f);
    }
  }
  xlm.functions = [...functions];
  xlm.strings = [...strings];
  return xlm;
}
