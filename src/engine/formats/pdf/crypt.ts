import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { PdfDict, PdfString, PdfValue } from './objects';

/**
 * The standard security handler (ISO 32000-1 §7.6.3, ISO 32000-2 §7.6.4): RC4 40–128 bit (V1/V2,
 * R2/R3), crypt filters with RC4 or AES-128 (V4, R4) and AES-256 (V5, R5 and R6). Only the empty user
 * password is tried: that is how documents that open without a prompt are made, and an analysis must
 * see what the reader sees. A document with a real user password is reported as unreadable.
 */

export type CryptMethod = 'None' | 'RC4' | 'AESV2' | 'AESV3' | 'Identity' | 'unknown';

export interface EncryptionInfo {
  filter: string;
  subFilter?: string;
  v: number;
  r: number;
  /** Key length, bits. */
  keyBits: number;
  streamMethod: CryptMethod;
  stringMethod: CryptMethod;
  encryptMetadata: boolean;
  /** True when the empty user password opens the document; null when the handler is not supported. */
  userPasswordEmpty: boolean | null;
  /** Why the content cannot be decrypted, when it cannot. */
  unsupported?: string;
}

export const PASSWORD_PAD = Uint8Array.from([
  0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08, 0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c,
  0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a,
]);

const md5 = (...parts: Uint8Array[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const sha = (alg: string, ...parts: Uint8Array[]) => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 0xff;
    const t = s[i];
    s[i] = s[j];
    s[j] = t;
  }
  const out = new Uint8Array(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]) & 0xff;
    const t = s[i];
    s[i] = s[j];
    s[j] = t;
    out[k] = data[k] ^ s[(s[i] + s[j]) & 0xff];
  }
  return out;
}

/** AES-CBC decryption of `IV ‖ ciphertext` with PKCS#5 padding removed when it is valid; damaged input is decoded as far as it goes. */
export function aesDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length < 32) return new Uint8Array(0);
  const iv = data.subarray(0, 16);
  const body = data.subarray(16, 16 + Math.floor((data.length - 16) / 16) * 16);
  const decipher = createDecipheriv(key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc', key, iv);
  decipher.setAutoPadding(false);
  const out = new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
  const pad = out[out.length - 1];
  if (pad >= 1 && pad <= 16 && out.length >= pad) {
    let ok = true;
    for (let i = out.length - pad; i < out.length; i++) if (out[i] !== pad) ok = false;
    if (ok) return out.subarray(0, out.length - pad);
  }
  return out;
}

function aesNoPad(mode: 'encrypt' | 'decrypt', key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const alg = key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc';
  const c = mode === 'encrypt' ? createCipheriv(alg, key, iv) : createDecipheriv(alg, key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

const pad32 = (password: Uint8Array) => {
  const out = new Uint8Array(32);
  const n = Math.min(32, password.length);
  out.set(password.subarray(0, n));
  out.set(PASSWORD_PAD.subarray(0, 32 - n), n);
  return out;
};

const le32 = (v: number) => Uint8Array.from([v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]);

/** Algorithm 2: the file key of R2–R4 from a user password. */
export function fileKeyR4(password: Uint8Array, o: Uint8Array, p: number, id0: Uint8Array, r: number, keyBytes: number, encryptMetadata: boolean): Uint8Array {
  const parts = [pad32(password), o.subarray(0, 32), le32(p), id0];
  if (r >= 4 && !encryptMetadata) parts.push(Uint8Array.from([0xff, 0xff, 0xff, 0xff]));
  let key = md5(...parts);
  const n = r >= 3 ? keyBytes : 5;
  if (r >= 3) for (let i = 0; i < 50; i++) key = md5(key.subarray(0, n));
  return key.slice(0, n);
}

/** Algorithms 4 and 5: the /U value the file key gives. */
export function userValueR4(key: Uint8Array, id0: Uint8Array, r: number): Uint8Array {
  if (r === 2) return rc4(key, PASSWORD_PAD);
  let x = rc4(key, md5(PASSWORD_PAD, id0));
  for (let i = 1; i <= 19; i++) x = rc4(key.map((b) => b ^ i), x);
  const out = new Uint8Array(32);
  out.set(x);
  return out;
}

/** Algorithm 2.B (ISO 32000-2): the R6 hash; R5 is a single SHA-256. */
export function hashR6(password: Uint8Array, salt: Uint8Array, udata: Uint8Array, r: number): Uint8Array {
  let k = sha('sha256', password, salt, udata);
  if (r === 5) return k;
  for (let round = 0; ; round++) {
    const unit = new Uint8Array(password.length + k.length + udata.length);
    unit.set(password);
    unit.set(k, password.length);
    unit.set(udata, password.length + k.length);
    const k1 = new Uint8Array(unit.length * 64);
    for (let i = 0; i < 64; i++) k1.set(unit, i * unit.length);
    const e = aesNoPad('encrypt', k.subarray(0, 16), k.subarray(16, 32), k1);
    let sum = 0;
    for (let i = 0; i < 16; i++) sum += e[i];
    k = sha(['sha256', 'sha384', 'sha512'][sum % 3], e);
    if (round >= 63 && e[e.length - 1] <= round - 31) break;
  }
  return k.subarray(0, 32);
}

const bytesOf = (v: PdfValue | undefined) => (v instanceof PdfString ? v.bytes : new Uint8Array(0));

export class Decryptor {
  constructor(
    readonly info: EncryptionInfo,
    private readonly key: Uint8Array,
    private readonly cryptFilters: Map<string, CryptMethod>,
  ) {}

  private objectKey(num: number, gen: number, aes: boolean): Uint8Array {
    const salt = aes ? [0x73, 0x41, 0x6c, 0x54] : [];
    const h = md5(this.key, Uint8Array.from([num & 0xff, (num >> 8) & 0xff, (num >> 16) & 0xff, gen & 0xff, (gen >> 8) & 0xff, ...salt]));
    return h.subarray(0, Math.min(this.key.length + 5, 16));
  }

  private run(method: CryptMethod, data: Uint8Array, num: number, gen: number): Uint8Array {
    switch (method) {
      case 'RC4':
        return rc4(this.objectKey(num, gen, false), data);
      case 'AESV2':
        return aesDecrypt(this.objectKey(num, gen, true), data);
      case 'AESV3':
        return aesDecrypt(this.key, data);
      default:
        return data;
    }
  }

  decryptString(data: Uint8Array, num: number, gen: number): Uint8Array {
    return this.run(this.info.stringMethod, data, num, gen);
  }

  /** `cryptFilter`: the /Name of a /Crypt filter in the stream's own chain (overrides /StmF). */
  decryptStream(data: Uint8Array, num: number, gen: number, cryptFilter?: string): Uint8Array {
    let method = this.info.streamMethod;
    if (cryptFilter === 'Identity') method = 'Identity';
    else if (cryptFilter) method = this.cryptFilters.get(cryptFilter) ?? method;
    return this.run(method, data, num, gen);
  }
}

function cfmOf(name: string | undefined): CryptMethod {
  if (name === undefined || name === 'None') return 'None';
  if (name === 'V2') return 'RC4';
  if (name === 'AESV2' || name === 'AESV3') return name;
  return 'unknown';
}

/**
 * Reads the /Encrypt dictionary and tries the empty user password. Returns the facts and, when the
 * document opens, a decryptor for its strings and streams.
 */
export function openEncryption(dict: PdfDict, id0: Uint8Array, resolve: (v: PdfValue | undefined) => PdfValue | undefined): { info: EncryptionInfo; decryptor?: Decryptor } {
  const num = (k: string, d: number) => {
    const v = resolve(dict.get(k));
    return typeof v === 'number' ? v : d;
  };
  const filter = dict.name('Filter') ?? 'unknown';
  const v = num('V', 0);
  const r = num('R', 0);
  const emRaw = resolve(dict.get('EncryptMetadata'));
  const encryptMetadata = emRaw !== false;
  let keyBits = v === 1 ? 40 : num('Length', 40);
  if (keyBits < 40 || keyBits > 256) keyBits = 128;
  const cryptFilters = new Map<string, CryptMethod>();
  let streamMethod: CryptMethod = v >= 4 ? 'Identity' : 'RC4';
  let stringMethod: CryptMethod = streamMethod;
  if (v >= 4) {
    const cf = resolve(dict.get('CF'));
    if (cf instanceof PdfDict) {
      for (const [name, value] of cf.map) {
        const entry = resolve(value);
        if (!(entry instanceof PdfDict)) continue;
        cryptFilters.set(name, cfmOf(entry.name('CFM')));
        const length = resolve(entry.get('Length'));
        if (typeof length === 'number' && v === 4 && cfmOf(entry.name('CFM')) === 'RC4') keyBits = length <= 32 ? length * 8 : length;
      }
    }
    const pick = (key: string): CryptMethod => {
      const n = dict.name(key) ?? 'Identity';
      return n === 'Identity' ? 'Identity' : cryptFilters.get(n) ?? 'unknown';
    };
    streamMethod = pick('StmF');
    stringMethod = pick('StrF');
    if (v === 5) keyBits = 256;
    else if (streamMethod === 'AESV2' || stringMethod === 'AESV2') keyBits = 128;
  }
  const info: EncryptionInfo = {
    filter,
    ...(dict.name('SubFilter') ? { subFilter: dict.name('SubFilter') } : {}),
    v,
    r,
    keyBits,
    streamMethod,
    stringMethod,
    encryptMetadata,
    userPasswordEmpty: null,
  };
  if (filter !== 'Standard') return { info: { ...info, unsupported: `security handler /${filter} (public-key or custom): content cannot be decrypted` } };
  if (![streamMethod, stringMethod].every((m) => m !== 'unknown' && m !== 'None')) return { info: { ...info, unsupported: 'unknown crypt filter method' } };
  const o = bytesOf(resolve(dict.get('O')));
  const u = bytesOf(resolve(dict.get('U')));
  const empty = new Uint8Array(0);

  if (r >= 5) {
    if (u.length < 48) return { info: { ...info, unsupported: 'malformed /U entry' } };
    const check = hashR6(empty, u.subarray(32, 40), empty, r);
    if (!equal(check, u.subarray(0, 32))) return { info: { ...info, userPasswordEmpty: false } };
    const ue = bytesOf(resolve(dict.get('UE')));
    if (ue.length < 32) return { info: { ...info, userPasswordEmpty: true, unsupported: 'malformed /UE entry' } };
    const intermediate = hashR6(empty, u.subarray(40, 48), empty, r);
    const key = aesNoPad('decrypt', intermediate, new Uint8Array(16), ue.subarray(0, 32));
    const opened = { ...info, userPasswordEmpty: true };
    return { info: opened, decryptor: new Decryptor(opened, key, cryptFilters) };
  }
  if (r < 2 || r > 4) return { info: { ...info, unsupported: `unknown revision R${r}` } };
  const p = num('P', 0) | 0;
  const keyBytes = Math.max(5, Math.min(16, keyBits >> 3));
  const key = fileKeyR4(empty, o, p, id0, r, keyBytes, encryptMetadata);
  const expected = userValueR4(key, id0, r);
  const matches = r === 2 ? equal(expected, u.subarray(0, 32)) : equal(expected.subarray(0, 16), u.subarray(0, 16));
  if (!matches) return { info: { ...info, userPasswordEmpty: false } };
  const opened = { ...info, userPasswordEmpty: true };
  return { info: opened, decryptor: new Decryptor(opened, key, cryptFilters) };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The /Name of a /Crypt filter in a stream's chain, if it has one. */
export function cryptFilterName(filters: string[], parms: (PdfDict | null)[]): string | undefined {
  const i = filters.indexOf('Crypt');
  if (i < 0) return undefined;
  return parms[i]?.name('Name') ?? 'Identity';
}
