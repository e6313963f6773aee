import { Verdict } from '../../types';
import { S, SignalDefinition } from '../signal-definition';

/** Signals of the analyzers for LNK shortcuts and ELF executables. */
export const FORMAT_SIGNALS: SignalDefinition[] = [
  // LNK shortcuts (src/engine/analyzers/lnk.analyzer.ts): a shortcut that runs an interpreter with arguments is how
  // phishing attachments start their chain; a shortcut to a program without arguments is ordinary.
  S('lnk.target.powershell', Verdict.Suspicious, 0.6, 'Shortcut runs PowerShell with a command line', ['T1059.001', 'T1204.002']),
  S('lnk.target.cmd', Verdict.Suspicious, 0.5, 'Shortcut runs cmd.exe with a command line', ['T1059.003', 'T1204.002']),
  S('lnk.target.mshta', Verdict.Suspicious, 0.7, 'Shortcut runs mshta.exe (HTML application host)', ['T1218.005', 'T1204.002']),
  S('lnk.target.script_host', Verdict.Suspicious, 0.6, 'Shortcut runs a script with wscript.exe or cscript.exe', ['T1059.005', 'T1059.007', 'T1204.002']),
  S('lnk.target.rundll32', Verdict.Suspicious, 0.6, 'Shortcut runs a DLL through rundll32.exe', ['T1218.011', 'T1204.002']),
  S('lnk.target.regsvr32', Verdict.Suspicious, 0.65, 'Shortcut runs regsvr32.exe (scriptlet or DLL registration)', ['T1218.010', 'T1204.002']),
  S('lnk.target.msiexec', Verdict.Suspicious, 0.55, 'Shortcut runs msiexec.exe with a package', ['T1218.007', 'T1204.002']),
  S('lnk.target.certutil', Verdict.Suspicious, 0.65, 'Shortcut runs certutil.exe (download or decode)', ['T1140', 'T1105']),
  S('lnk.target.bitsadmin', Verdict.Suspicious, 0.6, 'Shortcut runs bitsadmin.exe (BITS transfer)', ['T1197', 'T1105']),
  S('lnk.target.downloader', Verdict.Suspicious, 0.55, 'Shortcut runs curl or wget', ['T1105']),
  S('lnk.target.lolbin', Verdict.Suspicious, 0.5, 'Shortcut runs a system binary that proxies execution (forfiles, pcalua, conhost, hh, wmic, schtasks ...)', ['T1218']),
  S('lnk.obfuscated_arguments', Verdict.Suspicious, 0.5, 'Shortcut arguments are encoded, padded to hide them or obfuscated', ['T1027.010']),
  S('lnk.hidden_window', Verdict.Suspicious, 0.4, 'Shortcut runs its command in a hidden or minimized window', ['T1564.003']),
  S('lnk.icon_masquerade', Verdict.Suspicious, 0.5, 'Shortcut to a program borrows the icon of a document or folder', ['T1036']),
  S('lnk.remote_payload', Verdict.Suspicious, 0.5, 'Shortcut arguments name a URL or a network share', ['T1105', 'T1204.002']),
  S('lnk.network_target', Verdict.Suspicious, 0.4, 'Shortcut target is on a network share (UNC or WebDAV path)', ['T1204.002']),
  S('lnk.appended_data', Verdict.Suspicious, 0.5, 'Data is appended after the shortcut structure (an embedded payload)', ['T1027.009']),
  S('lnk.malformed', Verdict.Informational, 0.2, 'Shortcut structure is damaged or truncated', ['T1027']),

  // ELF executables (src/engine/analyzers/elf.analyzer.ts): conservative, toolchain output raises none of these.
  S('elf.packed.upx', Verdict.Informational, 0.3, 'ELF packed with UPX: the code on disk is not the code that runs', ['T1027.002']),
  S('elf.packed.heuristic', Verdict.Suspicious, 0.45, 'ELF without section headers whose loaded code is compressed or encrypted (a packer with its marks removed)', ['T1027.002']),
  S('elf.no_section_headers', Verdict.Informational, 0.2, 'ELF executable without section headers (stripped with sstrip or hand-made)', ['T1027']),
  S('elf.rwx_segment', Verdict.Suspicious, 0.35, 'A loaded segment is writable and executable', ['T1027.002']),
  S('elf.entry_point_anomaly', Verdict.Suspicious, 0.4, 'The entry point is not inside an executable loaded segment', ['T1027']),
  S('elf.unusual_interpreter', Verdict.Suspicious, 0.4, 'The program interpreter (dynamic loader) is not a standard one', ['T1574.006']),
  S('elf.preload_rootkit', Verdict.Suspicious, 0.6, 'Shared object that overrides libc functions and calls the originals through dlsym (LD_PRELOAD rootkit)', ['T1014', 'T1574.006']),
];
