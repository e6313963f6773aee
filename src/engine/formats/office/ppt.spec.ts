import { deflateSync } from 'node:zlib';
import { pptStorages } from './ppt';

/** One record: version and instance, type, length, body. */
function record(version: number, instance: number, type: number, body: Buffer, length = body.length): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE((instance << 4) | version, 0);
  header.writeUInt16LE(type, 2);
  header.writeUInt32LE(length >>> 0, 4);
  return Buffer.concat([header, body]);
}
const container = (...children: Buffer[]) => record(0xf, 0, 0x03e8, Buffer.concat(children));
const compressed = (data: Buffer, declared = data.length) => {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(declared);
  return record(0, 1, 0x1011, Buffer.concat([size, deflateSync(data)]));
};

describe('pptStorages', () => {
  it('finds compressed and plain ExOleObjStg records at any depth, with their offsets', () => {
    const stream = container(record(0, 0, 0x0fc3, Buffer.alloc(24)), container(compressed(Buffer.from('first storage'))), record(0, 0, 0x1011, Buffer.from('second')));
    const { storages, problems } = pptStorages(stream, 1 << 20);
    expect(problems).toEqual([]);
    expect(storages.map((s) => [s.offset, Buffer.from(s.data).toString()])).toEqual([
      [8 + 32 + 8, 'first storage'],
      [stream.length - 8 - 6, 'second'],
    ]);
  });

  it('reports damage and limits as problems: bad zlib, sizes over the limit or lying, records past their container, deep nesting', () => {
    const garbage = record(0, 1, 0x1011, Buffer.concat([Buffer.from([16, 0, 0, 0]), Buffer.from('not zlib data')]));
    const huge = compressed(Buffer.from('x'), 0x7fffffff);
    const lying = compressed(Buffer.alloc(4096, 0x41), 16);
    let deep = compressed(Buffer.from('too deep'));
    for (let i = 0; i < 20; i++) deep = container(deep);
    const { storages, problems } = pptStorages(Buffer.concat([container(garbage, huge, lying), deep, record(0, 0, 0x1011, Buffer.alloc(4), 1000)]), 1 << 20);
    expect(storages).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/^embedded storage at 0x8: does not decompress: /),
      `embedded storage at 0x${(8 + garbage.length).toString(16)}: declares 2147483647 bytes decompressed, over the 1048576-byte limit`,
      expect.stringMatching(new RegExp(`^embedded storage at 0x${(8 + garbage.length + huge.length).toString(16)}: does not decompress: `)),
      expect.stringMatching(/^containers nested deeper than 16 at 0x[0-9a-f]+$/),
      expect.stringMatching(/^record 0x1011 at 0x[0-9a-f]+ runs past its container$/),
    ]);
  });
});
