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
  abstract put(source: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StoredSample>;
  /** The content; throws SampleNotFoundError when it is not stored. */
  abstract get(sha256: string): Promise<Readable>;
  abstract exists(sha256: string): Promise<boolean>;
  /** Removes the content (no error when it is not there). */
  abstract delete(sha256: string): Promise<void>;
  /** Throws when the store cannot be written (health check). */
  abstract probe(): Promise<void>;
}
