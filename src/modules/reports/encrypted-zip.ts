import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
// The package's CommonJS build (index.cjs) is what `require` resolves to, under ts-jest and from dist alike.
import { configure, ZipWriter } from '@zip.js/zip.js';

/** The password every sample archive is protected with, as is customary for malware exchange. */
export const SAMPLE_ZIP_PASSWORD = 'infected';

// Node has no Web Workers: compress on the calling thread (the work is streamed, a chunk at a time).
configure({ useWebWorkers: false });

/**
 * Streams `content` out as a ZIP archive holding one entry, encrypted with AES-256 (WinZip AE-2,
 * which 7-Zip, WinZip and `unzip` alternatives open). Nothing is held whole in memory: the archive
 * is written as the content is read, at the pace the consumer reads it. When the consumer goes
 * away, the content stream is closed.
 */
export function encryptedZip(entryName: string, content: Readable, password = SAMPLE_ZIP_PASSWORD): Readable {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const out = Readable.fromWeb(readable as unknown as WebReadableStream<Uint8Array>);
  const writer = new ZipWriter(writable, { password, encryptionStrength: 3, level: 6, useWebWorkers: false });
  const source = Readable.toWeb(content) as unknown as ReadableStream<Uint8Array>;
  out.once('close', () => content.destroy());
  writer
    .add(entryName, source)
    .then(() => writer.close())
    .catch((err: unknown) => {
      content.destroy();
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  return out;
}
