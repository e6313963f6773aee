import { LnkInfo, parseLnk } from '../formats/lnk/lnk-file';
import { identify } from '../identify/identify';
import { extractIocs, IocCollector, refang } from '../iocs/extract';
import type { AnalysisIssue, Analyzer, AnalyzerResult, ExtractedFile, FileContext, SignalHit } from '../types';
import { IocType, Verdict } from '../types';

/**
 * Windows shortcuts (.lnk, MS-SHLLINK): what they run, with which arguments, how, and what they
 * claim to be.
 *
 * Facts (resources.lnk): header flags, file attributes, creation/access/write times, target size,
 * show command, hot key, the target (LinkInfo local path or network share, environment-variable
 * target, or the path rebuilt from the ID list), name, relative path, working directory, command-line
 * arguments (whole up to 32 Ki characters, with their declared length), icon location and index,
 * ExtraData (tracker: machine id, droids, MAC address and time from the file droid; known and
 * special folder; console; Darwin id; shim layer), a decoded PowerShell `-EncodedCommand`, and
 * appended data.
 *
 * Signals (`lnk.*`, signals/definitions/formats.ts): the target is an interpreter or a
 * proxy-execution binary *with arguments* (a shortcut to cmd.exe or notepad.exe without arguments
 * is ordinary) — PowerShell, cmd, mshta, wscript/cscript, rundll32, regsvr32, msiexec, certutil,
 * bitsadmin, curl/wget, and forfiles/pcalua/conhost/hh/wmic/schtasks and similar; arguments that
 * are encoded, padded or obfuscated (T1027.010); a hidden or minimized window for such a command
 * (T1564.003); a document's or folder's icon on a program (T1036); URLs or network shares in the
 * arguments (also returned as IOCs with origin `lnk`); a target on a WebDAV or IP-addressed share;
 * an icon loaded from a remote share (forced authentication); data appended after the structure
 * (extracted as `lnk-appended`).
 */
const MAX_EVIDENCE_CHARS = 400;

interface Interpreter {
  signal: string;
  mitre?: string[];
}

const INTERPRETERS: Record<string, Interpreter> = {
  'powershell.exe': { signal: 'lnk.target.powershell' },
  'powershell_ise.exe': { signal: 'lnk.target.powershell' },
  'pwsh.exe': { signal: 'lnk.target.powershell' },
  'cmd.exe': { signal: 'lnk.target.cmd' },
  'mshta.exe': { signal: 'lnk.target.mshta' },
  'wscript.exe': { signal: 'lnk.target.script_host' },
  'cscript.exe': { signal: 'lnk.target.script_host' },
  'rundll32.exe': { signal: 'lnk.target.rundll32' },
  'regsvr32.exe': { signal: 'lnk.target.regsvr32' },
  'msiexec.exe': { signal: 'lnk.target.msiexec' },
  'certutil.exe': { signal: 'lnk.target.certutil' },
  'bitsadmin.exe': { signal: 'lnk.target.bitsadmin' },
  'curl.exe': { signal: 'lnk.target.downloader' },
  'wget.exe': { signal: 'lnk.target.downloader' },
  'forfiles.exe': { signal: 'lnk.target.lolbin' },
  'pcalua.exe': { signal: 'lnk.target.lolbin' },
  'conhost.exe': { signal: 'lnk.target.lolbin' },
  'hh.exe': { signal: 'lnk.target.lolbin', mitre: ['T1218.001'] },
  'wmic.exe': { signal: 'lnk.target.lolbin', mitre: ['T1047'] },
  'schtasks.exe': { signal: 'lnk.target.lolbin', mitre: ['T1053.005'] },
  'cmstp.exe': { signal: 'lnk.target.lolbin' },
  'msbuild.exe': { signal: 'lnk.target.lolbin' },
  'installutil.exe': { signal: 'lnk.target.lolbin' },
  'regasm.exe': { signal: 'lnk.target.lolbin' },
  'regsvcs.exe': { signal: 'lnk.target.lolbin' },
  'odbcconf.exe': { signal: 'lnk.target.lolbin' },
  'mavinject.exe': { signal: 'lnk.target.lolbin', mitre: ['T1055.001'] },
  'scriptrunner.exe': { signal: 'lnk.target.lolbin' },
  'bash.exe': { signal: 'lnk.target.lolbin', mitre: ['T1059.004'] },
  'wsl.exe': { signal: 'lnk.target.lolbin', mitre: ['T1059.004'] },
  'python.exe': { signal: 'lnk.target.lolbin', mitre: ['T1059.006'] },
  'pythonw.exe': { signal: 'lnk.target.lolbin', mitre: ['T1059.006'] },
  'ftp.exe': { signal: 'lnk.target.lolbin' },
  'expand.exe': { signal: 'lnk.target.lolbin', mitre: ['T1140'] },
  'extrac32.exe': { signal: 'lnk.target.lolbin', mitre: ['T1140'] },
  'explorer.exe': { signal: 'lnk.target.lolbin' },
};

/** Icons a lure borrows: documents, folders, browsers and document viewers. */
const DOCUMENT_ICON = /\.(pdf|docx?|docm|xlsx?|xlsm|pptx?|rtf|txt|odt|jpe?g|png|gif|bmp|html?|zip|rar|7z|ico)$/i;
const BORROWED_ICON_HOSTS = new Set([
  'shell32.dll', 'imageres.dll', 'moricons.dll', 'acrord32.exe', 'acrobat.exe', 'foxitreader.exe', 'foxitpdfreader.exe', 'winword.exe', 'excel.exe', 'powerpnt.exe',
  'wordpad.exe', 'msedge.exe', 'chrome.exe', 'firefox.exe', 'iexplore.exe', 'notepad.exe', 'explorer.exe', 'mspaint.exe', 'photoviewer.dll', 'zipfldr.dll',
]);
const EXECUTABLE_TARGET = /\.(exe|com|scr|pif|cpl|dll|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|hta|msi|lnk|jar)$/i;

const ENCODED_COMMAND = /(?:^|\s)[-/]e(?:c|n|nc|nco|ncod|ncode|ncoded|ncodedc|ncodedco|ncodedcom|ncodedcomm|ncodedcomma|ncodedcomman|ncodedcommand)?\s+["']?([A-Za-z0-9+/]{16,}={0,2})/i;
const HIDDEN_STYLE = /(?:^|\s)[-/]w(?:i|in|ind|indo|indow|indows|indowst|indowsty|indowstyl|indowstyle)?\s+["']?(?:hidden|h|1|minimized|min)\b/i;
const DOWNLOAD_CRADLE = /\b(?:DownloadString|DownloadFile|DownloadData|Invoke-WebRequest|iwr|Invoke-RestMethod|irm|Net\.WebClient|Start-BitsTransfer|XMLHTTP|WinHttpRequest)\b/i;

export class LnkAnalyzer implements Analyzer {
  readonly name = 'lnk';
  readonly budgetMs = 5_000;

  appliesTo(file: FileContext): boolean {
    return file.identity.kind === 'lnk';
  }

  async analyze(file: FileContext): Promise<AnalyzerResult> {
    let lnk: LnkInfo;
    try {
      lnk = parseLnk(file.data);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { facts: { lnk: { error: message } }, signals: [{ id: 'lnk.malformed', evidence: [message] }] };
    }
    const signals: SignalHit[] = [];
    const issues: AnalysisIssue[] = [];
    const children: ExtractedFile[] = [];
    const hit = (id: string, evidence: string[], extra: Partial<SignalHit> = {}) => {
      if (evidence.length) signals.push({ id, evidence: evidence.map(clip), ...extra });
    };

    const args = lnk.arguments ?? '';
    const hasArgs = args.trim().length > 0;
    const targets = [lnk.target, lnk.extra.environmentTarget, lnk.relativePath, lnk.idListPath].filter((t): t is string => !!t);
    const program = programName(targets);
    const interpreter = program ? INTERPRETERS[program] : undefined;
    const commandLine = `${lnk.target ?? program ?? ''} ${args}`.trim();

    // The command: an interpreter or proxy binary with arguments.
    if (interpreter && hasArgs) hit(interpreter.signal, [commandLine], interpreter.mitre ? { mitre: interpreter.mitre } : {});

    // Encoded PowerShell: decoded for the analyst and for indicators.
    let decoded: string | undefined;
    const encoded = ENCODED_COMMAND.exec(args);
    if (encoded && (program === 'powershell.exe' || program === 'pwsh.exe' || /powershell|pwsh/i.test(args))) {
      const text = Buffer.from(encoded[1], 'base64').toString('utf16le');
      if (/^[\x09\x0a\x0d\x20-\x7e\u00a0-\uffef]*$/.test(text) && text.trim()) decoded = text.slice(0, 16_384);
    }
    const obfuscation: string[] = [];
    if ((lnk.argumentsLength ?? 0) > 260) obfuscation.push(`arguments are ${lnk.argumentsLength} characters long (the Properties dialog shows 260)`);
    const padding = /^\s{20,}|\s{40,}/.exec(args);
    if (padding) obfuscation.push(`arguments padded with ${padding[0].length} whitespace characters`);
    if (encoded) obfuscation.push(`encoded command: ${encoded[1].slice(0, 80)}${encoded[1].length > 80 ? '...' : ''}${decoded ? ` → ${decoded}` : ''}`);
    if ((args.match(/\^/g) ?? []).length >= 5) obfuscation.push('cmd caret escapes');
    if (/%[\w]+:~-?\d+(,-?\d+)?%/.test(args)) obfuscation.push('cmd variable substrings (%VAR:~n,m%)');
    if ((args.match(/`/g) ?? []).length >= 5) obfuscation.push('PowerShell backtick escapes');
    if (/\[char\]\s*\d+|FromBase64String|-join\s*\(|\bIEX\b|Invoke-Expression|-bxor/i.test(args)) obfuscation.push('PowerShell decoding or dynamic invocation');
    if ((args.match(/["']\s*\+\s*["']/g) ?? []).length >= 4) obfuscation.push('string concatenation');
    hit('lnk.obfuscated_arguments', hasArgs && (interpreter || obfuscation.length > 1) ? obfuscation : []);

    // Window.
    const hiddenWindow: string[] = [];
    if (lnk.showCommandValue === 7 && interpreter && hasArgs) hiddenWindow.push(`show command: minimized without activation (${program})`);
    if (HIDDEN_STYLE.test(args) || (decoded && HIDDEN_STYLE.test(decoded))) hiddenWindow.push(`window style hidden in the arguments: ${(HIDDEN_STYLE.exec(args) ?? HIDDEN_STYLE.exec(decoded ?? ''))?.[0].trim()}`);
    hit('lnk.hidden_window', hiddenWindow);

    // Borrowed icon.
    const icon = lnk.iconLocation ?? lnk.extra.iconEnvironment;
    if (icon && program && (interpreter || EXECUTABLE_TARGET.test(program))) {
      const iconFile = baseName(icon).toLowerCase();
      if (iconFile !== program && (DOCUMENT_ICON.test(iconFile) || BORROWED_ICON_HOSTS.has(iconFile))) {
        hit('lnk.icon_masquerade', [`runs ${program}${hasArgs ? ' with arguments' : ''} but shows the icon ${icon},${lnk.iconIndex}`]);
      }
    }
    if (icon && /^\\\\/.test(icon.trim())) hit('lnk.remote_payload', [`icon loaded from a network share: ${icon}`], { mitre: ['T1187'] });

    // Indicators in the arguments and decoded command, and network locations.
    const collector = new IocCollector();
    for (const text of [args, decoded ?? '', icon ?? '', ...targets]) if (text) extractIocs(refang(text), collector);
    const urls = collector.list(IocType.Url);
    const unc = [...new Set([...args.matchAll(/\\\\[\w.$@-]+(?:@SSL)?(?:@\d+)?\\[^\s"']+/gi)].map((m) => m[0]))];
    const remote = [...urls.map((u) => `URL ${u}`), ...unc.map((u) => `share ${u}`), ...(hasArgs && DOWNLOAD_CRADLE.test(`${args} ${decoded ?? ''}`) ? ['download cradle in the command'] : [])];
    if (hasArgs) hit('lnk.remote_payload', remote);
    const networkTarget = lnk.linkInfo?.networkShare ?? (lnk.target?.startsWith('\\\\') ? lnk.target : undefined);
    if (networkTarget) {
      const webdav = /@SSL|DavWWWRoot|@\d{2,5}\\|\\\\\d{1,3}(\.\d{1,3}){3}\\/i.test(networkTarget + (lnk.target ?? ''));
      const runnable = EXECUTABLE_TARGET.test(lnk.target ?? '');
      if (webdav || runnable) {
        hit('lnk.network_target', [`target on ${webdav ? 'a WebDAV or IP-addressed share' : 'a network share'}: ${lnk.target ?? networkTarget}`], webdav ? {} : { verdict: Verdict.Informational, strength: 0.3 });
      }
    }

    // Appended data.
    const appended = file.data.length - lnk.end;
    let appendedFact: { offset: number; size: number; type: string } | undefined;
    if (appended > 0) {
      const tail = file.data.subarray(lnk.end);
      if (tail.some((b) => b !== 0)) {
        const identity = identify(tail);
        appendedFact = { offset: lnk.end, size: appended, type: identity.label };
        hit('lnk.appended_data', [`${appended} byte(s) after the shortcut (${identity.label})`]);
        if (file.extractionBudget.files > 0 && appended <= file.extractionBudget.bytes) children.push({ name: `appended-0x${lnk.end.toString(16)}.${identity.extension}`, data: tail.slice(), relation: 'lnk-appended' });
      }
    }
    if (lnk.errors.length) {
      hit('lnk.malformed', lnk.errors);
      issues.push({ analyzer: this.name, kind: 'error', message: `the shortcut could not be read completely: ${lnk.errors[0]}` });
    }

    const iocs = [...collector.values.entries()].flatMap(([type, values]) => [...values].map((value) => ({ type, value, origin: 'lnk' })));
    const { end, errors, showCommandValue, ...facts } = lnk;
    void end;
    void showCommandValue;
    return {
      facts: {
        lnk: {
          ...facts,
          ...(program ? { program } : {}),
          ...(decoded ? { decodedCommand: decoded } : {}),
          ...(appendedFact ? { appendedData: appendedFact } : {}),
          ...(errors.length ? { errors } : {}),
        },
      },
      signals,
      iocs,
      children,
      issues,
      tags: ['lnk', ...(interpreter && hasArgs ? ['lnk-command'] : [])],
    };
  }
}

const baseName = (path: string) => {
  const trimmed = path.trim().replace(/^"|"$/g, '');
  return trimmed.slice(Math.max(trimmed.lastIndexOf('\\'), trimmed.lastIndexOf('/')) + 1);
};

/** The program a shortcut runs: the file name of its first target with a name, lower-case, environment variables left as they are. */
function programName(targets: string[]): string | undefined {
  for (const t of targets) {
    const name = baseName(t).toLowerCase();
    if (name) return name;
  }
  return undefined;
}

const clip = (s: string) => (s.length > MAX_EVIDENCE_CHARS ? `${s.slice(0, MAX_EVIDENCE_CHARS)}… (${s.length} characters)` : s);
