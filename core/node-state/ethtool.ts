import type { Lines } from './lines.js';

/** ENA counters that count packets the instance shaped away (AWS ENA allowance limits). */
export const ENA_ALLOWANCE_COUNTERS = ['bw_in_allowance_exceeded', 'bw_out_allowance_exceeded', 'pps_allowance_exceeded', 'conntrack_allowance_exceeded', 'linklocal_allowance_exceeded'] as const;

export type EthtoolStats = Map<string, { value: number; line: number; text: string }>;

/** Parses `ethtool -S <if>` output: `     name: value` lines (the first value of a name wins). */
export async function parseEthtool(lines: Lines): Promise<EthtoolStats> {
  const out: EthtoolStats = new Map();
  let n = 0;
  for await (const raw of lines) {
    n++;
    const m = /^\s*([A-Za-z0-9_[\]:.-]+?):\s+(\d{1,20})\s*$/.exec(raw);
    if (m && !out.has(m[1]!)) out.set(m[1]!, { value: Number(m[2]), line: n, text: raw });
  }
  return out;
}
