import { Verdict } from '../../types';
import { S, SignalDefinition } from '../signal-definition';

/**
 * Signals of the analyzers for Office documents (OLE, OOXML, VBA, XLM, DDE) and RTF.
 *
 * Calibration: a macro by itself is INFORMATIONAL (people write formatting macros); a macro that
 * runs by itself is SUSPICIOUS; one that runs by itself *and* starts programs or downloads is
 * LIKELY_MALICIOUS, as are remote templates, remote OLE links and shellcode-runner API sets. Two
 * or three independent SUSPICIOUS traits make a file LIKELY_MALICIOUS through scoring's
 * corroboration rule. A document without active content raises nothing (NO_THREAT).
 */
export const OFFICE_SIGNALS: SignalDefinition[] = [
  // VBA
  S('office.vba_macro', Verdict.Informational, 0.2, 'Document contains VBA macros', ['T1059.005']),
  S('office.vba_autoexec', Verdict.Suspicious, 0.6, 'VBA macro runs automatically when the document is opened or closed (AutoOpen, Document_Open, Workbook_Open ...)', ['T1137', 'T1204.002']),
  S('office.vba_autoexec_execution', Verdict.LikelyMalicious, 0.85, 'Auto-executing VBA macro that starts programs, downloads files or runs shellcode', ['T1204.002', 'T1059.005', 'T1105']),
  S('office.vba_shell', Verdict.Suspicious, 0.5, 'VBA macro starts programs or commands (Shell, WScript.Shell, ShellExecute, WMI Win32_Process)', ['T1059.005', 'T1059.003']),
  S('office.vba_download', Verdict.Suspicious, 0.5, 'VBA macro downloads or writes files (URLDownloadToFile, XMLHTTP, ADODB.Stream)', ['T1105']),
  S('office.vba_powershell', Verdict.Suspicious, 0.7, 'VBA macro contains a PowerShell command line', ['T1059.001']),
  S('office.vba_suspicious_calls', Verdict.Informational, 0.3, 'VBA macro uses functions common in malicious macros (CreateObject, GetObject, Environ, CallByName ...)', ['T1059.005']),
  S('office.vba_obfuscation', Verdict.Suspicious, 0.5, 'VBA macro code is obfuscated (Chr/StrReverse/Replace chains, split or huge string literals)', ['T1027', 'T1027.010']),
  S('office.vba_api_declarations', Verdict.Informational, 0.3, 'VBA macro declares Windows API functions', ['T1106']),
  S('office.vba_shellcode_api', Verdict.LikelyMalicious, 0.8, 'VBA macro declares the APIs of a shellcode runner (memory allocation, memory copy, thread creation)', ['T1106', 'T1055']),
  S('office.vba_stomping', Verdict.Suspicious, 0.7, 'VBA stomping: compiled p-code differs from (or has no) source code', ['T1564.007']),
  S('office.vba_hidden_module', Verdict.Suspicious, 0.5, 'VBA module hidden from the editor (listed in the project but not in the PROJECT stream)', ['T1564']),

  // Excel 4.0 (XLM)
  S('office.xlm_macro', Verdict.Suspicious, 0.5, 'Workbook contains Excel 4.0 (XLM) macro sheets', ['T1059']),
  S('office.xlm_hidden', Verdict.Suspicious, 0.6, 'Excel 4.0 macro sheet is hidden or very hidden', ['T1564']),
  S('office.xlm_autoexec', Verdict.Suspicious, 0.6, 'Excel 4.0 macro runs when the workbook opens (Auto_Open name)', ['T1137', 'T1204.002']),
  S('office.xlm_execution', Verdict.LikelyMalicious, 0.8, 'Excel 4.0 macro runs programs, calls Windows APIs or downloads files (EXEC, CALL, REGISTER, URLDownloadToFile)', ['T1059', 'T1106', 'T1105']),

  // Fields, links, templates
  S('office.dde', Verdict.Suspicious, 0.7, 'Document uses Dynamic Data Exchange (DDE/DDEAUTO field or DDE link) to run a command', ['T1559.002']),
  S('office.template_injection', Verdict.LikelyMalicious, 0.85, 'Document loads its template from a remote location (template injection)', ['T1221']),
  S('office.remote_object', Verdict.LikelyMalicious, 0.75, 'Document links an OLE object or frame from a remote location (loaded when opened)', ['T1203', 'T1105']),
  S('office.remote_include', Verdict.Informational, 0.3, 'Document fetches content from a remote location when opened (INCLUDEPICTURE/INCLUDETEXT field, external image)', ['T1105', 'T1187']),

  // Embedded content
  S('office.embedded_object', Verdict.Informational, 0.2, 'Document embeds OLE objects or files', ['T1027.009']),
  S('office.embedded_executable', Verdict.Suspicious, 0.7, 'Document embeds an executable or script (Packager object, OLE payload)', ['T1027.009', 'T1204.002']),
  S('office.equation_editor', Verdict.Suspicious, 0.6, 'Document embeds an Equation Editor 3.0 object (the component CVE-2017-11882 and CVE-2018-0802 exploit)', ['T1203']),
  S('office.equation_exploit', Verdict.Malicious, 0.9, 'Equation Editor object carries an oversized font record: CVE-2017-11882 / CVE-2018-0802 exploit', ['T1203']),

  // Protection
  S('office.encrypted', Verdict.Informational, 0.4, 'Document is encrypted: its content could not be analysed', ['T1027.013']),

  // RTF
  S('rtf.embedded_object', Verdict.Informational, 0.3, 'RTF document embeds OLE objects', ['T1027.009']),
  S('rtf.embedded_executable', Verdict.Suspicious, 0.7, 'RTF document embeds an executable or script (Packager object)', ['T1027.009', 'T1204.002']),
  S('rtf.equation_editor', Verdict.Suspicious, 0.7, 'RTF document embeds an Equation Editor 3.0 object (the component CVE-2017-11882 and CVE-2018-0802 exploit)', ['T1203']),
  S('rtf.equation_exploit', Verdict.Malicious, 0.9, 'RTF Equation Editor object carries an oversized font record: CVE-2017-11882 / CVE-2018-0802 exploit', ['T1203']),
  S('rtf.ole2link', Verdict.LikelyMalicious, 0.8, 'RTF document embeds an OLE2Link object (URL moniker: CVE-2017-0199 remote code execution)', ['T1203', 'T1105']),
  S('rtf.remote_object', Verdict.Suspicious, 0.6, 'RTF document links an object from a remote location (\\objautlink, \\objlink)', ['T1105', 'T1221']),
  S('rtf.objupdate', Verdict.Suspicious, 0.4, 'RTF object forces an automatic update when the document opens (\\objupdate)', ['T1204.002']),
  S('rtf.obfuscation', Verdict.Suspicious, 0.5, 'RTF structure is obfuscated to evade parsers (unbalanced braces, oversized \\bin, junk in object data, malformed control words or header)', ['T1027']),
  S('rtf.template_injection', Verdict.LikelyMalicious, 0.85, 'RTF document loads a remote template (\\*\\template)', ['T1221']),
  S('rtf.dde', Verdict.Suspicious, 0.7, 'RTF document uses a DDE/DDEAUTO field to run a command', ['T1559.002']),
];
