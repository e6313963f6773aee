/**
 * Just enough XML for Office Open XML parts: elements by local name (any namespace prefix, since
 * malicious documents rename prefixes to dodge naive matching), attributes, entity decoding and a
 * linear well-formedness check. No DTDs, no external entities: nothing here can fetch or expand.
 */
export interface XmlElement {
  /** Qualified name as written (`w:instrText`). */
  name: string;
  attributes: Record<string, string>;
  /** Offset of the `<` in the text. */
  offset: number;
  /** Text between the start and end tag (raw, not decoded) when asked for; '' for empty elements. */
  inner?: string;
}

const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(ENTITY, (m, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
    if (named) return NAMED[named];
    const code = hex ? parseInt(hex, 16) : parseInt(dec!, 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

/** Attributes of a start tag's attribute text, keyed by qualified name and also by local name. */
export function attributesOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  ATTRIBUTE.lastIndex = 0;
  for (let m = ATTRIBUTE.exec(text); m; m = ATTRIBUTE.exec(text)) {
    const value = decodeEntities(m[2] ?? m[3] ?? '');
    out[m[1]] = value;
    const colon = m[1].indexOf(':');
    if (colon >= 0 && !(m[1].slice(colon + 1) in out)) out[m[1].slice(colon + 1)] = value;
  }
  return out;
}

/** Attribute by local name, whatever its prefix. */
export function attr(element: XmlElement, localName: string): string | undefined {
  return element.attributes[localName];
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Elements with one of the given local names, in document order (at most `max`). With `inner`, the
 * raw text up to the matching end tag (not nested elements of the same name) is returned too.
 */
export function elements(xml: string, localNames: string[], { max = 10_000, inner = false }: { max?: number; inner?: boolean } = {}): XmlElement[] {
  const names = localNames.map(escapeRe).join('|');
  const re = new RegExp(`<((?:[A-Za-z_][\\w.-]*:)?(?:${names}))(?=[\\s/>])`, 'g');
  const out: XmlElement[] = [];
  for (let m = re.exec(xml); m && out.length < max; m = re.exec(xml)) {
    const end = tagEnd(xml, re.lastIndex);
    if (end < 0) continue;
    let text = xml.slice(re.lastIndex, end);
    const selfClosing = text.endsWith('/');
    if (selfClosing) text = text.slice(0, -1);
    const element: XmlElement = { name: m[1], attributes: attributesOf(text), offset: m.index };
    re.lastIndex = end + 1;
    if (inner) {
      if (selfClosing) element.inner = '';
      else {
        const close = xml.indexOf(`</${m[1]}`, end + 1);
        element.inner = close < 0 ? xml.slice(end + 1, end + 1 + 65536) : xml.slice(end + 1, close);
      }
    }
    out.push(element);
  }
  return out;
}

/** Index of the `>` ending a tag whose attributes start at `from` (quotes honoured), -1 past 64 KiB. */
function tagEnd(xml: string, from: number): number {
  let quote = 0;
  const limit = Math.min(xml.length, from + 65536);
  for (let i = from; i < limit; i++) {
    const c = xml.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x3e) {
      return i;
    }
  }
  return -1;
}

/** Text content of raw inner XML: tags removed, entities decoded. */
export function textOf(inner: string): string {
  return decodeEntities(inner.replace(/<[^>]*>/g, ''));
}

const isNameChar = (c: number) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x5f || c === 0x2d || c === 0x2e || c > 0x7f;
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * A linear well-formedness check (a hand-written scanner: tens of MB of document.xml per second):
 * every `<` opens a comment, a processing instruction, CDATA, a DOCTYPE or a tag with well-formed
 * attributes; tags nest and match; one root element. Returns the first problem, or null.
 */
export function xmlProblem(xml: string): string | null {
  // Open elements as (start, length) of their names: no string per tag.
  const starts: number[] = [];
  const lengths: number[] = [];
  let depth = 0;
  const n = xml.length;
  let roots = 0;
  let p = xml.indexOf('<');
  if (p < 0) return 'no XML element';
  if (xml.slice(0, p).trim()) return 'text before the first element';
  const skipTo = (marker: string, from: number, what: string): number | string => {
    const end = xml.indexOf(marker, from);
    return end < 0 ? `unterminated ${what} at offset ${p}` : end + marker.length;
  };
  while (p >= 0 && p < n) {
    const c1 = xml.charCodeAt(p + 1);
    let after: number;
    if (c1 === 0x21 /* ! */) {
      const r = xml.startsWith('<!--', p) ? skipTo('-->', p + 4, 'comment') : xml.startsWith('<![CDATA[', p) ? skipTo(']]>', p + 9, 'CDATA section') : xml.startsWith('<!DOCTYPE', p) ? skipTo('>', p, 'DOCTYPE') : `malformed markup at offset ${p}`;
      if (typeof r === 'string') return r;
      after = r;
    } else if (c1 === 0x3f /* ? */) {
      const r = skipTo('?>', p + 2, 'processing instruction');
      if (typeof r === 'string') return r;
      after = r;
    } else if (c1 === 0x2f /* / */) {
      let q = p + 2;
      while (q < n && isNameChar(xml.charCodeAt(q))) q++;
      const length = q - p - 2;
      if (!length) return `malformed end tag at offset ${p}`;
      while (q < n && isSpace(xml.charCodeAt(q))) q++;
      if (xml.charCodeAt(q) !== 0x3e) return `malformed end tag </${xml.slice(p + 2, p + 2 + length)}> at offset ${p}`;
      if (!depth) return `</${xml.slice(p + 2, p + 2 + length)}> at offset ${p} closes nothing`;
      depth--;
      const openStart = starts[depth];
      let same = lengths[depth] === length;
      for (let k = 0; same && k < length; k++) same = xml.charCodeAt(openStart + k) === xml.charCodeAt(p + 2 + k);
      if (!same) return `</${xml.slice(p + 2, p + 2 + length)}> at offset ${p} closes <${xml.slice(openStart, openStart + lengths[depth])}>`;
      after = q + 1;
    } else {
      let q = p + 1;
      while (q < n && isNameChar(xml.charCodeAt(q))) q++;
      if (q === p + 1) return `malformed tag at offset ${p}: ${JSON.stringify(xml.slice(p, p + 40))}`;
      const nameStart = p + 1;
      const nameLength = q - nameStart;
      const name = () => xml.slice(nameStart, nameStart + nameLength);
      let selfClosing = false;
      for (;;) {
        while (q < n && isSpace(xml.charCodeAt(q))) q++;
        const c = xml.charCodeAt(q);
        if (c === 0x3e) break;
        if (c === 0x2f && xml.charCodeAt(q + 1) === 0x3e) {
          selfClosing = true;
          q++;
          break;
        }
        const attrStart = q;
        while (q < n && isNameChar(xml.charCodeAt(q))) q++;
        if (q === attrStart) return `malformed tag <${name()}> at offset ${p}`;
        while (q < n && isSpace(xml.charCodeAt(q))) q++;
        if (xml.charCodeAt(q) !== 0x3d /* = */) return `attribute without a value in <${name()}> at offset ${p}`;
        q++;
        while (q < n && isSpace(xml.charCodeAt(q))) q++;
        const quote = xml.charCodeAt(q);
        if (quote !== 0x22 && quote !== 0x27) return `unquoted attribute value in <${name()}> at offset ${p}`;
        const end = xml.indexOf(quote === 0x22 ? '"' : "'", q + 1);
        if (end < 0) return `unterminated attribute value in <${name()}> at offset ${p}`;
        q = end + 1;
      }
      if (q >= n) return `unterminated tag <${name()}> at offset ${p}`;
      if (!depth) roots++;
      if (roots > 1) return `second root element <${name()}> at offset ${p}`;
      if (!selfClosing) {
        if (depth === starts.length) {
          starts.push(0);
          lengths.push(0);
        }
        starts[depth] = nameStart;
        lengths[depth] = nameLength;
        depth++;
      }
      after = q + 1;
    }
    const next = xml.indexOf('<', after);
    if (!depth && roots && xml.slice(after, next < 0 ? n : next).trim()) return `text after the root element at offset ${after}`;
    p = next;
  }
  if (depth) return `unclosed <${xml.slice(starts[depth - 1], starts[depth - 1] + lengths[depth - 1])}> at the end (truncated?)`;
  if (!roots) return 'no root element';
  return null;
}
