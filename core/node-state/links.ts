import type { Lines } from './lines.js';

export interface Link {
  name: string;
  mtu: number;
  line: number;
  text: string;
}

/** Parses interface MTUs from `ip link` / `ip addr` (`2: eth0: <…> mtu 9001`) or `ifconfig` (`eth0: flags=… mtu 9001`). */
export async function parseLinks(lines: Lines): Promise<Link[]> {
  const out: Link[] = [];
  let n = 0;
  for await (const raw of lines) {
    n++;
    const m = /^(?:\d+:\s+)?([A-Za-z0-9_.-]+)(?:@\S+)?:\s+(?:<[^>]*>|flags=\S+).*?\bmtu\s+(\d{1,6})/.exec(raw);
    if (m) out.push({ name: m[1]!, mtu: Number(m[2]), line: n, text: raw });
  }
  return out;
}
