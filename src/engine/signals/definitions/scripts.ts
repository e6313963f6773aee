import { Verdict } from '../../types';
import { S, SignalDefinition } from '../signal-definition';

/**
 * Signals of the script analyzer (src/engine/analyzers/script.analyzer.ts): what the de-obfuscated
 * layers of a script say (static) and what its emulation did (`script.emulation.*`). Calibrated so
 * that an administrator's PowerShell or a web page's JavaScript raises none: a single trait an
 * honest script may have is INFORMATIONAL at most; what only droppers do is SUSPICIOUS or worse.
 */
export const SCRIPT_SIGNALS: SignalDefinition[] = [
  // Static: de-obfuscation
  S('script.powershell.encoded_command', Verdict.Suspicious, 0.6, 'Runs PowerShell with a base64-encoded command (-EncodedCommand)', ['T1059.001', 'T1027.010']),
  S('script.compressed_payload', Verdict.Suspicious, 0.6, 'Decompresses and runs a Gzip/Deflate payload carried as base64', ['T1027', 'T1140']),
  S('script.obfuscation', Verdict.Suspicious, 0.5, 'Heavily obfuscated script: several nested encoding layers or code built from character codes', ['T1027', 'T1140']),
  S('script.encoded_payload', Verdict.Suspicious, 0.5, 'Carries an executable or archive encoded in the script (base64, certutil, data: URL)', ['T1027.009', 'T1140']),

  // Static: behaviour read from the layers
  S('script.download_cradle', Verdict.Suspicious, 0.6, 'Downloads content from the Internet (WebClient, BITS, certutil, XMLHTTP with ADODB.Stream, curl | sh)', ['T1105']),
  S('script.execute_downloaded', Verdict.LikelyMalicious, 0.8, 'Runs what it downloads without saving it (Invoke-Expression of a download, iwr | iex)', ['T1105', 'T1059.001']),
  S('script.download_execute', Verdict.LikelyMalicious, 0.8, 'Downloads a file and then runs it (DownloadFile, BITS, certutil, curl, Invoke-WebRequest -OutFile, then start / Start-Process / Run)', ['T1105', 'T1059']),
  S('script.invoke_expression', Verdict.Informational, 0.3, 'Evaluates a string as code (Invoke-Expression, Execute, ScriptBlock)', ['T1059']),
  S('script.shell_execution', Verdict.Informational, 0.3, 'Starts a program from a Windows script (WScript.Shell Run/Exec, ShellExecute, WMI Win32_Process)', ['T1059', 'T1106']),
  S('script.launches_powershell', Verdict.Suspicious, 0.5, 'A JavaScript, VBScript or HTA script starts PowerShell', ['T1059.001']),
  S('script.hidden_window', Verdict.Suspicious, 0.4, 'Starts a program with a hidden window (-WindowStyle Hidden, Run(.., 0))', ['T1564.003']),
  S('script.execution_policy_bypass', Verdict.Informational, 0.2, 'Runs PowerShell with the execution policy bypassed', ['T1059.001']),
  S('script.amsi_bypass', Verdict.Malicious, 0.9, 'Tampers with the Antimalware Scan Interface (AMSI bypass)', ['T1562.001']),
  S('script.defender_tampering', Verdict.LikelyMalicious, 0.8, 'Adds Microsoft Defender exclusions or turns its protections off', ['T1562.001']),
  S('script.persistence.run_key', Verdict.Suspicious, 0.6, 'Writes a Run / RunOnce registry autostart entry', ['T1547.001', 'T1112']),
  S('script.persistence.scheduled_task', Verdict.Suspicious, 0.5, 'Creates a scheduled task', ['T1053.005']),
  S('script.persistence.startup_folder', Verdict.Suspicious, 0.6, 'Writes into the Startup folder', ['T1547.001']),
  S('script.proxy_execution', Verdict.Suspicious, 0.6, 'Runs code through a signed Windows binary (mshta, rundll32, regsvr32, msiexec)', ['T1218']),
  S('script.inhibit_recovery', Verdict.LikelyMalicious, 0.8, 'Deletes shadow copies or disables Windows recovery', ['T1490']),

  // Emulation
  S('script.emulation.download_execute', Verdict.LikelyMalicious, 0.9, 'Emulation: downloaded a file, saved it and ran it', ['T1105', 'T1059.007']),
  S('script.emulation.download', Verdict.Suspicious, 0.5, 'Emulation: made an HTTP request through a Windows component (XMLHTTP, WinHttp, BITS-like objects)', ['T1105', 'T1071.001']),
  S('script.emulation.process', Verdict.Informational, 0.3, 'Emulation: started a process', ['T1059', 'T1106']),
  S('script.emulation.wmi_process', Verdict.Suspicious, 0.6, 'Emulation: started a process through WMI (Win32_Process.Create)', ['T1047']),
  S('script.emulation.file_dropped', Verdict.Suspicious, 0.5, 'Emulation: wrote an executable or script file to disk', ['T1105']),
  S('script.emulation.registry_autorun', Verdict.Suspicious, 0.7, 'Emulation: wrote a Run / RunOnce autostart registry value', ['T1547.001', 'T1112']),
  S('script.emulation.registry_write', Verdict.Informational, 0.3, 'Emulation: wrote to the registry', ['T1112']),
  S('script.emulation.scheduled_task', Verdict.Suspicious, 0.6, 'Emulation: registered a scheduled task', ['T1053.005']),
  S('script.emulation.dynamic_code', Verdict.Informational, 0.2, 'Emulation: ran code it built at run time (eval, Function, timer strings, written scripts)', ['T1059.007', 'T1027']),
  S('script.emulation.html_smuggling', Verdict.LikelyMalicious, 0.8, 'Emulation: a page assembled a file in script and offered it as a download (HTML smuggling)', ['T1027.006']),
  S('script.emulation.self_delete', Verdict.Suspicious, 0.4, 'Emulation: the script deleted its own file', ['T1070.004']),
  S('script.emulation.sleep_evasion', Verdict.Informational, 0.3, 'Emulation: slept a long time before acting (sandbox evasion by delay)', ['T1497.003']),
  S('script.emulation.reconnaissance', Verdict.Informational, 0.2, 'Emulation: queried the system through WMI (hardware, antivirus, processes)', ['T1082', 'T1047']),
];
