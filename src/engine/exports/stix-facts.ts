import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { ReportDocument } from '../../modules/reports/report-document';
import { Verdict, VERDICT_ORDER } from '../types';
import type { ExportSubject } from './export-subject';

/**
 * What the STIX and MISP exports both read from an ExportSubject: the analysed files, the network
 * indicators and the ATT&CK techniques, normalised and sorted so that renders are deterministic.
 */

/** RFC 4122 name-based UUID (version 5, SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(Buffer.from(name, 'utf8')).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

const HEX = { md5: /^[0-9a-f]{32}$/i, sha1: /^[0-9a-f]{40}$/i, sha256: /^[0-9a-f]{64}$/i, sha512: /^[0-9a-f]{128}$/i };

export interface ExportDigests {
  md5?: string;
  sha1?: string;
  sha256?: string;
  sha512?: string;
  ssdeep?: string;
  tlsh?: string;
}

export interface ExportFile {
  reportId: string;
  parentId: string | null;
  name: string;
  size: number;
  mime: string;
  verdict: Verdict;
  confidence: number;
  digests: ExportDigests;
}

export type NetworkIocType = 'url' | 'domain' | 'ipv4' | 'ipv6' | 'email';

export interface ExportIoc {
  type: NetworkIocType;
  value: string;
  /** The most severe verdict among the files it was found in. */
  verdict: Verdict;
  /** True when found in a SUSPICIOUS or worse file: shared as a detection indicator, else as context. */
  isIndicator: boolean;
}

export interface ExportTechnique {
  id: string;
  name: string;
  tactics: string[];
}

export interface ExportFacts {
  /** The report's file first, then its descendants in file-index order. */
  files: ExportFile[];
  iocs: ExportIoc[];
  techniques: ExportTechnique[];
  /** The most severe verdict over the report and its descendants, and the engine's confidence in it (0..1). */
  verdict: Verdict;
  confidence: number;
  /** The report's creation time (RFC 3339, milliseconds, UTC): every SDO timestamp. */
  createdAt: string;
}

const rank = (v: Verdict) => VERDICT_ORDER.indexOf(v);
const worse = (a: Verdict, b: Verdict) => (rank(a) >= rank(b) ? a : b);
export const atLeastSuspicious = (v: Verdict) => rank(v) >= rank(Verdict.Suspicious);

function digestsOf(doc: ReportDocument): ExportDigests {
  const raw = (doc.resources?.digests ?? {}) as Record<string, unknown>;
  const pick = (key: keyof typeof HEX) => {
    const value = typeof raw[key] === 'string' ? (raw[key] as string) : key === 'sha256' ? doc.file.hash : undefined;
    return value && HEX[key].test(value) ? value.toLowerCase() : undefined;
  };
  return {
    md5: pick('md5'),
    sha1: pick('sha1'),
    sha256: pick('sha256'),
    sha512: pick('sha512'),
    ssdeep: typeof raw.ssdeep === 'string' && raw.ssdeep ? raw.ssdeep : undefined,
    tlsh: typeof raw.tlsh === 'string' && raw.tlsh ? raw.tlsh : undefined,
  };
}

function verdictOfDoc(doc: ReportDocument): Verdict {
  const v = doc.finalVerdict?.verdict;
  return VERDICT_ORDER.includes(v) ? v : Verdict.Unknown;
}

/** Maps the engine's IOC types to the network types exports share; hashes and registry paths seen in strings are left out. */
function networkType(type: string, value: string): NetworkIocType | null {
  switch (type) {
    case 'url':
      return 'url';
    case 'domain':
      return 'domain';
    case 'email':
      return 'email';
    case 'ip':
      return isIP(value) === 4 ? 'ipv4' : isIP(value) === 6 ? 'ipv6' : null;
    default:
      return null;
  }
}

/** RFC 3339 with milliseconds in UTC, as STIX requires; a bad date falls back to the epoch rather than throwing. */
export function stixTimestamp(value: string | Date): string {
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? new Date(0).toISOString() : date.toISOString();
}

export function exportFacts(subject: ExportSubject): ExportFacts {
  const docs = [subject.report, ...subject.descendants];
  const files: ExportFile[] = docs.map((doc) => ({
    reportId: doc.id,
    parentId: doc.parentId,
    name: doc.file.name,
    size: Number(doc.file.size) || 0,
    mime: doc.file.mime,
    verdict: verdictOfDoc(doc),
    confidence: Number(doc.finalVerdict?.confidence) || 0,
    digests: digestsOf(doc),
  }));

  const iocs = new Map<string, ExportIoc>();
  const techniques = new Map<string, ExportTechnique>();
  for (const doc of docs) {
    const verdict = verdictOfDoc(doc);
    for (const [type, list] of Object.entries(doc.iocs ?? {})) {
      for (const { value } of list ?? []) {
        if (typeof value !== 'string' || !value) continue;
        const kind = networkType(type, value);
        if (!kind) continue;
        const normalised = kind === 'domain' || kind === 'email' ? value.toLowerCase() : value;
        const key = `${kind}\0${normalised}`;
        const merged = worse(iocs.get(key)?.verdict ?? Verdict.Benign, verdict);
        iocs.set(key, { type: kind, value: normalised, verdict: merged, isIndicator: atLeastSuspicious(merged) });
      }
    }
    for (const group of doc.allSignalGroups ?? []) {
      for (const t of group.allMitreTechniques ?? []) {
        if (/^T\d{4}(\.\d{3})?$/.test(t.ID) && !techniques.has(t.ID)) techniques.set(t.ID, { id: t.ID, name: t.name, tactics: [...(t.tactics ?? [])] });
      }
    }
  }
  const byTypeValue = (a: ExportIoc, b: ExportIoc) => (a.type === b.type ? (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) : a.type < b.type ? -1 : 1);
  const verdict = files.reduce<Verdict>((w, f) => worse(w, f.verdict), Verdict.Benign);
  return {
    files,
    iocs: [...iocs.values()].sort(byTypeValue),
    techniques: [...techniques.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    verdict,
    confidence: Math.max(0, ...files.filter((f) => f.verdict === verdict).map((f) => f.confidence)),
    createdAt: stixTimestamp(subject.report.created_date),
  };
}

/**
 * The producer's name without a trailing version ("Sandbox platform 1.2.0" → "Sandbox platform"): the
 * STIX identity and the MISP organisation stay one object across upgrades.
 */
export const producerName = (name: string) => name.replace(/\s+v?\d+(\.\d+)*([-+][\w.]+)?$/, '') || name;

/** `https://attack.mitre.org/techniques/T1059/007/` for T1059.007. */
export const attackUrl = (id: string) => `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
