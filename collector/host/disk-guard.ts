import { statfs } from 'node:fs/promises';

/** Free bytes for an unprivileged writer on the filesystem holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * The collector stages a bundle on the node's own disk; a node short of space is often the one being
 * diagnosed, so collection stops before it takes the last bytes (DESIGN.md §8) and says so.
 */
export async function diskPressure(dir: string, minFreeBytes: number): Promise<string | undefined> {
  const free = await freeBytes(dir);
  if (free >= minFreeBytes) return undefined;
  return `free space under ${dir} is ${mib(free)} MiB, below the ${mib(minFreeBytes)} MiB the collector leaves free`;
}

const mib = (n: number) => Math.floor(n / 1024 ** 2);
