import { GetObjectCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { ConnectionCheck, errorText, SourceEntry, SourceReader } from './source-reader';

export interface S3SourceOptions {
  endpoint: string | null;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** Why an S3 call failed, for an administrator: the HTTP status and S3 error code mean more than the SDK's text. */
export function describeS3Error(err: unknown, bucket: string): string {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  const status = e?.$metadata?.httpStatusCode;
  const code = e?.Code ?? e?.name;
  if (status === 403) return `access denied (HTTP 403${code && code !== 'Forbidden' && code !== 'Unknown' ? `, ${code}` : ''}): check the access key id and secret, and that they may list and read bucket ${bucket}`;
  if (status === 404) return `bucket ${bucket} not found (HTTP 404)`;
  if (status === 301 || status === 400) return `the endpoint refused the request (HTTP ${status}${code ? `, ${code}` : ''}): check the endpoint, region and path-style setting`;
  if (status) return `HTTP ${status}${code ? ` (${code})` : ''}: ${errorText(err)}`;
  const netCode = e?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  return `cannot reach the endpoint${netCode ? ` (${netCode})` : ''}: ${errorText(err)}`;
}

/** An S3-compatible bucket under a prefix; only the credentials stored with the source are used (never the host's). */
export class S3Reader implements SourceReader {
  private readonly client: S3Client;

  constructor(private readonly options: S3SourceOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint ?? undefined,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      maxAttempts: 2,
      // Only validate checksums S3 requires: many S3-compatible servers send none.
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
  }

  async list(limit: number, signal?: AbortSignal): Promise<SourceEntry[]> {
    const entries: SourceEntry[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.options.prefix || undefined, ContinuationToken: token, MaxKeys: Math.min(1000, limit - entries.length) }),
          { abortSignal: signal },
        );
        for (const o of page.Contents ?? []) {
          // Keys ending in "/" are folder placeholders, not files.
          if (!o.Key || o.Key.endsWith('/')) continue;
          entries.push({ path: o.Key, size: Number(o.Size ?? 0), version: o.ETag ?? `${o.LastModified?.getTime() ?? 0}`, modifiedAt: o.LastModified ?? null, unreadable: null });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token && entries.length < limit && !signal?.aborted);
    } catch (err) {
      throw new Error(describeS3Error(err, this.options.bucket));
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async open(entry: SourceEntry): Promise<Readable> {
    try {
      // IfMatch: the object as listed, not one replaced in between (its new version is taken next poll).
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: entry.path, IfMatch: entry.version.startsWith('"') ? entry.version : undefined }));
      if (!(res.Body instanceof Readable)) throw new Error('the response has no body');
      return res.Body;
    } catch (err) {
      throw new Error(describeS3Error(err, this.options.bucket));
    }
  }

  async check(): Promise<ConnectionCheck> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.options.prefix || undefined, MaxKeys: 1000 }));
      const count = (page.Contents ?? []).filter((o) => o.Key && !o.Key.endsWith('/')).length;
      return {
        ok: true,
        reason: `bucket ${this.options.bucket} reachable; ${count} object(s) under the prefix${page.IsTruncated ? ' in the first page' : ''}`,
      };
    } catch (err) {
      return { ok: false, reason: describeS3Error(err, this.options.bucket) };
    } finally {
      this.client.destroy();
    }
  }

  close(): void {
    this.client.destroy();
  }
}
