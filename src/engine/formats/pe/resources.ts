import { DIR, PeFile } from './pe-file';
import { ByteReader, hex, printable } from './reader';

/**
 * The resource tree (type → name → language → data) and the version information resource
 * (VS_VERSIONINFO: the fixed file info and the StringFileInfo strings such as CompanyName,
 * ProductName, OriginalFilename, FileDescription).
 *
 * The tree is walked three levels deep, each directory once (offsets already seen are skipped, so a
 * directory pointing at itself ends), at most MAX_RESOURCE_ENTRIES directory entries in all.
 */
export const MAX_RESOURCE_ENTRIES = 10_000;

const RESOURCE_TYPES: Record<number, string> = {
  1: 'RT_CURSOR', 2: 'RT_BITMAP', 3: 'RT_ICON', 4: 'RT_MENU', 5: 'RT_DIALOG', 6: 'RT_STRING', 7: 'RT_FONTDIR', 8: 'RT_FONT',
  9: 'RT_ACCELERATOR', 10: 'RT_RCDATA', 11: 'RT_MESSAGETABLE', 12: 'RT_GROUP_CURSOR', 14: 'RT_GROUP_ICON', 16: 'RT_VERSION',
  17: 'RT_DLGINCLUDE', 19: 'RT_PLUGPLAY', 20: 'RT_VXD', 21: 'RT_ANICURSOR', 22: 'RT_ANIICON', 23: 'RT_HTML', 24: 'RT_MANIFEST',
};

/** Common Windows language ids (LANGID), for reports; others are shown as numbers. */
const LANGUAGES: Record<number, string> = {
  0x0000: 'neutral', 0x0400: 'process-default', 0x0800: 'system-default', 0x0401: 'ar-SA', 0x0402: 'bg-BG', 0x0403: 'ca-ES', 0x0404: 'zh-TW',
  0x0405: 'cs-CZ', 0x0406: 'da-DK', 0x0407: 'de-DE', 0x0408: 'el-GR', 0x0409: 'en-US', 0x040a: 'es-ES_tradnl', 0x040b: 'fi-FI', 0x040c: 'fr-FR',
  0x040d: 'he-IL', 0x040e: 'hu-HU', 0x040f: 'is-IS', 0x0410: 'it-IT', 0x0411: 'ja-JP', 0x0412: 'ko-KR', 0x0413: 'nl-NL', 0x0414: 'nb-NO',
  0x0415: 'pl-PL', 0x0416: 'pt-BR', 0x0418: 'ro-RO', 0x0419: 'ru-RU', 0x041a: 'hr-HR', 0x041b: 'sk-SK', 0x041d: 'sv-SE', 0x041e: 'th-TH',
  0x041f: 'tr-TR', 0x0421: 'id-ID', 0x0422: 'uk-UA', 0x0423: 'be-BY', 0x0424: 'sl-SI', 0x0425: 'et-EE', 0x0426: 'lv-LV', 0x0427: 'lt-LT',
  0x0429: 'fa-IR', 0x042a: 'vi-VN', 0x042b: 'hy-AM', 0x042c: 'az-Latn-AZ', 0x0437: 'ka-GE', 0x0439: 'hi-IN', 0x043f: 'kk-KZ', 0x0443: 'uz-Latn-UZ',
  0x0804: 'zh-CN', 0x0809: 'en-GB', 0x080a: 'es-MX', 0x0816: 'pt-PT', 0x0c0a: 'es-ES', 0x0c04: 'zh-HK', 0x1004: 'zh-SG',
};

export const languageName = (id: number): string => LANGUAGES[id] ?? `0x${id.toString(16).padStart(4, '0')}`;

export interface ResourceEntry {
  type: string;
  name: string;
  language: number;
  codepage: number;
  rva: number;
  /** File offset of the data, -1 when the RVA maps to no file bytes. */
  offset: number;
  size: number;
}

export interface ResourceTree {
  entries: ResourceEntry[];
  truncated: boolean;
}

export function parseResources(pe: PeFile, errors: string[]): ResourceTree | undefined {
  const dir = pe.directory(DIR.resource);
  if (!dir) return undefined;
  const base = pe.rvaToOffset(dir.rva);
  if (base < 0) {
    errors.push(`resource directory at RVA ${hex(dir.rva)} is not in the file`);
    return undefined;
  }
  const r = pe.r;
  const entries: ResourceEntry[] = [];
  const seen = new Set<number>();
  let budget = MAX_RESOURCE_ENTRIES;
  let truncated = false;

  const nameOf = (field: number, numbers: (id: number) => string): string => {
    if (field & 0x80000000) {
      const at = base + (field & 0x7fffffff);
      if (!r.has(at, 2)) return '(unreadable name)';
      return printable(r.utf16(at + 2, Math.min(r.u16(at), 256)), 256);
    }
    return numbers(field & 0xffff);
  };

  const walk = (dirOffset: number, level: number, path: [string, string]) => {
    const at = base + dirOffset;
    if (seen.has(at) || !r.has(at, 16)) return;
    seen.add(at);
    const count = r.u16(at + 12) + r.u16(at + 14);
    for (let i = 0; i < count; i++) {
      if (budget-- <= 0) {
        truncated = true;
        return;
      }
      const e = at + 16 + i * 8;
      if (!r.has(e, 8)) return;
      const nameField = r.u32(e);
      const target = r.u32(e + 4);
      const isDir = (target & 0x80000000) !== 0;
      if (level === 0) {
        const type = nameOf(nameField, (id) => RESOURCE_TYPES[id] ?? String(id));
        if (isDir) walk(target & 0x7fffffff, 1, [type, '']);
      } else if (level === 1) {
        const name = nameOf(nameField, (id) => String(id));
        if (isDir) walk(target & 0x7fffffff, 2, [path[0], name]);
        else leaf(target, path[0], name, 0);
      } else if (!isDir) {
        leaf(target, path[0], path[1], nameField & 0x80000000 ? 0 : nameField & 0xffff);
      }
    }
  };

  const leaf = (dataEntry: number, type: string, name: string, language: number) => {
    const at = base + dataEntry;
    if (!r.has(at, 16)) return;
    const rva = r.u32(at);
    const size = r.u32(at + 4);
    entries.push({ type, name, language, codepage: r.u32(at + 8), rva, offset: pe.rvaToOffset(rva), size });
  };

  walk(0, 0, ['', '']);
  return { entries, truncated };
}

export interface VersionInfo {
  fileVersion?: string;
  productVersion?: string;
  fileFlags?: number;
  fileOs?: number;
  fileType?: number;
  /** StringFileInfo strings (of the first string table; later tables only add keys the first lacks). */
  strings: Record<string, string>;
  /** VarFileInfo\Translation: language/codepage pairs. */
  translations?: string[];
}

interface Block {
  length: number;
  valueLength: number;
  type: number;
  key: string;
  valueOffset: number;
  childrenOffset: number;
  end: number;
}

const align4 = (n: number) => (n + 3) & ~3;

/** Parses the VS_VERSIONINFO structure of an RT_VERSION resource's bytes. */
export function parseVersionInfo(data: Uint8Array): VersionInfo | undefined {
  const r = new ByteReader(data);
  const readBlock = (at: number, limit: number): Block | null => {
    if (!r.has(at, 6)) return null;
    const length = r.u16(at);
    if (length < 6 || at + length > limit) return null;
    const key = r.utf16z(at + 6, 64) ?? '';
    const valueOffset = align4(at + 6 + (key.length + 1) * 2);
    return { length, valueLength: r.u16(at + 2), type: r.u16(at + 4), key, valueOffset, childrenOffset: valueOffset, end: at + length };
  };
  const children = (parent: Block, firstChild: number): Block[] => {
    const out: Block[] = [];
    let at = align4(firstChild);
    while (at < parent.end && out.length < 500) {
      const child = readBlock(at, parent.end);
      if (!child) break;
      out.push(child);
      at = align4(child.end);
    }
    return out;
  };

  const root = readBlock(0, data.length);
  if (!root || root.key !== 'VS_VERSION_INFO') return undefined;
  const info: VersionInfo = { strings: {} };
  let childrenStart = root.valueOffset;
  if (root.valueLength >= 52 && r.has(root.valueOffset, 52) && r.u32(root.valueOffset) === 0xfeef04bd) {
    const f = root.valueOffset;
    const version = (hi: number, lo: number) => `${hi >>> 16}.${hi & 0xffff}.${lo >>> 16}.${lo & 0xffff}`;
    info.fileVersion = version(r.u32(f + 8), r.u32(f + 12));
    info.productVersion = version(r.u32(f + 16), r.u32(f + 20));
    info.fileFlags = r.u32(f + 28) & r.u32(f + 24);
    info.fileOs = r.u32(f + 32);
    info.fileType = r.u32(f + 36);
  }
  childrenStart = root.valueOffset + root.valueLength;
  for (const block of children(root, childrenStart)) {
    if (block.key === 'StringFileInfo') {
      for (const table of children(block, block.valueOffset)) {
        for (const s of children(table, table.valueOffset)) {
          // wValueLength counts UTF-16 characters for text values (type 1), bytes otherwise; both are bounded by the block.
          const chars = s.type === 1 ? s.valueLength : Math.floor(s.valueLength / 2);
          const available = Math.max(0, Math.floor((s.end - s.valueOffset) / 2));
          const value = s.valueLength ? r.utf16(s.valueOffset, Math.min(chars, available, 4096)).replace(/\u0000+$/, '') : '';
          const key = printable(s.key, 64);
          if (key && !(key in info.strings) && Object.keys(info.strings).length < 64) info.strings[key] = value.slice(0, 1024);
        }
      }
    } else if (block.key === 'VarFileInfo') {
      for (const v of children(block, block.valueOffset)) {
        if (v.key !== 'Translation') continue;
        const pairs: string[] = [];
        for (let at = v.valueOffset; at + 4 <= v.end && pairs.length < 32; at += 4) {
          pairs.push(`${languageName(r.u16(at))}/${r.u16(at + 2)}`);
        }
        info.translations = pairs;
      }
    }
  }
  return info;
}
