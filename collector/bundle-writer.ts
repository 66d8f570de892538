import { createWriteStream } from 'node:fs';
import { readdir, stat, utimes } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { create } from 'tar';
import { COLLECTOR_MANIFEST_PATH } from './manifest.js';

/**
 * Streams the staged tree into a tar.gz (no file is held in memory; tar reads each from disk as it
 * packs). collector-manifest.json goes first so a reader learns how the bundle was made before the
 * data. Owner ids and modes are left out (`portable`): they mean nothing off the node. The archive's
 * mtime is set to the collection time, which the store's bundle id sorts by.
 */
export async function writeBundleArchive(stagingDir: string, archivePath: string, collectedAtMs: number): Promise<{ bytes: number }> {
  const top = (await readdir(stagingDir)).filter((n) => n !== COLLECTOR_MANIFEST_PATH).sort();
  const entries = [COLLECTOR_MANIFEST_PATH, ...top];
  await pipeline(create({ gzip: true, cwd: stagingDir, portable: true, maxReadSize: 1 << 20 }, entries), createWriteStream(archivePath));
  const t = new Date(collectedAtMs);
  await utimes(archivePath, t, t);
  return { bytes: (await stat(archivePath)).size };
}
