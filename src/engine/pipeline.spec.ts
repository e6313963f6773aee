import { defaultAnalyzers } from './analyzers';
import { AnalysisPipeline } from './pipeline';
import { testEngineOptions } from './testing/engine-options';
import { minimalPe, seededBytes } from './testing/samples';
import { Verdict } from './types';

const pipeline = new AnalysisPipeline(defaultAnalyzers());
const run = (name: string, data: Uint8Array | string) =>
  pipeline.analyze({ name, data: typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : data }, testEngineOptions());

describe('AnalysisPipeline with the default analyzers', () => {
  it('runs file-name, strings and iocs, in that order, before any later analyzer', () => {
    expect(defaultAnalyzers().slice(0, 3).map((a) => a.name)).toEqual(['file-name', 'strings', 'iocs']);
  });

  it('a plain text file is NO_THREAT', async () => {
    const result = await run('minutes.txt', 'Minutes of the weekly meeting.\n\nAttendees: Alice, Bob.\nThe release ships on Friday; version 2.4.1 fixes the login bug.\n');
    expect(result.verdict.verdict).toBe(Verdict.NoThreat);
    const [file] = result.files;
    expect(file.identity.kind).toBe('text');
    expect(file.signals).toEqual([]);
    expect(file.issues).toEqual([]);
    expect(file.iocs).toEqual([]);
    expect(file.resources.strings).toEqual({ ascii: 3, utf16: 0, sample: [] });
  });

  it('a text with documentation links only has no indicators', async () => {
    const text = [
      'For the file format see https://www.w3.org/TR/xml/ and http://schemas.openxmlformats.org/officeDocument/2006/relationships.',
      'Metadata terms: http://purl.org/dc/elements/1.1/ ; certificates are checked against http://ocsp.digicert.com.',
      'Examples use https://example.com/download/setup.exe and admin@example.org.',
    ].join('\n');
    const result = await run('README.txt', text);
    const [file] = result.files;
    expect(file.iocs).toEqual([]);
    expect(file.signals).toEqual([]);
    expect(result.verdict.verdict).toBe(Verdict.NoThreat);
  });

  it('random binary data is UNKNOWN', async () => {
    const result = await run('blob.bin', seededBytes(256 * 1024, 7));
    expect(result.files[0].identity.kind).toBe('data');
    expect(result.files[0].signals).toEqual([]);
    expect(result.verdict.verdict).toBe(Verdict.Unknown);
  });

  it('invoice.pdf.exe holding a PE is SUSPICIOUS with file.double_extension', async () => {
    const result = await run('invoice.pdf.exe', minimalPe());
    const [file] = result.files;
    expect(file.identity.kind).toBe('pe');
    expect(file.signals.map((s) => s.id)).toEqual(['file.double_extension']);
    expect(file.signals[0]).toMatchObject({ originPath: 'invoice.pdf.exe', evidence: ['invoice.pdf.exe: .exe behind .pdf'] });
    expect(file.tags).toContain('masquerading');
    expect(result.verdict.verdict).toBe(Verdict.Suspicious);
  });

  it('indicators from a binary carry the strings origin; IP URLs and executable downloads raise their signals', async () => {
    const pe = minimalPe({ size: 4096 });
    pe.set(Buffer.from('http://198.18.3.4/update.exe\0'), 0x400);
    const result = await run('agent.exe', pe);
    const [file] = result.files;
    expect(file.iocs).toEqual([
      { type: 'url', value: 'http://198.18.3.4/update.exe', origins: ['strings'] },
      { type: 'ip', value: '198.18.3.4', origins: ['strings'] },
    ]);
    expect(file.signals.map((s) => s.id).sort()).toEqual(['iocs.executable_url', 'iocs.ip_url']);
    expect(result.verdict.verdict).toBe(Verdict.Suspicious);
  });
});
