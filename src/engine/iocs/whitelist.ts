/**
 * Benign infrastructure that appears in ordinary files (XML namespaces, certificate chains, compiler
 * banners, documentation) and would otherwise turn every Office document and signed binary into a
 * list of "indicators". A whitelisted URL, domain, e-mail address or IP is not reported.
 *
 * Host entries match the host itself and every subdomain (`w3.org` covers `www.w3.org`). URL prefix
 * entries are for hosts that also serve user content (GitHub, SourceForge): only the exact documentation
 * paths are whitelisted there, never the whole host.
 *
 * Private-range addresses (10/8, 172.16/12, 192.168/16, fc00::/7) are deliberately *not* whitelisted:
 * a hard-coded internal address is what lateral-movement tools and targeted implants carry, and an
 * analyst wants to see it. Only addresses that never identify another machine are listed.
 */

/** XML namespaces and schema hosts: every OOXML, ODF, SVG, XMP and SOAP file names them. */
const XML_NAMESPACES = [
  'schemas.microsoft.com',
  'schemas.openxmlformats.org',
  'schemas.xmlsoap.org',
  'xmlsoap.org',
  'w3.org',
  'purl.org',
  'ns.adobe.com',
  'openoffice.org',
  'oasis-open.org',
  'docs.oasis-open.org',
  'xml.org',
  'relaxng.org',
  'opengis.net',
  'xmlns.com',
  'dublincore.org',
  'iptc.org',
  'schemas.android.com',
  'java.sun.com',
  'xmlns.jcp.org',
  'xml.apache.org',
  'maven.apache.org',
];

/** Certificate infrastructure: OCSP responders, CRL distribution points, CA issuer URLs and CPS pages in every signed file. */
const CERTIFICATE_INFRASTRUCTURE = [
  'digicert.com',
  'verisign.com',
  'symcb.com',
  'symcd.com',
  'symantec.com',
  'thawte.com',
  'geotrust.com',
  'rapidssl.com',
  'globalsign.com',
  'globalsign.net',
  'sectigo.com',
  'comodoca.com',
  'comodo.com',
  'comodo.net',
  'usertrust.com',
  'entrust.net',
  'letsencrypt.org',
  'lencr.org',
  'identrust.com',
  'godaddy.com',
  'starfieldtech.com',
  'quovadisglobal.com',
  'certum.pl',
  'pki.goog',
  'pki.microsoft.com', // www.microsoft.com/pki/ paths are URL prefixes below
  'amazontrust.com',
  'ssl.com',
  'buypass.no',
  'ocsp.apple.com',
  'crl.apple.com',
  'certs.apple.com',
];

/** RFC 2606 / RFC 6761 reserved names: documentation and test data, never a real destination. */
const RESERVED_NAMES = ['example.com', 'example.net', 'example.org', 'example.edu', 'localhost', 'localhost.localdomain'];

/** Tool and project homepages that compilers, runtimes and libraries embed in every binary they produce. */
const TOOL_HOMEPAGES = [
  'gnu.org',
  'fsf.org',
  'mingw.org',
  'mingw-w64.org',
  'gcc.gnu.org',
  'llvm.org',
  'python.org',
  'perl.org',
  'zlib.net',
  'gzip.org',
  'info-zip.org',
  'openssl.org',
  'curl.se',
  'haxx.se',
  'sqlite.org',
  'libpng.org',
  'ijg.org',
  'qt.io',
  'qt-project.org',
  'nsis.sf.net',
  'nsis.sourceforge.net',
  'jrsoftware.org',
  'wixtoolset.org',
  'mozilla.org',
  'opensource.org',
  'creativecommons.org',
  'apache.org',
  'unicode.org',
  'ietf.org',
  'rfc-editor.org',
  'iana.org',
  'ecma-international.org',
  'json-schema.org',
  'json.org',
];

/** Documentation paths on hosts that otherwise also serve arbitrary content: whitelisted as URL prefixes only. */
export const WHITELISTED_URL_PREFIXES = [
  'http://sourceforge.net/projects/mingw',
  'https://sourceforge.net/projects/mingw',
  'http://sourceforge.net/projects/mingw-w64',
  'https://sourceforge.net/projects/mingw-w64',
  'https://github.com/mingw-w64',
  'http://www.microsoft.com/pki/',
  'https://www.microsoft.com/pki/',
  'http://www.microsoft.com/pkiops/',
  'https://www.microsoft.com/pkiops/',
  'http://crl.microsoft.com/',
  'http://ocsp.msocsp.com',
  'https://go.microsoft.com/fwlink',
  'http://go.microsoft.com/fwlink',
  'http://www.apple.com/DTDs/',
  'https://www.apple.com/DTDs/',
  'http://www.apple.com/appleca',
  'https://www.apple.com/certificateauthority',
  'http://ns.microsoft.com/',
  'http://microsoft.com/office/',
];

/** Hosts (and their subdomains) whose URLs, domains and e-mail addresses are not reported. */
export const WHITELISTED_HOSTS = [
  ...XML_NAMESPACES,
  ...CERTIFICATE_INFRASTRUCTURE,
  ...RESERVED_NAMES,
  ...TOOL_HOMEPAGES,
  // Microsoft's certificate hosts (not microsoft.com itself: attackers abuse its services).
  'crl.microsoft.com',
  'msocsp.com',
  'mscrl.microsoft.com',
];

/**
 * Addresses that never identify another machine: unspecified, loopback, limited broadcast and the
 * RFC 5737 / RFC 3849 documentation ranges. Private ranges stay reported (see above).
 */
export const WHITELISTED_IPS = ['0.0.0.0', '127.0.0.1', '255.255.255.255', '::', '::1'];

/** RFC 5737 documentation networks (IPv4) and RFC 3849 (IPv6). */
const DOCUMENTATION_V4 = ['192.0.2.', '198.51.100.', '203.0.113.'];

const hostSet = new Set(WHITELISTED_HOSTS.map((h) => h.toLowerCase()));
const urlPrefixes = WHITELISTED_URL_PREFIXES.map((p) => p.toLowerCase());
const ipSet = new Set(WHITELISTED_IPS);

/** Whether `host` (lower-case) or one of its parent domains is whitelisted. */
export function isWhitelistedHost(host: string): boolean {
  let h = host.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  for (;;) {
    if (hostSet.has(h)) return true;
    const dot = h.indexOf('.');
    if (dot < 0) return false;
    h = h.slice(dot + 1);
  }
}

export function isWhitelistedIp(ip: string): boolean {
  const v = ip.toLowerCase();
  if (ipSet.has(v)) return true;
  if (v.startsWith('127.')) return true; // the whole loopback network
  if (DOCUMENTATION_V4.some((p) => v.startsWith(p))) return true;
  return v.startsWith('2001:db8:') || v.startsWith('2001:0db8:');
}

/** Whether a URL (as reported, scheme included) is whitelisted by its prefix or its host. */
export function isWhitelistedUrl(url: string, host: string, hostIsIp: boolean): boolean {
  if (hostIsIp ? isWhitelistedIp(host) : isWhitelistedHost(host)) return true;
  const lower = url.toLowerCase();
  return urlPrefixes.some((p) => lower.startsWith(p));
}
