import { constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** A host path that could not be resolved safely or does not exist; `kind` picks the manifest status. */
export class HostPathError extends Error {
  constructor(message: string, readonly kind: 'missing' | 'escape' | 'not-a-file' | 'permission') {
    super(message);
    this.name = 'HostPathError';
  }
}

const MAX_LINKS = 40;

/**
 * Resolves a host path under `hostRoot` as the host would see it: symlinks are followed one
 * segment at a time, an absolute target restarts at `hostRoot` (so /var/log/containers/x -> /var/log/pods/…
 * means the host's pods dir, not ours), and a `..` that would climb above `hostRoot` is refused.
 * Never calls realpath, which would resolve absolute links against the collector's own root.
 */
export async function resolveHostPath(hostRoot: string, hostPath: string): Promise<string> {
  const root = resolve(hostRoot);
  const todo = hostPath.split('/').filter((s) => s !== '' && s !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const seg = todo.shift()!;
    if (seg === '..') {
      if (done.length === 0) throw new HostPathError(`${hostPath} climbs above HOST_ROOT`, 'escape');
      done.pop();
      continue;
    }
    const here = join(root, ...done, seg);
    const st = await lstat(here).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw new HostPathError(`${hostPath} does not exist`, 'missing');
      if (err.code === 'EACCES' || err.code === 'EPERM') throw new HostPathError(`${hostPath}: permission denied`, 'permission');
      throw err;
    });
    if (!st.isSymbolicLink()) {
      done.push(seg);
      continue;
    }
    if (++links > MAX_LINKS) throw new HostPathError(`${hostPath}: too many symbolic links`, 'escape');
    const target = await readlink(here);
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
  }
  return join(root, ...done);
}

/**
 * Opens a regular host file for reading. O_NOFOLLOW closes the race between resolving and opening;
 * O_NONBLOCK keeps a FIFO planted where a log is expected from blocking the collector forever.
 */
export async function openHostFile(hostRoot: string, hostPath: string): Promise<{ fh: FileHandle; size: number; path: string }> {
  const path = await resolveHostPath(hostRoot, hostPath);
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EACCES' || err.code === 'EPERM') throw new HostPathError(`${hostPath}: permission denied`, 'permission');
    if (err.code === 'ENOENT') throw new HostPathError(`${hostPath} does not exist`, 'missing');
    if (err.code === 'ELOOP') throw new HostPathError(`${hostPath} changed to a symbolic link while collecting`, 'escape');
    if (err.code === 'EISDIR') throw new HostPathError(`${hostPath} is a directory, not a file`, 'not-a-file');
    throw err;
  });
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new HostPathError(`${hostPath} is not a regular file (${st.isDirectory() ? 'directory' : st.isFIFO() ? 'FIFO' : 'special file'})`, 'not-a-file');
  }
  return { fh, size: st.size, path };
}

export interface HostTreeFile {
  /** host path, e.g. /var/log/pods/kube-system_x/c/0.log */
  hostPath: string;
  /** relative to the walked directory */
  rel: string;
}

/** A subdirectory the walk could not list: its files are not collected, and the source says so. */
export interface UnreadableDir {
  /** host path of the directory */
  hostPath: string;
  /** relative to the walked directory */
  rel: string;
  /** errno code (EACCES, EPERM, ENOENT when it vanished meanwhile…) */
  code: string;
}

/**
 * Lists files under a host directory, depth- and count-bounded. Symlinked files are kept (resolved
 * later through resolveHostPath); symlinked directories are not entered, so a loop cannot trap us.
 * A subdirectory that cannot be listed is reported in `unreadable`, never dropped unseen.
 */
export async function walkHostDir(hostRoot: string, hostDir: string, o: { maxFiles: number; maxDepth: number }): Promise<{ files: HostTreeFile[]; capped: boolean; unreadable: UnreadableDir[] }> {
  const base = await resolveHostPath(hostRoot, hostDir);
  const files: HostTreeFile[] = [];
  const unreadable: UnreadableDir[] = [];
  let capped = false;
  const hostPathOf = (rel: string) => `${hostDir.replace(/\/+$/, '')}/${rel}`;
  async function walk(rel: string, depth: number): Promise<void> {
    const entries = await readdir(join(base, rel), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (depth === 0) {
        if (err.code === 'ENOENT') throw new HostPathError(`${hostDir} does not exist`, 'missing');
        if (err.code === 'ENOTDIR') throw new HostPathError(`${hostDir} is not a directory`, 'not-a-file');
        if (err.code === 'EACCES' || err.code === 'EPERM') throw new HostPathError(`${hostDir}: permission denied`, 'permission');
        throw err;
      }
      unreadable.push({ hostPath: hostPathOf(rel), rel, code: err.code ?? err.message });
      return [];
    });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (depth + 1 < o.maxDepth) await walk(r, depth + 1);
      } else if (e.isFile() || e.isSymbolicLink() || e.isFIFO()) {
        // FIFOs are listed so the copy records them as "not a regular file" instead of hiding them
        if (files.length >= o.maxFiles) {
          capped = true;
          return;
        }
        files.push({ hostPath: hostPathOf(r), rel: r });
      }
    }
  }
  await walk('', 0);
  return { files, capped, unreadable };
}
