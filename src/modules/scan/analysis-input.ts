import type { Readable } from 'node:stream';
import type { AppConfig } from '../../config/app-config';
import type { EngineOptions } from '../../engine/types';
import type { SampleStore } from '../../storage/sample-store';
import type { Flow } from './flow.entity';

/** The password tried on every encrypted archive after the submission's own (MetaDefender's convention). */
export const DEFAULT_ARCHIVE_PASSWORD = 'infected';

/** Share of ENGINE_TIMEOUT the pipeline plans with: it ends with a partial report before the thread is stopped. */
const SOFT_BUDGET_SHARE = 0.85;

/** An enabled YARA rule set, as the engine's YARA analyzer takes it. */
export type YaraRuleSetInput = NonNullable<EngineOptions['yaraRuleSets']>[number];

/** Engine options of one flow: the configured limits, the flow's password and YARA switches, the enabled rule sets. */
export function engineOptionsFor(config: AppConfig, flow: Pick<Flow, 'scanOptions'> & { password?: string | null }, yaraRuleSets: YaraRuleSetInput[]): EngineOptions {
  const passwords = [flow.password, DEFAULT_ARCHIVE_PASSWORD].filter((p): p is string => typeof p === 'string' && p.length > 0);
  const options = flow.scanOptions ?? {};
  return {
    archivePasswords: [...new Set(passwords)],
    inputFileYara: options.input_file_yara !== false,
    extractedFilesYara: options.extracted_files_yara !== false,
    limits: {
      maxDepth: config.engine.maxDepth,
      maxFiles: config.engine.maxFiles,
      maxTotalBytes: config.engine.maxTotalBytes,
      maxFileBytes: config.engine.maxFileBytes,
      maxCompressionRatio: config.engine.maxCompressionRatio,
      maxAnalysisMs: Math.max(500, Math.floor(config.engine.timeout * 1000 * SOFT_BUDGET_SHARE)),
    },
    yaraRuleSets,
  };
}

/**
 * The first `limit` bytes of a stored sample (all of it when smaller), in one ArrayBuffer of its
 * own so that it can move to the engine thread without a copy. `size` (from the samples row) sizes
 * the buffer up front; the stream is closed as soon as the limit is reached.
 */
export async function readSamplePrefix(store: SampleStore, sha256: string, limit: number, size: number | null): Promise<{ data: Uint8Array; truncated: boolean }> {
  const stream: Readable = await store.get(sha256);
  const expected = size !== null && size >= 0 ? Math.min(size, limit) : null;
  let buffer = Buffer.allocUnsafeSlow(expected ?? Math.min(limit, 1024 * 1024));
  let length = 0;
  let truncated = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const room = limit - length;
      const take = Math.min(chunk.length, room);
      if (length + take > buffer.length) {
        const grown = Buffer.allocUnsafeSlow(Math.min(limit, Math.max(buffer.length * 2, length + take)));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      chunk.copy(buffer, length, 0, take);
      length += take;
      if (take < chunk.length || (size !== null && size > limit && length >= limit)) {
        truncated = true;
        break;
      }
    }
  } finally {
    stream.destroy();
  }
  if (size !== null && length < Math.min(size, limit)) throw new Error(`the stored sample ${sha256} has ${length} bytes, its record says ${size}`);
  if (length !== buffer.length) {
    const exact = Buffer.allocUnsafeSlow(length);
    buffer.copy(exact, 0, 0, length);
    buffer = exact;
  }
  return { data: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), truncated: truncated || (size !== null && size > limit) };
}
