import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BundleRef } from '../query/bundle-ref.js';
import type { BundleStore } from '../store/bundle-store.js';
import { parseConflist } from './cni-conflist.js';
import { parseConntrack } from './conntrack.js';
import { parseDf, parseMountsTxt } from './df.js';
import { parseEthtool } from './ethtool.js';
import { parseIpRules } from './ip-rule.js';
import { parseIpRoutes } from './ip-route.js';
import { parseIpamCheckpoint } from './ipam-checkpoint.js';
import { parseIpamdEnis, parseIpamdEnv, parseIpamdPods } from './ipamd.js';
import { type IpamdLog, ipamdLogFiles, mergeIpamdLogs, parseIpamdLog } from './ipamd-log.js';
import { attachCounters, mergeModels, parseIptablesList } from './iptables-list.js';
import type { IptablesSave } from './iptables-model.js';
import { parseIptablesSave } from './iptables-save.js';
import { parseKubeletConfig } from './kubelet-config.js';
import { collectText, isRecord, type Lines, streamLines, tryJson } from './lines.js';
import { parseLinks } from './links.js';
import { parsePs } from './ps.js';
import { parseResolvConf } from './resolv-conf.js';
import type { NodeState, Parsed } from './state.js';
import { parseSysctl } from './sysctl.js';

/** `iptables -t <table> -nvL` per table: our collector's names, then eks-log-collector.sh's plain `iptables -nvL` (the filter table). */
const IPTABLES_LISTS: [string, string[]][] = [
  ['filter', ['networking/iptables-filter.txt', 'networking/iptables.txt']],
  ['nat', ['networking/iptables-nat.txt']],
  ['mangle', ['networking/iptables-mangle.txt']],
];
const PS_FILES = ['system/ps.txt', 'system/ps-threads.txt'];
/** eks-log-collector.sh copies the checkpoint to ipamd/; our collector copies /var/run/aws-node/ whole */
const CHECKPOINT_FILES = ['ipamd/ipam.json', 'networking/aws-node-run/ipam.json'];
const COLLECTOR_MANIFEST = 'collector-manifest.json';

const LINK_FILES = ['networking/iplink.txt', 'networking/ip-link.txt', 'networking/ipaddr.txt', 'networking/ip-addr.txt', 'networking/ifconfig.txt'];

/**
 * Reads and parses every state file the checks use, each streamed from the store to its end (no
 * prefix cap: DESIGN.md §11). A file the manifest lacks, or holds empty, is left undefined.
 */
export async function loadNodeState(store: BundleStore, ref: BundleRef): Promise<NodeState> {
  const files = ref.manifest.files.filter((f) => f.size > 0);
  // rotated logs are stored as the bundle held them: gzip members are read through gunzip, also the
  // ones ingest could not gunzip (kept as binary), so the break is recorded instead of read as text
  const gz = new Set(files.filter((f) => f.kind === 'gzip-text' || (f.kind === 'binary' && f.path.endsWith('.gz'))).map((f) => f.path));
  return parseNodeState(files.map((f) => f.path), async (path) => {
    const s = await store.get(ref.keys.file(path));
    // pipeline, not pipe: a store or gunzip error must reach the line iterator, not hang it
    return streamLines(gz.has(path) ? pipeline(s, createGunzip(), () => undefined) : s);
  });
}

/** The same over any source of files (tests hand in texts): `present` are the non-empty paths. */
export async function parseNodeState(paths: readonly string[], open: (path: string) => Promise<Lines>): Promise<NodeState> {
  const present = new Set(paths);
  const all = [...present].sort();
  async function one<T>(path: string | undefined, parse: (l: Lines) => Promise<T>): Promise<Parsed<T> | undefined> {
    if (!path || !present.has(path)) return undefined;
    return { path, value: await parse(await open(path)) };
  }
  const conflist = present.has('cni/10-aws.conflist') ? 'cni/10-aws.conflist' : all.find((p) => /^cni\/[^/]+\.conflist$/.test(p));
  const env = new Map<string, { value: string; line: number; path: string }>();
  let envPath: string | undefined;
  for (const p of ['ipamd/ipamd-env-settings.json', 'ipamd/networkutils-env-settings.json']) {
    const e = await one(p, parseIpamdEnv);
    if (!e) continue;
    envPath ??= p;
    for (const [k, v] of e.value.env) if (!env.has(k)) env.set(k, { ...v, path: p });
  }
  const lists: IptablesSave[] = [];
  let listPath: string | undefined;
  for (const [table, paths] of IPTABLES_LISTS) {
    const p = paths.find((x) => present.has(x));
    if (!p) continue;
    listPath ??= p;
    lists.push((await one(p, (l) => parseIptablesList(l, table, p)))!.value);
  }
  const listed = lists.length ? mergeModels(lists) : undefined;
  let iptables = await one('networking/iptables-save.txt', parseIptablesSave);
  if (iptables && listed) attachCounters(iptables.value, listed);
  if (!iptables && listed && listPath) iptables = { path: listPath, value: listed };
  const ethtool: Parsed<Awaited<ReturnType<typeof parseEthtool>>>[] = [];
  for (const p of all.filter((x) => /^networking\/ethtool[^/]*\.txt$/.test(x))) ethtool.push((await one(p, parseEthtool))!);
  return {
    iptables,
    routes: await one('networking/iproute.txt', parseIpRoutes),
    rules: await one('networking/iprule.txt', parseIpRules),
    conntrack: await one('networking/conntrack.txt', parseConntrack),
    sysctl: await one('sysctls/sysctl_all.txt', parseSysctl),
    enis: await one('ipamd/enis.json', parseIpamdEnis),
    pods: await one('ipamd/pods.json', parseIpamdPods),
    env: envPath ? { path: envPath, value: env } : undefined,
    conflist: await one(conflist, parseConflist),
    resolv: await one('networking/resolv.conf', parseResolvConf),
    ethtool,
    links: await one(LINK_FILES.find((p) => present.has(p)), parseLinks),
    mounts: await one('storage/mounts.txt', parseMountsTxt),
    inodes: await one('storage/inodes.txt', parseDf),
    kubelet: await one('kubelet/config.json', parseKubeletConfig),
    ps: await one(PS_FILES.find((p) => present.has(p)), parsePs),
    ipamCheckpoint: await one(CHECKPOINT_FILES.find((p) => present.has(p)), parseIpamCheckpoint),
    ipamdLog: await ipamdLog(ipamdLogFiles(present), open),
    truncated: present.has(COLLECTOR_MANIFEST) ? await truncatedOutputs(await open(COLLECTOR_MANIFEST)) : new Set(),
  };
}

/** ipamd.log and its rotations, oldest first, folded into one view; undefined when the bundle has none. */
async function ipamdLog(paths: string[], open: (path: string) => Promise<Lines>): Promise<Parsed<IpamdLog> | undefined> {
  if (!paths.length) return undefined;
  const parts: IpamdLog[] = [];
  for (const p of paths) {
    let error: string | undefined;
    // a broken gzip member throws from the line iterator: keep what came before, record why it stopped
    const part = await parseIpamdLog(untilError(await open(p), (e) => (error = e)), p);
    if (error) part.errors.push({ path: p, error });
    parts.push(part);
  }
  return { path: paths[paths.length - 1]!, value: mergeIpamdLogs(parts) };
}

async function* untilError(lines: Lines, onError: (e: string) => void): Lines {
  try {
    for await (const l of lines) yield l;
  } catch (err) {
    onError((err as Error).message.slice(0, 200));
  }
}

/**
 * Bundle files our collector cut at a size cap: collector-manifest.json records per source its status
 * and the files it wrote. Read loosely (a manifest of another version just yields nothing).
 */
async function truncatedOutputs(lines: Lines): Promise<Set<string>> {
  const j = tryJson((await collectText(lines)).text);
  const out = new Set<string>();
  if (!j.ok || !isRecord(j.value) || !Array.isArray(j.value.sources)) return out;
  for (const s of j.value.sources) {
    if (isRecord(s) && s.status === 'truncated' && Array.isArray(s.outputs)) for (const o of s.outputs) if (typeof o === 'string') out.add(o);
  }
  return out;
}
