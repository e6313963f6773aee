import type { Readable } from 'node:stream';

export interface StoredSample {
  sha256: string;
  size: number;
  md5: string;
  sha1: string;
  sha512: string;
}

/** Raised by SampleStore.put when the content is larger than `maxBytes`; nothing is kept. */
export class SampleTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`content exceeds ${maxBytes} bytes`);
  }
}

/**
 * Content hashed and held aside (a temporary file) but not yet in the store, so a submission can be
 * validated before anything is kept. `commit()` puts it in the store (idempotent: it puts it back if
 * it was removed meanwhile); `discard()` drops the staging copy, never committed content. Call
 * `discard()` in every case once done.
 */
export interface StagedSample extends StoredSample {
  commit(): Promise<void>;
  discard(): Promise<void>;
}

export class SampleNotFoundError extends Error {
  constructor(readonly sha256: string) {
    super(`sample ${sha256} is not stored`);
  }
}

/**
 * Content-addressed store of samples and extracted files: each content is kept once, under its
 * SHA-256, however often it is stored. The filesystem driver is the default; S3 is the same contract.
 */
export abstract class SampleStore {
  /** Streams the content in while hashing it (never holding it whole in memory) and keeps it once. */
  async put(source: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StoredSample> {
    const staged = await this.stage(source, options);
    try {
      await staged.commit();
    } finally {
      await staged.discard();
    }
    const { commit: _commit, discard: _discard, ...stored } = staged;
    return stored;
  }
  /** The content; throws SampleNotFoundError when it is not stored. */
  abstract get(sha256: string): Promise<Readable>;
  abstract exists(sha256: string): Promise<boolean>;
  /** Removes the content (no error when it is not there). */
  abstract delete(sha256: string): Promise<void>;
  /** Throws when the store cannot be written (health check). */
  abstract probe(): Promise<void>;

  /** Hashes the content into a staging area (same limits as put) without storing it yet. */
  abstract stage(source: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StagedSample>;
}
