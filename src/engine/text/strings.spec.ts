import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededBytes } from '../testing/samples';
import { extractStrings, extractStringsAsync, stringsOf } from './strings';

const ascii = (s: string) => Buffer.from(s, 'latin1');
const wide = (s: string) => Buffer.from(s, 'utf16le');
const bytes = (...parts: (Uint8Array | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

describe('extractStrings', () => {
  it('finds ASCII runs of five or more printable characters (tab included), with offsets', () => {
    const data = bytes([0, 1], ascii('abcd'), [0], ascii('hello'), [0xff], ascii('tab\there'), [10], ascii('x'.repeat(3)), [0x80], ascii('world!'));
    const r = extractStrings(data);
    expect(r.strings).toEqual([
      { offset: 7, wide: false, value: 'hello' },
      { offset: 13, wide: false, value: 'tab\there' },
      { offset: 26, wide: false, value: 'world!' },
    ]);
    expect(r).toMatchObject({ ascii: 3, utf16: 0, truncated: false, scannedBytes: data.length, chars: 19 });
  });

  it('finds UTF-16LE runs at even and odd offsets', () => {
    const data = bytes([0x90], wide('KERNEL32'), [0xff, 0xff], wide('abcd'), [0x90, 0x90], wide('C:\\Temp\\x.exe'), [0xff, 0xfe]);
    const r = extractStrings(data);
    expect(r.strings.filter((s) => s.wide)).toEqual([
      { offset: 1, wide: true, value: 'KERNEL32' },
      { offset: 29, wide: true, value: 'C:\\Temp\\x.exe' },
    ]);
    expect(r.utf16).toBe(2);
  });

  it('a run at the very end of the data is kept', () => {
    expect(extractStrings(bytes([0], ascii('trailing'))).strings.map((s) => s.value)).toEqual(['trailing']);
    expect(extractStrings(bytes([0xff], wide('trailing'))).strings.map((s) => s.value)).toEqual(['trailing']);
    expect(extractStrings(ascii('abcde')).strings.map((s) => s.value)).toEqual(['abcde']);
    expect(extractStrings(ascii('abcd')).strings).toEqual([]);
    expect(extractStrings(new Uint8Array(0))).toMatchObject({ ascii: 0, utf16: 0, strings: [] });
  });

  it('finds a UTF-16 URL inside a binary blob', () => {
    const data = bytes(seededBytes(3000, 3).map((b) => (b < 0x20 ? b : b | 0x80)), wide('http://198.51.100.7/stage2.bin'), seededBytes(3000, 4).map((b) => b | 0x80));
    const found = extractStrings(data).strings;
    expect(found).toEqual([{ offset: 3000, wide: true, value: 'http://198.51.100.7/stage2.bin' }]);
  });

  it('bounds the kept strings by count and characters, and keeps counting', () => {
    const data = bytes(...Array.from({ length: 100 }, (_, i) => Buffer.concat([ascii(`string-${String(i).padStart(3, '0')}`), Buffer.from([0])])));
    const byCount = extractStrings(data, { maxStrings: 10 });
    expect(byCount.strings).toHaveLength(10);
    expect(byCount.strings[9].value).toBe('string-009');
    expect(byCount).toMatchObject({ ascii: 100, truncated: 'limit' });
    const byChars = extractStrings(data, { maxChars: 25 });
    expect(byChars.strings.map((s) => s.value)).toEqual(['string-000', 'string-001']);
    expect(byChars.truncated).toBe('limit');
    const long = extractStrings(ascii('A'.repeat(100)), { maxStringLength: 16 });
    expect(long.strings).toEqual([{ offset: 0, wide: false, value: 'A'.repeat(16) }]);
  });

  it('agrees with GNU strings (-a -n 5, and -el) on mixed data', () => {
    if (!existsSync('/usr/bin/strings')) return; // binutils absent: the exact cases above still hold
    const parts: Buffer[] = [];
    const r = seededBytes(20_000, 11);
    for (let i = 0; i < r.length - 16; i += 16) {
      const len = 1 + (r[i] % 12);
      const kind = r[i + 1] % 10;
      const chars = Array.from(r.subarray(i + 2, i + 2 + len), (b) => String.fromCharCode(0x20 + (b % 95))).join('');
      if (kind < 3) parts.push(ascii(chars));
      else if (kind < 5) parts.push(wide(chars));
      else if (kind < 6) parts.push(Buffer.alloc(len));
      else if (kind < 7) parts.push(ascii('\t\n\r'));
      else parts.push(Buffer.from(r.subarray(i + 2, i + 2 + len)));
    }
    const data = Buffer.concat(parts);
    const dir = mkdtempSync(join(tmpdir(), 'strings-'));
    try {
      writeFileSync(join(dir, 'blob'), data);
      const gnu = (args: string[]) => execFileSync('/usr/bin/strings', [...args, join(dir, 'blob')]).toString('latin1').split('\n').slice(0, -1);
      const ours = extractStrings(data).strings;
      expect(ours.filter((s) => !s.wide).map((s) => s.value)).toEqual(gnu(['-a', '-n', '5']));
      expect(ours.filter((s) => s.wide).map((s) => s.value)).toEqual(gnu(['-a', '-n', '5', '-el']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('extractStringsAsync and the per-file cache', () => {
  it('gives the same result in chunks as in one pass, runs across chunk boundaries included', async () => {
    // 8 MiB chunks: an ASCII run across the first boundary, a UTF-16 run (odd offset) across the second.
    const chunk = 8 * 1024 * 1024;
    const data = new Uint8Array(2 * chunk + 64);
    data.set(ascii('crossing-the-boundary'), chunk - 10);
    data.set(wide('wide-crossing'), 2 * chunk - 7);
    const sync = extractStrings(data);
    const chunked = await extractStringsAsync(data);
    expect(chunked).toEqual(sync);
    expect(sync.strings).toEqual([
      { offset: chunk - 10, wide: false, value: 'crossing-the-boundary' },
      { offset: 2 * chunk - 7, wide: true, value: 'wide-crossing' },
    ]);
  });

  it('stops when the signal is aborted and says so', async () => {
    const data = new Uint8Array(20 * 1024 * 1024).fill(0x41);
    const controller = new AbortController();
    controller.abort();
    const r = await extractStringsAsync(data, {}, controller.signal);
    expect(r.truncated).toBe('aborted');
    expect(r.scannedBytes).toBe(0);
  });

  it('extracts once per byte array', async () => {
    const data = bytes(ascii('cached string'));
    const first = stringsOf(data);
    expect(stringsOf(data)).toBe(first);
    expect((await first).strings[0].value).toBe('cached string');
    expect(stringsOf(new Uint8Array(data))).not.toBe(first);
  });

  it('keeps only the last few extractions cached', async () => {
    const files = Array.from({ length: 5 }, (_, i) => bytes(ascii(`file number ${i}`)));
    const promises = files.map((f) => stringsOf(f));
    expect(stringsOf(files[4])).toBe(promises[4]);
    expect(stringsOf(files[1])).toBe(promises[1]);
    const again = stringsOf(files[0]);
    expect(again).not.toBe(promises[0]);
    expect(await again).toEqual(await promises[0]);
  });
});
