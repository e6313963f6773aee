import { fileContext } from '../testing/file-context';
import { seededBytes } from '../testing/samples';
import { categorize, MAX_SAMPLE, StringsAnalyzer } from './strings.analyzer';

const noise = (n: number, seed: number) => Buffer.from(seededBytes(n, seed).map((b) => (b < 0x20 ? b : b | 0x80)));

describe('StringsAnalyzer', () => {
  const analyzer = new StringsAnalyzer();

  it('reports the counts and a sample of the interesting strings with their offsets and encodings', async () => {
    const data = new Uint8Array(
      Buffer.concat([
        Buffer.from('MZ'),
        noise(64, 1),
        Buffer.from('just some words\0'),
        Buffer.from('cmd.exe /c whoami > %TEMP%\\out.txt\0'),
        noise(32, 2),
        Buffer.from('http://198.51.100.7/stage2.bin', 'utf16le'),
        noise(32, 3),
        Buffer.from('VirtualAllocEx\0Software\\Microsoft\\Windows\\CurrentVersion\\Run\0C:\\Users\\Public\\x.dll\0'),
      ]),
    );
    const result = await analyzer.analyze(fileContext(data, 'x.exe'));
    expect(result.facts).toEqual({
      strings: {
        ascii: 5,
        utf16: 1,
        sample: [
          { value: 'cmd.exe /c whoami > %TEMP%\\out.txt', offset: 82, encoding: 'ascii', category: 'command' },
          { value: 'http://198.51.100.7/stage2.bin', offset: 149, encoding: 'utf16le', category: 'url' },
          { value: 'VirtualAllocEx', offset: 241, encoding: 'ascii', category: 'api' },
          { value: 'Software\\Microsoft\\Windows\\CurrentVersion\\Run', offset: 256, encoding: 'ascii', category: 'registry' },
          { value: 'C:\\Users\\Public\\x.dll', offset: 302, encoding: 'ascii', category: 'path' },
        ],
      },
    });
  });

  it('keeps at most MAX_SAMPLE interesting strings, each cut to 300 characters', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => `powershell -nop -c "iex ${'x'.repeat(i === 0 ? 400 : 3)}${i}"`).join('\n');
    const result = await analyzer.analyze(fileContext(lines, 'a.txt'));
    const facts = (result.facts as { strings: { ascii: number; sample: { value: string }[] } }).strings;
    expect(facts.ascii).toBe(300);
    expect(facts.sample).toHaveLength(MAX_SAMPLE);
    expect(facts.sample[0].value).toHaveLength(300);
  });

  it('categorizes', () => {
    expect(categorize('hxxps://evil/x')).toBe('url');
    expect(categorize('www.evil.ru')).toBe('url');
    expect(categorize('HKEY_CURRENT_USER\\Software')).toBe('registry');
    expect(categorize('/bin/sh -c id')).toBe('path');
    expect(categorize('rundll32 x.dll,Entry')).toBe('command');
    expect(categorize('GetProcAddress')).toBe('api');
    expect(categorize('just some words')).toBeNull();
    expect(categorize('abc')).toBeNull();
  });

  it('does not apply to empty files', () => {
    expect(analyzer.appliesTo(fileContext(new Uint8Array(0)))).toBe(false);
  });
});
