import { ExtractedString, stringsOf } from '../text/strings';
import type { Analyzer, AnalyzerResult, FileContext } from '../types';

/** Most interesting strings shown in the report, and the longest shown whole. */
export const MAX_SAMPLE = 200;
export const MAX_SAMPLE_LENGTH = 300;

export type StringCategory = 'url' | 'registry' | 'path' | 'command' | 'api';

export interface StringSample {
  value: string;
  offset: number;
  encoding: 'ascii' | 'utf16le';
  category: StringCategory;
}

/**
 * What makes a string worth showing, one alternative per category: URLs, registry keys, file-system
 * paths, command lines and Windows APIs malware leans on. A string's category is that of the leftmost
 * match (`cmd.exe /c ... %TEMP%\x` is a command).
 */
const CATEGORY_PATTERNS: [StringCategory, string][] = [
  ['url', String.raw`\b(?:https?|ftps?|hxxps?)(?::|\[:\])//|\bwww\.[a-z0-9-]+\.[a-z]`],
  ['registry', String.raw`\bHK(?:EY_(?:LOCAL_MACHINE|CURRENT_USER|CLASSES_ROOT|USERS|CURRENT_CONFIG)|LM|CU|CR|CC)\b|Software\\{1,2}(?:Microsoft|Classes|Policies|Wow6432Node)\\|CurrentControlSet\\|CurrentVersion\\{1,2}Run`],
  [
    'path',
    String.raw`\b[A-Z]:\\{1,2}[\w$%.-]{3}|^\\\\[\w.$-]+\\|%(?:APPDATA|LOCALAPPDATA|TEMP|TMP|USERPROFILE|PROGRAMDATA|ALLUSERSPROFILE|WINDIR|SYSTEMROOT|PUBLIC|COMSPEC)%|\\(?:System32|SysWOW64|AppData|Temp|Start Menu|Startup|Tasks|drivers)\\|(?:^|[\s"'])/(?:tmp|etc|bin|sbin|usr|var|dev/shm|proc|root|home)/`,
  ],
  [
    'command',
    String.raw`\b(?:cmd(?:\.exe)?\s+/[ckr]|powershell|pwsh|rundll32|regsvr32|schtasks|wscript|cscript|mshta|certutil|bitsadmin|vssadmin|bcdedit|wevtutil|wmic|msiexec\s+/|net1?\s+(?:user|localgroup|use|share|stop)|reg(?:\.exe)?\s+(?:add|delete|query|save)|whoami|taskkill|attrib\s+[+-]|sc(?:\.exe)?\s+(?:create|config|start)|bash\s+-c|/bin/(?:ba|da)?sh|curl\s+-|wget\s+|chmod\s+[+0-7]|nohup\s|crontab|Invoke-[A-Z]\w+|IEX\b|-e(?:nc|ncodedcommand)?\s+[A-Za-z0-9+/=]{16})`,
  ],
  [
    'api',
    String.raw`\b(?:VirtualAlloc(?:Ex)?|VirtualProtect(?:Ex)?|CreateRemoteThread(?:Ex)?|WriteProcessMemory|ReadProcessMemory|NtUnmapViewOfSection|ZwUnmapViewOfSection|SetThreadContext|QueueUserAPC|NtQueueApcThread|LoadLibrary(?:Ex)?[AW]?|GetProcAddress|LdrLoadDll|URLDownloadToFile[AW]?|InternetOpen(?:Url)?[AW]?|InternetReadFile|HttpSendRequest[AW]?|WinHttpOpen|WinExec|ShellExecute(?:Ex)?[AW]?|CreateProcess(?:AsUser)?[AW]?|RegSetValue(?:Ex)?[AW]?|RegCreateKey(?:Ex)?[AW]?|IsDebuggerPresent|CheckRemoteDebuggerPresent|SetWindowsHookEx[AW]?|GetAsyncKeyState|GetKeyState|AdjustTokenPrivileges|CryptEncrypt|CryptDecrypt|CryptGenKey|BCryptEncrypt|CreateToolhelp32Snapshot|Process32(?:First|Next)W?|OpenProcessToken|MiniDumpWriteDump|CreateServiceW?A?|StartServiceW?A?)\b`,
  ],
];

/** One regular expression, one capture group per category. */
const INTERESTING = new RegExp(CATEGORY_PATTERNS.map(([, p]) => `(${p})`).join('|'), 'i');

export function categorize(value: string): StringCategory | null {
  if (value.length < 6) return null;
  const m = INTERESTING.exec(value);
  if (!m) return null;
  for (let g = 1; g <= CATEGORY_PATTERNS.length; g++) if (m[g] !== undefined) return CATEGORY_PATTERNS[g - 1][0];
  return null;
}

export function sampleOf(strings: ExtractedString[], max = MAX_SAMPLE): StringSample[] {
  const sample: StringSample[] = [];
  for (const s of strings) {
    const category = categorize(s.value);
    if (!category) continue;
    sample.push({ value: s.value.slice(0, MAX_SAMPLE_LENGTH), offset: s.offset, encoding: s.wide ? 'utf16le' : 'ascii', category });
    if (sample.length >= max) break;
  }
  return sample;
}

/**
 * Printable ASCII and UTF-16LE strings of every file. The report keeps only their counts and a sample
 * of the interesting ones; the full extraction is cached for the IOC analyzer (see text/strings.ts).
 */
export class StringsAnalyzer implements Analyzer {
  readonly name = 'strings';
  readonly budgetMs = 30_000;

  appliesTo(file: FileContext): boolean {
    return file.data.length > 0;
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    const result = await stringsOf(file.data, file.signal);
    const facts: Record<string, unknown> = { ascii: result.ascii, utf16: result.utf16, sample: sampleOf(result.strings) };
    if (result.truncated) facts.truncated = result.truncated === 'limit' ? `only the first ${result.strings.length} strings were kept` : `stopped after ${result.scannedBytes} bytes`;
    return { facts: { strings: facts } };
  }
}
