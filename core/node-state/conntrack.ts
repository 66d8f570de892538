import type { Lines } from './lines.js';

export interface ConntrackStats {
  /** counters of `conntrack -S` summed over CPUs */
  totals: Map<string, number>;
  /** per counter, the first CPU line where it was non-zero (evidence) */
  firstNonZero: Map<string, { line: number; text: string }>;
  cpuLines: number;
  /** entries listed by `conntrack -L` (or its "N flow entries" trailer when larger) */
  entries: number;
  listed: boolean;
}

/**
 * Parses networking/conntrack.txt: "*** Output of conntrack -S ***", per-CPU `key=value` lines,
 * then "*** Output of conntrack -L ***" and one entry per line.
 */
export async function parseConntrack(lines: Lines): Promise<ConntrackStats> {
  const res: ConntrackStats = { totals: new Map(), firstNonZero: new Map(), cpuLines: 0, entries: 0, listed: false };
  let section: 'S' | 'L' | '' = '';
  let trailer = 0;
  let n = 0;
  for await (const raw of lines) {
    n++;
    const l = raw.trim();
    if (/^\*+\s*Output of conntrack -S/i.test(l)) section = 'S';
    else if (/^\*+\s*Output of conntrack -L/i.test(l)) {
      section = 'L';
      res.listed = true;
    } else if (/^cpu=\d+\s/.test(l) && section !== 'L') {
      res.cpuLines++;
      for (const m of l.matchAll(/([a-z_]+)=(\d{1,15})/g)) {
        if (m[1] === 'cpu') continue;
        const v = Number(m[2]);
        res.totals.set(m[1]!, (res.totals.get(m[1]!) ?? 0) + v);
        if (v > 0 && !res.firstNonZero.has(m[1]!)) res.firstNonZero.set(m[1]!, { line: n, text: raw });
      }
    } else if (section === 'L' && l) {
      const t = /(\d+) flow entries have been shown/.exec(l);
      if (t) trailer = Number(t[1]);
      else if (/\bsrc=/.test(l)) res.entries++;
    }
  }
  res.entries = Math.max(res.entries, trailer);
  return res;
}
