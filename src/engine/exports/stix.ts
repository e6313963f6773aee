import { Verdict } from '../types';
import type { ExportSubject } from './export-subject';
import { atLeastSuspicious, attackUrl, exportFacts, ExportFile, ExportIoc, isUuid, producerName, uuidV5 } from './stix-facts';
import type {
  StixAttackPattern,
  StixBundle,
  StixFile,
  StixId,
  StixIdentity,
  StixIndicator,
  StixMalware,
  StixMarkingDefinition,
  StixObject,
  StixRelationship,
  StixReport,
  StixValueObservable,
} from './stix.types';

export type { StixBundle } from './stix.types';

/** STIX 2.1 §2.9: the namespace of deterministic SCO identifiers. */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';
/** The platform's own namespace for SDO/SRO identifiers (a fixed random UUID: never change it, ids would change). */
export const STIX_PLATFORM_NAMESPACE = '6a0c58c2-3f3e-4d43-9a4e-5b7e2c1d9f10';
/**
 * `created` of the objects that are not one report's content (the producer identity, ATT&CK
 * techniques): a constant, so the same object is byte-identical in every bundle.
 */
export const PLATFORM_EPOCH = '2024-01-01T00:00:00.000Z';

/** The predefined STIX 2.1 TLP marking definitions (§7.2.1.4); TLP 2.0's CLEAR is STIX 2.1's TLP:WHITE. */
export const TLP_WHITE: StixMarkingDefinition = {
  type: 'marking-definition',
  spec_version: '2.1',
  id: 'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9',
  created: '2017-01-20T00:00:00.000Z',
  definition_type: 'tlp',
  name: 'TLP:WHITE',
  definition: { tlp: 'white' },
};
export const TLP_AMBER: StixMarkingDefinition = {
  type: 'marking-definition',
  spec_version: '2.1',
  id: 'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82',
  created: '2017-01-20T00:00:00.000Z',
  definition_type: 'tlp',
  name: 'TLP:AMBER',
  definition: { tlp: 'amber' },
};

/** RFC 8785 (JCS) for the flat string/number objects SCO ids are computed from. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** An SCO id from its ID-contributing properties, as STIX 2.1 §2.9 prescribes. */
const scoId = (type: string, contributing: Record<string, unknown>): StixId => `${type}--${uuidV5(STIX_SCO_NAMESPACE, canonicalJson(contributing))}`;
const platformId = (type: string, name: string): StixId => `${type}--${uuidV5(STIX_PLATFORM_NAMESPACE, `${type}:${name}`)}`;

/** A string literal in a STIX pattern: quotes and backslashes escaped (STIX 2.1 §9.2). */
export const patternLiteral = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const SCO_TYPE = { url: 'url', domain: 'domain-name', ipv4: 'ipv4-addr', ipv6: 'ipv6-addr', email: 'email-addr' } as const;

/** RFC 3986 characters only; anything else is percent-encoded by WHATWG URL, or the value is left out. */
function stixUrl(value: string): string | null {
  const rfc3986 = /^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
  if (rfc3986.test(value)) return value;
  try {
    const href = new URL(value).href;
    return rfc3986.test(href) ? href : null;
  } catch {
    return null;
  }
}

/** The hashes of a file the STIX hashes dictionary accepts: fuzzy hashes only in the forms the schema defines. */
function fileHashes(file: ExportFile): Record<string, string> {
  const d = file.digests;
  const hashes: Record<string, string> = {};
  if (d.md5) hashes.MD5 = d.md5;
  if (d.sha1) hashes['SHA-1'] = d.sha1;
  if (d.sha256) hashes['SHA-256'] = d.sha256;
  if (d.sha512) hashes['SHA-512'] = d.sha512;
  if (d.ssdeep && /^[a-zA-Z0-9/+:.]{1,128}$/.test(d.ssdeep)) hashes.SSDEEP = d.ssdeep;
  // The schema's TLSH is the 70-character digest without the "T1" version prefix newer tools print.
  const tlsh = d.tlsh?.replace(/^T1(?=[0-9A-Fa-f]{70}$)/, '');
  if (tlsh && /^[a-zA-Z0-9]{70}$/.test(tlsh)) hashes.TLSH = tlsh;
  return hashes;
}

/** STIX 2.1 §2.9: an SCO id contributed by `hashes` uses one hash, preferring MD5, SHA-1, SHA-256, SHA-512. */
function fileId(hashes: Record<string, string>, name: string | undefined): StixId {
  const preferred = ['MD5', 'SHA-1', 'SHA-256', 'SHA-512'].find((k) => hashes[k]);
  return scoId('file', { hashes: preferred ? { [preferred]: hashes[preferred] } : undefined, name });
}

function indicatorTypes(verdict: Verdict): string[] {
  return verdict === Verdict.Malicious || verdict === Verdict.LikelyMalicious ? ['malicious-activity'] : ['anomalous-activity'];
}

/**
 * A report as a STIX 2.1 bundle: the producer, the report, file SCOs for the file and everything
 * extracted from it, network SCOs for its IOCs, indicators for what was seen in SUSPICIOUS or worse
 * files, a malware instance when the verdict is MALICIOUS, ATT&CK attack-patterns and the
 * relationships between them, all under the TLP marking of the report's privacy.
 *
 * Deterministic: ids are UUIDv5 (SCOs from their ID-contributing properties, SDOs/SROs from the
 * report id and their content) and timestamps come from the report, so a report always renders to
 * the same bundle.
 */
export function toStixBundle(subject: ExportSubject): StixBundle {
  const facts = exportFacts(subject);
  const report = subject.report;
  const created = facts.createdAt;
  const tlp = subject.isPrivate ? TLP_AMBER : TLP_WHITE;
  const markings: StixId[] = [tlp.id];

  // One identity per platform across upgrades: a trailing version ("Sandbox platform 1.2.0") is left out of its
  // id and name, since an object that keeps its id and `modified` must keep its content.
  const producer = producerName(subject.producer.name);
  const identity: StixIdentity = {
    type: 'identity',
    spec_version: '2.1',
    id: platformId('identity', producer),
    created: PLATFORM_EPOCH,
    modified: PLATFORM_EPOCH,
    name: producer,
    identity_class: 'system',
    description: 'Malware-analysis sandbox',
    ...(subject.producer.url ? { contact_information: subject.producer.url } : {}),
  };
  // SDOs and SROs that are this report's content are scoped to it, so two reports never emit one id with two `created`.
  const sdo = <T extends string>(type: T, key: string) => ({
    type,
    spec_version: '2.1' as const,
    id: platformId(type, `${report.id}:${key}`),
    created,
    modified: created,
    created_by_ref: identity.id,
    object_marking_refs: markings,
  });

  // Files: the report's own and every extracted one; a parent lists its children in contains_refs.
  const fileObjects = new Map<string, StixFile>();
  for (const file of facts.files) {
    const hashes = fileHashes(file);
    const sco: StixFile = {
      type: 'file',
      spec_version: '2.1',
      id: fileId(hashes, file.name || undefined),
      ...(Object.keys(hashes).length ? { hashes } : {}),
      ...(file.name ? { name: file.name } : {}),
      size: file.size,
      ...(file.mime && /^[a-zA-Z0-9/.+_-]{2,250}$/.test(file.mime) ? { mime_type: file.mime } : {}),
      object_marking_refs: markings,
    };
    fileObjects.set(file.reportId, sco);
  }
  for (const file of facts.files) {
    const parent = file.parentId ? fileObjects.get(file.parentId) : undefined;
    const child = fileObjects.get(file.reportId)!;
    if (parent && parent !== child) parent.contains_refs = [...new Set([...(parent.contains_refs ?? []), child.id])];
  }
  const files = [...new Map([...fileObjects.values()].map((f) => [f.id, f])).values()];

  // Network observables and the indicators for them.
  const observables: StixValueObservable[] = [];
  const indicators: StixIndicator[] = [];
  const basedOn: [StixId, StixId][] = [];
  const addIndicator = (key: string, name: string, pattern: string, verdict: Verdict, description: string, observable: StixId) => {
    const indicator: StixIndicator = {
      ...sdo('indicator', `${key}`),
      name,
      description,
      indicator_types: indicatorTypes(verdict),
      pattern,
      pattern_type: 'stix',
      pattern_version: '2.1',
      valid_from: created,
    };
    indicators.push(indicator);
    basedOn.push([indicator.id, observable]);
  };

  const seenObservables = new Set<string>();
  for (const ioc of facts.iocs) {
    const value = ioc.type === 'url' ? stixUrl(ioc.value) : ioc.value;
    if (!value) continue;
    const type = SCO_TYPE[ioc.type];
    const observable: StixValueObservable = { type, spec_version: '2.1', id: scoId(type, { value }), value, object_marking_refs: markings };
    if (seenObservables.has(observable.id)) continue;
    seenObservables.add(observable.id);
    observables.push(observable);
    if (ioc.isIndicator) addIndicator(`${type}:${value}`, value, `[${type}:value = ${patternLiteral(value)}]`, ioc.verdict, describeIoc(ioc), observable.id);
  }
  for (const file of facts.files) {
    const sha256 = file.digests.sha256;
    if (!sha256 || !atLeastSuspicious(file.verdict)) continue;
    const pattern = `[file:hashes.'SHA-256' = ${patternLiteral(sha256)}]`;
    if (indicators.some((i) => i.pattern === pattern)) continue;
    addIndicator(`file:${sha256}`, file.name || sha256, pattern, file.verdict, `File analysed as ${file.verdict}`, fileObjects.get(file.reportId)!.id);
  }

  const attackPatterns: StixAttackPattern[] = facts.techniques.map((t) => ({
    type: 'attack-pattern',
    spec_version: '2.1',
    id: platformId('attack-pattern', t.id),
    created: PLATFORM_EPOCH,
    modified: PLATFORM_EPOCH,
    created_by_ref: identity.id,
    name: t.name,
    external_references: [{ source_name: 'mitre-attack', external_id: t.id, url: attackUrl(t.id) }],
    ...(t.tactics.length ? { kill_chain_phases: t.tactics.map((phase_name) => ({ kill_chain_name: 'mitre-attack', phase_name })) } : {}),
  }));

  let malware: StixMalware | undefined;
  if (facts.verdict === Verdict.Malicious) {
    const samples = facts.files.filter((f) => f.verdict === Verdict.Malicious).map((f) => fileObjects.get(f.reportId)!.id);
    malware = {
      ...sdo('malware', 'instance'),
      name: report.file.name || report.file.hash,
      description: `Malware instance identified by the sandbox in ${report.file.name}`,
      is_family: false,
      sample_refs: [...new Set(samples)],
    };
  }

  const relationships: StixRelationship[] = [];
  const relate = (source: StixId, type: StixRelationship['relationship_type'], target: StixId) =>
    relationships.push({ ...sdo('relationship', `${source}:${type}:${target}`), relationship_type: type, source_ref: source, target_ref: target });
  if (malware) {
    for (const indicator of indicators) relate(indicator.id, 'indicates', malware.id);
    for (const pattern of attackPatterns) relate(malware.id, 'uses', pattern.id);
  }
  for (const [indicator, observable] of basedOn) relate(indicator, 'based-on', observable);

  const content: StixObject[] = [
    identity,
    ...files,
    ...observables,
    ...indicators,
    ...(malware ? [malware] : []),
    ...attackPatterns,
    ...relationships,
  ];
  const reportObject: StixReport = {
    ...sdo('report', 'report'),
    // The platform's report id is already a UUID: reusing it lets a consumer go back to /api/reports/{id}.
    id: isUuid(report.id) ? `report--${report.id.toLowerCase()}` : platformId('report', report.id),
    name: `Sandbox analysis of ${report.file.name || report.file.hash}`,
    description: `Verdict ${facts.verdict} (confidence ${Math.round(facts.confidence * 100)}%); ${report.file.type}, SHA-256 ${report.file.hash}`,
    report_types: [malware ? 'malware' : 'threat-report'],
    published: created,
    object_refs: content.map((o) => o.id),
    confidence: Math.max(0, Math.min(100, Math.round(facts.confidence * 100))),
    external_references: [{ source_name: subject.producer.name, external_id: report.id, description: 'Report id on the producing platform' }],
  };

  return {
    type: 'bundle',
    id: platformId('bundle', report.id),
    objects: [tlp, reportObject, ...content],
  };
}

function describeIoc(ioc: ExportIoc): string {
  const what = { url: 'URL', domain: 'Domain', ipv4: 'IPv4 address', ipv6: 'IPv6 address', email: 'E-mail address' }[ioc.type];
  return `${what} found in a file analysed as ${ioc.verdict}`;
}
