/**
 * Whether an archive's headers (its member list) are encrypted, read from its first bytes.
 *
 * 7-Zip in WebAssembly cannot say it: with a wrong password it decrypts the 7z header into garbage
 * and its parser throws (the build has no C++ exception handling, so the "Wrong password?" message
 * is never printed). Knowing the headers are encrypted, the extractor takes such a failure for a
 * wrong password and tries the next one.
 */
export function headersEncrypted(b: Uint8Array, kind: string): boolean {
  if (kind === '7z') return sevenZipHeadersEncrypted(b);
  if (kind === 'rar') return rarHeadersEncrypted(b);
  return false;
}

/** 7z: the next header is an encoded header (0x17) whose coder list names 7zAES (06 F1 07 01). */
function sevenZipHeadersEncrypted(b: Uint8Array): boolean {
  if (b.length < 32) return false;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const offset = Number(view.getBigUint64(12, true));
  const size = Number(view.getBigUint64(20, true));
  const start = 32 + offset;
  if (!Number.isSafeInteger(start) || start >= b.length || b[start] !== 0x17) return false;
  const end = Math.min(b.length, start + Math.min(size, 65536));
  for (let i = start; i + 4 <= end; i++) {
    if (b[i] === 0x06 && b[i + 1] === 0xf1 && b[i + 2] === 0x07 && b[i + 3] === 0x01) return true;
  }
  return false;
}

/** RAR5: the first header is an archive encryption header (type 4). RAR 1.5–4: the main header's MHD_PASSWORD flag. */
function rarHeadersEncrypted(b: Uint8Array): boolean {
  const rar5 = [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x01, 0x00];
  if (rar5.every((c, i) => b[i] === c)) {
    let p = 8 + 4; // header CRC32
    const vint = () => {
      let value = 0;
      for (let shift = 0; p < b.length && shift < 35; shift += 7) {
        const byte = b[p++];
        value += (byte & 0x7f) * 2 ** shift;
        if (!(byte & 0x80)) break;
      }
      return value;
    };
    vint(); // header size
    return vint() === 4;
  }
  const rar4 = [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07, 0x00];
  if (rar4.every((c, i) => b[i] === c) && b.length >= 12 && b[9] === 0x73) return ((b[10] | (b[11] << 8)) & 0x0080) !== 0;
  return false;
}
