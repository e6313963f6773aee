import { readFileSync } from 'node:fs';
import * as CFB from 'cfb';
import { writeCfb } from '../../testing/office-documents';
import { seededBytes } from '../../testing/samples';
import { OleError, OleFile } from './ole';

const CLAM = '/usr/share/clamav-testfiles';

function compound(streams: Record<string, Uint8Array>): Uint8Array {
  const cfb = CFB.utils.cfb_new();
  for (const [path, data] of Object.entries(streams)) CFB.utils.cfb_add(cfb, path, Buffer.from(data));
  return writeCfb(cfb);
}

describe('OleFile', () => {
  it('lists storages and streams with paths, sizes and CLSIDs, and reads mini and regular streams', () => {
    const big = seededBytes(10_000, 5);
    const small = new Uint8Array(Buffer.from('small stream'));
    const ole = new OleFile(compound({ 'Macros/VBA/dir': small, WordDocument: big, '\u0001CompObj': new Uint8Array(40) }));
    expect(ole.problems).toEqual([]);
    expect(ole.find('macros/vba/DIR')).toMatchObject({ path: 'Macros/VBA/dir', type: 'stream', size: small.length });
    expect(ole.find('Macros')).toMatchObject({ type: 'storage' });
    expect(ole.childrenOf(ole.find('Macros/VBA')!).map((e) => e.name)).toEqual(['dir']);
    expect(Buffer.from(ole.read(ole.find('WordDocument')!).data)).toEqual(Buffer.from(big));
    expect(Buffer.from(ole.read(ole.find('Macros/VBA/dir')!).data).toString()).toBe('small stream');
    expect(ole.read(ole.find('WordDocument')!, 100)).toMatchObject({ truncated: true });
  });

  it('reads the clamav test document: the embedded package storage and its CLSID', () => {
    const ole = new OleFile(new Uint8Array(readFileSync(`${CLAM}/clam.ole.doc`)));
    expect(ole.root!.clsid).toBe('00020906-0000-0000-c000-000000000046');
    expect(ole.find('ObjectPool/_1279313719')!.clsid).toBe('0003000c-0000-0000-c000-000000000046');
    expect(ole.find('ObjectPool/_1279313719/\u0001Ole10Native')!.size).toBe(597);
    expect(ole.streams().map((s) => s.path).sort()).toEqual(
      ['1Table', 'Data', 'ObjectPool/_1279313719/\u0001CompObj', 'ObjectPool/_1279313719/\u0001Ole', 'ObjectPool/_1279313719/\u0001Ole10Native', 'ObjectPool/_1279313719/\u0003ObjInfo', 'WordDocument', '\u0001CompObj', '\u0005DocumentSummaryInformation', '\u0005SummaryInformation'].sort(),
    );
  });

  it('stops at a loop in a FAT chain instead of following it forever', () => {
    const data = compound({ Big: seededBytes(8192, 9) });
    const ole = new OleFile(data);
    const start = ole.find('Big')!.start;
    // FAT sector 0's location is the first DIFAT entry of the header; point the stream's 3rd sector back to its 1st.
    const fatSector = Buffer.from(data).readUInt32LE(76);
    Buffer.from(data.buffer, data.byteOffset).writeUInt32LE(start, (fatSector + 1) * 512 + (start + 2) * 4);
    const looped = new OleFile(data);
    const read = looped.read(looped.find('Big')!);
    expect(read.truncated).toBe(true);
    expect(read.data.length).toBe(3 * 512);
    expect(looped.problems.join('\n')).toMatch(/loops/);
  });

  it('survives truncation and refuses what is not a compound file', () => {
    const data = compound({ WordDocument: seededBytes(20_000, 2), Other: seededBytes(300, 4) });
    const truncated = new OleFile(data.subarray(0, 6000));
    const word = truncated.find('WordDocument')!;
    const read = truncated.read(word);
    expect(read).toMatchObject({ truncated: true });
    expect(read.data.length).toBeLessThan(6000);
    expect(truncated.problems.some((p) => /lies outside the file/.test(p))).toBe(true);

    expect(() => new OleFile(new Uint8Array(100))).toThrow(OleError);
    expect(() => new OleFile(data.subarray(0, 300))).toThrow(/truncated/);
    const badShift = new Uint8Array(data.subarray(0, 1024));
    badShift[30] = 20;
    expect(() => new OleFile(badShift)).toThrow(/sector size/);
  });
});
