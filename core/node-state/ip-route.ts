import type { Lines } from './lines.js';

export interface Route {
  line: number;
  text: string;
  /** route type when given (local, broadcast, unreachable…), else 'unicast' */
  type: string;
  /** 'default' or a prefix / address as printed */
  dest: string;
  /** 'main' when the line names no table */
  table: string;
  dev: string | null;
  via: string | null;
  mtu: number | null;
}

const TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'unreachable', 'blackhole', 'prohibit', 'throw', 'anycast', 'nat']);

/** Parses `ip route show table all` (and plain `ip route`): one route per line. */
export async function parseIpRoutes(lines: Lines): Promise<Route[]> {
  const out: Route[] = [];
  let n = 0;
  for await (const raw of lines) {
    n++;
    const t = raw.trim().split(/\s+/).filter(Boolean);
    if (t.length === 0) continue;
    let i = 0;
    let type = 'unicast';
    if (TYPES.has(t[0]!)) type = t[i++]!;
    const dest = t[i];
    if (!dest || !/^(default|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(dest)) continue;
    const after = (k: string): string | null => {
      const j = t.indexOf(k, i + 1);
      return j > 0 && j + 1 < t.length ? t[j + 1]! : null;
    };
    const mtu = after('mtu');
    out.push({ line: n, text: raw, type, dest, table: after('table') ?? 'main', dev: after('dev'), via: after('via'), mtu: mtu && /^\d+$/.test(mtu) ? Number(mtu) : null });
  }
  return out;
}
