import { ByteReader, hex, printable } from '../pe/reader';

/**
 * A Windows shortcut (MS-SHLLINK) read with bounds checks: the ShellLinkHeader (flags, attributes,
 * times, size, icon index, show command, hot key), the LinkTargetIDList (shell items: root folder,
 * volume, file and folder entries with their long names, best effort), LinkInfo (volume, local base
 * path, network share), StringData (name, relative path, working directory, arguments, icon
 * location) and ExtraData blocks (environment variables target, console, tracker with machine id
 * and droids, known and special folder, icon environment, Darwin, shim layer). Bytes after the
 * terminal block are reported as appended data. Truncation ends the parse with what was read and an
 * `errors` entry; nothing is thrown past the constructor's header check.
 */

export const LINK_FLAGS = [
  'HasLinkTargetIDList', 'HasLinkInfo', 'HasName', 'HasRelativePath', 'HasWorkingDir', 'HasArguments', 'HasIconLocation', 'IsUnicode',
  'ForceNoLinkInfo', 'HasExpString', 'RunInSeparateProcess', 'Unused1', 'HasDarwinID', 'RunAsUser', 'HasExpIcon', 'NoPidlAlias', 'Unused2',
  'RunWithShimLayer', 'ForceNoLinkTrack', 'EnableTargetMetadata', 'DisableLinkPathTracking', 'DisableKnownFolderTracking',
  'DisableKnownFolderAlias', 'AllowLinkToLink', 'UnaliasOnSave', 'PreferEnvironmentPath', 'KeepLocalIDListForUNCTarget',
];
const FILE_ATTRIBUTES: [number, string][] = [
  [0x1, 'READONLY'], [0x2, 'HIDDEN'], [0x4, 'SYSTEM'], [0x10, 'DIRECTORY'], [0x20, 'ARCHIVE'], [0x80, 'NORMAL'], [0x100, 'TEMPORARY'],
  [0x200, 'SPARSE_FILE'], [0x400, 'REPARSE_POINT'], [0x800, 'COMPRESSED'], [0x1000, 'OFFLINE'], [0x2000, 'NOT_CONTENT_INDEXED'], [0x4000, 'ENCRYPTED'],
];
const SHOW_COMMANDS: Record<number, string> = { 1: 'normal', 3: 'maximized', 7: 'minimized' };
const DRIVE_TYPES = ['unknown', 'no-root-dir', 'removable', 'fixed', 'remote', 'cdrom', 'ramdisk'];
const ROOT_FOLDERS: Record<string, string> = {
  '20d04fe0-3aea-1069-a2d8-08002b30309d': 'My Computer',
  '450d8fba-ad25-11d0-98a8-0800361b1103': 'My Documents',
  '208d2c60-3aea-1069-a2d7-08002b30309d': 'My Network Places',
  'f02c1a0d-be21-4350-88b0-7367fc96ef3c': 'Network',
  '21ec2020-3aea-1069-a2dd-08002b30309d': 'Control Panel',
  '26ee0668-a00a-44d7-9371-beb064c98683': 'Control Panel',
  '645ff040-5081-101b-9f08-00aa002f954e': 'Recycle Bin',
  '59031a47-3f72-44a7-89c5-5595fe6b30ee': 'User Files',
  '031e4825-7b94-4dc3-b131-e946b44c8dd5': 'Libraries',
  '679f85cb-0220-4080-b29b-5540cc05aab6': 'Quick Access',
  '088e3905-0323-4b02-9826-5d99428e115f': 'Downloads',
  'b4bfcc3a-db2c-424c-b029-7fe99a87c641': 'Desktop',
};
const KNOWN_FOLDERS: Record<string, string> = {
  '1ac14e77-02e7-4e5d-b744-2eb1ae5198b7': 'System', 'd65231b0-b2f1-4857-a4ce-a8e7c6ea7d27': 'SystemX86', 'f38bf404-1d43-42f2-9305-67de0b28fc23': 'Windows',
  '905e63b6-c1bf-494e-b29c-65b732d3d21a': 'ProgramFiles', '7c5a40ef-a0fb-4bfc-874a-c0f2e0b9fa8e': 'ProgramFilesX86', 'b4bfcc3a-db2c-424c-b029-7fe99a87c641': 'Desktop',
  'fdd39ad0-238f-46af-adb4-6c85480369c7': 'Documents', '374de290-123f-4565-9164-39c4925e467b': 'Downloads', '3eb685db-65f9-4cf6-a03a-e3ef65729f3d': 'RoamingAppData',
  'f1b32785-6fba-4fcf-9d55-7b8e7f157091': 'LocalAppData', '62ab5d82-fdc1-4dc3-a9dd-070d1d495d97': 'ProgramData', 'b97d20bb-f46a-4c97-ba10-5e3608430854': 'Startup',
  '82a5ea35-d9cd-47c5-9629-e15d2f714e6e': 'CommonStartup', 'a77f5d77-2e2b-44c3-a6a2-aba601054a51': 'Programs', '625b53c3-ab48-4ec1-ba1f-a1ef4146fc19': 'StartMenu',
  'dfdf76a2-c82a-4d63-906a-5644ac457385': 'Public',
};
const SPECIAL_FOLDERS: Record<number, string> = {
  0x00: 'Desktop', 0x02: 'Programs', 0x05: 'Personal', 0x07: 'Startup', 0x0b: 'StartMenu', 0x10: 'DesktopDirectory', 0x1a: 'AppData', 0x1c: 'LocalAppData',
  0x20: 'InternetCache', 0x23: 'CommonAppData', 0x24: 'Windows', 0x25: 'System', 0x26: 'ProgramFiles', 0x29: 'SystemX86', 0x2a: 'ProgramFilesX86',
};
const MAX_ID_ITEMS = 64;
const MAX_EXTRA_BLOCKS = 64;
/** Longest StringData string kept (characters); the length is reported whole. */
export const MAX_STRING = 32_768;

export interface IdListItem {
  type: string;
  name?: string;
  longName?: string;
  clsid?: string;
  size?: number;
}

export interface LnkInfo {
  flags: string[];
  fileAttributes: string[];
  creationTime: string | null;
  accessTime: string | null;
  writeTime: string | null;
  fileSize: number;
  iconIndex: number;
  showCommand: string;
  showCommandValue: number;
  hotKey?: string;
  idList?: IdListItem[];
  idListPath?: string;
  linkInfo?: {
    driveType?: string;
    driveSerialNumber?: string;
    volumeLabel?: string;
    localBasePath?: string;
    networkShare?: string;
    deviceName?: string;
    commonPathSuffix?: string;
  };
  name?: string;
  relativePath?: string;
  workingDirectory?: string;
  arguments?: string;
  argumentsLength?: number;
  iconLocation?: string;
  extra: {
    environmentTarget?: string;
    iconEnvironment?: string;
    darwinId?: string;
    shimLayer?: string;
    tracker?: { machineId: string; volumeDroid: string; fileDroid: string; birthVolumeDroid: string; birthFileDroid: string; macAddress?: string; droidTime?: string };
    knownFolder?: { id: string; name?: string };
    specialFolder?: { id: number; name?: string };
    console?: { fontFace?: string; windowSize?: string; screenBufferSize?: string; fillAttributes?: string };
    codePage?: number;
    blocks: string[];
  };
  /** The best guess at what the shortcut runs. */
  target?: string;
  /** Offset after the terminal block: where appended data starts. */
  end: number;
  errors: string[];
}

const filetime = (r: ByteReader, at: number): string | null => {
  const value = r.u64big(at);
  if (value === 0n) return null;
  const ms = Number(value / 10000n) - 11644473600000;
  if (ms < -62135596800000 || ms > 253402300799000) return null;
  return new Date(ms).toISOString();
};

const guid = (b: Uint8Array): string => {
  const h = (x: Uint8Array) => Buffer.from(x).toString('hex');
  const rev = (x: Uint8Array) => Buffer.from(x).reverse();
  return `${h(rev(b.subarray(0, 4)))}-${h(rev(b.subarray(4, 6)))}-${h(rev(b.subarray(6, 8)))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
};

export function isLnk(data: Uint8Array): boolean {
  return data.length >= 0x4c && data[0] === 0x4c && data[1] === 0 && data[2] === 0 && data[3] === 0 && data[4] === 0x01 && data[5] === 0x14 && data[6] === 0x02 && data[7] === 0;
}

export function parseLnk(data: Uint8Array): LnkInfo {
  if (!isLnk(data)) throw new Error('not a shell link (header size or CLSID)');
  const r = new ByteReader(data);
  const flagsValue = r.u32(0x14);
  const flags = LINK_FLAGS.filter((_, i) => flagsValue & (1 << i));
  const has = (name: string) => flags.includes(name);
  const attributes = r.u32(0x18);
  const showCommandValue = r.u32(0x3c);
  const hotKey = r.u16(0x40);
  const info: LnkInfo = {
    flags,
    fileAttributes: FILE_ATTRIBUTES.filter(([bit]) => attributes & bit).map(([, n]) => n),
    creationTime: filetime(r, 0x1c),
    accessTime: filetime(r, 0x24),
    writeTime: filetime(r, 0x2c),
    fileSize: r.u32(0x34),
    iconIndex: r.i32(0x38),
    showCommand: SHOW_COMMANDS[showCommandValue] ?? `normal (value ${showCommandValue})`,
    showCommandValue,
    ...(hotKey ? { hotKey: hotKeyName(hotKey) } : {}),
    extra: { blocks: [] },
    end: data.length,
    errors: [],
  };
  let at = 0x4c;
  const fail = (what: string, err: unknown) => info.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300));

  try {
    if (has('HasLinkTargetIDList')) {
      const size = r.u16(at);
      const items = parseIdList(r, at + 2, at + 2 + size, info);
      info.idList = items;
      const path = idListPath(items);
      if (path) info.idListPath = path;
      at += 2 + size;
    }
    if (has('HasLinkInfo') && !has('ForceNoLinkInfo')) {
      const size = r.u32(at);
      parseLinkInfo(r, at, size, info);
      at += Math.max(size, 4);
    } else if (has('HasLinkInfo')) {
      at += Math.max(r.u32(at), 4);
    }
    const unicode = has('IsUnicode');
    const stringData = (flag: string): string | undefined => {
      if (!has(flag)) return undefined;
      const count = r.u16(at);
      const bytes = count * (unicode ? 2 : 1);
      if (!r.has(at + 2, bytes)) throw new Error(`${flag} string (${count} characters) runs past the end of the file`);
      const value = unicode ? r.utf16(at + 2, Math.min(count, MAX_STRING)) : Buffer.from(r.bytes(at + 2, Math.min(count, MAX_STRING))).toString('latin1');
      at += 2 + bytes;
      if (flag === 'HasArguments') info.argumentsLength = count;
      return value;
    };
    info.name = stringData('HasName');
    info.relativePath = stringData('HasRelativePath');
    info.workingDirectory = stringData('HasWorkingDir');
    info.arguments = stringData('HasArguments');
    info.iconLocation = stringData('HasIconLocation');
    for (const key of ['name', 'relativePath', 'workingDirectory', 'arguments', 'iconLocation'] as const) if (info[key] === undefined) delete info[key];
    at = parseExtraData(r, at, info);
    info.end = at;
  } catch (err) {
    fail('structure', err);
  }
  info.target = bestTarget(info);
  return info;
}

function hotKeyName(value: number): string {
  const key = value & 0xff;
  const mods = value >> 8;
  const parts = [mods & 2 ? 'Ctrl' : '', mods & 4 ? 'Alt' : '', mods & 1 ? 'Shift' : ''].filter(Boolean);
  const name = key >= 0x30 && key <= 0x5a ? String.fromCharCode(key) : key >= 0x70 && key <= 0x87 ? `F${key - 0x6f}` : hex(key, 2);
  return [...parts, name].join('+');
}

function parseIdList(r: ByteReader, start: number, end: number, info: LnkInfo): IdListItem[] {
  const items: IdListItem[] = [];
  let at = start;
  if (end > r.length) info.errors.push('the target ID list runs past the end of the file');
  while (at + 2 <= Math.min(end, r.length) && items.length < MAX_ID_ITEMS) {
    const size = r.u16(at);
    if (size === 0) break;
    if (size < 3 || at + size > r.length) {
      info.errors.push(`shell item at ${hex(at)} has a bad size (${size})`);
      break;
    }
    items.push(shellItem(r.bytes(at, size)));
    at += size;
  }
  return items;
}

/** One shell item, best effort: root folders by CLSID, volumes by drive, file entries by short and long name. */
function shellItem(item: Uint8Array): IdListItem {
  const r = new ByteReader(item);
  const type = item[2];
  if (type === 0x1f && item.length >= 20) {
    const clsid = guid(item.subarray(4, 20));
    return { type: 'root', clsid, ...(ROOT_FOLDERS[clsid] ? { name: ROOT_FOLDERS[clsid] } : {}) };
  }
  if ((type & 0x70) === 0x20) {
    const name = r.cString(3, 20);
    return { type: 'volume', ...(name ? { name } : {}) };
  }
  if ((type & 0x70) === 0x30 && item.length >= 14) {
    const short = r.cString(14, Math.min(260, item.length - 14)) ?? '';
    const longName = longNameOf(item, 14 + short.length + 1);
    return {
      type: type & 0x01 ? 'folder' : 'file',
      name: printable(short, 260),
      ...(longName && longName !== short ? { longName } : {}),
      ...(type & 0x02 ? { size: r.u32(4) } : {}),
    };
  }
  if ((type & 0x70) === 0x40) {
    const name = r.cString(5, Math.min(260, item.length - 5));
    return { type: 'network', ...(name ? { name: printable(name, 260) } : {}) };
  }
  if (type === 0x61) return { type: 'uri' };
  return { type: hex(type, 2) };
}

/** The long (Unicode) name in a file entry's 0xBEEF0004 extension block: the first NUL-terminated UTF-16 run after its fixed fields. */
function longNameOf(item: Uint8Array, from: number): string | undefined {
  const view = new DataView(item.buffer, item.byteOffset, item.byteLength);
  for (let at = from; at + 8 <= item.length; at++) {
    if (view.getUint32(at + 4, true) !== 0xbeef0004) continue;
    const size = view.getUint16(at, true);
    const end = Math.min(item.length, at + size);
    for (let p = at + 18; p + 4 <= end; p += 2) {
      let q = p;
      let text = '';
      while (q + 2 <= end) {
        const c = view.getUint16(q, true);
        if (c === 0) break;
        if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c >= 0xd800) {
          text = '';
          break;
        }
        text += String.fromCharCode(c);
        q += 2;
      }
      if (text.length >= 1 && q + 2 <= end && /[.\w]/.test(text) && !/^[\x20-\x2f]/.test(text)) return text.slice(0, 260);
    }
    return undefined;
  }
  return undefined;
}

function idListPath(items: IdListItem[]): string | undefined {
  const parts: string[] = [];
  for (const item of items) {
    if (item.type === 'volume' && item.name) parts.push(item.name.replace(/\\$/, ''));
    else if ((item.type === 'file' || item.type === 'folder') && (item.longName || item.name)) parts.push((item.longName ?? item.name)!);
    else if (item.type === 'network' && item.name) parts.push(item.name);
  }
  return parts.length ? parts.join('\\') : undefined;
}

function parseLinkInfo(r: ByteReader, at: number, size: number, info: LnkInfo): void {
  if (size < 0x1c || !r.has(at, size)) {
    info.errors.push(`LinkInfo at ${hex(at)} has a bad size (${size})`);
    return;
  }
  const headerSize = r.u32(at + 4);
  const flags = r.u32(at + 8);
  const volumeOffset = r.u32(at + 12);
  const localBaseOffset = r.u32(at + 16);
  const networkOffset = r.u32(at + 20);
  const suffixOffset = r.u32(at + 24);
  const end = at + size;
  const str = (offset: number) => (offset && offset < size ? r.cString(at + offset, Math.min(1024, size - offset)) : null);
  const wstr = (offset: number) => (offset && offset < size ? r.utf16z(at + offset, Math.min(1024, (size - offset) >> 1)) : null);
  const li: NonNullable<LnkInfo['linkInfo']> = {};
  if (flags & 1) {
    const v = at + volumeOffset;
    if (volumeOffset < size && r.has(v, 16) && v + 16 <= end) {
      li.driveType = DRIVE_TYPES[r.u32(v + 4)] ?? String(r.u32(v + 4));
      li.driveSerialNumber = hex(r.u32(v + 8), 8);
      const labelOffset = r.u32(v + 12);
      const label = labelOffset === 0x14 && r.has(v + 16, 4) ? r.utf16z(v + r.u32(v + 16), 64) : r.cString(v + labelOffset, 64);
      if (label) li.volumeLabel = printable(label, 64);
    }
    const local = headerSize >= 0x24 && r.has(at + 28, 4) ? (wstr(r.u32(at + 28)) ?? str(localBaseOffset)) : str(localBaseOffset);
    if (local) li.localBasePath = local;
  }
  if (flags & 2) {
    const n = at + networkOffset;
    if (networkOffset < size && r.has(n, 20)) {
      const netNameOffset = r.u32(n + 8);
      const deviceOffset = r.u32(n + 12);
      const netName = netNameOffset > 0x14 && r.has(n + 20, 4) ? r.utf16z(n + r.u32(n + 20), 512) : r.cString(n + netNameOffset, 512);
      if (netName) li.networkShare = printable(netName, 512);
      const device = deviceOffset ? r.cString(n + deviceOffset, 64) : null;
      if (device) li.deviceName = printable(device, 64);
    }
  }
  const suffix = headerSize >= 0x24 && r.has(at + 32, 4) ? (wstr(r.u32(at + 32)) ?? str(suffixOffset)) : str(suffixOffset);
  if (suffix) li.commonPathSuffix = suffix;
  info.linkInfo = li;
}

function parseExtraData(r: ByteReader, start: number, info: LnkInfo): number {
  let at = start;
  const extra = info.extra;
  for (let n = 0; n < MAX_EXTRA_BLOCKS; n++) {
    if (!r.has(at, 4)) {
      if (at < r.length || n === 0) info.errors.push('extra data ends without a terminal block');
      return Math.min(at, r.length);
    }
    const size = r.u32(at);
    if (size < 4) return at + 4; // terminal block
    if (size < 8 || !r.has(at, size)) {
      info.errors.push(`extra data block at ${hex(at)} has a bad size (${size})`);
      return Math.min(at + size, r.length);
    }
    const signature = r.u32(at + 4);
    extra.blocks.push(hex(signature, 8));
    const d = at + 8;
    const ansiUnicode = () => {
      const unicode = size >= 0x314 ? r.utf16z(d + 260, 260) : null;
      return unicode || r.cString(d, 260) || undefined;
    };
    switch (signature) {
      case 0xa0000001:
        extra.environmentTarget = ansiUnicode();
        break;
      case 0xa0000007:
        extra.iconEnvironment = ansiUnicode();
        break;
      case 0xa0000006:
        extra.darwinId = ansiUnicode();
        break;
      case 0xa0000008:
        extra.shimLayer = r.utf16z(d, Math.min(260, (size - 8) >> 1)) ?? undefined;
        break;
      case 0xa0000003:
        if (size >= 0x60) {
          const droid = (o: number) => guid(r.bytes(d + o, 16));
          const file = r.bytes(d + 40, 16);
          extra.tracker = {
            machineId: printable(r.cString(d + 8, 16) ?? '', 16),
            volumeDroid: droid(24),
            fileDroid: droid(40),
            birthVolumeDroid: droid(56),
            birthFileDroid: droid(72),
            ...uuidV1(file),
          };
        }
        break;
      case 0xa000000b:
        if (size >= 0x1c) {
          const id = guid(r.bytes(d, 16));
          extra.knownFolder = { id, ...(KNOWN_FOLDERS[id] ? { name: KNOWN_FOLDERS[id] } : {}) };
        }
        break;
      case 0xa0000005:
        if (size >= 0x10) {
          const id = r.u32(d);
          extra.specialFolder = { id, ...(SPECIAL_FOLDERS[id] ? { name: SPECIAL_FOLDERS[id] } : {}) };
        }
        break;
      case 0xa0000002:
        if (size >= 0xcc) {
          extra.console = {
            fillAttributes: hex(r.u16(d), 4),
            screenBufferSize: `${r.u16(d + 4)}x${r.u16(d + 6)}`,
            windowSize: `${r.u16(d + 8)}x${r.u16(d + 10)}`,
            ...(r.utf16z(d + 36, 32) ? { fontFace: r.utf16z(d + 36, 32)! } : {}),
          };
        }
        break;
      case 0xa0000004:
        if (size >= 0xc) extra.codePage = r.u32(d);
        break;
      default:
        break;
    }
    at += size;
  }
  info.errors.push(`more than ${MAX_EXTRA_BLOCKS} extra data blocks`);
  return at;
}

/** A version-1 UUID (the tracker's file droid): the MAC address of the machine that made it, and when. */
function uuidV1(b: Uint8Array): { macAddress?: string; droidTime?: string } {
  if (b.length < 16 || (b[7] >> 4) !== 1) return {};
  const view = new DataView(b.buffer, b.byteOffset, 16);
  const low = view.getUint32(0, true);
  const mid = view.getUint16(4, true);
  const high = view.getUint16(6, true) & 0x0fff;
  const ticks = (BigInt(high) << 48n) | (BigInt(mid) << 32n) | BigInt(low);
  const ms = Number(ticks / 10000n) - 12219292800000;
  const mac = Array.from(b.subarray(10, 16), (x) => x.toString(16).padStart(2, '0')).join(':');
  return { macAddress: mac, ...(ms > 0 && ms < 4102444800000 ? { droidTime: new Date(ms).toISOString() } : {}) };
}

function bestTarget(info: LnkInfo): string | undefined {
  const li = info.linkInfo;
  if (li?.localBasePath) return li.localBasePath + (li.commonPathSuffix ?? '');
  if (li?.networkShare) return li.networkShare + (li.commonPathSuffix ? `\\${li.commonPathSuffix}` : '');
  if (info.extra.environmentTarget) return info.extra.environmentTarget;
  if (info.idListPath) return info.idListPath;
  return info.relativePath;
}
