import type { Analyzer } from '../types';
import { ArchiveAnalyzer } from './archive.analyzer';
import { FileNameAnalyzer } from './file-name.analyzer';
import { IocsAnalyzer } from './iocs.analyzer';
import { StringsAnalyzer } from './strings.analyzer';
import { YaraAnalyzer } from './yara.analyzer';

/** Every analyzer, in the order they run on a file. Extraction comes after the facts it may use. */
export function defaultAnalyzers(): Analyzer[] {
  return [new FileNameAnalyzer(), new StringsAnalyzer(), new IocsAnalyzer(), new YaraAnalyzer(), new ArchiveAnalyzer()];
}
