/** The ATT&CK techniques the engine's signals map to (enterprise matrix), for reports and /api/system/mitre. */
export interface MitreTechnique {
  id: string;
  name: string;
  tactics: string[];
}

const T = (id: string, name: string, ...tactics: string[]): MitreTechnique => ({ id, name, tactics });

export const MITRE_TECHNIQUES: MitreTechnique[] = [
  T('T1027', 'Obfuscated Files or Information', 'defense-evasion'),
  T('T1027.002', 'Software Packing', 'defense-evasion'),
  T('T1027.009', 'Embedded Payloads', 'defense-evasion'),
  T('T1027.013', 'Encrypted/Encoded File', 'defense-evasion'),
  T('T1036', 'Masquerading', 'defense-evasion'),
  T('T1036.002', 'Right-to-Left Override', 'defense-evasion'),
  T('T1036.007', 'Double File Extension', 'defense-evasion'),
  T('T1036.008', 'Masquerade File Type', 'defense-evasion'),
  T('T1140', 'Deobfuscate/Decode Files or Information', 'defense-evasion'),
  T('T1204.002', 'User Execution: Malicious File', 'execution'),
  T('T1499', 'Endpoint Denial of Service', 'impact'),
  T('T1553.005', 'Mark-of-the-Web Bypass', 'defense-evasion'),
  T('T1566.001', 'Phishing: Spearphishing Attachment', 'initial-access'),
  T('T1566.002', 'Phishing: Spearphishing Link', 'initial-access'),
  T('T1071.001', 'Application Layer Protocol: Web Protocols', 'command-and-control'),
  T('T1105', 'Ingress Tool Transfer', 'command-and-control'),
  T('T1588.001', 'Obtain Capabilities: Malware', 'resource-development'),
  // Named by the bundled YARA rules' `mitre` meta (src/engine/rules/yara).
  T('T1055', 'Process Injection', 'defense-evasion', 'privilege-escalation'),
  T('T1055.002', 'Process Injection: Portable Executable Injection', 'defense-evasion', 'privilege-escalation'),
  T('T1059', 'Command and Scripting Interpreter', 'execution'),
  T('T1059.001', 'Command and Scripting Interpreter: PowerShell', 'execution'),
  T('T1059.005', 'Command and Scripting Interpreter: Visual Basic', 'execution'),
  T('T1059.007', 'Command and Scripting Interpreter: JavaScript', 'execution'),
];

export const MITRE_BY_ID = new Map(MITRE_TECHNIQUES.map((t) => [t.id, t]));
