/** Journals go back at most this far: a longer window mostly collects noise and costs node disk. */
export const MAX_SINCE_MS = 30 * 24 * 3600_000;

const UNIT: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 24 * 3600_000 };

/** `2h`, `30m`, `1h30m`, `7d` -> milliseconds; undefined for anything else (the caller says what is valid). */
export function parseSince(text: string): number | undefined {
  const t = text.trim();
  if (!/^(\d{1,6}[smhd])+$/.test(t)) return undefined;
  let ms = 0;
  for (const m of t.matchAll(/(\d{1,6})([smhd])/g)) ms += Number(m[1]) * UNIT[m[2]!]!;
  return ms > 0 && ms <= MAX_SINCE_MS ? ms : undefined;
}

/** The node name local mode files bundles under: the hostname in the store's key alphabet. */
export function localNodeName(hostname: string): string {
  return hostname.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[.-]+/, '').slice(0, 253) || 'localhost';
}
