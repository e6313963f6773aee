import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';

const SECTOR = 512;
/** The "basic data" partition type of Windows (FAT, NTFS, exFAT), as GPT stores GUIDs (mixed-endian). */
const BASIC_DATA = guidBytes('ebd0a0a2-b9e5-4433-87c0-68b6b72699c7');

/**
 * A raw disk holding `volume` (a file-system image, e.g. from mkfs.fat) as its one partition, behind
 * a classic MBR partition table or a GPT (protective MBR, primary and backup headers with their
 * CRC-32s, 128 entries of 128 bytes), for tests. Written byte by byte: no partitioning tool needed.
 */
export function partitionedDisk(volume: Uint8Array, table: 'mbr' | 'gpt'): Uint8Array {
  const sectors = Math.ceil(volume.length / SECTOR);
  const first = table === 'mbr' ? 63 : 2048;
  const total = first + sectors + (table === 'gpt' ? 33 : 0);
  const disk = new Uint8Array(total * SECTOR);
  const view = new DataView(disk.buffer);
  disk.set(volume, first * SECTOR);

  const mbrEntry = (type: number, start: number, count: number) => {
    disk.set([0x00, 0xfe, 0xff, 0xff, type, 0xfe, 0xff, 0xff], 446);
    view.setUint32(446 + 8, start, true);
    view.setUint32(446 + 12, count, true);
    disk.set([0x55, 0xaa], 510);
  };
  if (table === 'mbr') {
    mbrEntry(0x0e, first, sectors); // FAT16 (LBA)
    return disk;
  }

  mbrEntry(0xee, 1, Math.min(total - 1, 0xffffffff)); // protective: the whole disk is one GPT
  const entries = new Uint8Array(128 * 128);
  const entriesView = new DataView(entries.buffer);
  entries.set(BASIC_DATA, 0);
  entries.set(guidBytes(randomUUID()), 16);
  entriesView.setBigUint64(32, BigInt(first), true);
  entriesView.setBigUint64(40, BigInt(first + sectors - 1), true);
  entries.set(Buffer.from('delivery', 'utf16le'), 56);
  const diskGuid = guidBytes(randomUUID());
  const header = (at: number, backup: number, entriesAt: number) => {
    const h = new Uint8Array(SECTOR);
    const v = new DataView(h.buffer);
    h.set(Buffer.from('EFI PART', 'latin1'), 0);
    v.setUint32(8, 0x00010000, true);
    v.setUint32(12, 92, true);
    v.setBigUint64(24, BigInt(at), true);
    v.setBigUint64(32, BigInt(backup), true);
    v.setBigUint64(40, 34n, true);
    v.setBigUint64(48, BigInt(total - 34), true);
    h.set(diskGuid, 56);
    v.setBigUint64(72, BigInt(entriesAt), true);
    v.setUint32(80, 128, true);
    v.setUint32(84, 128, true);
    v.setUint32(88, crc32(entries), true);
    v.setUint32(16, crc32(h.subarray(0, 92)), true);
    return h;
  };
  disk.set(header(1, total - 1, 2), SECTOR);
  disk.set(entries, 2 * SECTOR);
  disk.set(entries, (total - 33) * SECTOR);
  disk.set(header(total - 1, 1, total - 33), (total - 1) * SECTOR);
  return disk;
}

/** A GUID in GPT's on-disk byte order: the first three fields little-endian, the rest as written. */
function guidBytes(guid: string): Uint8Array {
  const hex = Buffer.from(guid.replace(/-/g, ''), 'hex');
  return Uint8Array.from([hex[3], hex[2], hex[1], hex[0], hex[5], hex[4], hex[7], hex[6], ...hex.subarray(8)]);
}
