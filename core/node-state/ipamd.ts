import { collectText, intOf, isRecord, lineOf, type Lines, tryJson } from './lines.js';

export interface IpamdEnis {
  totalIPs: number | null;
  assignedIPs: number | null;
  enis: { id: string; deviceNumber: number | null; primary: boolean; ips: number }[];
  /** addresses IPAMD has assigned to a sandbox (IPAMKey.containerID set), when the introspection says */
  assigned: { ip: string; containerID: string; pod: string | null; line: number }[];
  /** line of "TotalIPs" (evidence) */
  line: number;
  error?: string;
}

export interface IpamdPod {
  name: string;
  ip: string;
  line: number;
  /** the sandbox id, when the entry carries an IPAMKey (PodIPInfo of newer IPAMD versions) */
  containerID?: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Every address entry of one ENI whatever the introspection version (IPv4Addresses or AvailableIPv4Cidrs). */
function addressesOfEni(e: Record<string, unknown>): [string, unknown][] {
  if (isRecord(e.IPv4Addresses)) return Object.entries(e.IPv4Addresses);
  const out: [string, unknown][] = [];
  if (isRecord(e.AvailableIPv4Cidrs)) {
    for (const c of Object.values(e.AvailableIPv4Cidrs)) if (isRecord(c) && isRecord(c.IPAddresses)) out.push(...Object.entries(c.IPAddresses));
  }
  return out;
}

/** The sandbox an address is assigned to (AddressInfo.IPAMKey.containerID); null when free. */
function containerOf(a: unknown): string | null {
  if (!isRecord(a) || !isRecord(a.IPAMKey)) return null;
  const id = a.IPAMKey.containerID;
  return typeof id === 'string' && id ? id : null;
}

/** namespace/name from AddressInfo.IPAMMetadata, when this IPAMD version records it */
function podOf(a: unknown): string | null {
  if (!isRecord(a) || !isRecord(a.IPAMMetadata) || typeof a.IPAMMetadata.k8sPodName !== 'string') return null;
  const ns = a.IPAMMetadata.k8sPodNamespace;
  return `${typeof ns === 'string' && ns ? `${ns}/` : ''}${a.IPAMMetadata.k8sPodName}`;
}

/** Counts the addresses of one ENI whatever the introspection version (IPv4Addresses or AvailableIPv4Cidrs). */
function ipsOfEni(e: Record<string, unknown>): number {
  if (isRecord(e.IPv4Addresses)) return Object.keys(e.IPv4Addresses).length;
  let n = 0;
  if (isRecord(e.AvailableIPv4Cidrs)) {
    for (const c of Object.values(e.AvailableIPv4Cidrs)) if (isRecord(c) && isRecord(c.IPAddresses)) n += Object.keys(c.IPAddresses).length;
  }
  return n;
}

/** Parses ipamd/enis.json (aws-node introspection /v1/enis). */
export async function parseIpamdEnis(lines: Lines): Promise<IpamdEnis> {
  const { text, lines: all } = await collectText(lines);
  const j = tryJson(text);
  const res: IpamdEnis = { totalIPs: null, assignedIPs: null, enis: [], assigned: [], line: lineOf(all, 'TotalIPs') };
  if (!j.ok) return { ...res, error: j.error };
  if (!isRecord(j.value)) return { ...res, error: 'not a JSON object' };
  const v = j.value;
  res.totalIPs = intOf(v.TotalIPs);
  res.assignedIPs = intOf(v.AssignedIPs);
  if (isRecord(v.ENIs)) {
    for (const [id, e] of Object.entries(v.ENIs)) {
      if (!isRecord(e)) continue;
      res.enis.push({ id: typeof e.ID === 'string' ? e.ID : id, deviceNumber: intOf(e.DeviceNumber), primary: e.IsPrimary === true, ips: ipsOfEni(e) });
      for (const [ip, a] of addressesOfEni(e)) {
        const c = containerOf(a);
        if (c) res.assigned.push({ ip, containerID: c, pod: podOf(a), line: lineOf(all, `"${ip}":`) });
      }
    }
  }
  return res;
}

/** The pod address of one introspection entry, whatever the version names it. */
function ipOf(o: Record<string, unknown>): string | null {
  for (const k of ['IP', 'IPv4Addr', 'IPAddress', 'ip', 'IPv4']) if (typeof o[k] === 'string' && IPV4.test(o[k])) return o[k];
  return null;
}

/** Parses ipamd/pods.json (introspection /v1/pods): a map or a list of pod entries with their IPs. */
export async function parseIpamdPods(lines: Lines): Promise<{ pods: IpamdPod[]; error?: string }> {
  const { text, lines: all } = await collectText(lines);
  const j = tryJson(text);
  if (!j.ok) return { pods: [], error: j.error };
  // IPAMD versions without /v1/pods answer any unknown path with their command list
  if (isRecord(j.value) && Array.isArray(j.value.AvailableCommands)) return { pods: [], error: 'IPAMD has no /v1/pods endpoint (it answered with its command list)' };
  const entries: [string, unknown][] = Array.isArray(j.value) ? j.value.map((x, i) => [String(i), x]) : isRecord(j.value) ? Object.entries(j.value) : [];
  const pods: IpamdPod[] = [];
  for (const [key, e] of entries) {
    if (!isRecord(e)) continue;
    const ip = ipOf(e);
    if (!ip) continue;
    const name = typeof e.Name === 'string' ? `${typeof e.Namespace === 'string' ? `${e.Namespace}/` : ''}${e.Name}` : key;
    const containerID = containerOf(e) ?? (typeof e.ContainerID === 'string' ? e.ContainerID : null) ?? (typeof e.Sandbox === 'string' ? e.Sandbox : null);
    pods.push({ name, ip, line: lineOf(all, `"${ip}"`), ...(containerID ? { containerID } : {}) });
  }
  return { pods };
}

/** Parses ipamd/*-env-settings.json: a flat map of environment variables of aws-node. */
export async function parseIpamdEnv(lines: Lines): Promise<{ env: Map<string, { value: string; line: number }>; error?: string }> {
  const { text, lines: all } = await collectText(lines);
  const j = tryJson(text);
  const env = new Map<string, { value: string; line: number }>();
  if (!j.ok) return { env, error: j.error };
  if (isRecord(j.value)) {
    for (const [k, v] of Object.entries(j.value)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env.set(k, { value: String(v), line: lineOf(all, `"${k}"`) });
  }
  return { env };
}
