import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveHostPath } from './host-root.js';

/** What an interface name may look like before it goes into an argv (Linux IFNAMSIZ is 16 with NUL). */
export const IFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,14}$/;
const MAX_IFACES = 32;

export interface HostInterfaces {
  /** safe to put into an argv, sorted, at most MAX_IFACES */
  names: string[];
  /** physical interfaces whose name IFACE_NAME refuses: never run, but recorded by the source */
  refused: string[];
  /** valid names left out past MAX_IFACES */
  omitted: number;
}

/**
 * The host's physical interfaces (those with a sysfs `device` link: eth0, ens5…). The per-pod veth
 * pairs (eni…, veth…) are left out: one ethtool run each would cost seconds on a busy node and the
 * ENA allowance counters live on the physical ones. In a hostNetwork pod whose HOST_ROOT lacks sysfs,
 * our own /sys/class/net is the host's.
 */
export async function physicalInterfaces(hostRoot: string): Promise<HostInterfaces> {
  for (const dir of [await resolveHostPath(hostRoot, '/sys/class/net').catch(() => undefined), '/sys/class/net']) {
    if (!dir) continue;
    const names = await readdir(dir).catch(() => [] as string[]);
    const phys = names.filter((n) => n !== 'lo' && existsSync(join(dir, n, 'device'))).sort();
    const ok = phys.filter((n) => IFACE_NAME.test(n));
    if (names.length > 0) return { names: ok.slice(0, MAX_IFACES), refused: phys.filter((n) => !IFACE_NAME.test(n)), omitted: Math.max(0, ok.length - MAX_IFACES) };
  }
  return { names: [], refused: [], omitted: 0 };
}
