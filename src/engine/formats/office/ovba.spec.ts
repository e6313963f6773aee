import { compressOvba } from '../../testing/office-ovba';
import { seededBytes } from '../../testing/samples';
import { decompressOvba } from './ovba';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('MS-OVBA decompression', () => {
  it('reproduces the specification example (3.2.2 "Normal Compression")', () => {
    const compressed = hex(`01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70
      61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F
      70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79
      7A 00 3C`);
    const result = decompressOvba(compressed);
    expect(text(result.data)).toBe('#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa');
    expect(result.error).toBeUndefined();
    expect(result.truncated).toBe(false);
  });

  it('reproduces the specification example (3.2.1 "No Compression"), both ways', () => {
    const compressed = hex('01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E');
    expect(text(decompressOvba(compressed).data)).toBe('abcdefghijklmnopqrstuv.');
    expect(compressOvba('abcdefghijklmnopqrstuv.')).toEqual(compressed);
  });

  it('round-trips text and binary through the test compressor, across chunks and raw chunks', () => {
    const source = Array.from({ length: 400 }, (_, i) => `    Cells(${i}, 1).Value = "row ${i % 17}" & Chr(${65 + (i % 26)})\r\n`).join('');
    const compressed = compressOvba(source);
    expect(compressed.length).toBeLessThan(source.length / 3);
    expect(text(decompressOvba(compressed).data)).toBe(source);
    // Random bytes do not compress: every chunk is stored raw (4096 bytes, zero padded at the end).
    const random = seededBytes(10_000, 3);
    const raw = decompressOvba(compressOvba(random));
    expect(Buffer.from(raw.data.subarray(0, random.length))).toEqual(Buffer.from(random));
  });

  it('bounds the output and stops cleanly on damaged input', () => {
    const long = compressOvba('A'.repeat(100_000));
    const bounded = decompressOvba(long, 1000);
    expect(bounded.data.length).toBe(1000);
    expect(bounded.truncated).toBe(true);

    expect(decompressOvba(new Uint8Array([0x02, 0x00])).error).toMatch(/signature/);
    expect(decompressOvba(new Uint8Array(0)).data.length).toBe(0);
    // A copy token pointing before the start of its chunk.
    expect(decompressOvba(hex('01 05 B0 01 61 FF FF')).error).toMatch(/before its chunk/);
    // Cut in the middle: what was decoded is kept.
    const cut = decompressOvba(compressOvba('Attribute VB_Name = "Module1"\r\n').subarray(0, 12));
    expect(text(cut.data)).toBe('Attribut');
    expect(cut.error).toBeUndefined();
  });
});
