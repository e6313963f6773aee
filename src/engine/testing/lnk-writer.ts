/**
 * A minimal MS-SHLLINK writer for tests: builds .lnk files byte by byte (there is no shortcut tool on
 * these machines). It writes the header, a LinkTargetIDList of shell items (My Computer, a volume,
 * folders and a file with its long name), LinkInfo with a local base path or a network share,
 * Unicode StringData and ExtraData blocks (environment variables, tracker, known folder, console),
 * the terminal block, and optionally bytes appended after it. Nothing here is malware: a shortcut
 * only names a command.
 */
export interface LnkSpec {
  /** Full local path of the target, e.g. `C:\Windows\System32\notepad.exe` (IDList and LinkInfo are made from it). */
  target?: string;
  /** A UNC target instead (`\\server\share\file.exe`), written as a CommonNetworkRelativeLink. */
  networkTarget?: { share: string; suffix: string };
  name?: string;
  relativePath?: string;
  workingDirectory?: string;
  arguments?: string;
  iconLocation?: string;
  iconIndex?: number;
  /** 1 normal, 3 maximized, 7 minimized (no activation). */
  showCommand?: number;
  /** EnvironmentVariablesDataBlock target, e.g. `%windir%\system32\cmd.exe`. */
  environmentTarget?: string;
  tracker?: { machineId: string; droid?: Uint8Array };
  knownFolder?: string;
  hotKey?: number;
  writeTime?: Date;
  /** Bytes after the terminal block. */
  appended?: Uint8Array;
  /** Leave out the target ID list (LinkInfo only). */
  noIdList?: boolean;
}

const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const filetime = (d: Date) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(d.getTime()) + 11644473600000n) * 10000n);
  return b;
};
export const guidBytes = (g: string): Buffer => {
  const h = g.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([Buffer.from(b.subarray(0, 4)).reverse(), Buffer.from(b.subarray(4, 6)).reverse(), Buffer.from(b.subarray(6, 8)).reverse(), b.subarray(8)]);
};
const utf16z = (s: string) => Buffer.concat([Buffer.from(s, 'utf16le'), Buffer.alloc(2)]);
const fixed = (s: string, bytes: number, encoding: 'latin1' | 'utf16le') => {
  const b = Buffer.alloc(bytes);
  b.write(s, encoding);
  return b;
};

function shellItem(body: Buffer): Buffer {
  return Buffer.concat([u16(body.length + 2), body]);
}

/** A file or folder entry with an 0xBEEF0004 extension block (version 9) holding the long name. */
function fileEntry(name: string, folder: boolean): Buffer {
  const short = Buffer.from(`${name.toUpperCase().slice(0, 12)}\0`, 'latin1');
  const pad = short.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0);
  const longName = utf16z(name);
  const extBody = Buffer.concat([u16(9), u32(0xbeef0004), Buffer.alloc(8), u16(0x2e), Buffer.alloc(2), Buffer.alloc(8), Buffer.alloc(8), u16(0), Buffer.alloc(4), Buffer.alloc(4), longName, u16(0x14)]);
  const ext = Buffer.concat([u16(extBody.length + 2), extBody]);
  const head = Buffer.concat([Buffer.from([folder ? 0x31 : 0x32, 0]), u32(folder ? 0 : 1234), Buffer.alloc(4), u16(folder ? 0x10 : 0x20)]);
  return shellItem(Buffer.concat([head, short, pad, ext]));
}

function idList(path: string): Buffer {
  const [drive, ...parts] = path.split('\\');
  const items = [
    shellItem(Buffer.concat([Buffer.from([0x1f, 0x50]), guidBytes('20d04fe0-3aea-1069-a2d8-08002b30309d')])),
    shellItem(Buffer.concat([Buffer.from([0x2f]), fixed(`${drive}\\`, 22, 'latin1')])),
    ...parts.map((p, i) => fileEntry(p, i < parts.length - 1)),
  ];
  const list = Buffer.concat([...items, u16(0)]);
  return Buffer.concat([u16(list.length), list]);
}

function linkInfo(spec: LnkSpec): Buffer {
  if (spec.networkTarget) {
    const share = Buffer.from(`${spec.networkTarget.share}\0`, 'latin1');
    const cnrl = Buffer.concat([u32(0x14 + share.length), u32(0x2), u32(0x14), u32(0), u32(0x20000), share]);
    const suffix = Buffer.from(`${spec.networkTarget.suffix}\0`, 'latin1');
    const header = 0x1c;
    return Buffer.concat([u32(header + cnrl.length + suffix.length), u32(header), u32(0x2), u32(0), u32(0), u32(header), u32(header + cnrl.length), cnrl, suffix]);
  }
  const volume = Buffer.concat([u32(0x11), u32(3), u32(0x1234abcd), u32(0x10), Buffer.from('\0', 'latin1')]);
  const base = Buffer.from(`${spec.target}\0`, 'latin1');
  const suffix = Buffer.from('\0', 'latin1');
  const header = 0x1c;
  const volumeOffset = header;
  const baseOffset = volumeOffset + volume.length;
  const suffixOffset = baseOffset + base.length;
  const total = suffixOffset + suffix.length;
  return Buffer.concat([u32(total), u32(header), u32(0x1), u32(volumeOffset), u32(baseOffset), u32(0), u32(suffixOffset), volume, base, suffix]);
}

function block(signature: number, body: Buffer): Buffer {
  return Buffer.concat([u32(body.length + 8), u32(signature), body]);
}

export function buildLnk(spec: LnkSpec): Uint8Array {
  const strings: [number, string | undefined][] = [
    [2, spec.name],
    [3, spec.relativePath],
    [4, spec.workingDirectory],
    [5, spec.arguments],
    [6, spec.iconLocation],
  ];
  let flags = 0x80; // IsUnicode
  const hasIdList = !!spec.target && !spec.noIdList;
  if (hasIdList) flags |= 0x1;
  if (spec.target || spec.networkTarget) flags |= 0x2;
  for (const [bit, value] of strings) if (value !== undefined) flags |= 1 << bit;
  if (spec.environmentTarget) flags |= 0x200;
  const when = spec.writeTime ?? new Date(Date.UTC(2024, 0, 15, 9, 30));
  const header = Buffer.concat([
    u32(0x4c),
    guidBytes('00021401-0000-0000-c000-000000000046'),
    u32(flags),
    u32(0x20),
    filetime(when),
    filetime(when),
    filetime(when),
    u32(1234),
    u32(spec.iconIndex ?? 0),
    u32(spec.showCommand ?? 1),
    u16(spec.hotKey ?? 0),
    Buffer.alloc(10),
  ]);
  const parts: Buffer[] = [header];
  if (hasIdList) parts.push(idList(spec.target!));
  if (spec.target || spec.networkTarget) parts.push(linkInfo(spec));
  for (const [, value] of strings) if (value !== undefined) parts.push(u16(value.length), Buffer.from(value, 'utf16le'));
  if (spec.environmentTarget) parts.push(block(0xa0000001, Buffer.concat([fixed(spec.environmentTarget, 260, 'latin1'), fixed(spec.environmentTarget, 520, 'utf16le')])));
  if (spec.tracker) {
    const droid = spec.tracker.droid ?? Buffer.alloc(16, 0x11);
    parts.push(block(0xa0000003, Buffer.concat([u32(0x58), u32(0), fixed(spec.tracker.machineId, 16, 'latin1'), Buffer.alloc(16, 0x22), droid, Buffer.alloc(16, 0x22), droid])));
  }
  if (spec.knownFolder) parts.push(block(0xa000000b, Buffer.concat([guidBytes(spec.knownFolder), u32(0)])));
  parts.push(u32(0));
  if (spec.appended) parts.push(Buffer.from(spec.appended));
  return new Uint8Array(Buffer.concat(parts));
}

/** A version-1 UUID with the given MAC address and time, as the link tracking service writes droids. */
export function uuidV1(mac: string, when: Date): Uint8Array {
  const ticks = (BigInt(when.getTime()) + 12219292800000n) * 10000n;
  const b = Buffer.alloc(16);
  b.writeUInt32LE(Number(ticks & 0xffffffffn), 0);
  b.writeUInt16LE(Number((ticks >> 32n) & 0xffffn), 4);
  b.writeUInt16LE(Number((ticks >> 48n) & 0x0fffn) | 0x1000, 6);
  b[8] = 0x80;
  b[9] = 0x01;
  Buffer.from(mac.replace(/:/g, ''), 'hex').copy(b, 10);
  return new Uint8Array(b);
}
