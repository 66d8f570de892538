import { ipv4 } from './vpc-cni-checks.js';
import type { NodeState } from './state.js';

/** One pod address and the state file line that names it (evidence). */
export interface PodIp {
  ip: string;
  /** namespace/name when the source records it, else a sandbox id prefix */
  name: string;
  path: string;
  line: number;
}

/**
 * Every IPv4 pod address the bundle's IPAMD state names: pods.json (introspection /v1/pods), the
 * address assignments in enis.json, and the ipam.json checkpoint. Current VPC CNI versions have no
 * /v1/pods (pods.json is then only their command list), so pods.json alone would make a node with
 * pods look like one without. First source wins per address; `sources` lists the files that named any.
 * The checkpoint is read only when neither live view names a pod: next to one, an allocation the live
 * view lacks is a leaked IP whose rule and route CNI DEL already removed (ipam-checkpoint reports it).
 */
export function podIps(s: NodeState): { ips: PodIp[]; sources: string[] } {
  const byIp = new Map<string, PodIp>();
  const sources = new Set<string>();
  const add = (path: string, ip: string, name: string, line: number) => {
    // IPv6 pods are routed without per-pod ip rules; this check is about the IPv4 layout
    if (ipv4(ip) === null) return;
    sources.add(path);
    if (!byIp.has(ip)) byIp.set(ip, { ip, name, path, line });
  };
  if (s.pods) for (const p of s.pods.value.pods) add(s.pods.path, p.ip, p.name, p.line);
  if (s.enis) for (const a of s.enis.value.assigned) add(s.enis.path, a.ip, a.pod ?? a.containerID.slice(0, 12), a.line);
  if (byIp.size === 0 && s.ipamCheckpoint) for (const a of s.ipamCheckpoint.value.allocations) add(s.ipamCheckpoint.path, a.ip, a.pod ?? a.containerID.slice(0, 12), a.line);
  return { ips: [...byIp.values()], sources: [...sources] };
}
