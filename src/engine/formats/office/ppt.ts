import { inflateSync } from 'node:zlib';

/**
 * The OLE storages a PowerPoint 97-2003 presentation keeps inside its `PowerPoint Document` stream
 * ([MS-PPT] 2.10.34 ExOleObjStg): embedded objects (OLE packages, other documents) and the VBA
 * project, each a compound file of its own, zlib-compressed when the record's instance is 1.
 *
 * The stream is a tree of records (8-byte header: version and instance, type, length); containers
 * (version 0xF) hold records, atoms hold data. The walk is bounded in depth and in records, and a
 * storage inflates to at most `maxBytes`.
 */
const EX_OLE_OBJ_STG = 0x1011;
const MAX_DEPTH = 16;
const MAX_RECORDS = 100_000;

export interface PptStorage {
  /** Offset of the record in the stream. */
  offset: number;
  data: Uint8Array;
}

export function pptStorages(stream: Uint8Array, maxBytes: number): { storages: PptStorage[]; problems: string[] } {
  const storages: PptStorage[] = [];
  const problems: string[] = [];
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let records = 0;

  const walk = (start: number, end: number, depth: number): void => {
    let at = start;
    while (at + 8 <= end) {
      if (++records > MAX_RECORDS) {
        if (records === MAX_RECORDS + 1) problems.push(`more than ${MAX_RECORDS} records: the rest not read`);
        return;
      }
      const verInstance = view.getUint16(at, true);
      const type = view.getUint16(at + 2, true);
      const length = view.getUint32(at + 4, true);
      const body = at + 8;
      if (body + length > end) {
        problems.push(`record 0x${type.toString(16)} at 0x${at.toString(16)} runs past its container`);
        return;
      }
      if ((verInstance & 0xf) === 0xf) {
        if (depth < MAX_DEPTH) walk(body, body + length, depth + 1);
        else problems.push(`containers nested deeper than ${MAX_DEPTH} at 0x${at.toString(16)}`);
      } else if (type === EX_OLE_OBJ_STG) {
        const storage = readStorage(stream.subarray(body, body + length), verInstance >> 4 === 1, maxBytes);
        if (typeof storage === 'string') problems.push(`embedded storage at 0x${at.toString(16)}: ${storage}`);
        else storages.push({ offset: at, data: storage });
      }
      at = body + length;
    }
  };
  walk(0, stream.length, 0);
  return { storages, problems };
}

/** The storage's bytes, or why they could not be read. */
function readStorage(body: Uint8Array, compressed: boolean, maxBytes: number): Uint8Array | string {
  if (!compressed) return body;
  if (body.length < 4) return 'compressed storage without its size';
  const declared = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true);
  if (declared > maxBytes) return `declares ${declared} bytes decompressed, over the ${maxBytes}-byte limit`;
  try {
    return new Uint8Array(inflateSync(body.subarray(4), { maxOutputLength: Math.max(1, declared) }));
  } catch (err) {
    return `does not decompress: ${err instanceof Error ? err.message : String(err)}`;
  }
}
