import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Browser, BrowserContext } from 'playwright-core';

export interface PdfRendererOptions {
  /** Chromium binary (Debian's `chromium` package by default). */
  executablePath: string;
  /** Milliseconds one rendering may take before it is abandoned. */
  timeoutMs: number;
}

/** Chromium is not installed where the configuration says: rendering PDFs is impossible until it is. */
export class PdfRendererUnavailableError extends Error {}

/** A rendering ran over its time. */
export class PdfRenderTimeoutError extends Error {}

const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--mute-audio',
];

const FOOTER = `<div style="width:100%;font-size:8px;color:#5f6b7a;padding:0 14mm;display:flex;justify-content:space-between;font-family:'DejaVu Sans',Arial,sans-serif">
<span class="title"></span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
/** The classification marking (e.g. TLP:AMBER) on every page, as handling rules expect. */
const header = (marking: string) =>
  `<div style="width:100%;font-size:8px;font-weight:700;letter-spacing:.05em;color:#5f6b7a;padding:0 14mm;text-align:right;font-family:'DejaVu Sans',Arial,sans-serif">${escapeHtml(marking)}</div>`;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * HTML → PDF through a headless Chromium driven by playwright-core (never a bundled browser download).
 *
 * - One browser per process, launched on first use and reused; a browser that died (crash, OOM kill)
 *   is relaunched on the next rendering. `close()` ends it on shutdown.
 * - Each rendering gets a fresh browser context (no cookies, cache or storage shared between reports),
 *   with JavaScript off, offline, and every request aborted: the document is set directly, so the
 *   report can load nothing and call nowhere, whatever a sample managed to put into it.
 * - A rendering that exceeds `timeoutMs` is abandoned and its context closed.
 * Chromium runs in its own processes, so rendering does not occupy the Node event loop.
 */
export class PdfRenderer {
  private browser?: Promise<Browser>;
  private closed = false;

  constructor(private readonly options: PdfRendererOptions) {}

  /** `marking`: text for the top of every page (e.g. `TLP:AMBER`). */
  async render(html: string, options: { marking?: string } = {}): Promise<Buffer> {
    if (this.closed) throw new Error('The PDF renderer is closed');
    const browser = await this.launched();
    let context: BrowserContext | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PdfRenderTimeoutError(`PDF rendering took longer than ${this.options.timeoutMs} ms`)), this.options.timeoutMs);
    });
    const work = (async () => {
      context = await browser.newContext({ javaScriptEnabled: false, offline: true, serviceWorkers: 'block', acceptDownloads: false, bypassCSP: false });
      // Everything the page asks for is refused: setContent loads no URL, so no request is the document's own.
      await context.route('**/*', (route) => route.abort('blockedbyclient'));
      const page = await context.newPage();
      // A refresh or link that navigates away (blocked, it leaves Chromium's error page) must not be printed as the report.
      let navigatedTo: string | undefined;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame() && frame.url() !== 'about:blank') navigatedTo ??= frame.url();
      });
      await page.setContent(html, { waitUntil: 'load', timeout: this.options.timeoutMs });
      await page.emulateMedia({ media: 'print' });
      const navigatedAway = () => new Error(`the document navigated away (to ${navigatedTo!.slice(0, 200)}) instead of being printed`);
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: header(options.marking ?? ''),
        footerTemplate: FOOTER,
        margin: { top: '18mm', bottom: '18mm', left: '14mm', right: '14mm' },
        outline: true,
        tagged: true,
      }).catch((err: unknown) => {
        throw navigatedTo ? navigatedAway() : err; // a navigation during printing makes Chromium fail the print
      });
      if (navigatedTo) throw navigatedAway();
      return pdf;
    })();
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
      // Abandoned work (timeout): its late failure is no unhandled rejection, and a context it creates late is closed too.
      const settled = work.then(() => undefined, () => undefined);
      if (context) await context.close().catch(() => undefined);
      else void settled.then(() => context?.close().catch(() => undefined));
    }
  }

  /** Ends the browser (on shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close().catch(() => undefined);
  }

  private async launched(): Promise<Browser> {
    const current = this.browser;
    if (current) {
      const browser = await current.catch(() => undefined);
      if (browser?.isConnected()) return browser;
      if (this.browser === current) this.browser = undefined;
    }
    this.browser ??= this.launch();
    return this.browser;
  }

  private async launch(): Promise<Browser> {
    const path = this.options.executablePath;
    try {
      await access(path, constants.X_OK);
    } catch {
      throw new PdfRendererUnavailableError(`Chromium was not found at ${path}: install Debian's chromium package or set CHROMIUM_PATH`);
    }
    // Loaded on first use: the API never pays for it unless it renders.
    const { chromium } = await import('playwright-core');
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const browser = await chromium.launch({
      executablePath: path,
      headless: true,
      // Chromium's sandbox cannot run as root; elsewhere it stays on. Playwright gives every launch a fresh, temporary profile.
      chromiumSandbox: !asRoot,
      args: asRoot ? ['--no-sandbox', ...CHROMIUM_ARGS] : CHROMIUM_ARGS,
      timeout: Math.max(this.options.timeoutMs, 30_000),
    });
    browser.on('disconnected', () => {
      // Dropped so that the next rendering launches a new one.
      if (this.browser) void this.browser.then((b) => b === browser && (this.browser = undefined)).catch(() => undefined);
    });
    return browser;
  }
}
