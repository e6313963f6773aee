import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PdfRenderer, PdfRendererUnavailableError, PdfRenderTimeoutError } from './pdf';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';

/** Fails (never skips) when the tools are missing, saying what to install. */
async function requireTools(): Promise<void> {
  for (const [path, pkg] of [[CHROMIUM, 'chromium'], ['/usr/bin/pdftotext', 'poppler-utils']]) {
    await access(path, constants.X_OK).catch(() => {
      throw new Error(`${path} is missing: install Debian's ${pkg} package (CI installs it in .ci/run) to run the PDF renderer tests`);
    });
  }
}

describe('PdfRenderer', () => {
  let renderer: PdfRenderer;
  let work: string;
  let server: Server;
  let hits: string[];
  let origin: string;

  beforeAll(async () => {
    await requireTools();
    renderer = new PdfRenderer({ executablePath: CHROMIUM, timeoutMs: 30_000 });
    work = await mkdtemp(join(tmpdir(), 'pdf-renderer-'));
    hits = [];
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('x');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await renderer?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (work) await rm(work, { recursive: true, force: true });
  });

  const textOf = async (pdf: Buffer, name: string) => {
    const file = join(work, name);
    await writeFile(file, pdf);
    return (await run('pdftotext', ['-layout', file, '-'])).stdout;
  };

  it('renders A4 pages with the marking on top and page numbers below, on every page', async () => {
    const long = Array.from({ length: 120 }, (_, i) => `<p>Line ${i + 1} of the report</p>`).join('');
    const pdf = await renderer.render(`<!DOCTYPE html><html><head><title>Quarterly &lt;report&gt;</title></head><body><h1>MALICIOUS</h1>${long}</body></html>`, {
      marking: 'TLP:AMBER <x>',
    });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await textOf(pdf, 'pages.pdf');
    const pages = text.split('\f').filter((p) => p.trim());
    expect(pages.length).toBeGreaterThanOrEqual(2);
    pages.forEach((page, i) => {
      expect(page).toContain('TLP:AMBER <x>');
      expect(page).toContain(`Page ${i + 1} of ${pages.length}`);
      expect(page).toContain('Quarterly <report>');
    });
    expect(text).toContain('MALICIOUS');
    expect(text).toContain('Line 120 of the report');
    // A4: 595 × 842 points.
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox\s*\[\s*0 0 595(\.\d+)? 841(\.\d+)?\s*\]|\/MediaBox\s*\[\s*0 0 595(\.\d+)? 842(\.\d+)?\s*\]/);
  });

  it('loads nothing from the network, whatever the document asks for', async () => {
    const html = `<!DOCTYPE html><html><head>
      <link rel="stylesheet" href="${origin}/style.css"><style>body{background:url(${origin}/bg.png)} @import url(${origin}/import.css);</style>
      <link rel="preload" href="${origin}/font.woff2" as="font">
      </head><body><img src="${origin}/pixel.png"><iframe src="${origin}/frame"></iframe><object data="${origin}/object"></object>
      <video src="${origin}/video.mp4" autoplay></video><script src="${origin}/script.js"></script><script>fetch('${origin}/fetch')</script>
      <p>phoned home?</p></body></html>`;
    const pdf = await renderer.render(html);
    expect(await textOf(pdf, 'network.pdf')).toContain('phoned home?');
    await new Promise((r) => setTimeout(r, 300)); // anything late would have arrived by now
    expect(hits).toEqual([]);
  });

  it('never prints the error page of a document that navigated away, and still loads nothing', async () => {
    const html = `<!DOCTYPE html><html><head><meta http-equiv="refresh" content="0; url=${origin}/refresh"></head><body><p>report</p></body></html>`;
    // The refresh races the printing: either the document is printed before it fires, or the rendering
    // is refused. Never is Chromium's error page printed as the report.
    const outcome = await renderer.render(html).then(
      (pdf) => textOf(pdf, 'refresh.pdf'),
      (err: Error) => err.message,
    );
    expect(outcome).toMatch(/^the document navigated away \(to .+\) instead of being printed$|\breport\b/);
    expect(hits).toEqual([]);
  });

  it('relaunches a browser that died and goes on rendering', async () => {
    await renderer.render('<p>first</p>');
    // As if Chromium had crashed or been killed.
    const browser = await (renderer as unknown as { browser: Promise<{ close(): Promise<void> }> }).browser;
    await browser.close();
    const pdf = await renderer.render('<p>after the crash</p>');
    expect(await textOf(pdf, 'relaunched.pdf')).toContain('after the crash');
  });

  it('abandons a rendering that runs over its time', async () => {
    const slow = new PdfRenderer({ executablePath: CHROMIUM, timeoutMs: 5 });
    try {
      await expect(slow.render('<p>never in time</p>')).rejects.toThrow(new PdfRenderTimeoutError('PDF rendering took longer than 5 ms'));
    } finally {
      await slow.close();
    }
  });

  it('says clearly when Chromium is not installed', async () => {
    const missing = new PdfRenderer({ executablePath: '/nonexistent/chromium', timeoutMs: 5000 });
    await expect(missing.render('<p>x</p>')).rejects.toThrow(
      new PdfRendererUnavailableError("Chromium was not found at /nonexistent/chromium: install Debian's chromium package or set CHROMIUM_PATH"),
    );
  });
});
