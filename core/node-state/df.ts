import type { Lines } from './lines.js';

/** One row of `df -h` or `df -i`: the size columns as printed, the use percentage as a number. */
export interface DfRow {
  filesystem: string;
  /** Size/Used/Avail (df -h) or Inodes/IUsed/IFree (df -i), as printed */
  cols: string[];
  usePct: number | null;
  mount: string;
  line: number;
  text: string;
}

export interface MountEntry {
  source: string;
  mount: string;
  type: string;
  options: string[];
  line: number;
  text: string;
}

/** A df data row: Filesystem, 3 size columns, Use%, mount point (which may hold spaces). */
export function parseDfRow(raw: string, line: number): DfRow | null {
  const t = raw.trim().split(/\s+/);
  if (t.length < 6 || !/^(\d{1,3}%|-)$/.test(t[4]!)) return null;
  return { filesystem: t[0]!, cols: t.slice(1, 4), usePct: t[4] === '-' ? null : Number(t[4]!.slice(0, -1)), mount: t.slice(5).join(' '), line, text: raw };
}

/** Parses `df --human-readable` or `df --inodes` output. */
export async function parseDf(lines: Lines): Promise<DfRow[]> {
  const out: DfRow[] = [];
  let n = 0;
  for await (const raw of lines) {
    n++;
    if (/^Filesystem\s/.test(raw)) continue;
    const r = parseDfRow(raw, n);
    if (r) out.push(r);
  }
  return out;
}

const MOUNT = /^(\S+) on (.+) type (\S+) \(([^)]*)\)\s*$/;

/** Parses storage/mounts.txt: `mount` output, a blank line, then `df --human-readable`. */
export async function parseMountsTxt(lines: Lines): Promise<{ mounts: MountEntry[]; df: DfRow[] }> {
  const mounts: MountEntry[] = [];
  const df: DfRow[] = [];
  let n = 0;
  for await (const raw of lines) {
    n++;
    const m = MOUNT.exec(raw);
    if (m) {
      mounts.push({ source: m[1]!, mount: m[2]!, type: m[3]!, options: m[4]!.split(','), line: n, text: raw });
      continue;
    }
    if (/^Filesystem\s/.test(raw)) continue;
    const r = parseDfRow(raw, n);
    if (r) df.push(r);
  }
  return { mounts, df };
}
