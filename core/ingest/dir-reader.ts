import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { EntryHandler } from './archive-reader.js';

/** Newest mtime under a directory: the collection time estimate for a plain folder bundle. */
export async function newestMtime(root: string): Promise<number> {
  let newest = 0;
  for await (const { st } of walk(root)) if (st.isFile()) newest = Math.max(newest, st.mtimeMs);
  return newest;
}

async function* walk(dir: string): AsyncGenerator<{ full: string; st: Stats }> {
  const names = (await readdir(dir)).sort();
  for (const n of names) {
    const full = join(dir, n);
    const st = await lstat(full);
    yield { full, st };
    if (st.isDirectory()) yield* walk(full);
  }
}

/**
 * Feeds a plain directory (an unpacked eks-log-collector.sh bundle) through the same entry handler
 * as an archive, in sorted order so the result is deterministic. Symlinks are reported as such and
 * never followed: a bundle directory must not reach outside itself.
 */
export async function readDirectory(root: string, onEntry: EntryHandler, prefix = ''): Promise<void> {
  for await (const { full, st } of walk(root)) {
    if (st.isDirectory()) continue;
    const rel = prefix + relative(root, full).split(sep).join('/');
    const type = st.isFile() ? 'File' : st.isSymbolicLink() ? 'SymbolicLink' : 'Other';
    const sink = onEntry({ rawPath: rel, type, size: Number(st.size), mtimeMs: Number(st.mtimeMs) });
    if (!sink) continue;
    for await (const c of createReadStream(full, { highWaterMark: 1 << 20 })) {
      if (!sink.write(c as Buffer)) await sink.drain();
    }
    await sink.end();
  }
}
