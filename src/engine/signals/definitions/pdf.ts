import { Verdict } from '../../types';
import { S, SignalDefinition } from '../signal-definition';

/**
 * Signals of the analyzers for PDF documents (src/engine/analyzers/pdf.analyzer.ts). An ordinary PDF
 * (text, fonts, images, links, forms without scripts) raises none of them.
 */
export const PDF_SIGNALS: SignalDefinition[] = [
  // JavaScript
  S('pdf.javascript', Verdict.Suspicious, 0.5, 'Contains JavaScript', ['T1059.007']),
  S('pdf.auto_javascript', Verdict.Suspicious, 0.6, 'JavaScript runs by itself: on opening (OpenAction, JavaScript name tree) or on a document, page or field event (additional actions)', ['T1059.007']),
  S('pdf.js_obfuscation', Verdict.Suspicious, 0.5, 'JavaScript is obfuscated (eval, unescape, String.fromCharCode, escaped blobs, code hidden in annotations or fields)', ['T1027', 'T1140']),
  S('pdf.js_exploit', Verdict.LikelyMalicious, 0.8, 'JavaScript calls Reader APIs of known exploits or sprays the heap', ['T1203']),
  S('pdf.xfa_script', Verdict.Suspicious, 0.5, 'XFA form carries scripts', ['T1059.007']),
  S('pdf.late_javascript', Verdict.Suspicious, 0.5, 'JavaScript was added by an incremental update after the document was first written', ['T1059.007', 'T1027']),

  // Actions
  S('pdf.launch_action', Verdict.Suspicious, 0.6, 'Launch action starts a program or opens a file', ['T1204.002']),
  S('pdf.uri_executable', Verdict.Suspicious, 0.5, 'Link action to an executable or script download', ['T1204.001', 'T1105']),
  S('pdf.remote_action', Verdict.Informational, 0.3, 'Action sends form data to or opens a remote document (SubmitForm, GoToR, GoToE, ImportData)', ['T1071.001']),
  S('pdf.unc_path', Verdict.Suspicious, 0.6, 'Action targets a UNC or SMB path: opening it sends the user\'s NTLM credentials to that host', ['T1187']),

  // Embedded content
  S('pdf.embedded_file', Verdict.Informational, 0.2, 'Contains an embedded file', ['T1027.009']),
  S('pdf.embedded_executable', Verdict.Suspicious, 0.6, 'Embedded executable or script in a document that runs actions by itself or launches files', ['T1027.009', 'T1204.002']),
  S('pdf.richmedia', Verdict.Informational, 0.3, 'Embeds rich media (Flash, 3D): a common exploit surface', ['T1203']),
  S('pdf.jbig2', Verdict.Informational, 0.3, 'Uses the JBIG2Decode filter (the decoder of CVE-2009-0658 and CVE-2021-30860)', ['T1203']),
  S('pdf.colors_overflow', Verdict.Suspicious, 0.7, 'Decode parameter /Colors above 2^24 (integer overflow of CVE-2009-3459)', ['T1203']),

  // Structure
  S('pdf.name_obfuscation', Verdict.Suspicious, 0.6, 'Names spelled with #xx escapes of ordinary letters to evade keyword matching (e.g. /J#61vaScript)', ['T1027']),
  S('pdf.malformed', Verdict.Informational, 0.2, 'Malformed structure: broken cross-reference data, objects outside it or after the end of file, damaged objects or streams'),
  S('pdf.stream_bomb', Verdict.Suspicious, 0.6, 'A stream expands beyond the decoding limits (decompression bomb)', ['T1499']),
  S('pdf.encrypted', Verdict.Informational, 0.2, 'Encrypted with an empty user password (opened and analysed)', ['T1027.013']),
  S('pdf.encrypted_unreadable', Verdict.Suspicious, 0.5, 'Encrypted with a user password or an unsupported handler: its strings and streams could not be analysed', ['T1027.013']),
];
