/**
 * What VBA source says about itself: the procedures Office runs by itself (auto-exec entry points),
 * calls that start programs, download or write files, Windows API declarations, PowerShell command
 * lines, and how much of the code is string obfuscation (Chr/ChrW/StrReverse/Replace chains).
 *
 * Works on the text only (nothing is run). Comments are stripped before matching so that a
 * commented-out `Shell` does not count; string literals are kept (payload lives there).
 */
export interface VbaKeywordHit {
  keyword: string;
  category: 'execution' | 'download' | 'file' | 'object' | 'environment' | 'obfuscation' | 'registry' | 'reflection';
  description: string;
  count: number;
}

export interface ApiDeclaration {
  name: string;
  lib: string;
  alias?: string;
}

export interface VbaScan {
  autoExec: { name: string; module: string }[];
  keywords: VbaKeywordHit[];
  apiDeclarations: ApiDeclaration[];
  /** API declarations that allocate or copy memory, or start threads: the shellcode runner's kit. */
  shellcodeApis: string[];
  powershell: string[];
  obfuscation: { chrCalls: number; strReverse: number; replaceCalls: number; concatenations: number; longLiterals: number; codeBytes: number; perKb: number; obfuscated: boolean };
  /** Strings the simple deobfuscation (Chr() runs, StrReverse literals) recovered, bounded. */
  deobfuscated: string[];
}

/** Entry points Office calls without asking: document, workbook and presentation events. */
const AUTO_EXEC = [
  'AutoExec', 'AutoOpen', 'DocumentOpen', 'AutoExit', 'AutoClose', 'DocumentBeforeClose', 'DocumentChange', 'AutoNew', 'DocumentNew', 'NewDocument',
  'Document_Open', 'Document_Close', 'Document_BeforeClose', 'Document_New', 'Document_ContentControlOnEnter', 'Document_ContentControlOnExit',
  'Auto_Open', 'Auto_Close', 'Workbook_Open', 'Workbook_Activate', 'Workbook_Deactivate', 'Workbook_Close', 'Workbook_BeforeClose', 'Workbook_BeforeSave',
  'Workbook_SheetActivate', 'Workbook_WindowActivate', 'Worksheet_Activate', 'Worksheet_Calculate', 'Worksheet_Change', 'Worksheet_SelectionChange',
  'App_DocumentOpen', 'App_WorkbookOpen', 'App_NewDocument', 'Presentation_Open', 'OnSlideShowPageChange', 'Auto_Ope',
];
const AUTO_EXEC_SET = new Map(AUTO_EXEC.map((n) => [n.toLowerCase(), n]));
/** ActiveX control events that fire on their own when the document opens. */
const ACTIVEX_EVENT = /^\w+_(Layout|Painted|Painting|GotFocus|LostFocus|MouseHover|Resize|Initialize|DocumentComplete|NavigateComplete2|BeforeNavigate2|DownloadComplete|ProgressChange|StatusTextChange|Activate)$/i;

interface KeywordRule {
  keyword: string;
  re: RegExp;
  category: VbaKeywordHit['category'];
  description: string;
}

const K = (keyword: string, re: RegExp, category: VbaKeywordHit['category'], description: string): KeywordRule => ({ keyword, re, category, description });

const KEYWORDS: KeywordRule[] = [
  K('Shell', /(?<![.\w])(?:VBA\.|Interaction\.)?Shell\b(?!\s*\.)(?!_)\s*[("\w]/gi, 'execution', 'runs an executable or a system command'),
  K('WScript.Shell', /WScript\.Shell/gi, 'execution', 'creates the Windows Script Host shell (Run, Exec, RegWrite)'),
  K('Shell.Application', /Shell\.Application/gi, 'execution', 'creates the Explorer shell object (ShellExecute)'),
  K('ShellExecute', /\bShellExecute[AW]?\b/gi, 'execution', 'runs a program or opens a document through the shell'),
  K('Run', /(?<!Application)\.Run\b\s*[("\w]/gi, 'execution', 'runs a command or a macro (object.Run)'),
  K('Exec', /\.Exec\b\s*[("\w]/gi, 'execution', 'runs a command and reads its output (object.Exec)'),
  K('Win32_Process', /Win32_Process|winmgmts:/gi, 'execution', 'starts a process through WMI'),
  K('CreateProcess', /\bCreateProcess[AW]?\b|\bWinExec\b/gi, 'execution', 'starts a process through the Windows API'),
  K('MacScript', /\bMacScript\b|\bAppleScriptTask\b/gi, 'execution', 'runs an AppleScript (macOS)'),
  K('URLDownloadToFile', /\bURLDownloadToFile[AW]?\b/gi, 'download', 'downloads a file from the Internet'),
  K('XMLHTTP', /(?:MSXML2|Microsoft)\.(?:Server)?XMLHTTP|WinHttp\.WinHttpRequest|\bXMLHTTP\b/gi, 'download', 'makes HTTP requests'),
  K('ADODB.Stream', /ADODB\.Stream/gi, 'download', 'writes binary data to disk (usually a downloaded payload)'),
  K('SaveToFile', /\.SaveToFile\b/gi, 'file', 'saves a stream to a file'),
  K('Net.WebClient', /Net\.WebClient|DownloadFile|DownloadString/gi, 'download', 'downloads through .NET WebClient'),
  K('Open For Binary/Output', /\bOpen\b[^\n]*\bFor\s+(?:Binary|Output|Append)\b/gi, 'file', 'writes a file'),
  K('Kill', /^\s*Kill\b/gim, 'file', 'deletes a file'),
  K('CreateObject', /\bCreateObject\s*\(/gi, 'object', 'creates a COM object'),
  K('GetObject', /\bGetObject\s*\(/gi, 'object', 'binds to a COM object or moniker (WMI, scriptlets)'),
  K('CallByName', /\bCallByName\b/gi, 'reflection', 'calls a method by its name (hides the call)'),
  K('Application.Run', /Application\.Run\b/gi, 'reflection', 'runs a macro by name'),
  K('Environ', /\bEnviron\$?\s*\(/gi, 'environment', 'reads environment variables (paths for droppers)'),
  K('RegWrite', /\.RegWrite\b|\bRegSetValue/gi, 'registry', 'writes to the registry'),
  K('Chr', /\bChr[WB]?\$?\s*\(/gi, 'obfuscation', 'builds strings from character codes'),
  K('StrReverse', /\bStrReverse\s*\(/gi, 'obfuscation', 'reverses strings'),
  K('Base64', /base64|\.nodeTypedValue|bin\.base64/gi, 'obfuscation', 'decodes Base64'),
  K('ExecuteExcel4Macro', /\bExecuteExcel4Macro\b/gi, 'execution', 'runs an Excel 4.0 (XLM) macro formula'),
];

const DOWNLOAD_OR_EXECUTION = new Set<VbaKeywordHit['category']>(['execution', 'download']);
const SHELLCODE_APIS = /^(VirtualAlloc(Ex)?|VirtualProtect(Ex)?|RtlMoveMemory|RtlCopyMemory|WriteProcessMemory|CreateThread|CreateRemoteThread|NtCreateThreadEx|QueueUserAPC|EnumSystemLanguageGroupsA|EnumSystemCodePagesW|EnumTimeFormatsA|CallWindowProc[AW]?|HeapCreate|HeapAlloc|NtAllocateVirtualMemory|NtWriteVirtualMemory|LoadLibrary[AW]?|GetProcAddress)$/i;

/** Comment-free code: `'` and `Rem` comments removed outside string literals. */
export function stripComments(source: string): string {
  const out: string[] = [];
  for (const line of source.split(/\r\n|\r|\n/)) {
    if (/^\s*Rem\b/i.test(line)) continue;
    let inString = false;
    let cut = line.length;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c === '"') inString = !inString;
      else if (c === "'" && !inString) {
        cut = i;
        break;
      }
    }
    out.push(line.slice(0, cut));
  }
  return out.join('\n');
}

export function scanVba(modules: { name: string; source: string }[], maxItems = 50): VbaScan {
  const autoExec: VbaScan['autoExec'] = [];
  const counts = new Map<KeywordRule, number>();
  const apis = new Map<string, ApiDeclaration>();
  const powershell = new Set<string>();
  const deobfuscated = new Set<string>();
  let chrCalls = 0;
  let strReverse = 0;
  let replaceCalls = 0;
  let concatenations = 0;
  let longLiterals = 0;
  let codeBytes = 0;

  for (const module of modules) {
    const code = stripComments(module.source);
    codeBytes += code.length;
    for (const m of code.matchAll(/^\s*(?:(?:Public|Private|Friend|Static)\s+)*(?:Sub|Function)\s+([A-Za-z_][\w]*)/gim)) {
      const name = m[1];
      const known = AUTO_EXEC_SET.get(name.toLowerCase());
      if ((known || ACTIVEX_EVENT.test(name)) && autoExec.length < maxItems && !autoExec.some((a) => a.name === name && a.module === module.name)) {
        autoExec.push({ name: known ?? name, module: module.name });
      }
    }
    for (const rule of KEYWORDS) {
      rule.re.lastIndex = 0;
      const n = code.match(rule.re)?.length ?? 0;
      if (n) counts.set(rule, (counts.get(rule) ?? 0) + n);
    }
    for (const m of code.matchAll(/\bDeclare\s+(?:PtrSafe\s+)?(?:Function|Sub)\s+([A-Za-z_]\w*)\s+Lib\s+"([^"]{1,200})"(?:\s+Alias\s+"([^"]{1,200})")?/gi)) {
      if (apis.size >= maxItems) break;
      const key = `${m[2].toLowerCase()}!${(m[3] ?? m[1]).toLowerCase()}`;
      if (!apis.has(key)) apis.set(key, { name: m[1], lib: m[2], ...(m[3] ? { alias: m[3] } : {}) });
    }
    for (const m of code.matchAll(/powershell(?:\.exe)?\b[^\r\n]{0,400}/gi)) {
      if (powershell.size >= maxItems) break;
      powershell.add(m[0].replace(/"\s*&\s*"/g, '').trim().slice(0, 400));
    }
    chrCalls += code.match(/\bChr[WB]?\$?\s*\(/gi)?.length ?? 0;
    strReverse += code.match(/\bStrReverse\s*\(/gi)?.length ?? 0;
    replaceCalls += code.match(/\bReplace\s*\(/gi)?.length ?? 0;
    concatenations += code.match(/"\s*[&+]\s*"/g)?.length ?? 0;
    longLiterals += code.match(/"[^"\r\n]{300,}"/g)?.length ?? 0;
    for (const s of deobfuscate(code)) if (deobfuscated.size < maxItems) deobfuscated.add(s);
  }
  // What the obfuscation hid counts like code: object names, command lines.
  const hidden = [...deobfuscated].join('\n');
  if (hidden) {
    for (const rule of KEYWORDS) {
      if (rule.category === 'obfuscation') continue;
      rule.re.lastIndex = 0;
      const n = hidden.match(rule.re)?.length ?? 0;
      if (n) counts.set(rule, (counts.get(rule) ?? 0) + n);
    }
    for (const m of hidden.matchAll(/powershell(?:\.exe)?\b[^\r\n]{0,400}/gi)) if (powershell.size < maxItems) powershell.add(m[0].trim().slice(0, 400));
  }

  const keywords: VbaKeywordHit[] = [...counts].map(([rule, count]) => ({ keyword: rule.keyword, category: rule.category, description: rule.description, count }));
  const apiDeclarations = [...apis.values()];
  const shellcodeApis = [...new Set(apiDeclarations.map((a) => a.alias ?? a.name).filter((n) => SHELLCODE_APIS.test(n)))];
  const obfuscationCalls = chrCalls + strReverse + replaceCalls;
  const perKb = codeBytes ? Math.round((obfuscationCalls / (codeBytes / 1024)) * 10) / 10 : 0;
  // Chr() chains and long split strings: dozens of calls, dense in the code, or a few huge literals.
  const obfuscated = (obfuscationCalls >= 20 && perKb >= 4) || concatenations >= 50 || longLiterals >= 3 || (strReverse >= 3 && obfuscationCalls >= 10);
  return {
    autoExec,
    keywords,
    apiDeclarations,
    shellcodeApis,
    powershell: [...powershell],
    obfuscation: { chrCalls, strReverse, replaceCalls, concatenations, longLiterals, codeBytes, perKb, obfuscated },
    deobfuscated: [...deobfuscated],
  };
}

/** True when the scan found calls that start programs or download files. */
export function executesOrDownloads(scan: VbaScan): boolean {
  return scan.keywords.some((k) => DOWNLOAD_OR_EXECUTION.has(k.category)) || scan.powershell.length > 0 || scan.shellcodeApis.length > 0;
}

/**
 * The strings simple obfuscation hides: runs of `Chr(n) & Chr(n) & "text"` joined, and
 * `StrReverse("...")` literals reversed. Enough to surface URLs and command lines for IOCs.
 */
export function deobfuscate(code: string): string[] {
  const out: string[] = [];
  const piece = String.raw`(?:Chr[WB]?\$?\s*\(\s*(?:&H[0-9A-Fa-f]+|\d+)\s*\)|"[^"\r\n]*")`;
  const chain = new RegExp(`${piece}(?:\\s*[&+]\\s*(?:_\\s*\\r?\\n\\s*)?${piece})+`, 'gi');
  for (const m of code.matchAll(chain)) {
    if (!/Chr/i.test(m[0])) continue;
    let s = '';
    for (const p of m[0].matchAll(new RegExp(piece, 'gi'))) {
      const token = p[0];
      if (token.startsWith('"')) s += token.slice(1, -1);
      else {
        const arg = /\(\s*(&H[0-9A-Fa-f]+|\d+)\s*\)/i.exec(token)![1];
        const n = arg.toUpperCase().startsWith('&H') ? parseInt(arg.slice(2), 16) : parseInt(arg, 10);
        if (n > 0 && n < 0x10000) s += String.fromCharCode(n);
      }
    }
    if (s.length >= 4) out.push(s.slice(0, 2000));
    if (out.length >= 200) break;
  }
  for (const m of code.matchAll(/\bStrReverse\s*\(\s*"([^"\r\n]{4,2000})"\s*\)/gi)) {
    out.push([...m[1]].reverse().join(''));
    if (out.length >= 400) break;
  }
  // PowerShell -EncodedCommand: Base64 of UTF-16LE text.
  for (const m of code.matchAll(/\s-e(?:nc(?:odedcommand)?|c)?\s+"?([A-Za-z0-9+/]{20,}={0,2})/gi)) {
    const text = Buffer.from(m[1], 'base64').toString('utf16le');
    // eslint-disable-next-line no-control-regex
    if (text && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) out.push(text.slice(0, 4000));
    if (out.length >= 450) break;
  }
  return out;
}
