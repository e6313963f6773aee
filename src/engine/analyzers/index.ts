import type { Analyzer } from '../types';
import { ArchiveAnalyzer } from './archive.analyzer';
import { FileNameAnalyzer } from './file-name.analyzer';
import { ElfAnalyzer } from './elf.analyzer';
import { IocsAnalyzer } from './iocs.analyzer';
import { LnkAnalyzer } from './lnk.analyzer';
import { OfficeAnalyzer } from './office.analyzer';
import { PdfAnalyzer } from './pdf.analyzer';
import { PeAnalyzer } from './pe.analyzer';
import { RtfAnalyzer } from './rtf.analyzer';
import { ScriptAnalyzer } from './script.analyzer';
import { StringsAnalyzer } from './strings.analyzer';
import { YaraAnalyzer } from './yara.analyzer';

/** Every analyzer, in the order they run on a file. Extraction comes after the facts it may use. */
export function defaultAnalyzers(): Analyzer[] {
  return [new FileNameAnalyzer(), new StringsAnalyzer(), new IocsAnalyzer(), new PdfAnalyzer(), new OfficeAnalyzer(), new RtfAnalyzer(), new PeAnalyzer(), new ElfAnalyzer(), new LnkAnalyzer(), new ScriptAnalyzer(), new YaraAnalyzer(), new ArchiveAnalyzer()];
}
