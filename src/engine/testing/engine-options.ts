import type { EngineOptions } from '../types';

const MiB = 1024 * 1024;

/** Engine options for tests: the production defaults (see README, ENGINE_*), every YARA pass on. */
export function testEngineOptions(overrides: Partial<Omit<EngineOptions, 'limits'>> & { limits?: Partial<EngineOptions['limits']> } = {}): EngineOptions {
  const { limits, ...rest } = overrides;
  return {
    archivePasswords: ['infected'],
    inputFileYara: true,
    extractedFilesYara: true,
    ...rest,
    limits: {
      maxDepth: 8,
      maxFiles: 500,
      maxTotalBytes: 512 * MiB,
      maxFileBytes: 128 * MiB,
      maxCompressionRatio: 200,
      maxAnalysisMs: 60_000,
      ...limits,
    },
  };
}
