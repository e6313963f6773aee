/**
 * What a PE's imports (and, when it resolves APIs at run time, the API names among its strings) say
 * it can do. Each rule names a *combination* of APIs, never a single ordinary one: CreateProcess,
 * RegSetValueEx, VirtualAlloc or IsDebuggerPresent alone are what every program imports. A rule that
 * matches becomes a capability in the report and raises its signal (ids `pe.*`, see
 * signals/definitions/pe.ts); the analyzer may lower the signal for validly signed files.
 *
 * Names are matched without their A/W suffix (`CreateProcess` matches CreateProcessA and
 * CreateProcessW). Strings are matched lower-cased, as substrings of the file's printable strings.
 */

export interface ApiContext {
  /** Imported function names (regular and delay-load), ordinals named as in the imphash. */
  imports: Set<string>;
  /** API names found among the strings while GetProcAddress is imported (resolved at run time). */
  resolved: Set<string>;
  /** Which of the (lower-case) needles occur in the file's strings (bounded by the caller). */
  findStrings: (needles: string[]) => string[];
  /** Number of regular imported functions. */
  importCount: number;
}

export interface Capability {
  /** Signal id raised for it. */
  signal: string;
  name: string;
  evidence: string[];
  /** A strength other than the catalogue's for this match (weaker or stronger variants). */
  strength?: number;
}

/** Every API name the rules look at: candidates for "resolved at run time" among the strings. */
export const RULE_APIS = new Set<string>();

const api = (...names: string[]) => {
  for (const n of names) RULE_APIS.add(n);
  return names;
};

const INJECT_ALLOC = api('VirtualAllocEx', 'VirtualAlloc2', 'NtAllocateVirtualMemory', 'ZwAllocateVirtualMemory', 'NtMapViewOfSection', 'ZwMapViewOfSection');
const INJECT_WRITE = api('WriteProcessMemory', 'NtWriteVirtualMemory', 'ZwWriteVirtualMemory');
const REMOTE_THREAD = api('CreateRemoteThread', 'CreateRemoteThreadEx', 'NtCreateThreadEx', 'ZwCreateThreadEx', 'RtlCreateUserThread');
const UNMAP = api('NtUnmapViewOfSection', 'ZwUnmapViewOfSection');
const SET_CONTEXT = api('SetThreadContext', 'Wow64SetThreadContext', 'NtSetContextThread', 'ZwSetContextThread');
const GET_CONTEXT = api('GetThreadContext', 'Wow64GetThreadContext', 'NtGetContextThread', 'ZwGetContextThread');
const RESUME = api('ResumeThread', 'NtResumeThread', 'ZwResumeThread');
const SUSPEND = api('SuspendThread', 'NtSuspendThread', 'ZwSuspendThread');
const APC = api('QueueUserAPC', 'QueueUserAPC2', 'NtQueueApcThread', 'NtQueueApcThreadEx', 'ZwQueueApcThread');
const OPEN_THREAD = api('OpenThread', 'NtOpenThread');
const DEBUG_LOOP = api('WaitForDebugEvent', 'WaitForDebugEventEx', 'DebugActiveProcess');
const HOOK = api('SetWindowsHookEx');
const ASYNC_KEYS = api('GetAsyncKeyState');
const KEY_STATE = api('GetKeyState', 'GetKeyboardState');
const KEY_TRANSLATE = api('ToAscii', 'ToAsciiEx', 'ToUnicode', 'ToUnicodeEx', 'GetKeyNameText', 'MapVirtualKey', 'MapVirtualKeyEx');
const RAW_INPUT = api('RegisterRawInputDevices');
const RAW_INPUT_READ = api('GetRawInputData');
const CHECK_REMOTE_DEBUGGER = api('CheckRemoteDebuggerPresent');
const QUERY_PROCESS = api('NtQueryInformationProcess', 'ZwQueryInformationProcess');
const HIDE_THREAD = api('NtSetInformationThread', 'ZwSetInformationThread');
const DEBUG_OBJECT = api('NtQueryObject', 'NtCreateDebugObject', 'DbgUiRemoteBreakin');
const REG_WRITE = api('RegSetValueEx', 'RegSetValue', 'RegSetKeyValue', 'RegCreateKeyEx', 'RegCreateKey', 'SHSetValue', 'NtSetValueKey', 'ZwSetValueKey');
const SCM = api('OpenSCManager');
const CREATE_SERVICE = api('CreateService');
const START_SERVICE = api('StartService');
const EXEC = api('CreateProcess', 'CreateProcessAsUser', 'CreateProcessWithLogon', 'CreateProcessWithToken', 'WinExec', 'ShellExecute', 'ShellExecuteEx', 'system', '_wsystem', '_popen', '_wpopen', 'NtCreateUserProcess');
const URL_DOWNLOAD = api('URLDownloadToFile', 'URLDownloadToCacheFile');
const NET_READ = api('InternetOpenUrl', 'InternetReadFile', 'HttpOpenRequest', 'WinHttpOpenRequest', 'WinHttpReadData', 'URLOpenBlockingStream', 'URLOpenStream');
const ENCRYPT = api('CryptEncrypt', 'BCryptEncrypt', 'NCryptEncrypt', 'CryptProtectData');
const FIND_FIRST = api('FindFirstFile', 'FindFirstFileEx', 'NtQueryDirectoryFile');
const FIND_NEXT = api('FindNextFile', 'NtQueryDirectoryFile');
const BLT = api('BitBlt', 'StretchBlt', 'PrintWindow');
const SCREEN_DC = api('GetDesktopWindow', 'GetWindowDC', 'CreateDC');
const BITMAP = api('GetDIBits', 'CreateCompatibleBitmap', 'GdipCreateBitmapFromHBITMAP');
const SAVE_IMAGE = api('GdipSaveImageToFile', 'GdipSaveImageToStream');
const EXFIL = api('send', 'WSASend', 'sendto', 'InternetWriteFile', 'HttpSendRequest', 'HttpSendRequestEx', 'WinHttpSendRequest', 'WinHttpWriteData', 'FtpPutFile', 'FtpOpenFile');
const OPEN_CLIPBOARD = api('OpenClipboard');
const GET_CLIPBOARD = api('GetClipboardData');
const SET_CLIPBOARD = api('SetClipboardData');
const WATCH_CLIPBOARD = api('AddClipboardFormatListener', 'SetClipboardViewer');
const MINIDUMP = api('MiniDumpWriteDump');
const OPEN_PROCESS = api('OpenProcess', 'NtOpenProcess');
const READ_MEMORY = api('ReadProcessMemory', 'NtReadVirtualMemory');
const LOAD_LIBRARY = api('LoadLibrary', 'LoadLibraryEx', 'LdrLoadDll');
const GET_PROC = api('GetProcAddress', 'LdrGetProcedureAddress', 'LdrGetProcedureAddressForCaller');

const RUN_KEYS = [
  'currentversion\\run',
  'currentversion\\runonce',
  'currentversion\\runservices',
  'currentversion\\policies\\explorer\\run',
  'currentversion\\winlogon\\userinit',
  'currentversion\\winlogon\\shell',
  'currentversion\\explorer\\shell folders\\startup',
  'currentversion\\image file execution options',
  'microsoft\\windows nt\\currentversion\\windows\\appinit_dlls',
];
const DEBUGGER_TOOLS = ['ollydbg', 'x64dbg', 'x32dbg', 'windbg', 'idaq.exe', 'idaq64.exe', 'ida64.exe', 'immunitydebugger', 'processhacker', 'procmon', 'procexp', 'wireshark', 'fiddler', 'httpdebugger', 'dumpcap', 'pestudio', 'regmon', 'filemon', 'tcpview', 'scylla', 'cheatengine'];
const VM_ARTIFACTS = [
  'vboxservice', 'vboxtray', 'vboxmouse', 'vboxguest', 'vboxsf', 'virtualbox', 'vmtoolsd', 'vmwaretray', 'vmwareuser', 'vmware tools', 'vmhgfs', 'vmmouse',
  'qemu-ga', 'qemu harddisk', 'sbiedll', 'sandboxie', 'cuckoomon', 'wine_get_unix_file_name', 'xenservice', 'prl_tools', 'vmsrvc', 'vmusrvc', 'joeboxcontrol', 'snxhk', 'avghookx',
];
const SHADOW_DELETION = ['delete shadows', 'shadowcopy delete', 'resize shadowstorage', 'recoveryenabled no', 'bootstatuspolicy ignoreallfailures', 'delete catalog'];
const RANSOM_NOTE = ['your files have been encrypted', 'your files are encrypted', 'all your files', 'decrypt your files', 'decryption key', 'bitcoin wallet', 'tor browser'];
const CREDENTIAL_TOOLS = ['sekurlsa::', 'lsadump::', 'mimikatz', 'kerberos::', 'wdigest'];

export function detectCapabilities(c: ApiContext): Capability[] {
  const found = (names: string[]): string | undefined => {
    for (const n of names) {
      for (const candidate of [n, `${n}A`, `${n}W`]) {
        if (c.imports.has(candidate)) return candidate;
        if (c.resolved.has(candidate)) return `${candidate} (name as string, resolved at run time)`;
      }
    }
    return undefined;
  };
  const all = (...groups: string[][]): string[] | null => {
    const hits: string[] = [];
    for (const g of groups) {
      const h = found(g);
      if (!h) return null;
      hits.push(h);
    }
    return hits;
  };
  // String tests cost a pass over the strings: made only once the APIs they complete are there.
  const strings = (needles: string[]) => c.findStrings(needles);
  const hasString = (needle: string) => c.findStrings([needle]).length > 0;
  const out: Capability[] = [];
  const add = (signal: string, name: string, evidence: string[], strength?: number) => out.push({ signal, name, evidence, ...(strength !== undefined ? { strength } : {}) });

  // Process injection.
  const remoteThread = all(INJECT_ALLOC, INJECT_WRITE, REMOTE_THREAD);
  if (remoteThread) add('pe.injection.remote_thread', 'process injection (remote thread)', remoteThread);
  // Hollowing: the target's image unmapped, or new memory allocated in it, then its thread redirected (RunPE and its variants).
  const hollowing = all(UNMAP, INJECT_WRITE, SET_CONTEXT) ?? all(UNMAP, INJECT_WRITE, RESUME) ?? all(INJECT_ALLOC, INJECT_WRITE, SET_CONTEXT, RESUME);
  if (hollowing) add('pe.injection.hollowing', 'process hollowing', hollowing);
  const apc = all(APC, INJECT_WRITE, INJECT_ALLOC) ?? all(APC, INJECT_WRITE, OPEN_THREAD);
  if (apc) add('pe.injection.apc', 'APC injection', apc);
  // Hijacking a running thread needs it suspended first (a debugger does the same, and is left out).
  const hijack = all(SUSPEND, GET_CONTEXT, SET_CONTEXT, INJECT_WRITE);
  if (hijack && !hollowing && !found(DEBUG_LOOP)) add('pe.injection.thread_hijack', 'thread execution hijacking', hijack);

  // Keylogging.
  const keylog = all(HOOK, ASYNC_KEYS) ?? all(HOOK, KEY_STATE, KEY_TRANSLATE) ?? all(RAW_INPUT, RAW_INPUT_READ, KEY_TRANSLATE);
  if (keylog) add('pe.keylogger', 'keystroke capture', keylog);

  // Debugger and sandbox evasion.
  const antiDebug: string[] = [];
  for (const group of [CHECK_REMOTE_DEBUGGER, QUERY_PROCESS, HIDE_THREAD, DEBUG_OBJECT]) {
    const h = found(group);
    if (h) antiDebug.push(h);
  }
  const tools = antiDebug.length ? strings(DEBUGGER_TOOLS) : [];
  if (tools.length >= 2) antiDebug.push(`analysis tool names: ${tools.slice(0, 8).join(', ')}`);
  if (antiDebug.length >= 2) add('pe.anti_debug', 'debugger detection', [...antiDebug, ...(found(['IsDebuggerPresent']) ? ['IsDebuggerPresent'] : [])]);
  const vm = strings(VM_ARTIFACTS);
  if (vm.length >= 3) add('pe.anti_vm', 'virtual machine / sandbox detection', [`artifact names: ${vm.slice(0, 10).join(', ')}`]);

  // Persistence.
  const regWrite = found(REG_WRITE);
  const runKeys = regWrite ? strings(RUN_KEYS) : [];
  if (regWrite && runKeys.length) add('pe.persistence.run_key', 'autostart registry key', [regWrite, ...runKeys.map((k) => `string: ...\\${k}`)]);
  const service = all(SCM, CREATE_SERVICE);
  if (service) add('pe.persistence.service', 'service installation', [...service, ...(found(START_SERVICE) ? [found(START_SERVICE)!] : [])]);
  const exec = found(EXEC);
  const schtasks = !!exec && hasString('schtasks') && strings(['/create', '-create']).length > 0;
  const taskCom = !!found(['CoCreateInstance']) && strings(['0f87369f-a4e5-4cfc-bd3e-73e6154572dd', '148bd52a-a2ab-11ce-b11f-00aa00530503']).length > 0;
  if ((schtasks && exec) || (taskCom && found(['CoCreateInstance']))) {
    add('pe.persistence.scheduled_task', 'scheduled task creation', [...(schtasks ? ['string: schtasks /create', exec!] : []), ...(taskCom ? ['Task Scheduler COM class id', 'CoCreateInstance'] : [])]);
  }

  // Download and execute.
  const urlDownload = found(URL_DOWNLOAD);
  const netRead = found(NET_READ);
  if (urlDownload && exec) add('pe.download_execute', 'download and execute', [urlDownload, exec], 0.6);
  else if (netRead && exec && (found(['WinExec']) || found(['WriteFile']))) add('pe.download_execute', 'download and execute', [netRead, exec, ...(found(['WriteFile']) ? ['WriteFile'] : [])], 0.45);

  // Ransomware traits.
  const encrypt = found(ENCRYPT);
  const traversal = all(FIND_FIRST, FIND_NEXT);
  const shadows = encrypt || traversal ? strings(SHADOW_DELETION) : [];
  const note = encrypt || traversal ? strings(RANSOM_NOTE) : [];
  if ((encrypt && traversal) || (shadows.length && traversal) || (note.length && (encrypt || traversal))) {
    const evidence = [...(encrypt ? [encrypt] : []), ...(traversal ?? []), ...shadows.map((s) => `string: ${s}`), ...note.map((s) => `string: ${s}`)];
    add('pe.ransomware_traits', 'file encryption with directory traversal', evidence, shadows.length || note.length ? 0.75 : undefined);
  }

  // Collection.
  const capture = all(BLT, SCREEN_DC, BITMAP);
  const exfil = found(EXFIL);
  const save = found(SAVE_IMAGE);
  if (capture && (exfil || save)) add('pe.screen_capture', 'screen capture', [...capture, (save ?? exfil)!]);
  const clipRead = all(OPEN_CLIPBOARD, GET_CLIPBOARD);
  const watch = found(WATCH_CLIPBOARD);
  const replace = found(SET_CLIPBOARD);
  if (clipRead && ((watch && replace) || exfil)) add('pe.clipboard', watch && replace ? 'clipboard monitoring and replacement' : 'clipboard theft', [...clipRead, ...(watch && replace ? [watch, replace] : [exfil!])]);

  // Credential access.
  const dump = found(MINIDUMP);
  const readMemory = all(OPEN_PROCESS, READ_MEMORY);
  const lsass = (dump || readMemory) && hasString('lsass');
  const credTools = strings(CREDENTIAL_TOOLS);
  if ((lsass && (dump || readMemory)) || credTools.length >= 2) {
    add('pe.credential_dumping', 'credential dumping (LSASS memory)', [...(lsass ? ['string: lsass'] : []), ...(dump ? [dump] : []), ...(readMemory && !dump ? readMemory : []), ...credTools.map((s) => `string: ${s}`)]);
  }

  // Dynamic API resolution: almost nothing imported but the means to import the rest.
  const loader = all(LOAD_LIBRARY, GET_PROC);
  if (loader && c.importCount <= 10) add('pe.dynamic_api_resolution', 'dynamic API resolution', [...loader, `${c.importCount} imported function(s) in all`]);

  return out;
}
