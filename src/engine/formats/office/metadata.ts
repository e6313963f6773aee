import { u16, u32 } from '../bytes';
import { elements, textOf } from './xml';

/**
 * Document metadata: the `\x05SummaryInformation` / `\x05DocumentSummaryInformation` property sets
 * of OLE documents ([MS-OLEPS]) and `docProps/core.xml` / `docProps/app.xml` of OOXML ones, as one
 * shape: title, subject, author, lastModifiedBy, created, modified, lastPrinted, application,
 * company, template, revision.
 */
export interface DocumentMetadata {
  title?: string;
  subject?: string;
  author?: string;
  keywords?: string;
  comments?: string;
  lastModifiedBy?: string;
  created?: string;
  modified?: string;
  lastPrinted?: string;
  application?: string;
  appVersion?: string;
  company?: string;
  manager?: string;
  template?: string;
  revision?: string;
  codepage?: number;
}

const MAX_VALUE = 512;
type Decoder = InstanceType<typeof TextDecoder>;

type PropertyValue = string | number | Date;

function decoder(codepage: number): Decoder {
  if (codepage === 1200) return new TextDecoder('utf-16le', { fatal: false });
  if (codepage === 65001) return new TextDecoder('utf-8', { fatal: false });
  try {
    return new TextDecoder(`windows-${codepage}`, { fatal: false });
  } catch {
    return new TextDecoder('windows-1252', { fatal: false });
  }
}

function filetime(b: Uint8Array, o: number): Date | undefined {
  const low = u32(b, o);
  const high = u32(b, o + 4);
  if (low < 0 || high < 0 || (!low && !high)) return undefined;
  const ms = (high * 4294967296 + low) / 10_000 - 11644473600000;
  if (!Number.isFinite(ms) || ms < 0 || ms > 4102444800000) return undefined;
  return new Date(ms);
}

/** The first section of a property set stream: property id → value (strings, integers, times). */
export function parsePropertySet(b: Uint8Array): Map<number, PropertyValue> {
  const out = new Map<number, PropertyValue>();
  if (u16(b, 0) !== 0xfffe) return out;
  const sections = u32(b, 24);
  if (sections < 1) return out;
  const section = u32(b, 44);
  if (section < 0 || section + 8 > b.length) return out;
  const count = Math.min(u32(b, section + 4), 1000);
  const entries: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const id = u32(b, section + 8 + i * 8);
    const offset = u32(b, section + 12 + i * 8);
    if (id < 0 || offset < 0) break;
    entries.push([id, section + offset]);
  }
  let codepage = 1252;
  for (const [id, o] of entries) if (id === 1 && u32(b, o) === 2) codepage = u16(b, o + 4);
  const text = decoder(codepage);
  out.set(1, codepage);
  for (const [id, o] of entries) {
    if (id === 1 || o + 4 > b.length) continue;
    const type = u32(b, o) & 0xffff;
    switch (type) {
      case 0x02: // VT_I2
        out.set(id, u16(b, o + 4));
        break;
      case 0x03: // VT_I4
        out.set(id, u32(b, o + 4) | 0);
        break;
      case 0x1e: { // VT_LPSTR
        const n = u32(b, o + 4);
        if (n < 0 || o + 8 + n > b.length) break;
        out.set(id, text.decode(b.subarray(o + 8, o + 8 + Math.min(n, MAX_VALUE * 2))).replace(/\0[\s\S]*$/, ''));
        break;
      }
      case 0x1f: { // VT_LPWSTR
        const n = u32(b, o + 4);
        if (n < 0 || o + 8 + n * 2 > b.length) break;
        out.set(id, new TextDecoder('utf-16le').decode(b.subarray(o + 8, o + 8 + Math.min(n, MAX_VALUE) * 2)).replace(/\0[\s\S]*$/, ''));
        break;
      }
      case 0x40: { // VT_FILETIME
        const date = filetime(b, o + 4);
        if (date) out.set(id, date);
        break;
      }
      default:
        break;
    }
  }
  return out;
}

const clean = (v: PropertyValue | undefined): string | undefined => {
  if (v === undefined) return undefined;
  if (v instanceof Date) return v.toISOString();
  // eslint-disable-next-line no-control-regex
  const s = String(v).replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, MAX_VALUE);
  return s || undefined;
};

function compact(m: DocumentMetadata): DocumentMetadata {
  for (const key of Object.keys(m) as (keyof DocumentMetadata)[]) if (m[key] === undefined || m[key] === '') delete m[key];
  return m;
}

/** SummaryInformation (+ DocumentSummaryInformation) → metadata. */
export function oleMetadata(summary?: Uint8Array, documentSummary?: Uint8Array): DocumentMetadata {
  const s = summary ? parsePropertySet(summary) : new Map<number, PropertyValue>();
  const d = documentSummary ? parsePropertySet(documentSummary) : new Map<number, PropertyValue>();
  return compact({
    title: clean(s.get(2)),
    subject: clean(s.get(3)),
    author: clean(s.get(4)),
    keywords: clean(s.get(5)),
    comments: clean(s.get(6)),
    template: clean(s.get(7)),
    lastModifiedBy: clean(s.get(8)),
    revision: clean(s.get(9)),
    lastPrinted: clean(s.get(11)),
    created: clean(s.get(12)),
    modified: clean(s.get(13)),
    application: clean(s.get(18)),
    manager: clean(d.get(14)),
    company: clean(d.get(15)),
    codepage: s.size > 1 && typeof s.get(1) === 'number' ? (s.get(1) as number) : undefined,
  });
}

/** docProps/core.xml and docProps/app.xml → metadata. */
export function ooxmlMetadata(core?: string, app?: string): DocumentMetadata {
  const one = (xml: string | undefined, name: string) => {
    if (!xml) return undefined;
    const [e] = elements(xml, [name], { max: 1, inner: true });
    return e ? clean(textOf(e.inner ?? '')) : undefined;
  };
  return compact({
    title: one(core, 'title'),
    subject: one(core, 'subject'),
    author: one(core, 'creator'),
    keywords: one(core, 'keywords'),
    comments: one(core, 'description'),
    lastModifiedBy: one(core, 'lastModifiedBy'),
    revision: one(core, 'revision'),
    created: one(core, 'created'),
    modified: one(core, 'modified'),
    lastPrinted: one(core, 'lastPrinted'),
    application: one(app, 'Application'),
    appVersion: one(app, 'AppVersion'),
    company: one(app, 'Company'),
    manager: one(app, 'Manager'),
    template: one(app, 'Template'),
  });
}
