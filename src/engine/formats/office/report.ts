import { extractIocs, IocCollector, isIPv4, refang } from '../../iocs/extract';
import { isWhitelistedHost, isWhitelistedIp } from '../../iocs/whitelist';
import { ExtractedFile, IocType } from '../../types';
import type { FieldFinding } from './fields';
import type { DocumentMetadata } from './metadata';
import type { VbaProject } from './vba';
import type { XlmResult } from './xlm';

/** What the OLE and OOXML readers found in one document; the analyzer turns it into facts and signals. */
export interface DocumentType {
  /** Word, Excel, PowerPoint, Visio, Installer, Outlook, Equation, Publisher, VBA project, ... */
  application: string;
  /** Human-readable type, e.g. "Word 97-2003 document", "Excel macro-enabled workbook". */
  type: string;
  extension: string;
  macroEnabled: boolean;
  template: boolean;
  /** The OOXML main part's content type / the OLE root CLSID or ProgID. */
  contentType?: string;
}

export interface EmbeddedObject {
  /** Where it sits: the OLE storage path or the OOXML part name. */
  location: string;
  className?: string;
  progId?: string;
  size: number;
  /** Original file name of a Packager object. */
  fileName?: string;
  /** The extracted child's name, when it was extracted. */
  extractedAs?: string;
  /** identify() kind of the payload. */
  kind?: string;
  executable?: boolean;
  note?: string;
}

export type ReferenceKind = 'template' | 'oleObject' | 'frame' | 'hyperlink' | 'image' | 'oleLink' | 'subDocument' | 'other';

export interface ExternalReference {
  /** Part or stream holding the reference. */
  source: string;
  kind: ReferenceKind;
  /** Relationship type (last segment) or a description. */
  type: string;
  target: string;
  /** http(s), ftp, or a UNC path / WebDAV: fetched from elsewhere when the document opens. */
  remote: boolean;
}

export interface EquationObject {
  location: string;
  mtefVersion?: number;
  exploit?: string;
}

export interface OfficeDocument {
  format: 'ole' | 'ooxml';
  documentType: DocumentType;
  encryption?: string;
  metadata: DocumentMetadata;
  vbaProjects: VbaProject[];
  /** Where each VBA project came from (OLE storage path, or `word/vbaProject.bin`). */
  xlm?: XlmResult;
  fields: FieldFinding[];
  references: ExternalReference[];
  objects: EmbeddedObject[];
  equations: EquationObject[];
  children: ExtractedFile[];
  /** Things that could not be read (damage, limits), as issue messages. */
  problems: string[];
  /** The time budget ran out before everything was read. */
  timedOut?: boolean;
  /** Refusals on purpose (size, budget, depth), as issue messages. */
  limits: string[];
  /** OLE streams or OOXML parts, bounded. */
  contents: { name: string; size: number }[];
  contentCount: number;
}

export interface ReadOptions {
  maxModuleBytes: number;
  maxVbaBytes: number;
  /** Largest part or stream read whole. */
  maxPartBytes: number;
  /** Largest extracted child. */
  maxChildBytes: number;
  /** What extraction may still add (files, bytes); decremented as children are taken. */
  budget: { files: number; bytes: number };
  /** Children are listed but not extracted (depth limit). */
  listOnly: boolean;
  deadline: number;
  signal: AbortSignal;
}

export function emptyDocument(format: 'ole' | 'ooxml', documentType: DocumentType): OfficeDocument {
  return { format, documentType, metadata: {}, vbaProjects: [], fields: [], references: [], objects: [], equations: [], children: [], problems: [], limits: [], contents: [], contentCount: 0 };
}

/** Remote targets: fetched from the network when the document opens (http, ftp, UNC/WebDAV shares). */
export function isRemoteTarget(target: string): boolean {
  return /^(https?|ftp):\/\//i.test(target.trim()) || /^(\\\\|\/\/)[^\\/]/.test(target.trim()) || /^file:\/\/\/?\\\\|^file:\/\/[^/]/i.test(target.trim());
}

/** True once the time budget is spent (the pipeline's abort, or the reader's own deadline: sync loops check both). */
export function expired(doc: OfficeDocument, options: ReadOptions): boolean {
  if (options.signal.aborted || Date.now() > options.deadline) doc.timedOut = true;
  return doc.timedOut === true;
}

/** Indicators of a link target: the URL (and its host), or the host of a UNC / WebDAV path. */
export function addTarget(collector: IocCollector, target: string): void {
  const t = target.trim();
  if (/^(https?|ftp):\/\//i.test(t)) {
    extractIocs(refang(t), collector, 0, undefined, {});
    return;
  }
  const unc = /^(?:file:)?(?:\\\\|\/\/)([^\\/@:]+)/i.exec(t);
  if (!unc) return;
  const host = unc[1].toLowerCase();
  if (isIPv4(host)) {
    if (!isWhitelistedIp(host)) collector.add(IocType.Ip, host);
  } else if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) && !isWhitelistedHost(host)) {
    collector.add(IocType.Domain, host);
  }
}
