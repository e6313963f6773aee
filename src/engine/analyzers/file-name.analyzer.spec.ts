import { fileContext } from '../testing/file-context';
import { buildZip, minimalPe, seededBytes } from '../testing/samples';
import { displayedName, doubleExtension, FileNameAnalyzer, typeMismatch } from './file-name.analyzer';

const analyzer = new FileNameAnalyzer();
const signalIds = async (data: Uint8Array | string, name: string) => ((await analyzer.analyze(fileContext(data, name))).signals ?? []).map((s) => s.id);
const pdf = '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]);

describe('file.double_extension', () => {
  it.each([
    ['invoice.pdf.exe', { decoy: 'pdf', real: 'exe', padded: false }],
    ['Invoice.PDF.EXE', { decoy: 'pdf', real: 'exe', padded: false }],
    ['photo.jpg   .scr', { decoy: 'jpg', real: 'scr', padded: true }],
    ['report.docx\u2003\u2003.js', { decoy: 'docx', real: 'js', padded: true }],
    ['scan.pdf____.bat', { decoy: 'pdf', real: 'bat', padded: true }],
    ['C:\\Users\\x\\Downloads\\notes.txt.vbs', { decoy: 'txt', real: 'vbs', padded: false }],
  ])('%s', (name, expected) => {
    expect(doubleExtension(name)).toEqual(expected);
  });

  it.each(['archive.tar.gz', 'jquery.min.js', 'setup.x64.exe', 'invoice.pdf', 'v1.2.exe', '.pdf.exe', 'report.exe.pdf', 'noext'])('not %s', (name) => {
    expect(doubleExtension(name)).toBeNull();
  });

  it('raises the signal with evidence', async () => {
    const result = await analyzer.analyze(fileContext(minimalPe(), 'photo.jpg   .scr'));
    expect(result.signals).toEqual([{ id: 'file.double_extension', evidence: ['photo.jpg   .scr: .scr behind .jpg (padded to push the real extension out of view)'] }]);
    expect(result.tags).toEqual(['masquerading']);
  });
});

describe('file.rtlo_name', () => {
  it('shows how the name is displayed', () => {
    expect(displayedName('invoice\u202efdp.exe')).toBe('invoiceexe.pdf');
    expect(displayedName('a\u202ecba\u202cd.txt')).toBe('aabcd.txt');
  });

  it('raises the signal', async () => {
    const result = await analyzer.analyze(fileContext(minimalPe(), 'invoice\u202efdp.exe'));
    expect(result.signals).toEqual([{ id: 'file.rtlo_name', evidence: ['invoice[U+202E]fdp.exe is displayed as invoiceexe.pdf'] }]);
    expect(result.facts).toEqual({ fileName: { displayedName: 'invoiceexe.pdf', extension: 'exe' } });
  });
});

describe('file.type_mismatch', () => {
  it('flags executables named as documents, images or text', async () => {
    expect(await signalIds(minimalPe(), 'report.pdf')).toEqual(['file.type_mismatch']);
    expect(await signalIds(minimalPe(), 'holiday.jpg')).toEqual(['file.type_mismatch']);
    expect(await signalIds(minimalPe(), 'readme.txt')).toEqual(['file.type_mismatch']);
    expect(typeMismatch('report.pdf', 'pe', 'PE32 executable (GUI) Intel 80386')).toBe('named .pdf but the content is PE32 executable (GUI) Intel 80386');
  });

  it('flags scripts posing as documents, but not text names holding script-like text', async () => {
    const vbs = 'Dim objShell\nSet objShell = CreateObject("WScript.Shell")\nobjShell.Run "notepad.exe"\nWScript.Echo "done"\n';
    expect(await signalIds(vbs, 'invoice.doc')).toEqual(['file.type_mismatch']);
    expect(await signalIds(vbs, 'snippet.txt')).toEqual([]);
  });

  it('flags documents named as executables', async () => {
    expect(await signalIds(pdf, 'setup.exe')).toEqual(['file.type_mismatch']);
    expect(await signalIds(jpeg, 'driver.dll')).toEqual(['file.type_mismatch']);
  });

  it('leaves matching and benign cases alone', async () => {
    expect(await signalIds('Plain meeting notes.\nNothing else.\n', 'notes.txt')).toEqual([]);
    expect(await signalIds(pdf, 'report.pdf')).toEqual([]);
    expect(await signalIds(minimalPe(), 'setup.exe')).toEqual([]);
    expect(await signalIds(minimalPe({ dll: true }), 'helper.dll')).toEqual([]);
    expect(await signalIds('{\\rtf1 hello}', 'letter.doc')).toEqual([]); // RTF saved as .doc: ordinary
    expect(await signalIds(jpeg, 'picture.png')).toEqual([]);
    expect(await signalIds(buildZip([{ name: 'a.txt', data: 'x' }]), 'bundle.zip')).toEqual([]);
    expect(await signalIds(minimalPe(), 'no-extension')).toEqual([]);
  });
});

describe('file.high_entropy', () => {
  const packed = () => {
    const pe = minimalPe({ size: 64 * 1024 });
    pe.set(seededBytes(pe.length - 0x200, 8), 0x200);
    return pe;
  };

  it('raised for a high-entropy executable above 4 KiB', async () => {
    const result = await analyzer.analyze(fileContext(packed(), 'packed.exe'));
    expect(result.signals).toHaveLength(1);
    expect(result.signals?.[0].id).toBe('file.high_entropy');
    expect(result.signals?.[0].evidence[0]).toMatch(/^entropy 7\.9\d bits\/byte over 65536 bytes of PE32 executable/);
  });

  it('not for small files, compressed containers or unrecognised data', async () => {
    expect(await signalIds(packed().subarray(0, 4096), 'small.exe')).toEqual([]);
    expect(await signalIds(buildZip([{ name: 'r.bin', data: seededBytes(20_000, 1) }]), 'r.zip')).toEqual([]);
    expect(await signalIds(seededBytes(20_000, 2), 'blob.bin')).toEqual([]);
  });
});
