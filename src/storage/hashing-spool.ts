import { createHash, Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SampleTooLargeError, StoredSample } from './sample-store';

/** Files the stores write: readable and writable by the platform's own user only. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Throws unless `sha256` is 64 lowercase hex digits (it becomes part of a path or an object key). */
export function assertSha256(sha256: string): void {
  if (!SHA256_HEX.test(sha256)) throw new Error(`not a SHA-256 digest: ${JSON.stringify(sha256).slice(0, 80)}`);
}

/**
 * Passes bytes through while computing MD5, SHA-1, SHA-256 and SHA-512 in one pass and counting them;
 * fails with SampleTooLargeError as soon as more than `maxBytes` went through.
 */
export class HashingCounter extends Transform {
  size = 0;
  private readonly hashes: Record<'md5' | 'sha1' | 'sha256' | 'sha512', Hash> = {
    md5: createHash('md5'),
    sha1: createHash('sha1'),
    sha256: createHash('sha256'),
    sha512: createHash('sha512'),
  };

  constructor(private readonly maxBytes?: number) {
    super();
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
    this.size += bytes.length;
    if (this.maxBytes !== undefined && this.size > this.maxBytes) {
      callback(new SampleTooLargeError(this.maxBytes));
      return;
    }
    for (const hash of Object.values(this.hashes)) hash.update(bytes);
    callback(null, bytes);
  }

  /** The digests; call once, after the stream ended. */
  result(): StoredSample {
    return {
      sha256: this.hashes.sha256.digest('hex'),
      size: this.size,
      md5: this.hashes.md5.digest('hex'),
      sha1: this.hashes.sha1.digest('hex'),
      sha512: this.hashes.sha512.digest('hex'),
    };
  }
}

export function toReadable(source: Readable | Uint8Array): Readable {
  if (source instanceof Readable) return source;
  // One chunk, without copying (Readable.from would iterate a Buffer byte by byte otherwise).
  return Readable.from([Buffer.from(source.buffer, source.byteOffset, source.byteLength)], { objectMode: false });
}

/**
 * Streams `source` into a new file `target` (created exclusively, mode 0600) while hashing it; never
 * holds the content in memory. On any failure (source error, over `maxBytes`, disk full) the partial
 * file is removed and the error is rethrown unchanged.
 */
export async function spoolHashed(source: Readable | Uint8Array, target: string, maxBytes?: number): Promise<StoredSample> {
  if (maxBytes !== undefined && !(source instanceof Readable) && source.byteLength > maxBytes) throw new SampleTooLargeError(maxBytes);
  const hasher = new HashingCounter(maxBytes);
  try {
    await pipeline(toReadable(source), hasher, createWriteStream(target, { flags: 'wx', mode: FILE_MODE }));
  } catch (err) {
    await unlink(target).catch(() => undefined);
    throw err;
  }
  return hasher.result();
}
