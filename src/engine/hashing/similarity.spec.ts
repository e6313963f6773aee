import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ssdeep } from './ssdeep';
import { parseSsdeep, ssdeepCompare, ssdeepGrams, tlshDistance, tlshGrams } from './similarity';

const PYTHON = '/usr/bin/python3';
const hasPythonModule = (name: string) => {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', `import ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Real files (system binaries and test material) and near-identical variants of them. */
function corpus(): Buffer[] {
  const dirs = ['/usr/share/clamav-testfiles', '/usr/bin'];
  const files: Buffer[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (st.isFile() && st.size > 4_000 && st.size < 400_000) files.push(readFileSync(path));
      } catch {
        // unreadable entries are no loss
      }
      if (files.length >= 12) break;
    }
  }
  const variants: Buffer[] = [];
  for (const [i, f] of files.entries()) {
    const patched = Buffer.from(f);
    for (let p = 101 * (i + 1); p < patched.length; p += 4093) patched[p] ^= 0x5a;
    const inserted = Buffer.concat([f.subarray(0, f.length >> 1), Buffer.alloc(700, i), f.subarray(f.length >> 1)]);
    variants.push(f, patched, inserted, f.subarray(0, Math.floor(f.length * 0.7)));
  }
  // Small inputs exercise the block-size cap and parts shorter than the 7-character window.
  const text = Buffer.from('The quick brown fox jumps over the lazy dog. '.repeat(40));
  variants.push(text, Buffer.from(text.toString().replace(/lazy/g, 'idle')), Buffer.from('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'));
  return variants;
}

describe('ssdeep compare', () => {
  const reference = hasPythonModule('ssdeep');
  if (!reference) {
    it.skip('python3-ssdeep is absent (apt-get install python3-ssdeep): fuzzy_compare is not checked against libfuzzy', () => undefined);
  } else {
    it("scores every pair of ~50 real files and variants as libfuzzy's fuzzy_compare does", () => {
      const hashes = corpus().map((data) => ssdeep(new Uint8Array(data)));
      const script = 'import json,sys,ssdeep\nh=json.load(sys.stdin)\nprint(json.dumps([[ssdeep.compare(a,b) for b in h] for a in h]))';
      const expected: number[][] = JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(hashes) }).toString());
      const ours = hashes.map((a) => hashes.map((b) => ssdeepCompare(a, b)));
      expect(ours).toEqual(expected);
      // The corpus must exercise real similarity, not only 0 and 100.
      expect(expected.flat().filter((s) => s > 0 && s < 100).length).toBeGreaterThan(20);
    });
  }

  it('returns 100 for equal hashes, 0 for incompatible block sizes, null for malformed ones', () => {
    expect(ssdeepCompare('3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C', '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C')).toBe(100);
    expect(ssdeepCompare('3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C', '24:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C')).toBe(0);
    expect(ssdeepCompare('not-a-hash', '3::')).toBeNull();
  });

  it('indexes the 7-grams of both parts, runs cut to three, part 2 at twice the block size', () => {
    expect(parseSsdeep('6:aaaaaaabcdefgh:XYZ')).toEqual({ blockSize: 6, part1: 'aaabcdefgh', part2: 'XYZ' });
    expect(ssdeepGrams('6:aaaaaaabcdefgh:XYZWVUTS')).toEqual([
      { blockSize: 6, gram: 'aaabcde' },
      { blockSize: 6, gram: 'aabcdef' },
      { blockSize: 6, gram: 'abcdefg' },
      { blockSize: 6, gram: 'bcdefgh' },
      { blockSize: 12, gram: 'XYZWVUT' },
      { blockSize: 12, gram: 'YZWVUTS' },
    ]);
  });
});

describe('TLSH distance', () => {
  // Hashes and distances from Debian's TLSH 3.4.4 (python3-tlsh): random data, the same with every
  // 97th byte flipped, its first 3000 bytes, a repeated sentence, and the sentence with a word changed.
  const H = [
    '0D815ECF0F232961A16D52AD1DCB18EE57340797DBA71DD06C7E71E5E5740543A0C2AC',
    'F5814CCF4B232C71B56D92AD0DCA14FA57340396E6B319E06C7D71E5E9740A83A086AC',
    '9B515CCF0A271C40B0FE82DC1CCE18F696291797DAB30C947C7E35E5A96805436582AE',
    'D102024A311C1794658A1888438D95B2D2C9C910612114116570604219482359CD8551',
    '0502028A321C1B98A58A1888438D95B6D2C9C91061215511657060422E486359CD8595',
  ];
  const EXPECTED: [number, number, number][] = [
    [0, 1, 43], [0, 2, 101], [0, 3, 386], [0, 4, 376], [1, 2, 96], [1, 3, 385], [1, 4, 378], [2, 3, 419], [2, 4, 414], [3, 4, 15],
  ];

  it.each(EXPECTED)('distance(%i, %i) = %i, as the reference implementation computes it', (i, j, distance) => {
    expect(tlshDistance(H[i], H[j])).toBe(distance);
    expect(tlshDistance(`T1${H[j]}`, `T1${H[i]}`)).toBe(distance);
  });

  it('is 0 for a hash and itself, null for a malformed hash', () => {
    expect(tlshDistance(H[0], `T1${H[0]}`)).toBe(0);
    expect(tlshDistance(H[0], 'T1XYZ')).toBeNull();
  });

  it('cuts the body into 16 two-byte keys', () => {
    const keys = tlshGrams(`T1${H[3]}`);
    expect(keys).toHaveLength(16);
    expect(keys[0]).toBe(0x4a31);
    expect(keys[15]).toBe((15 << 16) | 0x8551);
  });

  const reference = hasPythonModule('tlsh');
  (reference ? it : it.skip)('agrees with python3-tlsh on real files and variants (skipped without python3-tlsh)', () => {
    const script = 'import json,sys,tlsh\nd=[bytes.fromhex(x) for x in json.load(sys.stdin)]\nh=[tlsh.hash(x) for x in d]\nprint(json.dumps([h,[[tlsh.diff(a,b) for b in h] for a in h]]))';
    const files = corpus().filter((f) => f.length >= 512).slice(0, 24);
    const [hashes, expected]: [string[], number[][]] = JSON.parse(
      execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(files.map((f) => f.toString('hex'))), maxBuffer: 1 << 28 }).toString(),
    );
    expect(hashes.map((a) => hashes.map((b) => tlshDistance(a, b)))).toEqual(expected);
  });
});
