import type { ReportDocument } from '../../modules/reports/report-document';
import type { ExportSubject } from './export-subject';

/**
 * The human-readable report: one self-contained HTML5 document (inline CSS, no script, no external
 * resource; a Content-Security-Policy forbids loading anything) that reads well on screen and prints
 * on A4 (the PDF export renders this same document).
 *
 * Everything that comes from the sample (file names, evidence, macro text, URLs, emulated calls) is
 * untrusted: every value goes through `esc()`, and network indicators are defanged in the text
 * (hxxp://, [.]) so that neither a browser nor a PDF viewer turns them into live links; the raw value
 * stays available in a `data-raw` attribute for copy and paste into tooling.
 */
export function renderHtmlReport(subject: ExportSubject): string {
  const { report } = subject;
  const files = [report, ...subject.descendants];
  const verdict = report.finalVerdict;
  const tlp = subject.isPrivate ? 'TLP:AMBER' : 'TLP:CLEAR';
  const iocs = collectIocs(files);
  const iocCount = [...iocs.values()].reduce((n, list) => n + list.length, 0);
  const signalCount = files.reduce((n, f) => n + (f.allSignalGroups?.length ?? 0), 0);
  const title = `Sandbox report: ${displayName(report.file.name)} (${verdictLabel(verdict.verdict)})`;

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${esc(subject.producer.name)}">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="tlp ${subject.isPrivate ? 'tlp-amber' : 'tlp-clear'}">${tlp}</div>
<header class="summary ${verdictClass(verdict.verdict)}">
  <div class="badge ${verdictClass(verdict.verdict)}" data-verdict="${esc(verdict.verdict)}">${esc(verdictLabel(verdict.verdict))}</div>
  <h1>${esc(displayName(report.file.name))}</h1>
  <p class="lead">${esc(verdictSentence(report))}</p>
  <dl class="figures">
    <div><dt>Verdict</dt><dd>${esc(verdict.verdict)}</dd></div>
    <div><dt>Threat level</dt><dd>${esc(formatNumber(verdict.threatLevel, 2))}</dd></div>
    <div><dt>Confidence</dt><dd>${esc(`${Math.round((verdict.confidence ?? 0) * 100)} %`)}</dd></div>
    <div><dt>Signal groups</dt><dd>${signalCount}</dd></div>
    <div><dt>Indicators</dt><dd>${iocCount}</dd></div>
    <div><dt>Extracted files</dt><dd>${subject.descendants.length}</dd></div>
  </dl>
  <p class="sha256">SHA-256 <code>${esc(report.file.hash)}</code></p>
</header>
<main>
${fileFacts(report)}
${signalsSection('Signals', report.allSignalGroups, 'signals')}
${descendantSignals(subject.descendants)}
${iocSection(iocs)}
${extractedFilesSection(subject)}
${emulationSection(files)}
${issuesSection(files)}
</main>
<footer>
  <p>Produced by ${producerLink(subject.producer)} on ${esc(formatDate(subject.generatedAt))}. Report <code>${esc(report.id)}</code>, flow <code>${esc(report.flowId)}</code>, analysed ${esc(formatDate(report.created_date))}.</p>
  <p>${tlp}${subject.isPrivate ? ': limited disclosure, recipients only.' : ': disclosure is not limited.'} Indicators are defanged (hxxp, [.]); the exact values are kept in the document's data attributes.</p>
</footer>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Escaping and defanging

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** HTML-escapes any value for text and (double- or single-quoted) attribute positions. */
export function esc(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]);
}

/**
 * A name as a person should see it: bidirectional overrides (the right-to-left-override trick that
 * shows `exe.pdf` for `fdp.exe`) and control characters are made visible instead of obeyed.
 */
export function displayName(name: string): string {
  return name.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

const SCHEMES: Record<string, string> = { http: 'hxxp', https: 'hxxps', ftp: 'fxp', ftps: 'fxps', ws: 'wxs', wss: 'wxss' };

/** Defangs one indicator by type: URLs (scheme and dots), domains and IPs (dots), e-mail addresses (@ and dots). */
export function defang(type: string, value: string): string {
  switch (type) {
    case 'url':
      return defangUrl(value);
    case 'domain':
    case 'ip':
      return value.replace(/\./g, '[.]');
    case 'email':
      return value.replace(/@/g, '[@]').replace(/\./g, '[.]');
    default:
      return value;
  }
}

function defangUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  const scheme = m ? m[1] : '';
  const rest = m ? url.slice(m[0].length) : url;
  const safeScheme = m ? `${SCHEMES[scheme.toLowerCase()] ?? scheme}://` : '';
  return safeScheme + rest.replace(/\./g, '[.]');
}

/** Defangs the URLs inside free text (evidence lines, emulated call arguments). */
export function defangText(text: string): string {
  return text.replace(/\b(?:https?|ftps?|wss?):\/\/[^\s"'<>`]+/gi, (url) => defangUrl(url));
}

// ---------------------------------------------------------------------------------------------
// Sections

function fileFacts(report: ReportDocument): string {
  const digests = (report.resources?.digests ?? {}) as Record<string, string | null | undefined>;
  const pe = (report.resources?.pe ?? {}) as Record<string, unknown>;
  const rows: [string, string][] = [
    ['Name', esc(displayName(report.file.name))],
    ['Location', esc(displayName(report.originPath || report.file.name))],
    ['Type', `${esc(report.file.type)} <span class="muted">(${esc(report.file.mime)})</span>`],
    ['Size', esc(formatSize(report.file.size))],
    ['MD5', hash(digests.md5)],
    ['SHA-1', hash(digests.sha1)],
    ['SHA-256', hash(report.file.hash || digests.sha256)],
    ['SHA-512', hash(digests.sha512)],
    ['ssdeep', hash(digests.ssdeep)],
    ['TLSH', hash(digests.tlsh)],
    ['imphash', hash(typeof pe.imphash === 'string' ? pe.imphash : null)],
    ['Authentihash', hash(typeof pe.authentihash === 'string' ? pe.authentihash : null)],
  ];
  const tags = (report.allTags ?? []).map((t) => `<span class="tag">${esc(t.tag?.name)}</span>`).join(' ');
  if (tags) rows.push(['Tags', tags]);
  rows.push(['Analysed', esc(formatDate(report.created_date))]);
  if (report.overallState === 'failed') rows.push(['State', '<strong>The analysis failed: see “What could not be analysed”.</strong>']);
  return `<section id="file">
<h2>File</h2>
<table class="facts"><tbody>
${rows.filter(([, v]) => v !== '').map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('\n')}
</tbody></table>
</section>`;
}

type SignalGroup = ReportDocument['allSignalGroups'][number];

function signalsSection(heading: string, groups: SignalGroup[] | undefined, id: string, level = 2): string {
  if (!groups?.length) {
    return level === 2 ? `<section id="${id}"><h2>${esc(heading)}</h2><p class="none">No signal fired on this file.</p></section>` : '';
  }
  const h = `h${level}`;
  return `<section id="${id}">
<${h}>${esc(heading)}</${h}>
${groups.map(signalGroup).join('\n')}
</section>`;
}

function signalGroup(group: SignalGroup): string {
  const v = group.verdict?.verdict ?? 'UNKNOWN';
  const techniques = (group.allMitreTechniques ?? [])
    .map((t) => `<a class="technique" href="${esc(attackUrl(t.ID))}" title="${esc(t.name)}">${esc(t.ID)}</a> <span class="muted">${esc(t.name)}</span>`)
    .join('; ');
  const signals = (group.signals ?? [])
    .map((s) => {
      const evidence = (s.evidence ?? []).map((e) => `<li><code>${esc(defangText(displayName(e)))}</code></li>`).join('');
      // The hit's own text when it says more than the group's description (e.g. a YARA rule's meta).
      const text = s.signalReadable && s.signalReadable !== group.description ? `<span class="signal-text">${esc(defangText(s.signalReadable))}</span>` : '';
      const where = s.originPath ? `<span class="muted">in ${esc(displayName(s.originPath))}</span>` : '';
      // Nothing to say but the evidence: list it directly.
      if (!text && !where) return evidence;
      return `<li>${[text, where].filter(Boolean).join(' ')}${evidence ? `<ul class="evidence">${evidence}</ul>` : ''}</li>`;
    })
    .join('\n');
  return `<article class="signal-group ${verdictClass(v)}" data-signal="${esc(group.identifier)}">
<h4><span class="badge small ${verdictClass(v)}">${esc(verdictLabel(v))}</span> ${esc(group.description)} <code class="muted">${esc(group.identifier)}</code></h4>
<p class="meta">Strength ${esc(formatNumber(group.peakSignalStrength, 2))}${techniques ? ` · ATT&amp;CK: ${techniques}` : ''}</p>
<ul class="signals">${signals}</ul>
</article>`;
}

/** Signals of the extracted files, most severe file first: on an archive, this is where the findings are. */
function descendantSignals(descendants: ReportDocument[]): string {
  const withSignals = descendants.filter((d) => d.allSignalGroups?.length);
  if (!withSignals.length) return '';
  const sorted = [...withSignals].sort((a, b) => (b.finalVerdict?.threatLevel ?? 0) - (a.finalVerdict?.threatLevel ?? 0) || a.fileIndex - b.fileIndex);
  return `<section id="extracted-signals">
<h2>Signals of extracted files</h2>
${sorted
  .map(
    (d) => `<div class="file-signals">
<h3><span class="badge small ${verdictClass(d.finalVerdict.verdict)}">${esc(verdictLabel(d.finalVerdict.verdict))}</span> ${esc(displayName(d.originPath || d.file.name))}</h3>
<p class="meta">${esc(d.file.type)} · SHA-256 <code>${esc(d.file.hash)}</code></p>
${d.allSignalGroups.map(signalGroup).join('\n')}
</div>`,
  )
  .join('\n')}
</section>`;
}

const IOC_LABELS: Record<string, string> = {
  url: 'URLs',
  domain: 'Domains',
  ip: 'IP addresses',
  email: 'E-mail addresses',
  registry_path: 'Registry paths',
  md5: 'MD5',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  sha512: 'SHA-512',
  uuid: 'UUIDs',
};
const IOC_ORDER = ['url', 'domain', 'ip', 'email', 'registry_path', 'sha256', 'sha1', 'md5', 'sha512', 'uuid'];

interface CollectedIoc {
  value: string;
  origins: Set<string>;
  files: Set<string>;
}

/** Indicators of every file in the subject, by type, each once, with where they were seen. */
function collectIocs(files: ReportDocument[]): Map<string, CollectedIoc[]> {
  const byType = new Map<string, Map<string, CollectedIoc>>();
  for (const file of files) {
    for (const [type, list] of Object.entries(file.iocs ?? {})) {
      const values = byType.get(type) ?? new Map<string, CollectedIoc>();
      byType.set(type, values);
      for (const ioc of list ?? []) {
        const entry = values.get(ioc.value) ?? { value: ioc.value, origins: new Set(), files: new Set() };
        values.set(ioc.value, entry);
        for (const o of ioc.origins ?? []) entry.origins.add(o);
        entry.files.add(file.originPath || file.file.name);
      }
    }
  }
  const types = [...byType.keys()].sort((a, b) => rankOf(IOC_ORDER, a) - rankOf(IOC_ORDER, b) || a.localeCompare(b));
  return new Map(types.map((t) => [t, [...byType.get(t)!.values()].sort((a, b) => a.value.localeCompare(b.value))]));
}

function iocSection(iocs: Map<string, CollectedIoc[]>): string {
  if (![...iocs.values()].some((l) => l.length)) return `<section id="iocs"><h2>Indicators of compromise</h2><p class="none">No indicator was found.</p></section>`;
  return `<section id="iocs">
<h2>Indicators of compromise</h2>
${[...iocs.entries()]
  .filter(([, list]) => list.length)
  .map(
    ([type, list]) => `<h3>${esc(IOC_LABELS[type] ?? type)} <span class="count">${list.length}</span></h3>
<table class="iocs" data-ioc-type="${esc(type)}">
<thead><tr><th>Value</th><th>Seen by</th><th>In</th></tr></thead>
<tbody>
${list
  .map(
    (i) =>
      `<tr><td><code class="ioc" data-raw="${esc(i.value)}">${esc(defang(type, displayName(i.value)))}</code></td><td>${esc([...i.origins].join(', '))}</td><td>${esc([...i.files].map(displayName).join(', '))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`,
  )
  .join('\n')}
</section>`;
}

function extractedFilesSection(subject: ExportSubject): string {
  if (!subject.descendants.length) return `<section id="files"><h2>Extracted files</h2><p class="none">No file was extracted.</p></section>`;
  const children = new Map<string, ReportDocument[]>();
  for (const d of subject.descendants) if (d.parentId) children.set(d.parentId, [...(children.get(d.parentId) ?? []), d]);
  const seen = new Set<string>();
  const branch = (id: string): string => {
    const kids = (children.get(id) ?? []).filter((k) => !seen.has(k.id));
    if (!kids.length) return '';
    kids.forEach((k) => seen.add(k.id));
    return `<ul>${kids
      .map(
        (k) =>
          `<li><span class="badge small ${verdictClass(k.finalVerdict.verdict)}">${esc(verdictLabel(k.finalVerdict.verdict))}</span> <strong>${esc(displayName(k.file.name))}</strong> <span class="muted">${esc(k.file.type)}, ${esc(formatSize(k.file.size))}${k.relation ? `, ${esc(k.relation)}` : ''}</span><br><code class="small">${esc(k.file.hash)}</code>${branch(k.id)}</li>`,
      )
      .join('')}</ul>`;
  };
  const root = subject.report;
  return `<section id="files">
<h2>Extracted files <span class="count">${subject.descendants.length}</span></h2>
<div class="tree"><ul><li><span class="badge small ${verdictClass(root.finalVerdict.verdict)}">${esc(verdictLabel(root.finalVerdict.verdict))}</span> <strong>${esc(displayName(root.file.name))}</strong> <span class="muted">${esc(root.file.type)}</span>${branch(root.id)}</li></ul></div>
</section>`;
}

interface EmulationSummary {
  engine?: string;
  environment?: string;
  outcome?: string;
  message?: string;
  actions?: number;
  truncated?: string;
  exceptions?: string[];
  files?: { path?: string; size?: number; sha256?: string; api?: string; source?: string; extracted?: boolean }[];
}

/** Shown at most per file: the report JSON keeps them all. */
const MAX_EMULATION_ROWS = 200;

function emulationSection(files: ReportDocument[]): string {
  const emulated = files.filter((f) => f.resources && (f.resources.emulation || Array.isArray(f.resources.emulationData)));
  if (!emulated.length) return '';
  return `<section id="emulation">
<h2>Emulation</h2>
${emulated
  .map((f) => {
    const summary = (f.resources.emulation ?? {}) as EmulationSummary;
    const calls = (Array.isArray(f.resources.emulationData) ? f.resources.emulationData : []) as { api?: string; args?: unknown[]; category?: string }[];
    const facts = [
      summary.environment ? `environment ${summary.environment}` : '',
      summary.outcome ? `outcome ${summary.outcome}` : '',
      typeof summary.actions === 'number' ? `${summary.actions} recorded action(s)` : '',
      summary.truncated ?? '',
    ].filter(Boolean);
    const dropped = (summary.files ?? [])
      .map((d) => `<li><code>${esc(defangText(displayName(String(d.path ?? ''))))}</code> <span class="muted">${esc(formatSize(Number(d.size ?? 0)))}${d.api ? `, ${esc(d.api)}` : ''}${d.source ? `, from ${esc(defangText(String(d.source)))}` : ''}</span></li>`)
      .join('');
    return `<div class="emulated-file">
<h3>${esc(displayName(f.originPath || f.file.name))}</h3>
<p class="meta">${esc(facts.join(' · '))}${summary.message ? ` — ${esc(defangText(summary.message))}` : ''}</p>
${summary.exceptions?.length ? `<p>Exceptions: ${summary.exceptions.map((e) => `<code>${esc(defangText(e))}</code>`).join(' ')}</p>` : ''}
${dropped ? `<p>Files written:</p><ul>${dropped}</ul>` : ''}
${
  calls.length
    ? `<table class="calls"><thead><tr><th>#</th><th>Category</th><th>Call</th><th>Arguments</th></tr></thead><tbody>
${calls
  .slice(0, MAX_EMULATION_ROWS)
  .map((c, i) => `<tr><td>${i + 1}</td><td>${esc(c.category)}</td><td><code>${esc(c.api)}</code></td><td>${(c.args ?? []).map((a) => `<code>${esc(defangText(displayName(String(a))))}</code>`).join(' ')}</td></tr>`)
  .join('\n')}
</tbody></table>${calls.length > MAX_EMULATION_ROWS ? `<p class="muted">${calls.length - MAX_EMULATION_ROWS} further calls are in the JSON report.</p>` : ''}`
    : ''
}
</div>`;
  })
  .join('\n')}
</section>`;
}

function issuesSection(files: ReportDocument[]): string {
  const rows = files.flatMap((f) => (f.issues ?? []).map((i) => ({ file: f.originPath || f.file.name, ...i })));
  if (!rows.length) return `<section id="issues"><h2>What could not be analysed</h2><p class="none">Every analyzer completed.</p></section>`;
  return `<section id="issues">
<h2>What could not be analysed</h2>
<table class="issues"><thead><tr><th>File</th><th>Analyzer</th><th>Kind</th><th>Reason</th></tr></thead><tbody>
${rows.map((r) => `<tr class="issue-${esc(r.kind)}"><td>${esc(displayName(r.file))}</td><td>${esc(r.analyzer)}</td><td>${esc(r.kind)}</td><td>${esc(defangText(r.message))}</td></tr>`).join('\n')}
</tbody></table>
</section>`;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const VERDICT_LABELS: Record<string, string> = {
  MALICIOUS: 'Malicious',
  LIKELY_MALICIOUS: 'Likely malicious',
  SUSPICIOUS: 'Suspicious',
  INFORMATIONAL: 'Informational',
  NO_THREAT: 'No threat',
  BENIGN: 'Benign',
  UNKNOWN: 'Unknown',
};

const verdictLabel = (v: string) => VERDICT_LABELS[v] ?? v;
const verdictClass = (v: string) => `v-${(VERDICT_LABELS[v] ? v : 'UNKNOWN').toLowerCase().replace(/_/g, '-')}`;

function verdictSentence(report: ReportDocument): string {
  const v = report.finalVerdict.verdict;
  const what = report.file.kind === 'url' ? 'This URL' : 'This file';
  switch (v) {
    case 'MALICIOUS':
      return `${what} is malicious: block it and look for it on your systems.`;
    case 'LIKELY_MALICIOUS':
      return `${what} is likely malicious: treat it as a threat.`;
    case 'SUSPICIOUS':
      return `${what} shows suspicious behaviour: an analyst should review it.`;
    case 'INFORMATIONAL':
      return `${what} shows nothing malicious; some findings are worth knowing.`;
    case 'NO_THREAT':
    case 'BENIGN':
      return `No threat was found in ${what.toLowerCase()}.`;
    default:
      return `No verdict could be reached for ${what.toLowerCase()}.`;
  }
}

/** ATT&CK page of a technique: T1059.001 → /techniques/T1059/001/. Ids are validated: nothing else becomes a link. */
export function attackUrl(id: string): string {
  const m = /^(T\d{4})(?:\.(\d{3}))?$/.exec(id);
  if (!m) return 'https://attack.mitre.org/';
  return `https://attack.mitre.org/techniques/${m[1]}/${m[2] ? `${m[2]}/` : ''}`;
}

function producerLink(producer: ExportSubject['producer']): string {
  const name = esc(producer.name);
  return producer.url && /^https?:\/\//i.test(producer.url) ? `<a href="${esc(producer.url)}">${name}</a>` : name;
}

const hash = (value: string | null | undefined) => (value ? `<code class="hash">${esc(value)}</code>` : '');

const rankOf = (order: string[], key: string) => (order.includes(key) ? order.indexOf(key) : order.length);

function formatNumber(n: number | undefined, digits: number): string {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '—';
}

export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  if (bytes < 1024) return exact;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${exact} (${v.toFixed(1)} ${units[u]})`;
}

function formatDate(value: Date | string): string {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

const STYLE = `
:root{--ink:#1d2330;--muted:#5f6b7a;--line:#d9dee5;--bg:#f5f7fa;--malicious:#b3261e;--likely:#d9480f;--suspicious:#b7791f;--info:#1c64b5;--clean:#2b7a3d;--unknown:#5f6b7a}
*{box-sizing:border-box}
html{font:14px/1.5 "DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif;color:var(--ink);background:#fff}
body{margin:0 auto;max-width:1000px;padding:24px}
h1{font-size:22px;margin:8px 0 4px;word-break:break-all}
h2{font-size:17px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:14px;margin:16px 0 6px}
h4{font-size:13.5px;margin:0 0 4px;font-weight:600}
code{font-family:"DejaVu Sans Mono","Liberation Mono",Consolas,monospace;font-size:12px;word-break:break-all;white-space:pre-wrap}
a{color:var(--info)}
table{width:100%;border-collapse:collapse;margin:6px 0 12px;font-size:12.5px}
th,td{text-align:left;vertical-align:top;padding:5px 8px;border-bottom:1px solid var(--line)}
thead th{background:var(--bg);font-weight:600}
table.facts th{width:130px;color:var(--muted);font-weight:600}
tr{break-inside:avoid}
thead{display:table-header-group}
.muted{color:var(--muted)}
.small{font-size:11px}
.none{color:var(--muted);font-style:italic}
.count{display:inline-block;min-width:22px;padding:0 6px;border-radius:10px;background:var(--bg);color:var(--muted);font-size:12px;text-align:center}
.tlp{display:inline-block;float:right;padding:2px 8px;font-weight:700;font-size:12px;letter-spacing:.05em;background:#000}
.tlp-amber{color:#ffc000}
.tlp-clear{color:#fff}
.summary{border:1px solid var(--line);border-left:8px solid var(--unknown);border-radius:6px;padding:16px 20px;background:var(--bg);break-inside:avoid}
.summary.v-malicious{border-left-color:var(--malicious)}
.summary.v-likely-malicious{border-left-color:var(--likely)}
.summary.v-suspicious{border-left-color:var(--suspicious)}
.summary.v-informational{border-left-color:var(--info)}
.summary.v-no-threat,.summary.v-benign{border-left-color:var(--clean)}
.lead{font-size:15px;margin:4px 0 12px}
.figures{display:flex;flex-wrap:wrap;gap:8px 24px;margin:0}
.figures div{min-width:80px}
.figures dt{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.figures dd{margin:0;font-size:16px;font-weight:600}
.sha256{margin:10px 0 0;font-size:12px;color:var(--muted)}
.badge{display:inline-block;padding:4px 12px;border-radius:4px;color:#fff;font-weight:700;font-size:15px;letter-spacing:.03em;text-transform:uppercase;background:var(--unknown);-webkit-print-color-adjust:exact;print-color-adjust:exact}
.badge.small{padding:1px 6px;font-size:10.5px;vertical-align:1px}
.badge.v-malicious{background:var(--malicious)}
.badge.v-likely-malicious{background:var(--likely)}
.badge.v-suspicious{background:var(--suspicious)}
.badge.v-informational{background:var(--info)}
.badge.v-no-threat,.badge.v-benign{background:var(--clean)}
.tag{display:inline-block;padding:0 6px;margin:1px 2px 1px 0;border:1px solid var(--line);border-radius:3px;font-size:11.5px}
.signal-group{border:1px solid var(--line);border-left:4px solid var(--unknown);border-radius:4px;padding:8px 12px;margin:8px 0;break-inside:avoid}
.signal-group.v-malicious{border-left-color:var(--malicious)}
.signal-group.v-likely-malicious{border-left-color:var(--likely)}
.signal-group.v-suspicious{border-left-color:var(--suspicious)}
.signal-group.v-informational{border-left-color:var(--info)}
.signal-group .meta,.meta{margin:0 0 4px;font-size:12px;color:var(--muted)}
.signals{margin:4px 0 0;padding-left:18px}
.evidence{margin:2px 0 4px;padding-left:16px;list-style:square}
.technique{font-weight:600;text-decoration:none}
.tree ul{list-style:none;margin:0;padding-left:18px;border-left:1px dotted var(--line)}
.tree>ul{padding-left:0;border-left:0}
.tree li{margin:4px 0}
.issue-error td,.issue-timeout td{background:#fff5f5}
footer{margin-top:32px;padding-top:10px;border-top:1px solid var(--line);font-size:11.5px;color:var(--muted)}
@page{size:A4;margin:18mm 14mm 18mm 14mm}
@media print{
  html{font-size:11.5px}
  body{max-width:none;padding:0}
  h2{break-after:avoid}
  h3,h4{break-after:avoid}
  a{color:inherit;text-decoration:none}
  .summary,.signal-group,thead th,.tlp{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;
