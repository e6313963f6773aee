import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3SampleStore, s3KeyOf, S3Sender } from './s3-sample-store';
import { SampleNotFoundError, SampleTooLargeError } from './sample-store';

const OPTIONS = { region: 'us-east-1', bucket: 'samples-bucket', forcePathStyle: true };

function awsError(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

/** An in-memory bucket speaking the few commands the store sends. */
class FakeBucket implements S3Sender {
  readonly objects = new Map<string, Buffer>();
  readonly sent: object[] = [];
  exists = true;

  async send(command: object): Promise<any> {
    this.sent.push(command);
    if (!this.exists) throw command instanceof HeadObjectCommand ? awsError('NotFound', 404) : awsError('NoSuchBucket', 404);
    const input = (command as { input: { Bucket: string; Key: string; Body?: unknown } }).input;
    expect(input.Bucket).toBe('samples-bucket');
    if (command instanceof HeadObjectCommand) {
      if (!this.objects.has(input.Key)) throw awsError('NotFound', 404);
      return {};
    }
    if (command instanceof PutObjectCommand) {
      const body = input.Body;
      const parts: Buffer[] = [];
      if (body instanceof Readable) for await (const c of body) parts.push(c as Buffer);
      else parts.push(Buffer.from(body as string));
      this.objects.set(input.Key, Buffer.concat(parts));
      return {};
    }
    if (command instanceof GetObjectCommand) {
      const data = this.objects.get(input.Key);
      if (!data) throw awsError('NoSuchKey', 404);
      return { Body: Readable.from([data]) };
    }
    if (command instanceof DeleteObjectCommand) {
      this.objects.delete(input.Key);
      return {};
    }
    throw new Error(`unexpected command ${command.constructor.name}`);
  }
}

describe('S3SampleStore', () => {
  let staging: string;
  beforeEach(async () => {
    staging = await mkdtemp(join(tmpdir(), 's3-staging-'));
  });
  afterEach(() => rm(staging, { recursive: true, force: true }));

  it('needs a bucket', () => {
    expect(() => new S3SampleStore({ ...OPTIONS, bucket: undefined }, staging)).toThrow('STORAGE_DRIVER=s3 needs S3_BUCKET');
  });

  it('keys samples as samples/<sha256> and refuses anything else as a digest', () => {
    const digest = 'ab'.repeat(32);
    expect(s3KeyOf(digest)).toBe(`samples/${digest}`);
    expect(() => s3KeyOf('../x')).toThrow(/not a SHA-256/);
  });

  it('uploads new content once, under its key, after spooling it locally', async () => {
    const bucket = new FakeBucket();
    const store = new S3SampleStore(OPTIONS, staging, bucket);
    const data = randomBytes(50_000);
    const digest = createHash('sha256').update(data).digest('hex');
    const stored = await store.put(Readable.from([data.subarray(0, 20_000), data.subarray(20_000)]));
    expect(stored).toMatchObject({ sha256: digest, size: data.length });
    expect([...bucket.objects.keys()]).toEqual([`samples/${digest}`]);
    expect(bucket.objects.get(`samples/${digest}`)).toEqual(data);
    const put = bucket.sent.find((c) => c instanceof PutObjectCommand) as PutObjectCommand;
    expect(put.input).toMatchObject({ Key: `samples/${digest}`, ContentLength: data.length });

    // The same content again: HeadObject finds it, nothing is uploaded.
    bucket.sent.length = 0;
    await store.put(data);
    expect(bucket.sent.map((c) => c.constructor.name)).toEqual(['HeadObjectCommand']);
    expect(await readdir(staging)).toEqual([]);

    const back: Buffer[] = [];
    for await (const c of await store.get(digest)) back.push(c as Buffer);
    expect(Buffer.concat(back)).toEqual(data);
    await store.delete(digest);
    await expect(store.get(digest)).rejects.toBeInstanceOf(SampleNotFoundError);
    expect(await store.exists(digest)).toBe(false);
  });

  it('uploads nothing over maxBytes and leaves no staging file', async () => {
    const bucket = new FakeBucket();
    const store = new S3SampleStore(OPTIONS, staging, bucket);
    await expect(store.put(Readable.from([randomBytes(600), randomBytes(600)]), { maxBytes: 1000 })).rejects.toBeInstanceOf(SampleTooLargeError);
    expect(bucket.sent).toEqual([]);
    expect(await readdir(staging)).toEqual([]);
  });

  it('names a missing bucket in its errors (put and health probe)', async () => {
    const bucket = new FakeBucket();
    bucket.exists = false;
    const store = new S3SampleStore(OPTIONS, staging, bucket);
    await expect(store.put(randomBytes(10))).rejects.toThrow('S3 bucket "samples-bucket" does not exist (S3_BUCKET)');
    await expect(store.probe()).rejects.toThrow('S3 bucket "samples-bucket" does not exist');
    expect(await readdir(staging)).toEqual([]);
  });
});
