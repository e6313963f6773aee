import type { Extraction } from './layers';
import type { ScriptLanguage } from './text';

/**
 * Script in markup (HTML, HTA, SVG, WSF / scriptlet XML): `<script>` blocks with their language,
 * inline event handlers and `javascript:` links, and the addresses scripts are loaded from.
 */

export interface ScriptBlock {
  language: ScriptLanguage | 'jscript.encode' | 'vbscript.encode' | 'other';
  code: string;
  src?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', Tab: '\t', NewLine: '\n' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});?/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
    }
    return ENTITIES[e] ?? m;
  });
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(String.raw`(?:^|\s)${name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))`, 'i').exec(attrs);
  return m ? decodeEntities(m[1] ?? m[2] ?? m[3] ?? '') : undefined;
}

function blockLanguage(attrs: string): ScriptBlock['language'] {
  const lang = `${attr(attrs, 'language') ?? ''} ${attr(attrs, 'type') ?? ''}`.toLowerCase().trim();
  if (!lang) return 'javascript';
  if (/jscript\.encode/.test(lang)) return 'jscript.encode';
  if (/vbscript\.encode/.test(lang)) return 'vbscript.encode';
  if (/vbs/.test(lang)) return 'vbscript';
  if (/javascript|jscript|ecmascript|^text\/js|module|babel/.test(lang)) return 'javascript';
  if (/perlscript|python/.test(lang)) return 'other';
  return /json|template|html|text\/plain|x-shader/.test(lang) ? 'other' : 'javascript';
}

/**
 * `<script>` blocks in document order (bounded). Scanned by hand (linear on any input): an opening
 * tag without its `>` or a block without `</script>` ends the scan, since no later block can close.
 */
export function scriptBlocks(html: string, max = 200): ScriptBlock[] {
  const out: ScriptBlock[] = [];
  const lower = html.length > 64 * 1024 * 1024 ? html.slice(0, 64 * 1024 * 1024).toLowerCase() : html.toLowerCase();
  let from = 0;
  while (out.length < max) {
    let open = lower.indexOf('<script', from);
    while (open >= 0 && /[\w:-]/.test(lower[open + 7] ?? '')) open = lower.indexOf('<script', open + 7);
    if (open < 0) break;
    const openEnd = lower.indexOf('>', open + 7);
    if (openEnd < 0) break;
    const close = lower.indexOf('</script', openEnd + 1);
    if (close < 0) break;
    const attrs = html.slice(open + 7, openEnd);
    let code = html.slice(openEnd + 1, close);
    const cdata = /^\s*(?:\/\/\s*)?<!\[CDATA\[([\s\S]*?)(?:\/\/\s*)?\]\]>\s*$/.exec(code);
    if (cdata) code = cdata[1];
    const src = attr(attrs, 'src');
    out.push({ language: blockLanguage(attrs), code, ...(src ? { src } : {}) });
    const closeEnd = lower.indexOf('>', close);
    from = closeEnd < 0 ? lower.length : closeEnd + 1;
  }
  return out;
}

/** Code in event-handler attributes and `javascript:` / `vbscript:` links. */
export function inlineHandlers(html: string, max = 200): { language: ScriptLanguage; code: string }[] {
  const out: { language: ScriptLanguage; code: string }[] = [];
  // Tags are read as `<name ...>` with no `<` or `>` inside, which keeps the scan linear.
  for (const tag of html.matchAll(/<[a-z][\w:-]*\s[^<>]*>/gi)) {
    if (out.length >= max) break;
    for (const m of tag[0].matchAll(/\son[a-z]{3,30}\s*=\s*(?:"([^"]*)"|'([^']*)')/gi)) {
      const code = decodeEntities(m[1] ?? m[2] ?? '').trim();
      if (code && out.length < max) out.push({ language: 'javascript', code });
    }
  }
  for (const m of html.matchAll(/\b(?:href|src|action)\s*=\s*(?:"\s*(javascript|vbscript):([^"]*)"|'\s*(javascript|vbscript):([^']*)')/gi)) {
    if (out.length >= max) break;
    const language = (m[1] ?? m[3]).toLowerCase() === 'vbscript' ? 'vbscript' : 'javascript';
    const code = decodeEntities(m[2] ?? m[4] ?? '').trim();
    if (code && code !== 'void(0)' && code !== 'void(0);' && code !== ';') out.push({ language, code });
  }
  return out;
}

/** Script blocks and handlers of a page as layers (not obfuscation: where code lives in markup). */
export function extractHtml(html: string): Extraction[] {
  const out: Extraction[] = [];
  for (const block of scriptBlocks(html)) {
    if (!block.code.trim()) continue;
    if (block.language === 'javascript' || block.language === 'vbscript') out.push({ technique: 'html:script-block', language: block.language, text: block.code, obfuscation: false });
    else if (block.language === 'jscript.encode' || block.language === 'vbscript.encode') out.push({ technique: 'html:encoded-script-block', language: 'text', text: block.code, obfuscation: true });
  }
  const handlers = inlineHandlers(html);
  const js = handlers.filter((h) => h.language === 'javascript').map((h) => h.code);
  const vbs = handlers.filter((h) => h.language === 'vbscript').map((h) => h.code);
  if (js.length) out.push({ technique: 'html:event-handlers', language: 'javascript', text: js.join(';\n'), obfuscation: false });
  if (vbs.length) out.push({ technique: 'html:event-handlers', language: 'vbscript', text: vbs.join('\n'), obfuscation: false });
  return out;
}

/** Addresses scripts are loaded from (`<script src>`), bounded. */
export function scriptSources(html: string, max = 100): string[] {
  return scriptBlocks(html, max).map((b) => b.src).filter((s): s is string => !!s);
}
