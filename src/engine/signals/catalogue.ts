import { Verdict } from '../types';
import { S, SignalDefinition } from './signal-definition';
import { FORMAT_SIGNALS } from './definitions/formats';
import { OFFICE_SIGNALS } from './definitions/office';
import { PDF_SIGNALS } from './definitions/pdf';
import { PE_SIGNALS } from './definitions/pe';
import { SCRIPT_SIGNALS } from './definitions/scripts';
import { MITRE_BY_ID } from './mitre';

export type { SignalDefinition } from './signal-definition';

const GENERAL_SIGNALS: SignalDefinition[] = [
  // YARA: the matched rule's `verdict` meta decides (malicious, likely_malicious, suspicious, informational).
  S('yara.match', Verdict.Suspicious, 0.7, 'Matched a YARA rule'),

  // Archives and containers
  S('archive.encrypted', Verdict.Informational, 0.3, 'Archive is password protected', ['T1027.013']),
  S('archive.password_unknown', Verdict.Suspicious, 0.5, 'Encrypted archive could not be opened with the known passwords: its content was not analysed', ['T1027.013']),
  S('archive.path_traversal', Verdict.Suspicious, 0.8, 'Archive member name escapes the extraction directory (../ or absolute path)', ['T1036']),
  S('archive.bomb', Verdict.Suspicious, 0.8, 'Archive expands beyond the extraction limits (decompression bomb)', ['T1499']),
  S('archive.too_deep', Verdict.Suspicious, 0.6, 'Archives nested deeper than the extraction limit', ['T1027']),
  S('archive.too_many_files', Verdict.Informational, 0.4, 'More files than the analysis limit: the rest were not analysed'),
  S('archive.executable_member', Verdict.Informational, 0.3, 'Archive contains an executable or script', ['T1204.002']),
  S('archive.disk_image_payload', Verdict.Suspicious, 0.55, 'A disk image (ISO, VHD, IMG) carries an executable, script or shortcut: files opened from a mounted image lose the Mark of the Web', ['T1553.005', 'T1204.002']),
  S('archive.malformed', Verdict.Informational, 0.3, 'Archive is damaged or truncated'),

  // Naming and type
  S('file.double_extension', Verdict.Suspicious, 0.6, 'File name hides an executable extension behind a document extension', ['T1036.007']),
  S('file.type_mismatch', Verdict.Suspicious, 0.5, 'File name extension does not match the content type', ['T1036.008']),
  S('file.high_entropy', Verdict.Informational, 0.2, 'High entropy: compressed, packed or encrypted content', ['T1027']),
  S('file.rtlo_name', Verdict.Suspicious, 0.8, 'File name contains a right-to-left override character that disguises its real extension', ['T1036.002']),

  // IOCs
  S('iocs.ip_url', Verdict.Informational, 0.3, 'Contains a URL whose host is a bare IP address', ['T1071.001']),
  S('iocs.executable_url', Verdict.Suspicious, 0.4, 'Contains a URL to an executable or script download', ['T1105']),

  // URL scans
  S('url.redirect_chain', Verdict.Informational, 0.2, 'URL redirects through several hosts'),
  S('url.executable_download', Verdict.Suspicious, 0.5, 'URL serves an executable or script', ['T1105', 'T1566.002']),
  S('url.unreachable', Verdict.Informational, 0.1, 'URL could not be fetched'),
];

/** Every signal: the general ones above and one list per format analyzer (signals/definitions/*.ts). */
export const SIGNALS: SignalDefinition[] = [...GENERAL_SIGNALS, ...PE_SIGNALS, ...OFFICE_SIGNALS, ...PDF_SIGNALS, ...SCRIPT_SIGNALS, ...FORMAT_SIGNALS];

export const SIGNAL_BY_ID = new Map(SIGNALS.map((s) => [s.id, s]));
if (SIGNAL_BY_ID.size !== SIGNALS.length) throw new Error('duplicate signal ids in the catalogue');

/** Fails fast (at module load) on a signal naming an ATT&CK technique the catalogue does not know. */
for (const signal of SIGNALS) {
  for (const id of signal.mitre) if (!MITRE_BY_ID.has(id)) throw new Error(`signal ${signal.id}: unknown ATT&CK technique ${id}`);
}
