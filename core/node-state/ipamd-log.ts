import { intOf, isRecord, type Lines, tryJson } from './lines.js';

/**
 * The VPC CNI IPAMD log (`var_log/aws-routed-eni/ipamd.log` and its lumberjack rotations
 * `ipamd-<UTC time>.log[.gz]`): one zap JSON object a line, {"level","ts","caller","msg"}.
 * Message formats were read in aws/amazon-vpc-cni-k8s (pkg/ipamd/ipamd.go logPoolStats and
 * updateIPPoolIfRequired, pkg/ipamd/datastore/data_store.go, pkg/awsutils/awsutils.go) from tag v1.6.4
 * to the master of August 2026.
 */

/** One log line a result rests on (evidence). */
export interface LogPoint {
  path: string;
  /** 1-based line in `path` */
  line: number;
  ts: string | null;
  text: string;
}

export interface IpamdPoolStats extends LogPoint {
  /** 0 for versions before multi-NIC (v1.20), which log no card */
  networkCard: number;
  /** null: the per-loop "IP stats" line does not say */
  mode: 'ip' | 'prefix' | null;
  /** addresses IPAMD holds (in prefix mode: the IPs of its prefixes) */
  total: number;
  assigned: number;
  /** null: versions before v1.10 do not log cooldown IPs */
  cooldown: number | null;
}

/**
 * Failures of IP assignment. Only the line IPAMD writes where the failure happens is counted; the
 * lines that repeat its error further up ("Failed to increase pool size …", "Send AddNetworkReply …
 * err: AssignPodIPv4Address: no available IP/Prefix addresses") are not, or one failure counts 2–3 times.
 */
export const FAILURE_KINDS = ['no-free-ip', 'subnet-exhausted', 'eni-attach-failed', 'eni-create-failed', 'ip-alloc-failed'] as const;
export type IpamdFailureKind = (typeof FAILURE_KINDS)[number];

export interface IpamdFailures {
  count: number;
  first: LogPoint;
  last: LogPoint;
}

export const WARM_SETTINGS = ['WARM_IP_TARGET', 'MINIMUM_IP_TARGET', 'WARM_ENI_TARGET', 'WARM_PREFIX_TARGET'] as const;
export type WarmSetting = (typeof WARM_SETTINGS)[number];

export interface IpamdLog {
  /** files read, oldest first */
  files: string[];
  lines: number;
  /** non-empty lines that are not a JSON object with a string `msg` (counted, skipped) */
  nonJson: number;
  /** the last pool-stats line of each network card, by card */
  poolStats: IpamdPoolStats[];
  failures: Partial<Record<IpamdFailureKind, IpamdFailures>>;
  /** the warm-pool settings IPAMD logged at start; the last one logged wins */
  settings: Partial<Record<WarmSetting, LogPoint & { value: number }>>;
  /** "Prefix Delegation enabled true|false", logged at start (awsutils); the last one wins */
  prefixDelegation?: LogPoint & { value: boolean };
  /** max pods from the "IP pool manager" start line (v1.16+): IPAMD does not grow its pool past it */
  maxPods?: LogPoint & { value: number };
  /** c.maxIPsPerENI of the last pool-stats line that states it: the IPs one more ENI brings */
  maxIpsPerEni?: LogPoint & { value: number };
  /** the last "Skipping ENI allocation as the max ENI limit of N is already reached" (debug level) */
  eniLimit?: LogPoint & { max: number };
  /** files whose reading stopped on an error (a broken gzip member): what they held past it is unknown */
  errors: { path: string; error: string }[];
}

const N = '(\\d{1,12})';
// v1.11+ (v1.20+ names the card): DataStoreStats.String()
const POOL_V11 = new RegExp(`^(IP|Prefix) pool stats(?: for network card ${N})?: Total IPs/Prefixes = ${N}/${N}, AssignedIPs/CooldownIPs: ${N}/${N}`);
// v1.6–v1.10 (cooldown from v1.10)
const POOL_OLD = new RegExp(`^(IP|Prefix) pool stats: total = ${N}, used = ${N}(?:, IPs in Cooldown = ${N})?`);
// v1.16+, every pool-manager loop (~5 s) while ENI provisioning is on
const IP_STATS = new RegExp(`^IP stats(?: for Network Card ${N})? - total IPs: ${N}, assigned IPs: ${N}, cooldown IPs: ${N}`);
const USING = /^Using (WARM_IP_TARGET|MINIMUM_IP_TARGET|WARM_ENI_TARGET|WARM_PREFIX_TARGET) (-?\d{1,9})\s*$/;
// v1.16+: logged once when the pool manager starts; 0 means not set
const POOL_MANAGER = new RegExp(`^IP pool manager - max pods: ${N}, warm IP target: ${N}, warm prefix target: ${N}, warm ENI target: ${N}, minimum IP target: ${N}`);
const PD_ENABLED = /^Prefix Delegation enabled (true|false)\b/;
const ENI_LIMIT = new RegExp(`^Skipping ENI allocation as the (?:instance's )?max ENI limit of ${N} is already reached`);
const MAX_IPS_PER_ENI = new RegExp(`c\\.maxIPsPerENI = ${N}`);
const NO_FREE_IP = /^DataStore has no available IP(?:\/Prefix)? addresses/;
const EC2_CALL = /^Failed to (attach ENI|CreateNetworkInterface|allocate a private IP)/;
const SUBNET_FULL = /InsufficientFreeAddressesInSubnet|InsufficientCidrBlocks/;
const EC2_KIND: Record<string, IpamdFailureKind> = { 'attach ENI': 'eni-attach-failed', CreateNetworkInterface: 'eni-create-failed', 'allocate a private IP': 'ip-alloc-failed' };
/** Only lines holding one of these are JSON-parsed: a 100 MB log is mostly other debug lines. */
const KEYWORDS = ['pool stats', 'IP stats', 'DataStore has no available', 'Failed to ', 'Using ', 'IP pool manager', 'Prefix Delegation enabled', 'max ENI limit'];

export const emptyIpamdLog = (): IpamdLog => ({ files: [], lines: 0, nonJson: 0, poolStats: [], failures: {}, settings: {}, errors: [] });

function classify(msg: string): IpamdFailureKind | null {
  if (NO_FREE_IP.test(msg)) return 'no-free-ip';
  const m = EC2_CALL.exec(msg);
  if (!m) return null;
  return SUBNET_FULL.test(msg) ? 'subnet-exhausted' : EC2_KIND[m[1]!]!;
}

function poolStats(msg: string, at: LogPoint): IpamdPoolStats | null {
  let m = POOL_V11.exec(msg);
  if (m) return { ...at, mode: m[1] === 'IP' ? 'ip' : 'prefix', networkCard: Number(m[2] ?? 0), total: Number(m[3]), assigned: Number(m[5]), cooldown: Number(m[6]) };
  m = POOL_OLD.exec(msg);
  if (m) return { ...at, mode: m[1] === 'IP' ? 'ip' : 'prefix', networkCard: 0, total: Number(m[2]), assigned: Number(m[3]), cooldown: m[4] === undefined ? null : Number(m[4]) };
  m = IP_STATS.exec(msg);
  if (m) return { ...at, mode: null, networkCard: Number(m[1] ?? 0), total: Number(m[2]), assigned: Number(m[3]), cooldown: Number(m[4]) };
  return null;
}

/** The log line as JSON, or null when it is not a zap object with a string msg. */
function entry(line: string): { msg: string; ts: string | null } | null {
  const j = tryJson(line);
  if (!j.ok || !isRecord(j.value) || typeof j.value.msg !== 'string') return null;
  return { msg: j.value.msg, ts: typeof j.value.ts === 'string' ? j.value.ts.slice(0, 40) : null };
}

/** Parses one IPAMD log file to its end; `path` goes into every evidence point. */
export async function parseIpamdLog(lines: Lines, path: string): Promise<IpamdLog> {
  const r = emptyIpamdLog();
  r.files.push(path);
  const cards = new Map<number, IpamdPoolStats>();
  let n = 0;
  for await (const raw of lines) {
    n++;
    const line = raw.trim();
    if (!line) continue;
    if (line[0] !== '{' || line[line.length - 1] !== '}') {
      r.nonJson++;
      continue;
    }
    if (!KEYWORDS.some((k) => line.includes(k))) continue;
    const e = entry(line);
    if (!e) {
      r.nonJson++;
      continue;
    }
    const at: LogPoint = { path, line: n, ts: e.ts, text: `${e.ts ?? ''} ${e.msg}`.trim() };
    const stats = poolStats(e.msg, at);
    if (stats) {
      cards.set(stats.networkCard, stats);
      const per = MAX_IPS_PER_ENI.exec(e.msg);
      if (per && stats.networkCard === 0) r.maxIpsPerEni = { ...at, value: Number(per[1]) };
      continue;
    }
    const kind = classify(e.msg);
    if (kind) {
      const f = r.failures[kind];
      if (f) {
        f.count++;
        f.last = at;
      } else r.failures[kind] = { count: 1, first: at, last: at };
      continue;
    }
    const pd = PD_ENABLED.exec(e.msg);
    if (pd) r.prefixDelegation = { ...at, value: pd[1] === 'true' };
    const lim = ENI_LIMIT.exec(e.msg);
    if (lim) r.eniLimit = { ...at, max: Number(lim[1]) };
    const u = USING.exec(e.msg);
    if (u) r.settings[u[1] as WarmSetting] = { ...at, value: intOf(u[2])! };
    const p = POOL_MANAGER.exec(e.msg);
    if (p) {
      const vals: [WarmSetting, string][] = [['WARM_IP_TARGET', p[2]!], ['WARM_PREFIX_TARGET', p[3]!], ['WARM_ENI_TARGET', p[4]!], ['MINIMUM_IP_TARGET', p[5]!]];
      for (const [k, v] of vals) r.settings[k] = { ...at, value: Number(v) };
      r.maxPods = { ...at, value: Number(p[1]) };
    }
  }
  r.lines = n;
  r.poolStats = [...cards.values()].sort((a, b) => a.networkCard - b.networkCard);
  return r;
}

/** Folds the files of one log, oldest first: later pool stats and settings win, failures add up. */
export function mergeIpamdLogs(parts: readonly IpamdLog[]): IpamdLog {
  const r = emptyIpamdLog();
  const cards = new Map<number, IpamdPoolStats>();
  for (const p of parts) {
    r.files.push(...p.files);
    r.lines += p.lines;
    r.nonJson += p.nonJson;
    r.errors.push(...p.errors);
    for (const s of p.poolStats) cards.set(s.networkCard, s);
    Object.assign(r.settings, p.settings);
    for (const k of ['prefixDelegation', 'maxPods', 'maxIpsPerEni', 'eniLimit'] as const) if (p[k]) Object.assign(r, { [k]: p[k] });
    for (const k of FAILURE_KINDS) {
      const f = p.failures[k];
      if (!f) continue;
      const had = r.failures[k];
      r.failures[k] = had ? { count: had.count + f.count, first: had.first, last: f.last } : { ...f };
    }
  }
  r.poolStats = [...cards.values()].sort((a, b) => a.networkCard - b.networkCard);
  return r;
}

const CURRENT = 'var_log/aws-routed-eni/ipamd.log';
const ROTATED = /^var_log\/aws-routed-eni\/ipamd-[^/]+\.log(?:\.gz)?$/;

/**
 * The IPAMD log files of a bundle, oldest first: lumberjack names a rotation by its UTC time
 * (ipamd-2024-03-14T09-11-58.123.log.gz), so name order is time order; ipamd.log is the newest.
 */
export function ipamdLogFiles(paths: Iterable<string>): string[] {
  const all = new Set(paths);
  // a rotation being compressed can be there twice: the .gz is then the incomplete one
  const rotated = [...all].filter((p) => ROTATED.test(p) && !(p.endsWith('.gz') && all.has(p.slice(0, -3)))).sort();
  return [...rotated, ...(all.has(CURRENT) ? [CURRENT] : [])];
}
