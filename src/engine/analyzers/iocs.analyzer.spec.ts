import { IocCollector } from '../iocs/extract';
import { fileContext } from '../testing/file-context';
import { minimalPe, seededBytes } from '../testing/samples';
import { IocType } from '../types';
import { iocsOfStrings, iocsOfText, IocsAnalyzer } from './iocs.analyzer';

const noise = (n: number, seed: number) => Buffer.from(seededBytes(n, seed).map((b) => (b < 0x20 ? b : b | 0x80)));

describe('IocsAnalyzer', () => {
  const analyzer = new IocsAnalyzer();

  it('reads text files as text: indicators with origin "text", signals for IP and executable URLs', async () => {
    const text = [
      'Stage one: hxxp://203[.]0[.]113[.]5/a.ps1 (defanged)',
      'Stage two: http://198.18.44.2/loader.exe, then https://cdn.evil-updates.com/x/update.msi',
      'Contact ops@evil-updates.com; config at HKCU\\Software\\Evil\\Cfg; marker 5d41402abc4b2a76b9719d911017c592',
      'Schema: http://schemas.openxmlformats.org/package/2006/relationships',
    ].join('\n');
    const result = await analyzer.analyze(fileContext(text, 'notes.txt'));
    expect(result.iocs).toEqual([
      { type: 'url', value: 'http://198.18.44.2/loader.exe', origin: 'text' },
      { type: 'url', value: 'https://cdn.evil-updates.com/x/update.msi', origin: 'text' },
      { type: 'ip', value: '198.18.44.2', origin: 'text' },
      { type: 'domain', value: 'cdn.evil-updates.com', origin: 'text' },
      { type: 'email', value: 'ops@evil-updates.com', origin: 'text' },
      { type: 'md5', value: '5d41402abc4b2a76b9719d911017c592', origin: 'text' },
      { type: 'registry_path', value: 'HKCU\\Software\\Evil\\Cfg', origin: 'text' },
    ]);
    // 203.0.113.0/24 is a documentation range: whitelisted, like the schema URL.
    expect(result.facts).toEqual({ iocs: { source: 'text', counts: { url: 2, ip: 1, domain: 1, email: 1, md5: 1, registry_path: 1 }, whitelisted: 2 } });
    expect(result.signals).toEqual([
      { id: 'iocs.ip_url', evidence: ['http://198.18.44.2/loader.exe'] },
      { id: 'iocs.executable_url', evidence: ['http://198.18.44.2/loader.exe', 'https://cdn.evil-updates.com/x/update.msi'] },
    ]);
  });

  it('reads binaries through their strings, UTF-16 included', async () => {
    const data = new Uint8Array(
      Buffer.concat([Buffer.from(minimalPe()), noise(200, 5), Buffer.from('https://payload.evil-cdn.net/drop/run.hta', 'utf16le'), noise(100, 6), Buffer.from('admin@evil-cdn.net\0')]),
    );
    const result = await analyzer.analyze(fileContext(data, 'a.exe'));
    expect(result.iocs).toEqual([
      { type: 'url', value: 'https://payload.evil-cdn.net/drop/run.hta', origin: 'strings' },
      { type: 'domain', value: 'payload.evil-cdn.net', origin: 'strings' },
      { type: 'email', value: 'admin@evil-cdn.net', origin: 'strings' },
    ]);
    expect(result.signals).toEqual([{ id: 'iocs.executable_url', evidence: ['https://payload.evil-cdn.net/drop/run.hta'] }]);
  });

  it('script links in web pages are ordinary: no executable_url for .js in HTML', async () => {
    const html = '<!DOCTYPE html><html><head><script src="https://cdn.static-host.net/lib/app.min.js"></script></head><body><a href="https://get.tools-site.com/setup.exe">x</a></body></html>';
    const result = await analyzer.analyze(fileContext(html, 'page.html'));
    expect(result.signals).toEqual([{ id: 'iocs.executable_url', evidence: ['https://get.tools-site.com/setup.exe'] }]);
  });

  it('documentation links alone give no indicator and no signal', async () => {
    const text = 'See https://www.w3.org/TR/xml/, http://purl.org/dc/terms/ and https://example.com/setup.exe for details.\n';
    const result = await analyzer.analyze(fileContext(text, 'README.txt'));
    expect(result.iocs).toEqual([]);
    expect(result.signals).toEqual([]);
    expect(result.facts).toEqual({ iocs: { source: 'text', counts: {}, whitelisted: 3 } });
  });

  it('bounds each type and says so in its facts', async () => {
    const text = Array.from({ length: 40 }, (_, i) => `https://h${i}.evil-net.ru/a ${i}@mail.evil-net.ru`).join('\n');
    const result = await new IocsAnalyzer({ maxPerType: 25 }).analyze(fileContext(text, 'list.txt'));
    const counts = (result.facts as { iocs: { counts: Record<string, number>; truncated: string } }).iocs;
    expect(counts.counts).toEqual({ url: 25, domain: 25, email: 25 });
    expect(counts.truncated).toBe('more than 25 distinct domain, email, url indicators: the rest were not kept');
    expect(result.iocs).toHaveLength(75);
  });

  it('evidence lists at most ten URLs', async () => {
    const text = Array.from({ length: 12 }, (_, i) => `http://198.18.0.${i + 1}/`).join('\n');
    const result = await analyzer.analyze(fileContext(text, 'ips.txt'));
    expect(result.signals?.[0].evidence).toHaveLength(11);
    expect(result.signals?.[0].evidence[10]).toBe('... and 2 more');
  });
});

describe('iocsOfText windows', () => {
  it('finds every indicator exactly once whatever the window size, across window boundaries', async () => {
    const text = Array.from({ length: 200 }, (_, i) => `line ${i}: visit https://site${i}.evil-net.ru/p?i=${i} or mail u${i}@evil-net.ru from 198.18.${i % 250}.9`).join('\n');
    const data = new Uint8Array(Buffer.from(text));
    const reference = new IocCollector({ maxPerType: 10_000 });
    await iocsOfText(data, reference);
    expect(reference.list(IocType.Url)).toHaveLength(200);
    for (const windowBytes of [97, 256, 1000, 4096]) {
      const collector = new IocCollector({ maxPerType: 10_000 });
      await iocsOfText(data, collector, undefined, { windowBytes, overlap: 80 });
      for (const type of [IocType.Url, IocType.Domain, IocType.Email, IocType.Ip]) expect(collector.list(type).sort()).toEqual(reference.list(type).sort());
    }
  });

  it('decodes UTF-16 text with a byte-order mark', async () => {
    const data = new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('download http://files.evil-net.ru/a.vbs now', 'utf16le')]));
    const collector = new IocCollector();
    await iocsOfText(data, collector);
    expect(collector.list(IocType.Url)).toEqual(['http://files.evil-net.ru/a.vbs']);
  });

  it('strings are joined so that no indicator spans two of them', async () => {
    const collector = new IocCollector();
    await iocsOfStrings([{ value: 'http://a.evil-net.ru/x' }, { value: 'y.ps1' }, { value: '198.18.0' }, { value: '.1' }], collector);
    expect(collector.list(IocType.Url)).toEqual(['http://a.evil-net.ru/x']);
    expect(collector.list(IocType.Ip)).toEqual([]);
  });
});
