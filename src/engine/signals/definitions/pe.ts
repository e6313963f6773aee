import { Verdict } from '../../types';
import { S, SignalDefinition } from '../signal-definition';

/**
 * Signals of the PE analyzer (src/engine/analyzers/pe.analyzer.ts). API-use signals fire on
 * combinations of imports, never on one ordinary API; a valid Authenticode signature lowers them to
 * informational (the analyzer states the rule). Packers that are ordinary compressors are
 * informational, protectors and crypters mostly seen on malware are suspicious.
 */
export const PE_SIGNALS: SignalDefinition[] = [
  // API use
  S('pe.injection.remote_thread', Verdict.Suspicious, 0.7, 'Imports the remote-thread injection API set: memory allocated and written in another process, then a thread started there', ['T1055', 'T1106']),
  S('pe.injection.hollowing', Verdict.Suspicious, 0.75, 'Imports the process hollowing API set: a section unmapped from a process, new code written, its thread context or execution resumed', ['T1055', 'T1055.012']),
  S('pe.injection.apc', Verdict.Suspicious, 0.65, 'Imports the APC injection API set: code written into another process and queued to its threads', ['T1055', 'T1055.004']),
  S('pe.injection.thread_hijack', Verdict.Suspicious, 0.6, "Imports the thread hijacking API set: another thread's context read, memory written, the context redirected", ['T1055', 'T1055.003']),
  S('pe.keylogger', Verdict.Suspicious, 0.6, 'Imports a keystroke capture API set (keyboard hook or raw input with key state polling and translation)', ['T1056.001']),
  S('pe.anti_debug', Verdict.Suspicious, 0.45, 'Uses several independent debugger detection techniques', ['T1622']),
  S('pe.anti_vm', Verdict.Suspicious, 0.45, 'Names several virtual machine and sandbox artifacts (driver, service and tool names)', ['T1497.001']),
  S('pe.persistence.run_key', Verdict.Suspicious, 0.5, 'Writes the registry and names an autostart key (Run, RunOnce, Winlogon, IFEO)', ['T1547.001', 'T1112']),
  S('pe.persistence.service', Verdict.Suspicious, 0.4, 'Creates Windows services', ['T1543.003', 'T1569.002']),
  S('pe.persistence.scheduled_task', Verdict.Suspicious, 0.5, 'Creates scheduled tasks (schtasks /create or the Task Scheduler COM interface)', ['T1053.005']),
  S('pe.download_execute', Verdict.Suspicious, 0.6, 'Downloads from the internet and starts processes: a downloader', ['T1105', 'T1106']),
  S('pe.ransomware_traits', Verdict.Suspicious, 0.6, 'Encrypts data while walking directories (shadow copy deletion or ransom note text strengthen it)', ['T1486', 'T1083', 'T1490']),
  S('pe.screen_capture', Verdict.Suspicious, 0.45, 'Captures the screen and saves or sends the image', ['T1113']),
  S('pe.clipboard', Verdict.Suspicious, 0.45, 'Reads the clipboard and sends it or replaces its content (clipper)', ['T1115']),
  S('pe.credential_dumping', Verdict.Suspicious, 0.75, 'Reads or dumps the memory of LSASS (credential theft)', ['T1003', 'T1003.001']),
  S('pe.dynamic_api_resolution', Verdict.Suspicious, 0.4, 'Imports almost nothing but LoadLibrary and GetProcAddress: the APIs it uses are resolved at run time', ['T1027.007', 'T1106']),

  // Packers and protectors
  S('pe.packed.upx', Verdict.Informational, 0.3, 'Packed with UPX: the code on disk is not the code that runs', ['T1027.002']),
  S('pe.packed.aspack', Verdict.Informational, 0.35, 'Packed with ASPack', ['T1027.002']),
  S('pe.packed.mpress', Verdict.Informational, 0.35, 'Packed with MPRESS', ['T1027.002']),
  S('pe.packed.petite', Verdict.Informational, 0.35, 'Packed with PEtite', ['T1027.002']),
  S('pe.packed.wwpack', Verdict.Informational, 0.35, 'Packed with WWPack32', ['T1027.002']),
  S('pe.packed.pecompact', Verdict.Informational, 0.35, 'Packed with PECompact', ['T1027.002']),
  S('pe.packed.kkrunchy', Verdict.Informational, 0.35, 'Packed with kkrunchy', ['T1027.002']),
  S('pe.packed.fsg', Verdict.Suspicious, 0.5, 'Packed with FSG, a packer seen mostly on malware', ['T1027.002']),
  S('pe.packed.mew', Verdict.Suspicious, 0.5, 'Packed with MEW, a packer seen mostly on malware', ['T1027.002']),
  S('pe.packed.upack', Verdict.Suspicious, 0.5, 'Packed with Upack, a packer seen mostly on malware (its header layout confuses parsers)', ['T1027.002']),
  S('pe.packed.nspack', Verdict.Suspicious, 0.5, 'Packed with NsPack, a packer seen mostly on malware', ['T1027.002']),
  S('pe.packed.rlpack', Verdict.Suspicious, 0.45, 'Packed with RLPack', ['T1027.002']),
  S('pe.packed.pespin', Verdict.Suspicious, 0.55, 'Protected with PESpin (anti-debugging, code encryption)', ['T1027.002']),
  S('pe.packed.yc', Verdict.Suspicious, 0.55, "Encrypted with yoda's Crypter", ['T1027.002', 'T1027.013']),
  S('pe.packed.yp', Verdict.Suspicious, 0.55, "Protected with yoda's Protector", ['T1027.002']),
  S('pe.packed.themida', Verdict.Suspicious, 0.45, 'Protected with Themida / WinLicense (code virtualisation, anti-analysis)', ['T1027.002']),
  S('pe.packed.vmprotect', Verdict.Suspicious, 0.45, 'Protected with VMProtect (code virtualisation)', ['T1027.002']),
  S('pe.packed.enigma', Verdict.Suspicious, 0.45, 'Protected with the Enigma Protector', ['T1027.002']),
  S('pe.dotnet.reflective_load', Verdict.Suspicious, 0.5, 'A .NET assembly loads another assembly from bytes in memory (Assembly.Load(byte[])): how .NET loaders run a hidden payload', ['T1620']),
  S('pe.dotnet.obfuscated', Verdict.Suspicious, 0.45, 'The .NET assembly was processed by an obfuscator (ConfuserEx, SmartAssembly, Dotfuscator, ...)', ['T1027']),
  S('pe.packed.heuristic', Verdict.Suspicious, 0.45, 'Packed or encrypted by an unidentified packer (several traits of packed code)', ['T1027.002']),

  // Structure anomalies
  S('pe.timestamp_anomaly', Verdict.Informational, 0.2, 'The compile timestamp is in the future or before PE files existed: forged or zeroed', ['T1070.006']),
  S('pe.checksum_mismatch', Verdict.Informational, 0.2, 'The optional header checksum does not match the file: modified after linking', ['T1027']),
  S('pe.section_wx', Verdict.Suspicious, 0.4, 'A section is both writable and executable (self-modifying or unpacked code)', ['T1027.002']),
  S('pe.entry_point_anomaly', Verdict.Suspicious, 0.5, 'The entry point lies outside the sections, in the headers or in a non-executable section', ['T1027']),
  S('pe.overlay_executable', Verdict.Suspicious, 0.5, 'Data appended after the image holds another executable', ['T1027.009']),
  S('pe.embedded_executable', Verdict.Informational, 0.3, 'Another executable is embedded in the resources or sections', ['T1027.009']),
  S('pe.rich_header_forged', Verdict.Suspicious, 0.5, 'The Rich header does not match the file (checksum or linker version): copied from another build or edited', ['T1036']),
  S('pe.tls_callbacks', Verdict.Suspicious, 0.35, 'TLS callbacks run code before the entry point from outside the code sections or in a packed file', ['T1622']),

  // Authenticode
  S('pe.signature.tampered', Verdict.Suspicious, 0.7, 'The Authenticode signature does not match the file: changed after signing, or a signature taken from another file', ['T1553.002']),
  S('pe.signature.invalid', Verdict.Suspicious, 0.5, 'The Authenticode signature is damaged or does not verify with its certificate', ['T1553.002']),
  S('pe.signature.self_signed', Verdict.Informational, 0.3, 'Signed with a self-signed certificate: the signature proves nothing about the publisher', ['T1553.002']),
  S('pe.signature.unsigned_data', Verdict.Suspicious, 0.5, 'Data hidden in or after the certificate table, outside what the signature covers', ['T1027.009', 'T1553.002']),
];
