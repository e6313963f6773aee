import { u16, u32, u32be } from './bytes';

describe('byte reads', () => {
  const b = Uint8Array.from([0x4d, 0x5a, 0x90, 0x00, 0xff, 0xff, 0xff, 0xff]);

  it('read little-endian, and big-endian for u32be, as unsigned values', () => {
    expect(u16(b, 0)).toBe(0x5a4d);
    expect(u32(b, 0)).toBe(0x00905a4d);
    expect(u32(b, 4)).toBe(0xffffffff);
    expect(u32be(b, 0)).toBe(0x4d5a9000);
  });

  it('read -1 for a field running past either end', () => {
    expect(u16(b, 7)).toBe(-1);
    expect(u32(b, 5)).toBe(-1);
    expect(u32be(b, 8)).toBe(-1);
    expect(u16(b, -1)).toBe(-1);
    expect(u32(new Uint8Array(0), 0)).toBe(-1);
  });
});
