import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportDocument } from '../../modules/reports/report-document';
import { EICAR_SHA256 } from '../testing/eicar';
import { seededBytes } from '../testing/samples';
import { Verdict } from '../types';
import type { ExportSubject } from './export-subject';
import { MispEventDocument, mispThreatLevel, toMispEvent } from './misp';
import { archiveSubject, dropperSubject, eicarSubject, subjectOf } from './stix-test-subjects';

/** PyMISP's schema (draft-04) without its `id` keywords, which ajv's default draft would read as `$id`-less noise. */
function mispValidator() {
  const strip = (node: unknown): unknown =>
    Array.isArray(node)
      ? node.map(strip)
      : node && typeof node === 'object'
        ? Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'id' && k !== '$schema').map(([k, v]) => [k, strip(v)]))
        : node;
  const schema = strip(JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/misp/schema.json'), 'utf8'))) as Record<string, any>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  const event = ajv.compile(schema);
  const attribute = ajv.compile(schema.properties.Event.properties.Attribute.items);
  return (doc: MispEventDocument): string[] => {
    const problems: string[] = [];
    if (!event(doc)) problems.push(...event.errors!.map((e) => `${e.instancePath} ${e.message}`));
    for (const object of doc.Event.Object) {
      for (const attr of object.Attribute) {
        const where = `Object ${object.name}/${attr.object_relation}`;
        if (!attribute(attr)) problems.push(...attribute.errors!.map((e) => `${where}${e.instancePath} ${e.message}`));
      }
    }
    return problems;
  };
}
const validate = mispValidator();

const attrs = (doc: MispEventDocument, objectName: string) =>
  doc.Event.Object.filter((o) => o.name === objectName).map((o) => o.Attribute.map((a) => [a.object_relation, a.type, a.value, a.to_ids]));

async function contextSubject(iocs: ReportDocument['iocs']): Promise<ExportSubject> {
  const subject = await subjectOf('notes.txt', 'Meeting notes: ship on Friday.\n');
  return { ...subject, report: { ...subject.report, iocs } };
}

describe('toMispEvent', () => {
  it('threat level from the verdict: MALICIOUS 1, SUSPICIOUS/LIKELY_MALICIOUS 2, INFORMATIONAL 3, otherwise 4', () => {
    expect(Object.values(Verdict).map((v) => [v, mispThreatLevel(v)])).toEqual([
      [Verdict.Benign, '4'],
      [Verdict.Unknown, '4'],
      [Verdict.NoThreat, '4'],
      [Verdict.Informational, '3'],
      [Verdict.Suspicious, '2'],
      [Verdict.LikelyMalicious, '2'],
      [Verdict.Malicious, '1'],
    ]);
  });

  it('EICAR: an event with a file object whose hashes are IDS attributes, TLP:CLEAR for a public report', async () => {
    const subject = await eicarSubject();
    const doc = toMispEvent(subject);
    expect(doc.Event).toMatchObject({
      info: 'Sandbox analysis of eicar.com: MALICIOUS',
      date: '2026-03-04',
      timestamp: String(Date.parse('2026-03-04T05:06:07.089Z') / 1000 | 0),
      threat_level_id: '1',
      analysis: '2',
      distribution: '3',
      published: false,
      Orgc: { name: 'Sandbox test platform' },
      Tag: [{ name: 'tlp:clear', colour: '#FFFFFF', exportable: true }],
    });
    expect(attrs(doc, 'file')).toEqual([
      [
        ['filename', 'filename', 'eicar.com', false],
        ['md5', 'md5', '44d88612fea8a8f36de82e1278abb02f', true],
        ['sha1', 'sha1', '3395856ce81f2b7382dee72602f798b642f14140', true],
        ['sha256', 'sha256', EICAR_SHA256, true],
        ['sha512', 'sha512', 'cc805d5fab1fd71a4ab352a9c533e65fb2d5b885518f4e565e68847223b8e6b85cb48f3afad842726d99239c9e36505c64b0dc9a061d9e507d833277ada336ab', true],
        ['ssdeep', 'ssdeep', '3:a+JraNvsgzsVqSwHq9:tJuOgzsko', false],
        ['size-in-bytes', 'size-in-bytes', '68', false],
        ['mimetype', 'mime-type', 'text/plain', false],
        ['state', 'text', 'Malicious', false],
      ],
    ]);
    expect(doc.Event.Object[0]).toMatchObject({ template_uuid: '688c46fb-5edb-40a3-8273-1af7923e2215', 'meta-category': 'file' });
    expect(doc.Event.Attribute.map((a) => [a.type, a.value, a.to_ids])).toEqual([['text', 'Sandbox verdict: MALICIOUS (confidence 90%)', false]]);
  });

  it('a script: url and domain-ip objects and e-mail attributes for IDS, ATT&CK galaxy tags, TLP:AMBER when private', async () => {
    const doc = toMispEvent(await dropperSubject(true));
    expect(doc.Event.threat_level_id).toBe('2');
    expect(doc.Event.distribution).toBe('0');
    expect(doc.Event.Tag.map((t) => t.name)).toEqual([
      'tlp:amber',
      'misp-galaxy:mitre-attack-pattern="Command and Scripting Interpreter - T1059"',
      'misp-galaxy:mitre-attack-pattern="Command and Scripting Interpreter: PowerShell - T1059.001"',
      'misp-galaxy:mitre-attack-pattern="Command and Scripting Interpreter: JavaScript - T1059.007"',
      'misp-galaxy:mitre-attack-pattern="Application Layer Protocol: Web Protocols - T1071.001"',
      'misp-galaxy:mitre-attack-pattern="Ingress Tool Transfer - T1105"',
      'misp-galaxy:mitre-attack-pattern="Native API - T1106"',
    ]);
    expect(attrs(doc, 'url')).toEqual([
      [['url', 'url', 'http://185.220.101.7/gate.php', true]],
      [['url', 'url', 'http://evil-updates.example-bad.ru/payload.exe', true]],
    ]);
    expect(attrs(doc, 'domain-ip')).toEqual([[['domain', 'domain', 'evil-updates.example-bad.ru', true]], [['ip', 'ip-dst', '185.220.101.7', true]]]);
    expect(doc.Event.Attribute.filter((a) => a.type === 'email-dst').map((a) => [a.category, a.value, a.to_ids])).toEqual([
      ['Network activity', 'admin@evil-updates.ru', true],
    ]);
  });

  it('IOCs of a NO_THREAT file are context (to_ids false), and so are its hashes', async () => {
    const doc = toMispEvent(await contextSubject({ domain: [{ value: 'files.example-shop.net', origins: ['strings'] }] }));
    expect(doc.Event.threat_level_id).toBe('4');
    expect(attrs(doc, 'domain-ip')).toEqual([[['domain', 'domain', 'files.example-shop.net', false]]]);
    expect(doc.Event.Object[0].Attribute.every((a) => a.to_ids === false)).toBe(true);
  });

  it('an archive: one file object per file, the root contains the members; uuids are unique and stable across renders', async () => {
    const first = toMispEvent(await archiveSubject());
    const second = toMispEvent({ ...(await archiveSubject()), generatedAt: new Date(0) });
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    const files = first.Event.Object.filter((o) => o.name === 'file');
    expect(files.map((o) => o.Attribute.find((a) => a.object_relation === 'filename')!.value)).toEqual(['bundle.zip', 'eicar.com', 'dropper.js', 'notes.txt']);
    expect(files[0].ObjectReference!.map((r) => [r.relationship_type, r.referenced_uuid])).toEqual(files.slice(1).map((f) => ['contains', f.uuid]));
    expect(first.Event.threat_level_id).toBe('1');
    const uuids = [first.Event.uuid, ...first.Event.Attribute.map((a) => a.uuid), ...first.Event.Object.flatMap((o) => [o.uuid, ...o.Attribute.map((a) => a.uuid)])];
    expect(new Set(uuids).size).toBe(uuids.length);
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('every event validates against the MISP core format schema (PyMISP)', async () => {
    const subjects = [
      await eicarSubject(),
      await eicarSubject(true),
      await dropperSubject(),
      await dropperSubject(true),
      await archiveSubject(),
      await contextSubject({ domain: [{ value: 'files.example-shop.net', origins: ['strings'] }], ip: [{ value: '2001:db8::1', origins: ['strings'] }] }),
      await subjectOf('blob.bin', seededBytes(8192, 3)),
    ];
    for (const subject of subjects) expect(validate(toMispEvent(subject))).toEqual([]);
    const blob = toMispEvent(subjects[6]).Event.Object[0].Attribute.find((a) => a.object_relation === 'tlsh')!;
    expect(blob.value).toMatch(/^T1[0-9A-F]{70}$/);
    // The schema does reject what it forbids (MISP writes levels as strings).
    const broken = toMispEvent(subjects[0]) as unknown as { Event: Record<string, unknown> };
    broken.Event.threat_level_id = 1;
    expect(validate(broken as unknown as MispEventDocument)).toEqual(["/Event/threat_level_id must be string"]);
  });
});
