import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { TextReader, ZipWriter } from '@zip.js/zip.js';
// Also configures zip.js for Node (no Web Workers), as for single-sample downloads.
import { SAMPLE_ZIP_PASSWORD } from '../reports/encrypted-zip';

export { SAMPLE_ZIP_PASSWORD };

/**
 * A ZIP archive of many entries written as a stream: `output` yields the archive while entries are
 * added, one at a time, each read from its own stream. Nothing is held whole in memory; the pace is
 * the consumer's. With a password every entry is AES-256 encrypted (WinZip AE-2, which 7-Zip opens),
 * as for the single-sample downloads of `encryptedZip`.
 */
export class StreamingZip {
  readonly output: Readable;
  private readonly writer: ZipWriter<unknown>;

  constructor(password?: string) {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.output = Readable.fromWeb(readable as unknown as WebReadableStream<Uint8Array>);
    this.writer = new ZipWriter(writable, {
      ...(password ? { password, encryptionStrength: 3 as const } : {}),
      level: 6,
      useWebWorkers: false,
    });
  }

  /** Adds an entry; `content` is read to its end (and closed when adding fails). */
  async add(name: string, content: Readable | string): Promise<void> {
    if (typeof content === 'string') {
      await this.writer.add(name, new TextReader(content));
      return;
    }
    try {
      await this.writer.add(name, Readable.toWeb(content) as unknown as ReadableStream<Uint8Array>);
    } finally {
      content.destroy();
    }
  }

  /** Writes the central directory and ends `output`. */
  async close(): Promise<void> {
    await this.writer.close();
  }

  /** Abandons the archive: `output` fails with `err`. */
  abort(err: Error): void {
    this.output.destroy(err);
  }
}
