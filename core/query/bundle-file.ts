/**
 * Which file of a bundle a caller means: `resolveFile` accepts only the bundle's own text paths and
 * answers a miss with the closest paths it does have. ReadError, the error of every read, lives here
 * so read-file.ts can use it without an import cycle.
 */
import type { ManifestFile } from '../bundle/manifest.js';
import type { BundleRef } from './bundle-ref.js';

/** The caller asked for something this file cannot give; the message says what to ask instead. */
export class ReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadError';
  }
}

/**
 * The manifest entry for `path`, which must be one of the bundle's own paths exactly: a store key,
 * another bundle's path or a `..` walk is refused before any key is built (the seed's `read` took any key).
 */
export function resolveFile(ref: BundleRef, path: string): ManifestFile {
  if (path.startsWith('/') || path.includes('\\') || /(^|\/)\.\.?(\/|$)/.test(path) || path.includes('\0')) {
    throw new ReadError(`path "${path.slice(0, 200)}" is refused: give a path relative to the bundle, exactly as the bundle lists it (e.g. kubelet/kubelet.log); ".." and absolute paths are not allowed`);
  }
  const f = ref.manifest.files.find((x) => x.path === path);
  if (!f && path.startsWith('bundles/')) {
    throw new ReadError(`"${path.slice(0, 200)}" is a store key, not a bundle path: give the path inside the bundle (e.g. kubelet/kubelet.log) and pick another bundle with node/bundleId`);
  }
  if (!f) {
    const near = similarPaths(path, ref.manifest.files.map((x) => x.path));
    throw new ReadError(`bundle ${ref.node}/${ref.bundleId} has no file "${path.slice(0, 200)}"; similar paths: ${near.join(', ') || '(none)'}`);
  }
  if (f.kind === 'binary') {
    throw new ReadError(`${path} is a binary file (${f.size} bytes) and cannot be read as text; read one of the bundle's log or text files instead`);
  }
  return f;
}

/** Up to 10 bundle paths closest to `want` by edit distance, among those sharing a name part with it. */
function similarPaths(want: string, paths: string[]): string[] {
  const parts = (p: string) => p.toLowerCase().split(/[/._-]+/).filter(Boolean);
  const w = new Set(parts(want));
  const lw = want.toLowerCase().slice(0, 200);
  const dist = (b: string) => {
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= lw.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (lw[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    return row[b.length]!;
  };
  return paths.filter((p) => parts(p).some((x) => w.has(x))).map((p) => [p, dist(p.toLowerCase())] as const)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([p]) => p);
}
