import { IocType } from '../types';
import { executableUrl, extractIocs, IocCollector, isIPv4, refang, urlParts } from './extract';
import { isWhitelistedHost, isWhitelistedIp, isWhitelistedUrl } from './whitelist';

/** Everything extracted from `text`, by type, in discovery order. */
function iocs(text: string, options: { quotedDomainsOnly?: boolean; codeAwareLines?: boolean; maxPerType?: number } = {}) {
  const collector = new IocCollector({ maxPerType: options.maxPerType });
  extractIocs(refang(text), collector, 0, Infinity, options);
  return Object.fromEntries([...collector.values].filter(([, v]) => v.size).map(([type, v]) => [type, [...v]]));
}

describe('URLs', () => {
  it('http, https and ftp, with ports, userinfo, paths and queries; the host becomes a domain or IP', () => {
    expect(iocs('get http://evil-site.ru/payload.exe?x=1&y=2 then HTTPS://Login.Evil.NET:8443/Path/A and ftp://user:pw@files.evil.cn/drop.bin')).toEqual({
      url: ['http://evil-site.ru/payload.exe?x=1&y=2', 'https://login.evil.net:8443/Path/A', 'ftp://user:pw@files.evil.cn/drop.bin'],
      domain: ['evil-site.ru', 'login.evil.net', 'files.evil.cn'],
    });
  });

  it('IP hosts (v4 and bracketed v6)', () => {
    expect(iocs('beacon to http://198.18.7.9:8080/gate.php and http://[2606:4700::1111]/x')).toEqual({
      url: ['http://198.18.7.9:8080/gate.php', 'http://[2606:4700::1111]/x'],
      ip: ['198.18.7.9', '2606:4700::1111'],
    });
  });

  it('sentence punctuation, quotes, brackets and markdown around a URL are not part of it', () => {
    expect(iocs('See http://one.evil.ru/a. Or (http://two.evil.ru/b), "http://three.evil.ru/c"; [x](http://four.evil.ru/d) <http://five.evil.ru/e>').url).toEqual([
      'http://one.evil.ru/a',
      'http://two.evil.ru/b',
      'http://three.evil.ru/c',
      'http://four.evil.ru/d',
      'http://five.evil.ru/e',
    ]);
    expect(iocs('http://en.wikipedia.org/wiki/Foo_(bar) and more').url).toEqual(['http://en.wikipedia.org/wiki/Foo_(bar)']);
  });

  it('defanged URLs are refanged', () => {
    expect(iocs('hxxp://bad[.]evil[.]ru/x.ps1 and hXXps[:]//c2(.)evil(dot)top/gate and fxp://drop{.}evil.cn/a and 203[.]0[.]113[.]50')).toEqual({
      url: ['http://bad.evil.ru/x.ps1', 'https://c2.evil.top/gate', 'ftp://drop.evil.cn/a'],
      domain: ['bad.evil.ru', 'c2.evil.top', 'drop.evil.cn'],
    });
    expect(refang('user[at]mail[.]ru http[://]host[.]com fe80[:]1')).toBe('user@mail.ru http://host.com fe80:1');
    expect(refang('nothing to do here')).toBe('nothing to do here');
  });

  it('a known scheme glued to a preceding byte in binary strings is still found', () => {
    expect(iocs('Ahttps://glued.evil.com/x').url).toEqual(['https://glued.evil.com/x']);
  });

  it('hosts without a public suffix, schemes other than http(s)/ftp and bare schemes are not URLs', () => {
    expect(iocs('http://intranet/x http://setup.exe/y file:///etc/passwd javascript://x http:// https://')).toEqual({});
  });

  it('accepts extension-like public suffixes in URL context only', () => {
    expect(iocs('download https://files.zip/a.bin, but notes.zip, script.py and README.md are files')).toEqual({
      url: ['https://files.zip/a.bin'],
      domain: ['files.zip'],
    });
  });

  it('are cut at the URL length limit', () => {
    const long = `http://long.evil.ru/${'a'.repeat(3000)}`;
    expect(iocs(long).url).toEqual([long.slice(0, 2048)]);
  });
});

describe('domains', () => {
  it('validates against the public suffix list and rejects file names', () => {
    expect(iocs('c2 at evil-domain.xyz, cdn.evil.co.uk and malware.top; not setup.exe kernel32.dll report.pdf photo.jpeg nope.invalidtld').domain).toEqual([
      'evil-domain.xyz',
      'cdn.evil.co.uk',
      'malware.top',
    ]);
  });

  it('real suffixes that look like extensions need www. outside URLs', () => {
    expect(iocs('movie.mov run.sh tool.py lib.so www.shop.zip').domain).toEqual(['www.shop.zip']);
  });

  it('rejects .NET namespaces, code property chains and identifier-glued tokens; keeps conventional case', () => {
    expect(iocs('System.Net System.IO Date.now window.top this.name my_var.com $x.com obj.run( Microsoft.com EVIL.COM').domain).toEqual(['microsoft.com', 'evil.com']);
  });

  it('in source code, only inside string literals', () => {
    const js = 'var u = "update.evil-cdn.com"; cache.hooks.store(); config.server.com = 1; fetch(\'//static.evil-cdn.net/x\')';
    expect(iocs(js, { quotedDomainsOnly: true }).domain).toEqual(['update.evil-cdn.com', 'static.evil-cdn.net']);
    expect(iocs(js).domain).toEqual(['update.evil-cdn.com', 'static.evil-cdn.net']); // config.* is a receiver anyway
  });

  it('in mixed content, bare domains on lines of code only inside string literals', () => {
    const text = 'api.server.evil.ru = 1;\nhost = "c2.evil.ru"; if (a && b) ping.evil.ru\nmirror at mirror.evil.ru for updates';
    expect(iocs(text, { codeAwareLines: true }).domain).toEqual(['c2.evil.ru', 'mirror.evil.ru']);
    expect(iocs(text).domain).toEqual(['api.server.evil.ru', 'c2.evil.ru', 'ping.evil.ru', 'mirror.evil.ru']);
  });

  it('suffixes that are everyday member names need www. outside URLs', () => {
    expect(iocs('entry.name methods.post part.stream www.shop.store http://files.shop.store/x').domain).toEqual(['files.shop.store', 'www.shop.store']); // URL hosts are read first
  });

  it('short registrable names stand alone only with a subdomain', () => {
    expect(iocs('ab.de x.com qq.com mail.ru www.x.com').domain).toEqual(['mail.ru', 'www.x.com']);
  });
});

describe('IPv4', () => {
  it('valid dotted quads only', () => {
    expect(iocs('8.8.8.8 10.1.2.3, 192.168.0.10: 256.1.1.1 1.2.3 1.2.3.4.5 010.1.1.1 1.02.3.4').ip).toEqual(['8.8.8.8', '10.1.2.3', '192.168.0.10']);
  });

  it('skips versions, network addresses and netmasks', () => {
    expect(iocs('version 1.2.3.4, Version=4.0.0.0, v2.3.4.5, ver. 5.6.7.8, FileVersion\n6.1.7.9, 10.0.0.0 255.255.255.0 0.1.2.3 but 9.9.9.9')).toEqual({ ip: ['9.9.9.9'] });
    expect(iocs('RFC 7540 8.1.2.4, section 3.2.1.4, § 4.4.4.4 and 5.5.5.5')).toEqual({ ip: ['5.5.5.5'] });
  });

  it('strict parsing', () => {
    expect(isIPv4('1.2.3.4')).toBe(true);
    expect(isIPv4('255.255.255.255')).toBe(true);
    for (const bad of ['01.2.3.4', '1.2.3.256', '1.2.3', '1.2.3.4.5', '1..3.4', 'a.b.c.d', '1.2.3.-4']) expect(isIPv4(bad)).toBe(false);
  });
});

describe('IPv6', () => {
  it('needs two colons, two groups and four hex digits; validated by node:net', () => {
    // The dotted quad inside the mapped address is reported too (dotted tokens are read first).
    expect(iocs('2001:4860:4860::8888 fe80::1c2b:3d4e and ::ffff:198.18.0.1; not std::string, 12:30:45, a::b, de:ad:be:ef:00:11, 1:2:3:4:5:6:7:8:9').ip).toEqual([
      '198.18.0.1',
      '2001:4860:4860::8888',
      'fe80::1c2b:3d4e',
      '::ffff:198.18.0.1',
    ]);
  });
});

describe('e-mail addresses', () => {
  it('lower-cased, with a public suffix, not inside URLs', () => {
    expect(iocs('Mail Admin@Corp-Mail.DE or first.last+tag@sub.mail.co.uk; mailto:sales@shop.evil.ru http://u:p@login.evil.net/ x@y.z a@bc.de image@2x.png')).toEqual({
      email: ['admin@corp-mail.de', 'first.last+tag@sub.mail.co.uk', 'sales@shop.evil.ru'],
      url: ['http://u:p@login.evil.net/'],
      domain: ['login.evil.net'],
    });
  });
});

describe('digests and UUIDs', () => {
  it('exact-length hex runs bounded by non-word characters, lower-cased', () => {
    const md5 = 'D41D8CD98F00B204E9800998ECF8427E';
    const sha1 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
    const sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const sha512 = 'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';
    expect(iocs(`md5=${md5} sha1:${sha1}\n"${sha256}" ${sha512}.`)).toEqual({ md5: [md5.toLowerCase()], sha1: [sha1], sha256: [sha256], sha512: [sha512] });
  });

  it('rejects runs of other lengths, glued to words, one character, repeated patterns, mixed case and all digits', () => {
    const text = [
      'd41d8cd98f00b204e9800998ecf8427', // 31
      'd41d8cd98f00b204e9800998ecf8427e0', // 33
      'xd41d8cd98f00b204e9800998ecf8427e',
      'd41d8cd98f00b204e9800998ecf8427e_',
      '0'.repeat(32),
      'f'.repeat(64),
      '0123456789abcdef0123456789abcdef',
      'D41d8cd98f00b204e9800998ecf8427e',
      '12345678901234567890123456789012',
    ].join(' ');
    expect(iocs(text)).toEqual({});
  });

  it('UUIDs, braced or not; not the nil UUID, not mixed case', () => {
    expect(iocs('{6F9619FF-8B86-D011-B42D-00C04FC964FF} clsid:0002df01-0000-0000-c000-000000000046 00000000-0000-0000-0000-000000000000 6f9619ff-8B86-d011-b42d-00c04fc964ff').uuid).toEqual([
      '6f9619ff-8b86-d011-b42d-00c04fc964ff',
      '0002df01-0000-0000-c000-000000000046',
    ]);
  });
});

describe('registry paths', () => {
  it('hives long and short, PowerShell drives, doubled backslashes, spaces inside keys, prose after the key', () => {
    const text = [
      'reg add HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon /v Shell',
      '"HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run"',
      'Set-ItemProperty HKLM:\\Software\\Evil -Name x',
      'The value HKCU\\Software\\Evil\\Config is set by the installer.',
      'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce',
      'C:\\Program Files\\Software\\Microsoft\\x.dll',
      'HKEY_LOCAL_MACHINE alone',
    ].join('\n');
    expect(iocs(text).registry_path).toEqual([
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon',
      'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run',
      'HKLM\\Software\\Evil',
      'HKCU\\Software\\Evil\\Config',
      'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce',
    ]);
  });
});

describe('whitelist', () => {
  it('documentation, namespace, certificate and toolchain links are not reported', () => {
    const collector = new IocCollector();
    const text = [
      'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"',
      'xmlns="http://www.w3.org/2000/svg" http://purl.org/dc/elements/1.1/ http://ns.adobe.com/xap/1.0/',
      'http://schemas.microsoft.com/office/2006/relationships http://schemas.xmlsoap.org/soap/envelope/',
      'http://ocsp.digicert.com http://crl3.digicert.com/sha2-assured-cs-g1.crl http://cacerts.digicert.com/x.crt',
      'http://crl.verisign.com/pca3.crl http://ocsp.sectigo.com http://crt.usertrust.com/x.crt http://r3.o.lencr.org',
      'http://www.microsoft.com/pkiops/certs/MicCodSigPCA2011.crt http://www.microsoft.com/pki/crl/products/x.crl',
      'https://example.com/docs https://www.example.org/ admin@example.net http://localhost:8080/ http://127.0.0.1/ 0.0.0.0',
      'GCC: (GNU) 12-win32 https://gcc.gnu.org/bugs/ http://www.gnu.org/licenses/gpl.html https://sourceforge.net/projects/mingw-w64',
      'bug-gnu-utils@gnu.org 192.0.2.1 2001:db8::1',
    ].join('\n');
    extractIocs(refang(text), collector);
    expect(collector.size).toBe(0);
    expect(collector.whitelisted.size).toBeGreaterThan(20);
  });

  it('matches hosts and their subdomains, never lookalikes; private ranges stay reported', () => {
    expect(isWhitelistedHost('www.w3.org')).toBe(true);
    expect(isWhitelistedHost('w3.org.evil.ru')).toBe(false);
    expect(isWhitelistedHost('evilw3.org')).toBe(false);
    expect(isWhitelistedIp('127.0.0.2')).toBe(true);
    expect(isWhitelistedIp('10.0.0.5')).toBe(false);
    expect(isWhitelistedIp('192.168.1.1')).toBe(false);
    expect(isWhitelistedUrl('https://sourceforge.net/projects/mingw-w64/files', 'sourceforge.net', false)).toBe(true);
    expect(isWhitelistedUrl('https://sourceforge.net/projects/evil/files/x.exe', 'sourceforge.net', false)).toBe(false);
    expect(iocs('http://10.0.0.5/share/x.exe 192.168.1.20')).toEqual({ url: ['http://10.0.0.5/share/x.exe'], ip: ['10.0.0.5', '192.168.1.20'] });
  });
});

describe('bounds', () => {
  it('keeps at most maxPerType distinct values per type and says which types overflowed', () => {
    const text = Array.from({ length: 30 }, (_, i) => `http://host${i}.evil.ru/ 198.18.1.${i + 1}`).join('\n');
    const collector = new IocCollector({ maxPerType: 10 });
    extractIocs(text, collector);
    expect(collector.list(IocType.Url)).toHaveLength(10);
    expect(collector.list(IocType.Url)[9]).toBe('http://host9.evil.ru/');
    expect(collector.list(IocType.Domain)).toHaveLength(10);
    expect(collector.list(IocType.Ip)).toHaveLength(10);
    expect([...collector.truncated].sort()).toEqual([IocType.Domain, IocType.Ip, IocType.Url]);
  });

  it('hostile input stays linear (no backtracking blow-up)', () => {
    const hostile = [
      `http://x.evil.ru/${')'.repeat(1_000_000)}`,
      'http://a'.repeat(200_000),
      'a.'.repeat(1_000_000),
      `${'a'.repeat(60)}@`.repeat(20_000),
      ':'.repeat(1_000_000),
      'HKLM\\a '.repeat(200_000),
      `HKLM\\${'a '.repeat(500_000)}`,
    ];
    for (const text of hostile) {
      const started = Date.now();
      extractIocs(refang(text), new IocCollector());
      expect(Date.now() - started).toBeLessThan(5000);
    }
  });

  it('takes only candidates starting in [from, to)', () => {
    const text = 'http://a.evil.ru/ 198.18.0.1 http://b.evil.ru/';
    const collector = new IocCollector();
    extractIocs(text, collector, 1, text.indexOf('http://b'));
    expect(collector.list(IocType.Url)).toEqual([]);
    expect(collector.list(IocType.Ip)).toEqual(['198.18.0.1']);
  });
});

describe('URL helpers', () => {
  it('splits URLs and recognises executable downloads', () => {
    expect(urlParts('http://user@Host.Evil.ru:81/a/b.EXE?x=y#f')).toEqual({ host: 'host.evil.ru', hostIsIp: false, path: '/a/b.EXE' });
    expect(executableUrl(urlParts('http://h.evil.ru/a/b.EXE?x=y')!)).toBe('exe');
    expect(executableUrl(urlParts('http://h.evil.ru/download.php?f=x.exe')!)).toBeNull();
    expect(executableUrl(urlParts('http://h.evil.ru/')!)).toBeNull();
    expect(executableUrl(urlParts('http://h.evil.ru/.hta')!)).toBeNull();
    const viewer = 'https://github.com/acme/tool/blob/main/src/index.js';
    expect(executableUrl(urlParts(viewer)!, viewer)).toBeNull();
    const line = 'https://code.evil.ru/x/run.js#L23';
    expect(executableUrl(urlParts(line)!, line)).toBeNull();
    const raw = 'https://raw.githubusercontent.com/acme/tool/main/run.ps1';
    expect(executableUrl(urlParts(raw)!, raw)).toBe('ps1');
    for (const ext of ['dll', 'scr', 'ps1', 'vbs', 'hta', 'js', 'bat', 'msi', 'jar', 'lnk']) expect(executableUrl(urlParts(`http://h.evil.ru/x.${ext}`)!)).toBe(ext);
  });
});
