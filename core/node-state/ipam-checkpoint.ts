import { collectText, isRecord, lineOf, type Lines, tryJson } from './lines.js';

export interface IpamAllocation {
  containerID: string;
  ifName: string;
  ip: string;
  /** namespace/name from the checkpoint metadata, when IPAMD recorded it */
  pod: string | null;
  line: number;
}

export interface IpamCheckpoint {
  version: string | null;
  allocations: IpamAllocation[];
  error?: string;
}

/** The checkpoint format IPAMD writes (pkg/ipamd/datastore CheckpointFormatVersion). */
export const CHECKPOINT_VERSION = 'vpc-cni-ipam/1';

/**
 * Parses IPAMD's checkpoint `/var/run/aws-node/ipam.json`:
 * `{"version":"vpc-cni-ipam/1","allocations":[{"networkName":…,"containerID":…,"ifName":…,"ipv4":…,
 * "allocationTimestamp":…,"metadata":{"k8sPodNamespace":…,"k8sPodName":…}}]}`. A file that is not
 * whole JSON (cut copy) or of another version comes back with `error` and no allocations.
 */
export async function parseIpamCheckpoint(lines: Lines): Promise<IpamCheckpoint> {
  const { text, lines: all } = await collectText(lines);
  const j = tryJson(text);
  if (!j.ok) return { version: null, allocations: [], error: j.error };
  if (!isRecord(j.value)) return { version: null, allocations: [], error: 'not a JSON object' };
  const version = typeof j.value.version === 'string' ? j.value.version : null;
  if (version !== CHECKPOINT_VERSION) return { version, allocations: [], error: `unknown checkpoint version ${JSON.stringify(version)?.slice(0, 40)}` };
  if (!Array.isArray(j.value.allocations)) return { version, allocations: [], error: 'no allocations list' };
  const allocations: IpamAllocation[] = [];
  for (const a of j.value.allocations) {
    if (!isRecord(a) || typeof a.containerID !== 'string') continue;
    const ip = typeof a.ipv4 === 'string' && a.ipv4 ? a.ipv4 : typeof a.ipv6 === 'string' ? a.ipv6 : '';
    if (!ip) continue;
    const m = isRecord(a.metadata) ? a.metadata : {};
    const pod = typeof m.k8sPodName === 'string' ? `${typeof m.k8sPodNamespace === 'string' ? `${m.k8sPodNamespace}/` : ''}${m.k8sPodName}` : null;
    allocations.push({ containerID: a.containerID, ifName: typeof a.ifName === 'string' ? a.ifName : '', ip, pod, line: lineOf(all, `"${ip}"`) });
  }
  return { version, allocations };
}
