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
