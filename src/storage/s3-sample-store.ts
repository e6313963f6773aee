import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assertSha256, DIR_MODE, spoolHashed } from './hashing-spool';
import { SampleNotFoundError, SampleStore, StagedSample } from './sample-store';

export interface S3StoreOptions {
  endpoint?: string;
  region: string;
  bucket?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

/** The part of S3Client the store uses (a stand-in replaces it in unit tests). */
export interface S3Sender {
  send(command: object): Promise<any>;
}

/** Object key of a sample: `samples/<sha256>`. */
export function s3KeyOf(sha256: string): string {
  assertSha256(sha256);
  return `samples/${sha256}`;
}

const status = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
const nameOf = (err: unknown) => (err as { name?: unknown })?.name;
const isNotFound = (err: unknown) => ['NotFound', 'NoSuchKey'].includes(String(nameOf(err))) || status(err) === 404;
const isNoBucket = (err: unknown) => nameOf(err) === 'NoSuchBucket';

/**
 * Samples in an S3-compatible bucket under `samples/<sha256>`. The content is first spooled to a
 * local staging file while it is hashed (the key is the digest, known only at the end), then uploaded
 * with PutObject unless HeadObject shows it is already there. Objects are immutable: same key, same bytes.
 */
export class S3SampleStore extends SampleStore {
  readonly bucket: string;
  private readonly client: S3Sender;

  constructor(
    options: S3StoreOptions,
    /** Local directory for staging files (DATA_DIR/samples/.tmp). */
    readonly stagingDir: string,
    client?: S3Sender,
  ) {
    super();
    if (!options.bucket) throw new Error('STORAGE_DRIVER=s3 needs S3_BUCKET (the bucket samples are stored in)');
    this.bucket = options.bucket;
    this.client =
      client ??
      new S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle,
        credentials: options.accessKeyId && options.secretAccessKey ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } : undefined,
      });
  }

  async stage(source: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StagedSample> {
    await mkdir(this.stagingDir, { recursive: true, mode: DIR_MODE });
    const temp = join(this.stagingDir, `${randomUUID()}.part`);
    const stored = await spoolHashed(source, temp, options?.maxBytes);
    return {
      ...stored,
      commit: async () => {
        if (await this.exists(stored.sha256)) return;
        const body = createReadStream(temp);
        try {
          await this.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: s3KeyOf(stored.sha256), Body: body, ContentLength: stored.size, ContentType: 'application/octet-stream' }),
          );
        } finally {
          // A failed request may not have read (or even opened) it; its late errors no longer matter.
          body.on('error', () => undefined).destroy();
        }
      },
      discard: () => unlink(temp).catch((err: unknown) => {
        if ((err as { code?: unknown })?.code !== 'ENOENT') throw err;
      }),
    };
  }

  async get(sha256: string): Promise<Readable> {
    try {
      const out = await this.send(new GetObjectCommand({ Bucket: this.bucket, Key: s3KeyOf(sha256) }));
      return out.Body instanceof Readable ? out.Body : Readable.from(out.Body as AsyncIterable<Uint8Array>);
    } catch (err) {
      if (isNotFound(err)) throw new SampleNotFoundError(sha256);
      throw err;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      await this.send(new HeadObjectCommand({ Bucket: this.bucket, Key: s3KeyOf(sha256) }));
      return true;
    } catch (err) {
      if (isNotFound(err) && !isNoBucket(err)) return false;
      throw err;
    }
  }

  async delete(sha256: string): Promise<void> {
    await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: s3KeyOf(sha256) }));
  }

  /** Writes and removes a small object under `probes/`. */
  async probe(): Promise<void> {
    const key = `probes/${hostname()}-${process.pid}-${randomBytes(6).toString('hex')}`;
    await this.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'ok' }));
    await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Sends a command; a missing bucket becomes an error that names it. */
  private async send(command: object): Promise<any> {
    try {
      return await this.client.send(command);
    } catch (err) {
      if (isNoBucket(err)) throw new Error(`S3 bucket "${this.bucket}" does not exist (S3_BUCKET)`);
      throw err;
    }
  }
}
