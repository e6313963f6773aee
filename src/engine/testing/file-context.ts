import { createHash } from 'node:crypto';
import { identify } from '../identify/identify';
import type { FileContext } from '../types';
import { testEngineOptions } from './engine-options';

/** A FileContext for running one analyzer in a unit test: identified, hashed, depth 0, never aborted. */
export function fileContext(data: Uint8Array | string, name = 'sample.bin', overrides: Partial<FileContext> = {}): FileContext {
  const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'utf8')) : data;
  return {
    data: bytes,
    name,
    identity: identify(bytes),
    path: [name],
    depth: 0,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    options: testEngineOptions(),
    signal: new AbortController().signal,
    extractionBudget: { files: 499, bytes: 512 * 1024 * 1024 },
    ...overrides,
  };
}
