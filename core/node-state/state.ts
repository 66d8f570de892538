import type { ConntrackStats } from './conntrack.js';
import type { CniConflist } from './cni-conflist.js';
import type { DfRow, MountEntry } from './df.js';
import type { EthtoolStats } from './ethtool.js';
import type { IpRule } from './ip-rule.js';
import type { Route } from './ip-route.js';
import type { IpamCheckpoint } from './ipam-checkpoint.js';
import type { IpamdEnis, IpamdPod } from './ipamd.js';
import type { IpamdLog } from './ipamd-log.js';
import type { IptablesSave } from './iptables-save.js';
import type { KubeletConfig } from './kubelet-config.js';
import type { Link } from './links.js';
import type { PsListing } from './ps.js';
import type { ResolvConf } from './resolv-conf.js';
import type { Sysctls } from './sysctl.js';

/** A parsed bundle file and its path (for evidence). */
export interface Parsed<T> {
  path: string;
  value: T;
}

/**
 * The parsed state files of one bundle; a field is undefined when its file is missing or empty,
 * so each check can say "not checked: <file> missing" instead of "ok".
 */
export interface NodeState {
  /** iptables-save, or when the bundle lacks it the per-table `iptables -nvL` listings merged (path = the first) */
  iptables?: Parsed<IptablesSave>;
  routes?: Parsed<Route[]>;
  rules?: Parsed<IpRule[]>;
  conntrack?: Parsed<ConntrackStats>;
  sysctl?: Parsed<Sysctls>;
  enis?: Parsed<IpamdEnis>;
  pods?: Parsed<{ pods: IpamdPod[]; error?: string }>;
  /** aws-node environment from ipamd-env-settings.json and networkutils-env-settings.json */
  env?: Parsed<Map<string, { value: string; line: number; path: string }>>;
  conflist?: Parsed<CniConflist>;
  resolv?: Parsed<ResolvConf>;
  ethtool: Parsed<EthtoolStats>[];
  links?: Parsed<Link[]>;
  mounts?: Parsed<{ mounts: MountEntry[]; df: DfRow[] }>;
  inodes?: Parsed<DfRow[]>;
  kubelet?: Parsed<KubeletConfig>;
  /** system/ps.txt (or ps-threads.txt) */
  ps?: Parsed<PsListing>;
  /** IPAMD's checkpoint /var/run/aws-node/ipam.json as the bundle holds it */
  ipamCheckpoint?: Parsed<IpamCheckpoint>;
  /** ipamd.log and its rotations read oldest first (path = the newest file read); evidence names each line's own file */
  ipamdLog?: Parsed<IpamdLog>;
  /**
   * Files the collector recorded as cut at its size cap (collector-manifest.json): a check must not
   * conclude from them that something is absent.
   */
  truncated?: ReadonlySet<string>;
}

/** The conventional path of each state file, for "missing" reasons when the bundle lacks it. */
export const STATE_PATHS = {
  iptables: 'networking/iptables-save.txt',
  routes: 'networking/iproute.txt',
  rules: 'networking/iprule.txt',
  conntrack: 'networking/conntrack.txt',
  sysctl: 'sysctls/sysctl_all.txt',
  enis: 'ipamd/enis.json',
  pods: 'ipamd/pods.json',
  env: 'ipamd/ipamd-env-settings.json',
  conflist: 'cni/10-aws.conflist',
  resolv: 'networking/resolv.conf',
  ethtool: 'networking/ethtool*.txt',
  links: 'networking/iplink.txt (or ifconfig.txt)',
  mounts: 'storage/mounts.txt',
  inodes: 'storage/inodes.txt',
  kubelet: 'kubelet/config.json',
  iptablesList: 'networking/iptables-nat.txt (iptables -nvL)',
  ps: 'system/ps.txt',
  ipamCheckpoint: 'ipamd/ipam.json (or networking/aws-node-run/ipam.json)',
  ipamdLog: 'var_log/aws-routed-eni/ipamd.log',
} as const;
