import type { Readable } from 'node:stream';

/** One file as a source lists it. */
export interface SourceEntry {
  /** Relative path (directory, `/`-separated) or object key. */
  path: string;
  size: number;
  /** Changes when the content may have changed: mtime (directory) or ETag (S3). */
  version: string;
  /** Modification time, when the source tells it. */
  modifiedAt: Date | null;
  /** Why the entry is never opened (a symbolic link ...); null for files that can be read. */
  unreadable: string | null;
}

export interface ConnectionCheck {
  ok: boolean;
  reason: string;
}

/** What the poller needs from a source: list, open, check. */
export interface SourceReader {
  /** At most `limit` entries, ordered by path. */
  list(limit: number, signal?: AbortSignal): Promise<SourceEntry[]>;
  /** The content of an entry listed before; throws when it changed into something that must not be read. */
  open(entry: SourceEntry): Promise<Readable>;
  check(): Promise<ConnectionCheck>;
}

/** A short, single-line error text for subjobs and connection checks. */
export function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s+/g, ' ').trim().slice(0, 500) || 'unknown error';
}
