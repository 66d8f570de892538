import type { Lines } from './lines.js';

export interface IpRule {
  line: number;
  text: string;
  priority: number;
  /** selector values as printed ('all', an address or prefix) */
  from: string | null;
  to: string | null;
  table: string | null;
  not: boolean;
}

/** Parses `ip rule show`: `512:\tfrom all to 10.0.37.41 lookup main`. */
export async function parseIpRules(lines: Lines): Promise<IpRule[]> {
  const out: IpRule[] = [];
  let n = 0;
  for await (const raw of lines) {
    n++;
    const m = /^\s*(\d{1,10}):\s+(.*)$/.exec(raw);
    if (!m) continue;
    const t = m[2]!.trim().split(/\s+/);
    const after = (k: string): string | null => {
      const j = t.indexOf(k);
      return j >= 0 && j + 1 < t.length ? t[j + 1]! : null;
    };
    out.push({ line: n, text: raw, priority: Number(m[1]), from: after('from'), to: after('to'), table: after('lookup') ?? after('table'), not: t.includes('not') });
  }
  return out;
}
