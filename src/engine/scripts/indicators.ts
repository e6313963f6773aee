import type { SignalHit } from '../types';
import type { Layer, LayerSet } from './layers';
import { printable } from './text';

/**
 * What the layers of a script say it does, read statically from every clear-text layer (the file's
 * own text, everything de-obfuscation uncovered, the command lines emulation saw): one hit per
 * signal, its evidence the matched text and the layer it was found in.
 */

const MAX_EVIDENCE = 10;

interface Detector {
  id: string;
  /** Languages the detector reads (all when absent). */
  languages?: Layer['language'][];
  test(text: string, layer: Layer): { match: string; mitre?: string[] } | null;
}

const first = (re: RegExp) => (text: string) => {
  const m = re.exec(text);
  return m ? { match: m[0] } : null;
};

const SCRIPTS_OF_WINDOWS: Layer['language'][] = ['javascript', 'vbscript', 'html'];


const DOWNLOAD_CRADLE = [
  /\.\s*Download(?:String|File|Data)(?:Async|TaskAsync)?\s*\(/i,
  /\bStart-BitsTransfer\b/i,
  /\bbitsadmin(?:\.exe)?\b[^\n]{0,300}?\/(?:transfer|addfile)\b/i,
  /\bcertutil(?:\.exe)?\b[^\n]{0,300}?-(?:urlcache|verifyctl)\b[^\n]{0,300}?(?:https?:|-f\b)/i,
  /\b(?:curl|wget)\b[^\n|;]*?(?:https?|ftp):\/\/[^\n|;]*\|\s*(?:sudo\s+)?(?:ba|da|z|k)?sh\b/,
];
const WINDOWS_HTTP = /msxml2\.(?:server)?xmlhttp|microsoft\.xmlhttp|winhttp\.winhttprequest/i;
const EXECUTE_DOWNLOADED = [
  /\b(?:iex|invoke-expression)\b[^\n]{0,300}?(?:\.\s*download(?:string|data)\b|\b(?:invoke-webrequest|iwr|invoke-restmethod|irm)\b|\.\s*openread\b)/i,
  /(?:\.\s*download(?:string|data)\b|\b(?:invoke-webrequest|iwr|invoke-restmethod|irm)\b)[^\n]{0,300}?\|\s*(?:iex|invoke-expression)\b/i,
  /\bexec\s*\([^\n]{0,200}?(?:urlopen|requests\.get)\s*\(/,
];
const SHELL_OBJECT = /wscript\.shell|shell\.application|win32_process|winmgmts/i;
const SHELL_CALL = /\.\s*(?:run|exec|shellexecute|create)\b|\bshellexecute\b/i;

const DETECTORS: Detector[] = [
  { id: 'script.amsi_bypass', test: first(/\b(?:AmsiUtils|amsiInitFailed|AmsiScanBuffer|amsiContext|AmsiOpenSession|amsiSession)\b/i) },
  {
    id: 'script.defender_tampering',
    test: first(/\bAdd-MpPreference\b[^\n]{0,300}?-Exclusion(?:Path|Process|Extension|IpAddress)\b|\bSet-MpPreference\b[^\n]{0,300}?-Disable(?:RealtimeMonitoring|BehaviorMonitoring|IOAVProtection|ScriptScanning|IntrusionPreventionSystem|BlockAtFirstSeen|ArchiveScanning)\b|\bDisableAntiSpyware\b|\\Windows Defender\\Exclusions\\|\bMpCmdRun(?:\.exe)?\b[^\n]{0,100}-RemoveDefinitions\b/i),
  },
  {
    id: 'script.execute_downloaded',
    test: (text) => {
      for (const re of EXECUTE_DOWNLOADED) {
        const m = re.exec(text);
        if (m) return { match: m[0] };
      }
      return null;
    },
  },
  {
    id: 'script.download_cradle',
    test: (text, layer) => {
      for (const re of DOWNLOAD_CRADLE) {
        const m = re.exec(text);
        if (m) return { match: m[0] };
      }
      if (SCRIPTS_OF_WINDOWS.includes(layer.language)) {
        if (WINDOWS_HTTP.test(text) && /adodb\.stream/i.test(text) && /savetofile/i.test(text)) return { match: 'XMLHTTP download saved with ADODB.Stream.SaveToFile' };
      }
      return null;
    },
  },
  // Evaluating strings is common enough in honest scripts; it counts in the layers obfuscation hid (or rewrote).
  { id: 'script.download_execute', test: (text) => downloadThenRun(text) },
  { id: 'script.invoke_expression', languages: ['powershell'], test: (text, layer) => (layer.obfuscationDepth > 0 || layer.origin === 'emulation' ? first(/\b(?:iex|invoke-expression)\b|\[scriptblock\]::create\b/i)(text) : null) },
  { id: 'script.invoke_expression', languages: ['vbscript'], test: (text, layer) => (layer.obfuscationDepth > 0 || layer.origin === 'emulation' ? first(/\b(?:execute|executeglobal)\b\s*[("\w]/i)(text) : null) },
  {
    id: 'script.shell_execution',
    languages: SCRIPTS_OF_WINDOWS,
    test: (text) => {
      if (!SHELL_OBJECT.test(text)) return null;
      const m = SHELL_CALL.exec(text);
      return m ? { match: `${SHELL_OBJECT.exec(text)![0]} … ${m[0]}` } : null;
    },
  },
  {
    id: 'script.launches_powershell',
    test: (text, layer) => {
      const fromWindowsScript = SCRIPTS_OF_WINDOWS.includes(layer.language) ? SHELL_OBJECT.test(text) && SHELL_CALL.test(text) : /^command-line:(?:run|shellexecute|wmi-create|mshta)|^emulation:command-line/.test(layer.technique) && layer.language !== 'powershell';
      if (!fromWindowsScript) return null;
      const m = /\b(?:powershell|pwsh)(?:\.exe)?\b[^\n"']{0,120}/i.exec(text);
      return m ? { match: m[0] } : null;
    },
  },
  {
    id: 'script.hidden_window',
    test: (text, layer) => {
      const ps = /(?:powershell|pwsh|start-process|saps|\bstart\b)[^\n]{0,300}?\s[-/\u2013]w(?:i(?:n(?:d(?:o(?:w(?:s(?:t(?:y(?:l(?:e)?)?)?)?)?)?)?)?)?)?\s+["']?h(?:i(?:d(?:d(?:e(?:n)?)?)?)?)?\b/i.exec(text);
      if (ps) return { match: ps[0] };
      if (SCRIPTS_OF_WINDOWS.includes(layer.language)) {
        // Run's second argument (the window style) is 0; ShellExecute's fifth.
        const m = /\.\s*run\b\s*\(?\s*(?:"(?:[^"\n\\]|""|\\.)*"|'(?:[^'\n\\]|\\.)*'|[^,\n]{1,200}?),\s*0\s*(?:[,)]|$)|\bshellexecute\b[^\n]{0,400}?,\s*0\s*\)|\bvbHide\b|ShowWindow\s*=\s*0\b/im.exec(text);
        if (m) return { match: m[0] };
      }
      return null;
    },
  },
  { id: 'script.execution_policy_bypass', test: first(/\s[-/\u2013](?:ep|ex|exe|exec|execu\w*)\s+["']?(?:bypass|unrestricted)\b|\bSet-ExecutionPolicy\s+(?:-ExecutionPolicy\s+)?["']?(?:Bypass|Unrestricted)\b/i) },
  {
    id: 'script.persistence.run_key',
    test: (text) => {
      const key = /\\(?:Software\\)?(?:Wow6432Node\\)?Microsoft\\Windows\\CurrentVersion\\(?:Run|RunOnce|RunServices|RunOnceEx|Policies\\Explorer\\Run)\b[^\n"']{0,100}/i.exec(text);
      if (!key) return null;
      return /\breg(?:\.exe)?\s+add\b|Set-ItemProperty|New-ItemProperty|\bsp\s|RegWrite|SetStringValue|SetExpandedStringValue|\.SetValue\s*\(|CreateSubKey|New-Item\b/i.test(text) ? { match: key[0] } : null;
    },
  },
  { id: 'script.persistence.scheduled_task', test: first(/\bschtasks(?:\.exe)?\b[^\n]{0,300}?\/create\b[^\n]{0,200}|\bRegister-ScheduledTask\b[^\n]{0,200}|\bNew-ScheduledTaskAction\b[^\n]{0,200}|RegisterTaskDefinition\b/i) },
  {
    id: 'script.persistence.startup_folder',
    test: first(/\\Start Menu\\Programs\\Startup\b[^\n"']{0,100}|\bshell:(?:common )?startup\b|SpecialFolders\s*\(?\s*["'](?:AllUsers)?Startup["']|GetFolderPath\s*\(\s*["']?(?:\[(?:System\.)?Environment\+SpecialFolder\]::)?(?:Common)?Startup\b|\bNamespace\s*\(\s*7\s*\)/i),
  },
  {
    id: 'script.proxy_execution',
    test: (text) => {
      const proxies: [RegExp, string][] = [
        [/\bmshta(?:\.exe)?["']?\s+["']?(?:https?:|javascript:|vbscript:|\\\\|[^\s"']*\\(?:temp|appdata|public|programdata)\\|[^\s"']+\.hta\b)[^\n"']{0,150}/i, 'T1218.005'],
        [/\brundll32(?:\.exe)?["']?\s+(?:javascript:|["']?(?:https?:|\\\\)|[^\n,]*\\(?:temp|appdata|public|programdata)\\[^\n,]*,|[^\s,]+\.(?:tmp|dat|png|jpg|gif|txt|log|bin|ocx)\s*,|shell32(?:\.dll)?,\s*(?:ShellExec_RunDLL|Control_RunDLL)|url(?:\.dll)?,\s*(?:FileProtocolHandler|OpenURL)|zipfldr(?:\.dll)?,\s*RouteTheCall|advpack(?:\.dll)?,\s*(?:LaunchINFSection|RegisterOCX)|pcwutl(?:\.dll)?,\s*LaunchApplication)[^\n"']{0,150}/i, 'T1218.011'],
        [/\bregsvr32(?:\.exe)?\b[^\n]{0,300}?(?:\/i:\s*["']?(?:https?:|\\\\)|scrobj\.dll|\\(?:temp|appdata|public|programdata)\\)[^\n"']{0,150}/i, 'T1218.010'],
        [/\bmsiexec(?:\.exe)?\b[^\n]{0,300}?[-/](?:i|package|q\w*)\b[^\n]{0,300}?(?:https?:\/\/|\\\\)[^\n"']{0,150}/i, 'T1218.007'],
      ];
      for (const [re, technique] of proxies) {
        const m = re.exec(text);
        if (m) return { match: m[0], mitre: [technique] };
      }
      return null;
    },
  },
  { id: 'script.inhibit_recovery', test: first(/\bvssadmin(?:\.exe)?\b[^\n]{0,300}\bdelete\s+shadows\b|\bwmic(?:\.exe)?\b[^\n]{0,300}\bshadowcopy\b[^\n]{0,300}\bdelete\b|\bbcdedit(?:\.exe)?\b[^\n]{0,300}\brecoveryenabled\s+(?:no|false)\b|\bwbadmin(?:\.exe)?\b[^\n]{0,300}\bdelete\s+(?:catalog|systemstatebackup)\b|Win32_ShadowCopy\b[\s\S]{0,300}?\.Delete\s*\(/i) },
];

/** Where a download statement saves its file (the file's expression: a literal path or a variable). */
const SAVED_DOWNLOADS = [
  /\.\s*DownloadFile(?:Async|TaskAsync)?\s*\(\s*[^,\n]{1,300},\s*(?<f>[^)\n]{1,300})\)/gi,
  /\b(?:Invoke-WebRequest|iwr|Invoke-RestMethod|irm|wget|curl)(?:\.exe)?\b[^\n|;]{0,300}?\s-(?:OutFile|o|O|-output)\s+(?<f>"[^"\n]+"|'[^'\n]+'|\S+)/g,
  /\bStart-BitsTransfer\b[^\n|;]{0,300}?\s-Destination\s+(?<f>"[^"\n]+"|'[^'\n]+'|\S+)/gi,
  /\bbitsadmin(?:\.exe)?\b[^\n]{0,200}?\/transfer\s[^\n]{0,200}?\s(?:https?|ftp):\/\/\S+\s+(?<f>"[^"\n]+"|\S+)/gi,
  /\bcertutil(?:\.exe)?\b[^\n]{0,100}?-urlcache\b[^\n]{0,100}?(?:https?|ftp):\/\/\S+\s+(?<f>"[^"\n]+"|\S+)/gi,
];
const RUN_VERBS = /\b(?:start|start-process|saps|invoke-item|ii|call|wscript|cscript|mshta|rundll32|regsvr32|msiexec|powershell|cmd|(?:ba|da|z|k)?sh|source|python3?|perl|node|chmod)(?:\.exe)?\b|(?:^|[\s;&|])\.\/|\.\s*(?:run|exec|shellexecute)\b|(?:^|[;&|(]\s*)&\s*/gim;

/** A file a download statement saved, run later in the same text (by its path, name or variable). */
function downloadThenRun(text: string): { match: string } | null {
  for (const re of SAVED_DOWNLOADS) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) {
      const target = m.groups!.f.trim().replace(/^["'(]+|["')]+$/g, '');
      const variable = /^\$[\w:]+$/.test(target) ? target : null;
      const name = variable ?? target.split(/[\\/]/).pop() ?? '';
      if (variable ? name.length < 2 : name.length < 3 || !/\.\w{2,4}$/.test(name)) continue;
      const rest = text.slice(m.index + m[0].length, m.index + m[0].length + 20_000);
      const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      RUN_VERBS.lastIndex = 0;
      for (const run of rest.matchAll(RUN_VERBS)) {
        const after = rest.slice(run.index, run.index + 300);
        if (new RegExp(`${escaped}(?![\\w.])`, 'i').test(after)) return { match: `${m[0]} … ${after.split('\n')[0]}` };
      }
    }
  }
  return null;
}

/** Rewrites only obfuscators need in quantity (concatenation and replacements also tidy honest code). */
const STRONG_STEPS = new Set(['substring', 'carets', 'empty-variables', 'char-codes', 'char-code-array', 'chr', 'backticks', 'format-operator', 'automatic-variable-alphabet', 'indexed-string', 'reversed-string', 'unescape', 'escapes']);

/** Character codes and escapes per character of text: the density of code built from numbers. */
export function charCodeStats(text: string): { constructs: number; density: number } {
  const sample = text.length > 2_000_000 ? text.slice(0, 2_000_000) : text;
  let constructs = 0;
  let covered = 0;
  const patterns = [/\bchr[wb]?\$?\s*\(\s*(?:&h)?[0-9a-f]{1,5}(?:\s*[-+*/\\]\s*(?:&h)?[0-9a-f]{1,5})*\s*\)/gi, /\[char\]\s*\(?\s*(?:0x)?[0-9a-f]{1,5}/gi, /(?:\b\d{2,3}\s*,\s*){40,}\d{2,3}\b/g, /(?:\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|%u[0-9a-f]{4}|%[0-9a-f]{2}){20,}/gi];
  for (const re of patterns) {
    for (const m of sample.matchAll(re)) {
      const n = m[0].startsWith('\\') || m[0].startsWith('%') ? m[0].length / 4 : m[0].includes(',') ? m[0].split(',').length : 1;
      constructs += n;
      covered += m[0].length;
    }
  }
  return { constructs: Math.round(constructs), density: sample.length ? covered / sample.length : 0 };
}

function evidenceLine(layer: Layer, match: string): string {
  return `layer ${layer.index} (${layer.technique}): ${printable(match.replace(/\s+/g, ' ').trim(), 200)}`;
}

/** Static signals of every layer of the set (each signal once, evidence from up to MAX_EVIDENCE layers). */
export function staticSignals(set: LayerSet): SignalHit[] {
  const hits = new Map<string, SignalHit>();
  const add = (id: string, evidence: string, mitre?: string[]) => {
    let hit = hits.get(id);
    if (!hit) hits.set(id, (hit = { id, evidence: [] }));
    if (hit.evidence.length < MAX_EVIDENCE && !hit.evidence.includes(evidence)) hit.evidence.push(evidence);
    if (mitre) hit.mitre = [...new Set([...(hit.mitre ?? []), ...mitre])];
  };

  for (const layer of set.layers) {
    const text = layer.text.length > 4_000_000 ? layer.text.slice(0, 4_000_000) : layer.text;
    for (const d of DETECTORS) {
      if (d.languages && !d.languages.includes(layer.language)) continue;
      const r = d.test(text, layer);
      if (r) add(d.id, evidenceLine(layer, r.match), r.mitre);
    }
    if (layer.technique === 'powershell:encoded-command') add('script.powershell.encoded_command', evidenceLine(layer, layer.text));
    if (/gzip|deflate|zlib/.test(layer.technique)) add('script.compressed_payload', evidenceLine(layer, layer.text));
  }

  // Obfuscation: depth of nested decoding, heavy rewriting, code spelled as numbers.
  const reasons: string[] = [];
  const deepest = set.layers.reduce((best, l) => (l.obfuscationDepth > best.obfuscationDepth ? l : best), set.layers[0]);
  if (deepest && deepest.obfuscationDepth >= 3) {
    const chain: string[] = [];
    for (let l: Layer | undefined = deepest; l; l = l.parent === null ? undefined : set.layers[l.parent]) chain.unshift(l.technique);
    reasons.push(`${deepest.obfuscationDepth} nested de-obfuscation layers: ${chain.join(' → ')}`);
  }
  const heavy = new Map<string, number>();
  for (const l of set.layers) for (const s of l.steps ?? []) if (s.heavy) heavy.set(s.name, (heavy.get(s.name) ?? 0) + s.count);
  const heavyTotal = [...heavy.values()].reduce((a, b) => a + b, 0);
  const strong = [...heavy.keys()].some((k) => STRONG_STEPS.has(k));
  if (heavyTotal >= 25 && (heavy.size >= 2 || strong)) reasons.push(`${heavyTotal} obfuscated expressions rewritten (${[...heavy].map(([k, v]) => `${k} ×${v}`).join(', ')})`);
  const root = set.layers[0];
  if (root) {
    const stats = charCodeStats(root.text);
    if (stats.constructs >= 40 && stats.density >= 0.2) reasons.push(`${stats.constructs} characters written as character codes or escapes (${Math.round(stats.density * 100)}% of the text)`);
  }
  if (set.layers.some((l) => l.technique === 'html:encoded-script-block')) reasons.push('script encoded with the Microsoft Script Encoder (JScript.Encode / VBScript.Encode)');
  for (const r of reasons) add('script.obfuscation', r);

  return [...hits.values()];
}


