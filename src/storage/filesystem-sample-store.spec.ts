import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { FilesystemSampleStore } from './filesystem-sample-store';
import { SampleNotFoundError, SampleTooLargeError } from './sample-store';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) out.push(...(await filesUnder(join(dir, e.name))).map((f) => `${e.name}/${f}`));
    else out.push(e.name);
  }
  return out;
}

/** `total` bytes in chunks of `chunk`, produced lazily. */
function chunks(data: Buffer, chunk = 1024): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  })());
}

describe('FilesystemSampleStore', () => {
  let root: string;
  let store: FilesystemSampleStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sample-store-'));
    store = new FilesystemSampleStore(join(root, 'samples'));
    await store.init();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('stores a stream under ab/cd/<sha256> with every digest, 0600 in 0700 directories', async () => {
    const data = randomBytes(100_000);
    const stored = await store.put(chunks(data));
    expect(stored).toEqual({
      sha256: sha256(data),
      size: data.length,
      md5: createHash('md5').update(data).digest('hex'),
      sha1: createHash('sha1').update(data).digest('hex'),
      sha512: createHash('sha512').update(data).digest('hex'),
    });
    const path = store.pathOf(stored.sha256);
    expect(path).toBe(join(root, 'samples', stored.sha256.slice(0, 2), stored.sha256.slice(2, 4), stored.sha256));
    expect(await readFile(path)).toEqual(data);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(root, 'samples', stored.sha256.slice(0, 2), stored.sha256.slice(2, 4)))).mode & 0o777).toBe(0o700);
    expect(await filesUnder(store.stagingDir)).toEqual([]);
    expect(await store.exists(stored.sha256)).toBe(true);
    const back: Buffer[] = [];
    for await (const chunk of await store.get(stored.sha256)) back.push(chunk as Buffer);
    expect(Buffer.concat(back)).toEqual(data);
  });

  it('keeps one file when the same content is put concurrently', async () => {
    const data = randomBytes(500_000);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(chunks(data, 4096))));
    expect(new Set(results.map((r) => r.sha256)).size).toBe(1);
    const files = (await filesUnder(store.root)).filter((f) => !f.startsWith('.tmp'));
    expect(files).toEqual([`${sha256(data).slice(0, 2)}/${sha256(data).slice(2, 4)}/${sha256(data)}`]);
    expect(await readFile(store.pathOf(sha256(data)))).toEqual(data);
    expect(await filesUnder(store.stagingDir)).toEqual([]);
  });

  it('aborts over maxBytes with SampleTooLargeError and keeps nothing', async () => {
    const data = randomBytes(10_000);
    await expect(store.put(chunks(data), { maxBytes: 9_999 })).rejects.toBeInstanceOf(SampleTooLargeError);
    await expect(store.put(data, { maxBytes: 9_999 })).rejects.toBeInstanceOf(SampleTooLargeError);
    expect(await filesUnder(store.root)).toEqual([]);
    expect((await store.put(data, { maxBytes: 10_000 })).size).toBe(10_000);
  });

  it('removes the staging file when the source fails', async () => {
    const failing = new Readable({ read() {} });
    failing.push(randomBytes(1000));
    setTimeout(() => failing.destroy(new Error('connection reset')), 10);
    await expect(store.put(failing)).rejects.toThrow('connection reset');
    expect(await filesUnder(store.root)).toEqual([]);
  });

  it('stages content without storing it until committed; discard drops only the staging copy', async () => {
    const data = randomBytes(1000);
    const staged = await store.stage(data);
    expect(await store.exists(staged.sha256)).toBe(false);
    await staged.commit();
    await staged.commit(); // idempotent
    expect(await store.exists(staged.sha256)).toBe(true);
    await store.delete(staged.sha256);
    await staged.commit(); // put back while the staging copy exists
    expect(await store.exists(staged.sha256)).toBe(true);
    await staged.discard();
    expect(await filesUnder(store.stagingDir)).toEqual([]);
    expect(await store.exists(staged.sha256)).toBe(true);

    const dropped = await store.stage(randomBytes(10));
    await dropped.discard();
    expect(await store.exists(dropped.sha256)).toBe(false);
  });

  it('refuses anything but a SHA-256 as a name, and reports missing content', async () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not a SHA-256/);
    await expect(store.get('A'.repeat(64))).rejects.toThrow(/not a SHA-256/);
    await expect(store.get('0'.repeat(64))).rejects.toBeInstanceOf(SampleNotFoundError);
    expect(await store.exists('0'.repeat(64))).toBe(false);
    await expect(store.delete('0'.repeat(64))).resolves.toBeUndefined();
    await expect(store.probe()).resolves.toBeUndefined();
  });
});
