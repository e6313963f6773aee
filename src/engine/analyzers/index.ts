import type { Analyzer } from '../types';

/** Every analyzer, in the order they run on a file. Extraction comes after the facts it may use. */
export function defaultAnalyzers(): Analyzer[] {
  return [];
}
