import { itWithStixSchemas } from '../../../test/support/stix-schema';
import type { ReportDocument } from '../../modules/reports/report-document';
import { EICAR_SHA256 } from '../testing/eicar';
import { seededBytes } from '../testing/samples';
import type { ExportSubject } from './export-subject';
import { patternLiteral, STIX_SCO_NAMESPACE, TLP_AMBER, TLP_WHITE, toStixBundle } from './stix';
import { uuidV5 } from './stix-facts';
import { analyse, archiveSubject, CREATED_AT, dropperSubject, eicarSubject, subjectOf } from './stix-test-subjects';
import type { StixAttackPattern, StixBundle, StixFile, StixIndicator, StixMalware, StixObject, StixRelationship, StixReport } from './stix.types';

const ofType = <T extends StixObject>(bundle: StixBundle, type: T['type']) => bundle.objects.filter((o) => o.type === type) as T[];
const one = <T extends StixObject>(bundle: StixBundle, type: T['type']) => {
  const found = ofType<T>(bundle, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const patterns = (bundle: StixBundle) => ofType<StixIndicator>(bundle, 'indicator').map((i) => i.pattern).sort();
const relations = (bundle: StixBundle, type: string) =>
  ofType<StixRelationship>(bundle, 'relationship')
    .filter((r) => r.relationship_type === type)
    .map((r) => `${r.source_ref} ${r.target_ref}`)
    .sort();

const EICAR = {
  MD5: '44d88612fea8a8f36de82e1278abb02f',
  'SHA-1': '3395856ce81f2b7382dee72602f798b642f14140',
  'SHA-256': EICAR_SHA256,
  'SHA-512': 'cc805d5fab1fd71a4ab352a9c533e65fb2d5b885518f4e565e68847223b8e6b85cb48f3afad842726d99239c9e36505c64b0dc9a061d9e507d833277ada336ab',
};
const DROPPER_PATTERNS = [
  "[domain-name:value = 'evil-updates.example-bad.ru']",
  "[email-addr:value = 'admin@evil-updates.ru']",
  "[ipv4-addr:value = '185.220.101.7']",
  "[url:value = 'http://185.220.101.7/gate.php']",
  "[url:value = 'http://evil-updates.example-bad.ru/payload.exe']",
];
const DROPPER_TECHNIQUES = ['T1059', 'T1059.001', 'T1059.007', 'T1071.001', 'T1105', 'T1106'];

/** A NO_THREAT text report with indicators added by hand: context, not detections. */
async function contextSubject(iocs: ReportDocument['iocs']): Promise<ExportSubject> {
  const subject = await subjectOf('notes.txt', 'Meeting notes: ship on Friday.\n');
  return { ...subject, report: { ...subject.report, iocs } };
}

describe('uuidV5', () => {
  it('matches RFC 4122 name-based UUIDs (Python: uuid5(NAMESPACE_DNS, "python.org"))', () => {
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});

describe('toStixBundle', () => {
  it('EICAR (MALICIOUS): file SCO with its hashes, a SHA-256 indicator that indicates a malware instance sampled by the file', async () => {
    const bundle = toStixBundle(await eicarSubject());
    const file = one<StixFile>(bundle, 'file');
    expect(file).toEqual({
      type: 'file',
      spec_version: '2.1',
      // STIX 2.1 §2.9: ID-contributing properties, one hash (MD5 first), canonical JSON, SCO namespace.
      id: `file--${uuidV5(STIX_SCO_NAMESPACE, `{"hashes":{"MD5":"${EICAR.MD5}"},"name":"eicar.com"}`)}`,
      hashes: { ...EICAR, SSDEEP: '3:a+JraNvsgzsVqSwHq9:tJuOgzsko' },
      name: 'eicar.com',
      size: 68,
      mime_type: 'text/plain',
      object_marking_refs: [TLP_WHITE.id],
    });
    expect(patterns(bundle)).toEqual([`[file:hashes.'SHA-256' = '${EICAR_SHA256}']`]);
    const malware = one<StixMalware>(bundle, 'malware');
    expect(malware).toMatchObject({ is_family: false, name: 'eicar.com', sample_refs: [file.id], created: CREATED_AT.toISOString() });
    const indicator = one<StixIndicator>(bundle, 'indicator');
    expect(indicator).toMatchObject({ indicator_types: ['malicious-activity'], pattern_type: 'stix', pattern_version: '2.1', valid_from: CREATED_AT.toISOString() });
    expect(relations(bundle, 'indicates')).toEqual([`${indicator.id} ${malware.id}`]);
    expect(relations(bundle, 'based-on')).toEqual([`${indicator.id} ${file.id}`]);
    expect(ofType(bundle, 'attack-pattern')).toEqual([]);
  });

  it('the report object: published at the report date, references every object, reuses the platform report id', async () => {
    const subject = await eicarSubject();
    const bundle = toStixBundle(subject);
    const report = one<StixReport>(bundle, 'report');
    expect(report.id).toBe(`report--${subject.report.id}`);
    expect(report.published).toBe('2026-03-04T05:06:07.089Z');
    expect(report.created).toBe('2026-03-04T05:06:07.089Z');
    expect(report.report_types).toEqual(['malware']);
    expect(report.confidence).toBe(90);
    const others = bundle.objects.filter((o) => o.type !== 'report' && o.type !== 'marking-definition').map((o) => o.id);
    expect([...report.object_refs].sort()).toEqual(others.sort());
    expect(bundle.objects[0]).toEqual(TLP_WHITE);
    expect(new Set(bundle.objects.map((o) => o.id)).size).toBe(bundle.objects.length);
  });

  it('the producer identity keeps its id across platform versions', async () => {
    const subject = await eicarSubject();
    const identity = (name: string) => one<StixObject>(toStixBundle({ ...subject, producer: { name } }), 'identity').id;
    expect(identity('Sandbox platform 0.1.0')).toBe(identity('Sandbox platform 2.3.4-rc.1'));
    expect(identity('Sandbox platform 0.1.0')).toBe(identity('Sandbox platform'));
    expect(identity('Sandbox platform 0.1.0')).not.toBe(identity('Another sandbox 0.1.0'));
    expect(one<StixObject & { name: string }>(toStixBundle({ ...subject, producer: { name: 'Sandbox platform 2.3.4' } }), 'identity').name).toBe('Sandbox platform');
  });

  it('the same report renders to the same bundle (ids and timestamps), whenever it is rendered', async () => {
    const first = toStixBundle(await dropperSubject());
    const second = toStixBundle({ ...(await dropperSubject()), generatedAt: new Date('2030-01-01T00:00:00Z') });
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(first.id).toBe(toStixBundle(await dropperSubject()).id);
  });

  it('a LIKELY_MALICIOUS script: an indicator per network IOC and the file, ATT&CK attack-patterns, no malware object', async () => {
    const bundle = toStixBundle(await dropperSubject());
    const sha256 = one<StixFile>(bundle, 'file').hashes!['SHA-256'];
    expect(patterns(bundle)).toEqual([...DROPPER_PATTERNS, `[file:hashes.'SHA-256' = '${sha256}']`].sort());
    expect(ofType(bundle, 'malware')).toEqual([]);
    expect(ofType(bundle, 'url').map((o) => (o as { value: string }).value)).toEqual(['http://185.220.101.7/gate.php', 'http://evil-updates.example-bad.ru/payload.exe']);
    expect(ofType(bundle, 'domain-name').map((o) => (o as { value: string }).value)).toEqual(['evil-updates.example-bad.ru']);
    expect(ofType(bundle, 'ipv4-addr').map((o) => (o as { value: string }).value)).toEqual(['185.220.101.7']);
    expect(ofType(bundle, 'email-addr').map((o) => (o as { value: string }).value)).toEqual(['admin@evil-updates.ru']);
    // SCO ids follow the spec: UUIDv5 of {"value": ...} in the STIX namespace.
    expect(ofType(bundle, 'domain-name')[0].id).toBe(`domain-name--${uuidV5(STIX_SCO_NAMESPACE, '{"value":"evil-updates.example-bad.ru"}')}`);

    const attack = ofType<StixAttackPattern>(bundle, 'attack-pattern');
    expect(attack.map((a) => a.external_references![0].external_id)).toEqual(DROPPER_TECHNIQUES);
    expect(attack.find((a) => a.external_references![0].external_id === 'T1059.007')).toMatchObject({
      name: 'Command and Scripting Interpreter: JavaScript',
      external_references: [{ source_name: 'mitre-attack', external_id: 'T1059.007', url: 'https://attack.mitre.org/techniques/T1059/007/' }],
      kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'execution' }],
    });
    expect(attack.find((a) => a.external_references![0].external_id === 'T1105')!.external_references![0].url).toBe('https://attack.mitre.org/techniques/T1105/');
    expect(relations(bundle, 'indicates')).toEqual([]);
    expect(relations(bundle, 'uses')).toEqual([]);
    expect(relations(bundle, 'based-on')).toHaveLength(6);
  });

  it('an archive: the root file contains its members; malware samples only the MALICIOUS member and uses every technique', async () => {
    const subject = await archiveSubject();
    const bundle = toStixBundle(subject);
    const files = ofType<StixFile>(bundle, 'file');
    expect(files.map((f) => f.name)).toEqual(['bundle.zip', 'eicar.com', 'dropper.js', 'notes.txt']);
    expect(files[0].contains_refs).toEqual(files.slice(1).map((f) => f.id));
    const malware = one<StixMalware>(bundle, 'malware');
    expect(malware.sample_refs).toEqual([files[1].id]);
    const attack = ofType<StixAttackPattern>(bundle, 'attack-pattern');
    expect(relations(bundle, 'uses')).toEqual(attack.map((a) => `${malware.id} ${a.id}`).sort());
    expect(relations(bundle, 'indicates')).toEqual(ofType<StixIndicator>(bundle, 'indicator').map((i) => `${i.id} ${malware.id}`).sort());
    // notes.txt is NO_THREAT: an observable, never an indicator.
    const notes = subject.descendants.find((d) => d.file.name === 'notes.txt')!;
    expect(patterns(bundle).some((p) => p.includes(notes.file.hash))).toBe(false);
    expect(patterns(bundle)).toContain(`[file:hashes.'SHA-256' = '${EICAR_SHA256}']`);
    expect(one<StixReport>(bundle, 'report').name).toBe('Sandbox analysis of bundle.zip');
  });

  it('a private report is TLP:AMBER on everything that is its content', async () => {
    const bundle = toStixBundle(await dropperSubject(true));
    expect(bundle.objects[0]).toEqual(TLP_AMBER);
    expect(bundle.objects.some((o) => o.id === TLP_WHITE.id)).toBe(false);
    const marked = bundle.objects.filter((o) => !['marking-definition', 'identity', 'attack-pattern'].includes(o.type));
    expect(marked.length).toBeGreaterThan(10);
    for (const object of marked) expect((object as { object_marking_refs?: string[] }).object_marking_refs).toEqual([TLP_AMBER.id]);
  });

  it('indicators from a NO_THREAT file stay observables; IPv6 and quoted values are escaped in patterns', async () => {
    const context = toStixBundle(await contextSubject({ domain: [{ value: 'files.example-shop.net', origins: ['strings'] }] }));
    expect(ofType(context, 'domain-name').map((o) => (o as { value: string }).value)).toEqual(['files.example-shop.net']);
    expect(ofType(context, 'indicator')).toEqual([]);

    const subject = await dropperSubject();
    const report = { ...subject.report, iocs: { ip: [{ value: '2001:db8::1', origins: ['strings'] }], url: [{ value: "http://evil.example-bad.ru/it's", origins: ['strings'] }] } };
    const bundle = toStixBundle({ ...subject, report });
    expect(patterns(bundle)).toEqual(
      [`[file:hashes.'SHA-256' = '${report.file.hash}']`, "[ipv6-addr:value = '2001:db8::1']", "[url:value = 'http://evil.example-bad.ru/it\\'s']"].sort(),
    );
    expect(patternLiteral("a'b\\c")).toBe("'a\\'b\\\\c'");
  });

  it('fuzzy hashes: TLSH without its T1 prefix, ssdeep only within the schema\'s 128 characters', async () => {
    const subject = await subjectOf('blob.bin', seededBytes(8192, 3));
    const digests = subject.report.resources.digests as { tlsh: string; ssdeep: string };
    expect(digests.tlsh).toMatch(/^T1[0-9A-F]{70}$/);
    const file = one<StixFile>(toStixBundle(subject), 'file');
    expect(file.hashes!.TLSH).toBe(digests.tlsh.slice(2));
    expect(file.hashes!.SSDEEP).toBe(digests.ssdeep);
    const long = { ...subject.report, resources: { ...subject.report.resources, digests: { ...digests, ssdeep: `96:${'a'.repeat(64)}:${'b'.repeat(64)}` } } };
    const withoutSsdeep = one<StixFile>(toStixBundle({ ...subject, report: long }), 'file');
    expect(Object.keys(withoutSsdeep.hashes!)).toEqual(['MD5', 'SHA-1', 'SHA-256', 'SHA-512', 'TLSH']);
  });

  itWithStixSchemas('every bundle validates against the OASIS STIX 2.1 schemas', async (schemas) => {
    const subjects = [
      await eicarSubject(),
      await eicarSubject(true),
      await dropperSubject(),
      await dropperSubject(true),
      await archiveSubject(),
      await contextSubject({ domain: [{ value: 'files.example-shop.net', origins: ['strings'] }], ip: [{ value: '2001:db8::1', origins: ['strings'] }] }),
      await subjectOf('blob.bin', seededBytes(8192, 3)),
    ];
    for (const subject of subjects) expect(schemas.validateBundle(toStixBundle(subject))).toEqual([]);
    // The validator does reject what the schemas forbid.
    const broken = toStixBundle(subjects[0]);
    (broken.objects.find((o) => o.type === 'indicator') as StixIndicator).valid_from = 'yesterday';
    expect(schemas.validateBundle(broken).length).toBeGreaterThan(0);
  }, 30000);
});

describe('analyse (test helper)', () => {
  it('gives the report and its descendants in file-index order', async () => {
    const { report, descendants } = await analyse('bundle.zip', (await import('../testing/samples')).buildZip([{ name: 'a.txt', data: 'x' }]));
    expect(report.file.name).toBe('bundle.zip');
    expect(descendants.map((d) => d.parentId)).toEqual([report.id]);
  });
});
