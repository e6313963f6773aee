import { randomBytes, randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { assertSha256, DIR_MODE, FILE_MODE, spoolHashed } from './hashing-spool';
import { SampleNotFoundError, SampleStore, StagedSample } from './sample-store';

/** link() errors of filesystems that have no hard links. */
const NO_LINKS = ['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'];

const isCode = (err: unknown, code: string) => (err as { code?: unknown })?.code === code;

/** Staging files older than this are left-overs of a process that died mid-upload. */
const STALE_STAGING_MS = 24 * 3600 * 1000;

/**
 * Samples as files under `root` (DATA_DIR/samples): `ab/cd/<sha256>` for the digest `abcd...`.
 *
 * Content is first streamed into `root/.tmp` (same filesystem) while it is hashed, then hard-linked
 * to its final name: link() is atomic and fails when the name exists, so concurrent puts of the same
 * content end with exactly one file, never a half-written one. Files are 0600, directories 0700.
 */
export class FilesystemSampleStore extends SampleStore {
  readonly stagingDir: string;

  constructor(readonly root: string) {
    super();
    this.stagingDir = join(root, '.tmp');
  }

  /** Creates the directories and removes staging files a crashed process left behind (best effort). */
  async init(): Promise<void> {
    await mkdir(this.stagingDir, { recursive: true, mode: DIR_MODE });
    const now = Date.now();
    for (const name of await readdir(this.stagingDir).catch(() => [] as string[])) {
      const file = join(this.stagingDir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && now - info.mtimeMs > STALE_STAGING_MS) await unlink(file).catch(() => undefined);
    }
  }

  /** Where the content of `sha256` lives (the digest is validated: it never carries a path). */
  pathOf(sha256: string): string {
    assertSha256(sha256);
    return join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async stage(source: Readable | Uint8Array, options?: { maxBytes?: number }): Promise<StagedSample> {
    await mkdir(this.stagingDir, { recursive: true, mode: DIR_MODE });
    const temp = join(this.stagingDir, `${randomUUID()}.part`);
    const stored = await spoolHashed(source, temp, options?.maxBytes);
    const target = this.pathOf(stored.sha256);
    return {
      ...stored,
      commit: async () => {
        await mkdir(dirname(target), { recursive: true, mode: DIR_MODE });
        try {
          await link(temp, target);
        } catch (err) {
          if (isCode(err, 'EEXIST')) return; // the same content is already stored
          // A filesystem without hard links: an atomic rename (replacing identical content) instead.
          if (!NO_LINKS.some((code) => isCode(err, code))) throw err;
          await rename(temp, target);
        }
      },
      discard: () => unlink(temp).catch((err: unknown) => {
        if (!isCode(err, 'ENOENT')) throw err;
      }),
    };
  }

  async get(sha256: string): Promise<Readable> {
    try {
      const handle = await open(this.pathOf(sha256), 'r');
      return handle.createReadStream();
    } catch (err) {
      if (isCode(err, 'ENOENT')) throw new SampleNotFoundError(sha256);
      throw err;
    }
  }

  async exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch (err) {
      if (isCode(err, 'ENOENT')) return false;
      throw err;
    }
  }

  async delete(sha256: string): Promise<void> {
    try {
      await unlink(this.pathOf(sha256));
    } catch (err) {
      if (!isCode(err, 'ENOENT')) throw err;
    }
  }

  /** Writes and removes a small file where samples are staged. */
  async probe(): Promise<void> {
    await mkdir(this.stagingDir, { recursive: true, mode: DIR_MODE });
    const file = join(this.stagingDir, `probe-${process.pid}-${randomBytes(6).toString('hex')}`);
    await writeFile(file, 'ok', { flag: 'wx', mode: FILE_MODE });
    await unlink(file);
  }
}
