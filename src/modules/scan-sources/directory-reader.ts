import { constants } from 'node:fs';
import { lstat, open, opendir, readlink, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ConnectionCheck, errorText, SourceEntry, SourceReader } from './source-reader';

/** Deepest subdirectory level walked, so a runaway tree cannot keep a poll busy forever. */
const MAX_DEPTH = 16;

export class PathRefusedError extends Error {}

/** True when `path` is `root` or lies below it (both already real paths). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The real path of `path` when it is an existing directory inside one of `roots` (symbolic links
 * resolved on both sides); throws PathRefusedError with the reason otherwise.
 */
export async function resolveWatchedDirectory(path: string, roots: string[]): Promise<string> {
  if (!roots.length) throw new PathRefusedError('directory sources are disabled on this server: an administrator must set SCAN_SOURCE_ROOTS');
  if (!isAbsolute(path)) throw new PathRefusedError('must be an absolute path');
  let real: string;
  try {
    real = await realpath(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PathRefusedError(code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? errorText(err)})`);
  }
  const realRoots = (await Promise.all(roots.map((r) => realpath(r).catch(() => null)))).filter((r): r is string => r !== null);
  if (!realRoots.some((root) => isInside(root, real))) {
    throw new PathRefusedError(`must lie inside one of the allowed roots (SCAN_SOURCE_ROOTS: ${roots.join(', ')}); symbolic links are resolved, and this one leads to ${real}`);
  }
  if (!(await stat(real)).isDirectory()) throw new PathRefusedError('is not a directory');
  return real;
}

/**
 * A watched directory. Symbolic links are never followed (they are listed as unreadable), files are
 * opened with O_NOFOLLOW and checked, once open, to still be regular files inside the directory, so a
 * link swapped in between listing and reading cannot lead outside.
 */
export class DirectoryReader implements SourceReader {
  constructor(
    private readonly directory: string,
    private readonly roots: string[],
  ) {}

  async list(limit: number, signal?: AbortSignal): Promise<SourceEntry[]> {
    const root = await this.root();
    const entries: SourceEntry[] = [];
    const walk = async (dir: string, depth: number): Promise<void> => {
      const handle = await opendir(dir);
      const names: { name: string; kind: 'dir' | 'file' | 'link' | 'other' }[] = [];
      for await (const d of handle) {
        names.push({ name: d.name, kind: d.isSymbolicLink() ? 'link' : d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other' });
      }
      names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const { name, kind } of names) {
        if (entries.length >= limit || signal?.aborted) return;
        const full = join(dir, name);
        const path = relative(root, full).split(sep).join('/');
        if (kind === 'dir') {
          if (depth < MAX_DEPTH) await walk(full, depth + 1);
          continue;
        }
        if (kind === 'other') continue; // sockets, FIFOs, devices: nothing to scan
        const info = await lstat(full).catch(() => null);
        if (!info) continue; // removed meanwhile
        const modifiedAt = new Date(Math.floor(info.mtimeMs));
        const version = `${Math.floor(info.mtimeMs)}:${info.ino}`;
        if (kind === 'link') {
          const target = await readlink(full).catch(() => '?');
          entries.push({ path, size: 0, version, modifiedAt, unreadable: `symbolic link (to ${target}): links are never followed` });
        } else {
          entries.push({ path, size: info.size, version, modifiedAt, unreadable: null });
        }
      }
    };
    await walk(root, 0);
    return entries;
  }

  async open(entry: SourceEntry): Promise<Readable> {
    const root = await this.root();
    const full = join(root, ...entry.path.split('/'));
    if (!isInside(root, full)) throw new PathRefusedError('path leaves the directory');
    const handle = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new PathRefusedError('no longer a regular file');
      // The opened file's real location: an intermediate directory swapped for a link shows here.
      const real = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => full);
      if (!isInside(root, real)) throw new PathRefusedError(`resolves outside the directory (${real})`);
      return handle.createReadStream({ autoClose: true });
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  async check(): Promise<ConnectionCheck> {
    try {
      const root = await this.root();
      const entries = await this.list(1000);
      const files = entries.filter((e) => !e.unreadable).length;
      return { ok: true, reason: `directory ${root} readable; ${files} file(s) found${entries.length >= 1000 ? ' in the first 1000 entries' : ''}` };
    } catch (err) {
      return { ok: false, reason: errorText(err) };
    }
  }

  /** Checked again on every use: the directory may have been replaced by a link since it was configured. */
  private async root(): Promise<string> {
    try {
      return await resolveWatchedDirectory(this.directory, this.roots);
    } catch (err) {
      if (err instanceof PathRefusedError) throw new PathRefusedError(`directory ${this.directory} ${err.message}`);
      throw err;
    }
  }
}
