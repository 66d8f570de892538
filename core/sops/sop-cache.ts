import { resolve } from 'node:path';
import { loadSops, type Sop } from './sop-library.js';

// Runbooks are read-only files shipped with the product: parse each directory once per process.
const cache = new Map<string, Sop[]>();

/** `loadSops(dir)`, memoised per directory; a directory that fails to load is retried next call. */
export function cachedSops(dir: string): Sop[] {
  const key = resolve(dir);
  let sops = cache.get(key);
  if (!sops) {
    sops = loadSops(key);
    cache.set(key, sops);
  }
  return sops;
}
