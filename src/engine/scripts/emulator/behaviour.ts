import { identify, FileKind } from '../../identify/identify';
import type { SignalHit } from '../../types';
import { FAKE_ENV, printable } from '../text';
import type { EmulationRecord, EmulationResult } from './emulator';

/**
 * Emulation records turned into signals: downloads through Windows components, downloaded files
 * saved and then run (the dropper chain), processes, WMI, Run-key and scheduled-task persistence,
 * executables and scripts written to disk, HTML smuggling, dynamic code, self-deletion, long
 * sleeps; and the command lines the sample started, for the static layers.
 */

const MAX_EVIDENCE = 10;
const EXECUTABLE_EXT = /\.(exe|dll|scr|com|pif|cpl|msi|bat|cmd|vbs|vbe|js|jse|wsf|wsh|hta|ps1|psm1|lnk|jar|sct|url|iso|img|vhdx?|one)$/i;
const ARCHIVE_EXT = /\.(zip|rar|7z|cab|gz|tgz|ace|arj|iso|img)$/i;
const RISKY_KINDS = new Set<FileKind>(['pe', 'elf', 'macho', 'lnk', 'hta', 'javascript', 'vbscript', 'powershell', 'batch', 'zip', 'jar', '7z', 'rar', 'iso', 'cab', 'ole', 'ooxml']);

/** API names of process creation (Quit and exit are not). */
const PROCESS_API = /^(WScript\.Shell\.(Run|Exec)|Shell\.Application\.(ShellExecute|Open|ServiceStart|FolderItem\.InvokeVerb)|WMI\.(Win32_Process\.Create|ExecMethod)|child_process\.|exportDataObject|IRegisteredTask\.Run|process\.kill)/;
/** HTTP through Windows / Node components (a browser's fetch, XHR and navigation are what pages do). */
const DOWNLOAD_API = /^(MSXML2\.(XMLHTTP|ServerXMLHTTP)\.send|WinHttp\.WinHttpRequest\.send|GetObject\(script\)|https?\.(get|request)|MSXML2\.DOMDocument\.load)$/;
const SMUGGLING_API = /^(a\.download\((blob|data)\)|navigator\.msSave(OrOpen)?Blob)$/;

export interface EmulationFindings {
  signals: SignalHit[];
  /** Command lines the sample started (for static analysis as layers). */
  commands: { command: string; record: number }[];
  /** Text to extract indicators from (URLs requested, keys written, commands). */
  iocText: string;
}

/** The command line of a process record. */
function commandOf(r: EmulationRecord): string | null {
  if (r.api === 'Shell.Application.ShellExecute') return `${r.args[0] ?? ''} ${r.args[1] ?? ''}`.trim();
  if (r.api === 'exportDataObject') return null;
  if (r.api === 'WMI.ExecMethod') return r.args[2] && r.args[2] !== 'undefined' ? r.args[2] : null;
  return r.args[0] ?? null;
}

const lowerPath = (p: string) => p.toLowerCase().replace(/\//g, '\\');
const baseName = (p: string) => p.slice(Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/')) + 1);

/**
 * Code worth calling dynamic: not the idioms libraries use everywhere (`Function('return this')`,
 * an empty body, a short callback string, `eval('(' + json + ')')` of a data literal).
 */
function substantialCode(code: string): boolean {
  const c = code.trim();
  if (c.length < 40) return false;
  if (/^\(?\s*[{[][\s\S]*[}\]]\s*\)?\s*;?$/.test(c) && !/\bfunction\b|=>|\w\s*\(/.test(c)) return false;
  return true;
}

export function emulationFindings(result: EmulationResult, scriptName: string): EmulationFindings {
  const hits = new Map<string, SignalHit>();
  const add = (id: string, evidence: string, mitre?: string[]) => {
    let hit = hits.get(id);
    if (!hit) hits.set(id, (hit = { id, evidence: [] }));
    const line = printable(evidence, 300);
    if (hit.evidence.length < MAX_EVIDENCE && !hit.evidence.includes(line)) hit.evidence.push(line);
    if (mitre) hit.mitre = [...new Set([...(hit.mitre ?? []), ...mitre])];
  };
  const commands: { command: string; record: number }[] = [];
  const iocParts: string[] = [];
  const scriptPath = lowerPath(`${FAKE_ENV.USERPROFILE}\\Downloads\\${scriptName.split(/[\\/]/).pop() || 'sample.js'}`);
  /** Files written from downloaded content: lower-case path → URL. */
  const downloadedFiles = new Map<string, string>();
  let requested = false;

  result.records.forEach((r, i) => {
    if (r.category === 'network') {
      iocParts.push(r.args.slice(0, 2).join(' '));
      if (DOWNLOAD_API.test(r.api)) {
        requested = true;
        add('script.emulation.download', `${r.api}: ${r.args.slice(0, 2).join(' ')}`);
      }
    }
    if (r.category === 'file') {
      const path = r.args[0] ?? '';
      const from = (r.args[2] ?? '').replace(/^content from /, '');
      if (/^https?:|^ftp:/i.test(from)) downloadedFiles.set(lowerPath(path), from);
      if (SMUGGLING_API.test(r.api)) {
        // Judged below with the dropped content.
      } else if (/SaveToFile|CreateTextFile|OpenTextFile|\.Copy|CopyFile|MoveFile|fs\.write|fs\.append|createWriteStream|CreateShortcut\.Save/.test(r.api) && EXECUTABLE_EXT.test(path)) {
        const startup = /\\start menu\\programs\\startup\\/i.test(path);
        add('script.emulation.file_dropped', `${r.api}: ${path}${from ? ` (content from ${from})` : ''}`, startup ? ['T1547.001'] : undefined);
      }
      if (/DeleteFile|File\.Delete|fs\.unlink/.test(r.api) && lowerPath(path) === scriptPath) add('script.emulation.self_delete', `${r.api}: ${path}`);
    }
    if (r.category === 'registry' && r.api === 'WScript.Shell.RegWrite') {
      iocParts.push(r.args[0] ?? '');
      if (/\\CurrentVersion\\(Run|RunOnce|RunServices|RunOnceEx|Policies\\Explorer\\Run)\\/i.test(r.args[0] ?? '')) add('script.emulation.registry_autorun', `${r.args[0]} = ${r.args[1] ?? ''}`);
      else add('script.emulation.registry_write', `${r.args[0]} = ${r.args[1] ?? ''}`);
    }
    if (r.category === 'process' && PROCESS_API.test(r.api)) {
      const command = commandOf(r);
      if (r.api === 'Schedule.Service.RegisterTaskDefinition') return;
      add(r.api.startsWith('WMI.') ? 'script.emulation.wmi_process' : 'script.emulation.process', `${r.api}: ${r.args.slice(0, 2).join(' ')}`);
      if (command) {
        commands.push({ command, record: i });
        iocParts.push(command);
        const lower = command.toLowerCase().replace(/\//g, '\\');
        for (const [path, url] of downloadedFiles) {
          const name = baseName(path);
          if (requested && (lower.includes(path) || (name.length > 2 && new RegExp(`(^|[\\\\\\s"'])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[\\s"'])`).test(lower)))) {
            add('script.emulation.download_execute', `downloaded ${url} → saved ${path} → ran ${command}`);
          }
        }
      }
    }
    if (r.api === 'Schedule.Service.RegisterTaskDefinition') add('script.emulation.scheduled_task', `${r.args[0] ?? ''}: ${r.args[1] ?? ''}`);
    if (r.category === 'eval') {
      if (/^(eval|Function|setTimeout|setInterval|app\.setTimeOut|app\.setInterval|BinaryFormatter\.Deserialize_2)$/.test(r.api) && substantialCode(r.args[0] ?? '')) add('script.emulation.dynamic_code', `${r.api}: ${r.args[0] ?? ''}`);
      else if (r.api === 'document.write' && /<script\b(?![^>]*\bsrc\s*=)[^>]*>\s*\S/i.test(r.args[0] ?? '')) add('script.emulation.dynamic_code', `${r.api}: ${r.args[0] ?? ''}`);
    }
    if (r.api === 'WMI.ExecQuery' && /antivirusproduct|win32_computersystem|win32_bios|win32_process\b|win32_diskdrive|win32_videocontroller|win32_operatingsystem/i.test(r.args[0] ?? '')) add('script.emulation.reconnaissance', `${r.api}: ${r.args[0]}`);
  });

  for (const d of result.drops) {
    const record = result.records[d.record];
    if (!record || !SMUGGLING_API.test(record.api)) continue;
    const kind = identify(d.data).kind;
    if (EXECUTABLE_EXT.test(d.path) || ARCHIVE_EXT.test(d.path) || RISKY_KINDS.has(kind)) add('script.emulation.html_smuggling', `${record.api}: ${d.path} (${d.data.length} bytes, ${kind})`);
  }
  if ((result.sleepMs ?? 0) >= 30_000) add('script.emulation.sleep_evasion', `slept ${Math.round((result.sleepMs ?? 0) / 1000)} s of emulated time`);

  return { signals: [...hits.values()], commands, iocText: iocParts.join('\n') };
}
