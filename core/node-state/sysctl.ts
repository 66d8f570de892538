import type { Lines } from './lines.js';

export type Sysctls = Map<string, { value: string; line: number; text: string }>;

/** Parses `sysctl -a` (`key = value`); the first value of a key wins. */
export async function parseSysctl(lines: Lines): Promise<Sysctls> {
  const out: Sysctls = new Map();
  let n = 0;
  for await (const raw of lines) {
    n++;
    const m = /^\s*([A-Za-z0-9_.\-/]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (m && !out.has(m[1]!)) out.set(m[1]!, { value: m[2]!, line: n, text: raw });
  }
  return out;
}
