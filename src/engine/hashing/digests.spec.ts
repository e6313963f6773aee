import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededBytes } from '../testing/samples';
import { digests, tlsh } from './digests';
import { ssdeep } from './ssdeep';

const SSDEEP = '/usr/bin/ssdeep';

/** ~30 inputs of varied sizes and content: random, text, repetitive, empty, tiny, mixed. */
function ssdeepCorpus(): [string, Uint8Array][] {
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
  const prose = (n: number, seed: number) => {
    const r = seededBytes(n, seed);
    let s = '';
    for (let i = 0; s.length < n; i++) s += words[r[i % r.length] % words.length] + (r[(i + 1) % r.length] % 11 === 0 ? '.\n' : ' ');
    return new Uint8Array(Buffer.from(s.slice(0, n)));
  };
  const repeat = (unit: string, n: number) => new Uint8Array(Buffer.from(unit.repeat(Math.ceil(n / unit.length)).slice(0, n)));
  const corpus: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one-byte', new Uint8Array([0x41])],
    ['two-bytes', new Uint8Array([0, 0xff])],
    ['seven-bytes', new Uint8Array(Buffer.from('abcdefg'))],
    ['tiny-text', new Uint8Array(Buffer.from('hello world\n'))],
    ['zeros-1k', new Uint8Array(1024)],
    ['zeros-100k', new Uint8Array(100_000)],
    ['ones-5000', new Uint8Array(5000).fill(0xff)],
    ['repeat-ab-10k', repeat('ab', 10_000)],
    ['repeat-phrase-50k', repeat('The quick brown fox jumps over the lazy dog. ', 50_000)],
    ['counter-64k', Uint8Array.from({ length: 65_536 }, (_, i) => i & 0xff)],
  ];
  const randomSizes = [63, 64, 65, 191, 192, 193, 500, 1000, 4096, 6144, 12_288, 65_536, 100_000, 300_000, 1_000_000];
  randomSizes.forEach((size, i) => corpus.push([`random-${size}`, seededBytes(size, 1000 + i)]));
  [3000, 40_000, 250_000].forEach((size, i) => corpus.push([`prose-${size}`, prose(size, 77 + i)]));
  // Mostly text with a binary block: block boundaries fall in both kinds of content.
  corpus.push(['mixed-80k', new Uint8Array(Buffer.concat([prose(30_000, 5), seededBytes(20_000, 6), prose(30_000, 7)]))]);
  return corpus;
}

describe('ssdeep', () => {
  const present = existsSync(SSDEEP);
  if (!present) {
    it.skip(`${SSDEEP} is absent (apt-get install ssdeep): our ssdeep is not compared with the reference`, () => undefined);
    return;
  }

  it("equals Debian's `ssdeep -b` on ~30 generated inputs", () => {
    const corpus = ssdeepCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    const dir = mkdtempSync(join(tmpdir(), 'ssdeep-'));
    try {
      for (const [name, data] of corpus) writeFileSync(join(dir, name), data);
      const out = execFileSync(SSDEEP, ['-b', ...corpus.map(([name]) => name)], { cwd: dir }).toString('utf8');
      const reference = new Map<string, string>();
      for (const line of out.trim().split('\n').slice(1)) {
        const m = /^(.*),"(.*)"$/.exec(line);
        if (m) reference.set(m[2], m[1]);
      }
      const mismatches = corpus
        .map(([name, data]) => ({ name, ours: ssdeep(data), reference: reference.get(name) }))
        .filter((r) => r.ours !== r.reference);
      expect(mismatches).toEqual([]);
      expect(reference.size).toBe(corpus.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLSH', () => {
  it("reproduces the tlsh package's published vector (The UNIX-HATERS Handbook quote), in the T1 form", () => {
    const quote =
      'The best documentation is the UNIX source. After all, this is what the ' +
      'system uses for documentation when it decides what to do next! The ' +
      'manuals paraphrase the source code, often having been written at ' +
      'different times and by different people than who wrote the code. ' +
      'Think of them as guidelines. Sometimes they are more like wishes... ' +
      'Nonetheless, it is all too common to turn to the source and find ' +
      'options and behaviors that are not documented in the manual. Sometimes ' +
      'you find options described in the manual that are unimplemented ' +
      'and ignored by the source.';
    expect(tlsh(new Uint8Array(Buffer.from(quote, 'latin1')))).toBe('T16FF02BEF718027B0160B4391212923ED7F1A463D563B1549B86CF62973B197AD2731F8');
  });

  it('equals the reference implementation on a real PE (clam.exe, value from the tlsh npm package / Debian tlsh 3.4)', () => {
    const file = '/usr/share/clamav-testfiles/clam.exe';
    if (!existsSync(file)) {
      console.warn(`SKIPPED: ${file} is missing (Debian package clamav-testfiles)`);
      return;
    }
    expect(tlsh(readFileSync(file))).toBe('T165F02B1F0F7A4E71C49E0F362AC7528314B9583095D78D0B4B09F1240D173126934F17');
  });

  it('is null for input too short or too uniform', () => {
    expect(tlsh(new Uint8Array(10))).toBeNull();
    expect(tlsh(new Uint8Array(4096))).toBeNull();
  });
});

describe('digests', () => {
  it('gives the cryptographic digests node:crypto gives, ssdeep and TLSH', () => {
    const data = seededBytes(10_000, 9);
    const d = digests(data);
    for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512'] as const) expect(d[algorithm]).toBe(createHash(algorithm).update(data).digest('hex'));
    expect(d.ssdeep).toBe(ssdeep(data));
    expect(d.tlsh).toMatch(/^T1[0-9A-F]{70}$/);
  });

  it('of the empty input', () => {
    expect(digests(new Uint8Array(0))).toEqual({
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
      sha1: 'da39a3ee5e6b4b0d3255bfef95601890afd80709',
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      sha512: 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
      ssdeep: '3::',
      tlsh: null,
    });
  });
});
