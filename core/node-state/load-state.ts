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
  const present = ref.manifest.files.filter((f) => f.size > 0).map((f) => f.path);
  return parseNodeState(present, async (path) => streamLines(await store.get(ref.keys.file(path))));
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
    truncated: present.has(COLLECTOR_MANIFEST) ? await truncatedOutputs(await open(COLLECTOR_MANIFEST)) : new Set(),
  };
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
