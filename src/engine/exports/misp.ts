import { Verdict } from '../types';
import type { ExportSubject } from './export-subject';
import { atLeastSuspicious, ExportFile, exportFacts, ExportIoc, producerName, uuidV5 } from './stix-facts';

/**
 * MISP core format (draft-dulaunoy-misp-core-format; validated against PyMISP's schema in
 * test/fixtures/misp). MISP writes numbers as strings in this format: ids, levels, timestamps.
 */
export interface MispAttribute {
  uuid: string;
  type: string;
  category: string;
  value: string;
  to_ids: boolean;
  distribution: string;
  timestamp: string;
  comment?: string;
  object_relation?: string;
  disable_correlation?: boolean;
}

export interface MispObjectReference {
  uuid: string;
  object_uuid: string;
  referenced_uuid: string;
  relationship_type: string;
  timestamp: string;
}

export interface MispObject {
  uuid: string;
  name: string;
  'meta-category': string;
  description: string;
  template_uuid: string;
  template_version: string;
  distribution: string;
  timestamp: string;
  comment: string;
  Attribute: MispAttribute[];
  ObjectReference?: MispObjectReference[];
}

export interface MispTag {
  name: string;
  colour?: string;
  exportable: boolean;
}

export interface MispEventDocument {
  Event: {
    uuid: string;
    info: string;
    date: string;
    timestamp: string;
    threat_level_id: string;
    analysis: string;
    distribution: string;
    published: boolean;
    Orgc: { name: string; uuid: string };
    Tag: MispTag[];
    Attribute: MispAttribute[];
    Object: MispObject[];
  };
}

/** The platform's namespace for MISP uuids (fixed: changing it changes every exported uuid). */
export const MISP_NAMESPACE = '0f4c7e55-8a5b-4f5e-9d2b-1c3a6e7d8b90';

/** MISP threat levels: 1 high, 2 medium, 3 low, 4 undefined. */
export function mispThreatLevel(verdict: Verdict): string {
  switch (verdict) {
    case Verdict.Malicious:
      return '1';
    case Verdict.LikelyMalicious:
    case Verdict.Suspicious:
      return '2';
    case Verdict.Informational:
      return '3';
    default:
      return '4';
  }
}

/** Distribution: 0 your organisation only, 3 all communities, 5 inherit the event's. */
const DISTRIBUTION = { orgOnly: '0', all: '3', inherit: '5' } as const;

// misp-objects templates (github.com/MISP/misp-objects: objects/<name>/definition.json).
const TEMPLATES = {
  file: { uuid: '688c46fb-5edb-40a3-8273-1af7923e2215', version: '23', metaCategory: 'file', description: 'File object describing a file with meta-information' },
  'domain-ip': { uuid: '43b3b146-77eb-4931-b4cc-b66c60f28734', version: '9', metaCategory: 'network', description: 'A domain/hostname and IP address seen as a tuple in a specific time frame.' },
  url: { uuid: '60efb77b-40b5-4c46-871b-ed1ed999fce5', version: '3', metaCategory: 'network', description: 'url object describes an url along with its normalized field and its metadata.' },
} as const;

/**
 * A report as a MISP event: a `file` object per analysed file (hashes, name, size, type), `domain-ip`
 * and `url` objects and e-mail attributes for its IOCs, TLP and ATT&CK galaxy tags. Indicators seen in
 * SUSPICIOUS or worse files are `to_ids`; the rest is context. Deterministic like the STIX export.
 */
export function toMispEvent(subject: ExportSubject): MispEventDocument {
  const facts = exportFacts(subject);
  const report = subject.report;
  const created = new Date(facts.createdAt);
  const timestamp = String(Math.floor(created.getTime() / 1000));
  const id = (kind: string, key: string) => uuidV5(MISP_NAMESPACE, `${report.id}:${kind}:${key}`);

  const attribute = (key: string, type: string, category: string, value: string, toIds: boolean, extra: Partial<MispAttribute> = {}): MispAttribute => ({
    uuid: id('attribute', `${key}:${type}:${value}`),
    type,
    category,
    value,
    to_ids: toIds,
    distribution: DISTRIBUTION.inherit,
    timestamp,
    ...extra,
  });
  const object = (name: keyof typeof TEMPLATES, key: string, comment: string, attributes: MispAttribute[]): MispObject => ({
    uuid: id('object', `${name}:${key}`),
    name,
    'meta-category': TEMPLATES[name].metaCategory,
    description: TEMPLATES[name].description,
    template_uuid: TEMPLATES[name].uuid,
    template_version: TEMPLATES[name].version,
    distribution: DISTRIBUTION.inherit,
    timestamp,
    comment,
    Attribute: attributes,
  });

  const fileObjects = new Map<string, MispObject>();
  for (const file of facts.files) fileObjects.set(file.reportId, fileObject(file, object, attribute));
  for (const file of facts.files) {
    const parent = file.parentId ? fileObjects.get(file.parentId) : undefined;
    const child = fileObjects.get(file.reportId)!;
    if (!parent) continue;
    (parent.ObjectReference ??= []).push({
      uuid: id('reference', `${parent.uuid}:contains:${child.uuid}`),
      object_uuid: parent.uuid,
      referenced_uuid: child.uuid,
      relationship_type: 'contains',
      timestamp,
    });
  }

  const networkObjects: MispObject[] = [];
  const attributes: MispAttribute[] = [
    attribute('verdict', 'text', 'Other', `Sandbox verdict: ${facts.verdict} (confidence ${Math.round(facts.confidence * 100)}%)`, false, {
      comment: `Report ${report.id}`,
      disable_correlation: true,
    }),
  ];
  for (const ioc of facts.iocs) {
    const comment = iocComment(ioc);
    if (ioc.type === 'url') {
      networkObjects.push(object('url', ioc.value, comment, [attribute(`url:${ioc.value}`, 'url', 'Network activity', ioc.value, ioc.isIndicator, { object_relation: 'url' })]));
    } else if (ioc.type === 'domain') {
      networkObjects.push(object('domain-ip', `domain:${ioc.value}`, comment, [attribute(`domain:${ioc.value}`, 'domain', 'Network activity', ioc.value, ioc.isIndicator, { object_relation: 'domain' })]));
    } else if (ioc.type === 'ipv4' || ioc.type === 'ipv6') {
      networkObjects.push(object('domain-ip', `ip:${ioc.value}`, comment, [attribute(`ip:${ioc.value}`, 'ip-dst', 'Network activity', ioc.value, ioc.isIndicator, { object_relation: 'ip' })]));
    } else {
      attributes.push(attribute('email', 'email-dst', 'Network activity', ioc.value, ioc.isIndicator, { comment }));
    }
  }

  const tlp = subject.isPrivate ? { name: 'tlp:amber', colour: '#FFC000' } : { name: 'tlp:clear', colour: '#FFFFFF' };
  return {
    Event: {
      uuid: uuidV5(MISP_NAMESPACE, `event:${report.id}`),
      info: `Sandbox analysis of ${report.file.name || report.file.hash}: ${facts.verdict}`,
      date: facts.createdAt.slice(0, 10),
      timestamp,
      threat_level_id: mispThreatLevel(facts.verdict),
      // 2: analysis completed.
      analysis: '2',
      distribution: subject.isPrivate ? DISTRIBUTION.orgOnly : DISTRIBUTION.all,
      published: false,
      Orgc: { name: producerName(subject.producer.name), uuid: uuidV5(MISP_NAMESPACE, `org:${producerName(subject.producer.name)}`) },
      Tag: [
        { ...tlp, exportable: true },
        ...facts.techniques.map((t) => ({ name: `misp-galaxy:mitre-attack-pattern="${t.name} - ${t.id}"`, exportable: true })),
      ],
      Attribute: attributes,
      Object: [...fileObjects.values(), ...networkObjects],
    },
  };
}

function fileObject(
  file: ExportFile,
  object: (name: 'file', key: string, comment: string, attributes: MispAttribute[]) => MispObject,
  attribute: (key: string, type: string, category: string, value: string, toIds: boolean, extra?: Partial<MispAttribute>) => MispAttribute,
): MispObject {
  const detect = atLeastSuspicious(file.verdict);
  const key = `file:${file.reportId}`;
  const attrs: MispAttribute[] = [];
  const add = (relation: string, type: string, value: string | undefined, toIds: boolean, category = 'Payload delivery', extra: Partial<MispAttribute> = {}) => {
    if (value) attrs.push(attribute(key, type, category, value, toIds, { object_relation: relation, ...extra }));
  };
  add('filename', 'filename', file.name, false);
  add('md5', 'md5', file.digests.md5, detect);
  add('sha1', 'sha1', file.digests.sha1, detect);
  add('sha256', 'sha256', file.digests.sha256, detect);
  add('sha512', 'sha512', file.digests.sha512, detect);
  // Fuzzy hashes find relatives, not this file: context, never an IDS match.
  add('ssdeep', 'ssdeep', file.digests.ssdeep, false);
  add('tlsh', 'tlsh', file.digests.tlsh, false);
  add('size-in-bytes', 'size-in-bytes', String(file.size), false, 'Other', { disable_correlation: true });
  add('mimetype', 'mime-type', file.mime, false, 'Payload delivery', { disable_correlation: true });
  add('state', 'text', file.verdict === Verdict.Malicious ? 'Malicious' : undefined, false, 'Other', { disable_correlation: true });
  return object('file', file.reportId, `Analysed as ${file.verdict}`, attrs);
}

function iocComment(ioc: ExportIoc): string {
  return `Found in a file analysed as ${ioc.verdict}`;
}
