import { createHash } from 'node:crypto';
import { ssdeep } from './ssdeep';
import { tlshDigest } from './tlsh';

export interface Digests {
  md5: string;
  sha1: string;
  sha256: string;
  sha512: string;
  ssdeep: string;
  /** TLSH in the current "T1" form; null when the data is too short or too uniform for TLSH. */
  tlsh: string | null;
}

export function digests(data: Uint8Array): Digests {
  const hex = (algorithm: string) => createHash(algorithm).update(data).digest('hex');
  return { md5: hex('md5'), sha1: hex('sha1'), sha256: hex('sha256'), sha512: hex('sha512'), ssdeep: ssdeep(data), tlsh: tlsh(data) };
}

export function tlsh(data: Uint8Array): string | null {
  const digest = tlshDigest(data);
  return digest && 'T1' + digest;
}

/** Shannon entropy in bits per byte (0..8). */
export function entropy(data: Uint8Array): number {
  if (!data.length) return 0;
  const counts = new Uint32Array(256);
  for (let i = 0; i < data.length; i++) counts[data[i]]++;
  let h = 0;
  for (const c of counts) {
    if (c) {
      const p = c / data.length;
      h -= p * Math.log2(p);
    }
  }
  return Math.round(h * 10000) / 10000;
}
