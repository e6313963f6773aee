/** The ATT&CK enterprise tactics, by the short names the engine's technique catalogue uses (src/engine/signals/mitre.ts). */
export const MITRE_TACTICS: { id: string; shortName: string; name: string }[] = [
  { id: 'TA0043', shortName: 'reconnaissance', name: 'Reconnaissance' },
  { id: 'TA0042', shortName: 'resource-development', name: 'Resource Development' },
  { id: 'TA0001', shortName: 'initial-access', name: 'Initial Access' },
  { id: 'TA0002', shortName: 'execution', name: 'Execution' },
  { id: 'TA0003', shortName: 'persistence', name: 'Persistence' },
  { id: 'TA0004', shortName: 'privilege-escalation', name: 'Privilege Escalation' },
  { id: 'TA0005', shortName: 'defense-evasion', name: 'Defense Evasion' },
  { id: 'TA0006', shortName: 'credential-access', name: 'Credential Access' },
  { id: 'TA0007', shortName: 'discovery', name: 'Discovery' },
  { id: 'TA0008', shortName: 'lateral-movement', name: 'Lateral Movement' },
  { id: 'TA0009', shortName: 'collection', name: 'Collection' },
  { id: 'TA0011', shortName: 'command-and-control', name: 'Command and Control' },
  { id: 'TA0010', shortName: 'exfiltration', name: 'Exfiltration' },
  { id: 'TA0040', shortName: 'impact', name: 'Impact' },
];

/** attack.mitre.org page of a technique: sub-techniques are `T1055/002`. */
export const techniqueUrl = (id: string) => `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
export const tacticUrl = (id: string) => `https://attack.mitre.org/tactics/${id}/`;
