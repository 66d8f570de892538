import type { BundleRef } from '../query/bundle-ref.js';
import type { BundleStore } from '../store/bundle-store.js';
import { parseConflist } from './cni-conflist.js';
import { parseConntrack } from './conntrack.js';
import { parseDf, parseMountsTxt } from './df.js';
import { parseEthtool } from './ethtool.js';
import { parseIpRules } from './ip-rule.js';
import { parseIpRoutes } from './ip-route.js';
import { parseIpamdEnis, parseIpamdEnv, parseIpamdPods } from './ipamd.js';
import { parseIptablesSave } from './iptables-save.js';
import { parseKubeletConfig } from './kubelet-config.js';
import { type Lines, streamLines } from './lines.js';
import { parseLinks } from './links.js';
import { parseResolvConf } from './resolv-conf.js';
import type { NodeState, Parsed } from './state.js';
import { parseSysctl } from './sysctl.js';

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
  const ethtool: Parsed<Awaited<ReturnType<typeof parseEthtool>>>[] = [];
  for (const p of all.filter((x) => /^networking\/ethtool[^/]*\.txt$/.test(x))) ethtool.push((await one(p, parseEthtool))!);
  return {
    iptables: await one('networking/iptables-save.txt', parseIptablesSave),
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
  };
}
