/**
 * The one iptables model both parsers fill (iptables-save.ts and iptables-list.ts for `iptables -nvL`),
 * so every check reads the same thing whichever file the bundle has.
 */
export interface IptChain {
  policy: string | null;
  /** 1-based line of the chain declaration (`:CHAIN POLICY [p:b]` or `Chain CHAIN (…)`) */
  line: number;
  rules: number;
  /** file of the declaration, when the model was built from several files (-nvL per table) */
  path?: string;
}

/** Packet/byte counters of a rule as `iptables -nvL` (or `iptables-save -c`) prints them. */
export interface IptCounters {
  packets: number;
  bytes: number;
  /** as printed ("12K packets, 640K bytes"): -nvL rounds large values to K/M/G */
  text: string;
  path: string;
  line: number;
}

interface RuleBase {
  table: string;
  chain: string;
  /** 1-based position of the rule in its chain (both formats list a chain's rules in order) */
  index: number;
  line: number;
  text: string;
  path?: string;
  counters?: IptCounters;
}

/** A DROP/REJECT rule; `ports` are destination ports and ranges it matches ([lo, hi]), empty when it matches any. */
export interface IptBlockRule extends RuleBase {
  target: 'DROP' | 'REJECT';
  ports: [number, number][];
  comment: string | null;
}

/** A rule of a VPC CNI AWS-SNAT-CHAIN-* chain, or a nat POSTROUTING rule jumping to one. */
export interface IptSnatRule extends RuleBase {
  target: string;
  /** destination match (CIDR or address) and whether it is negated (`! -d`) */
  dst: string | null;
  dstNegated: boolean;
  /** SNAT --to-source address (the node's primary IP) */
  toSource: string | null;
}

export interface IptablesSave {
  /** table -> chain -> declaration and rule count */
  tables: Map<string, Map<string, IptChain>>;
  rules: number;
  kube: {
    /** rules in nat KUBE-SERVICES */
    servicesRules: number;
    /** KUBE-SVC-* / KUBE-SVL-* chains declared in nat */
    svcChains: number;
    sepChains: number;
    /** rules in KUBE-SERVICES jumping to a KUBE-SVC-/KUBE-SVL- chain */
    svcJumps: number;
    /** first nat rules naming kube-system/kube-dns (the cluster DNS DNAT path) */
    kubeDns: { line: number; text: string; path?: string }[];
  };
  snatChains: string[];
  /** AWS-SNAT-CHAIN-* rules and POSTROUTING jumps to them, the first MAX_SNAT_RULES */
  snatRules: IptSnatRule[];
  /** DROP/REJECT rules, the first MAX_BLOCK_RULES of them */
  blockRules: IptBlockRule[];
  /**
   * Tables known to be read whole: iptables-save tables that reached COMMIT; -nvL tables where every
   * chain a rule jumps to is listed. A check that concludes "missing" looks here first.
   */
  complete: string[];
  source: 'iptables-save' | 'iptables -nvL';
}

const MAX_BLOCK_RULES = 2000;
const MAX_KUBE_DNS = 5;
const MAX_SNAT_RULES = 500;

export const emptyModel = (source: IptablesSave['source']): IptablesSave => ({
  tables: new Map(), rules: 0, kube: { servicesRules: 0, svcChains: 0, sepChains: 0, svcJumps: 0, kubeDns: [] },
  snatChains: [], snatRules: [], blockRules: [], complete: [], source,
});

export interface RuleFacts {
  table: string;
  chain: string;
  target: string;
  line: number;
  text: string;
  path?: string;
  ports: [number, number][];
  comment: string | null;
  dst: string | null;
  dstNegated: boolean;
  toSource: string | null;
  counters?: IptCounters;
}

/** Declares a chain once (the first declaration wins), counting kube-proxy and VPC CNI chains. */
export function addChain(m: IptablesSave, table: string, name: string, policy: string | null, line: number, path?: string): void {
  let chains = m.tables.get(table);
  if (!chains) m.tables.set(table, (chains = new Map()));
  if (chains.has(name)) return;
  chains.set(name, { policy, line, rules: 0, ...(path ? { path } : {}) });
  if (table === 'nat' && /^KUBE-SV[CL]-/.test(name)) m.kube.svcChains++;
  if (table === 'nat' && name.startsWith('KUBE-SEP-')) m.kube.sepChains++;
  if (name.startsWith('AWS-SNAT-CHAIN-') && !m.snatChains.includes(name)) m.snatChains.push(name);
}

/** Adds one rule to the model: counts, kube-proxy state, DROP/REJECT and AWS-SNAT rules. */
export function addRule(m: IptablesSave, r: RuleFacts): void {
  let chains = m.tables.get(r.table);
  if (!chains) m.tables.set(r.table, (chains = new Map()));
  m.rules++;
  let c = chains.get(r.chain);
  if (c) c.rules++;
  else chains.set(r.chain, (c = { policy: null, line: r.line, rules: 1, ...(r.path ? { path: r.path } : {}) }));
  const base = { table: r.table, chain: r.chain, index: c.rules, line: r.line, text: r.text, ...(r.path ? { path: r.path } : {}), ...(r.counters ? { counters: r.counters } : {}) };
  if (r.table === 'nat' && r.chain === 'KUBE-SERVICES') {
    m.kube.servicesRules++;
    if (/^KUBE-SV[CL]-/.test(r.target)) m.kube.svcJumps++;
  }
  if (r.table === 'nat' && m.kube.kubeDns.length < MAX_KUBE_DNS && r.text.includes('kube-system/kube-dns')) m.kube.kubeDns.push({ line: r.line, text: r.text, ...(r.path ? { path: r.path } : {}) });
  if ((r.target === 'DROP' || r.target === 'REJECT') && m.blockRules.length < MAX_BLOCK_RULES) {
    m.blockRules.push({ ...base, target: r.target, ports: r.ports, comment: r.comment });
  }
  const snat = r.chain.startsWith('AWS-SNAT-CHAIN-') || (r.chain === 'POSTROUTING' && r.target.startsWith('AWS-SNAT-CHAIN-'));
  if (r.table === 'nat' && snat && m.snatRules.length < MAX_SNAT_RULES) {
    m.snatRules.push({ ...base, target: r.target, dst: r.dst, dstNegated: r.dstNegated, toSource: r.toSource });
  }
}

/** A port list as both formats print it ("53", "1000:2000", "53,443,10000:10300") into ranges. */
export function portRanges(list: string): [number, number][] {
  const out: [number, number][] = [];
  for (const part of list.split(',')) {
    const r = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(part);
    if (r) out.push([Number(r[1]), Number(r[2] ?? r[1])]);
  }
  return out;
}

/** The address of `--to-source 10.0.1.5[-10.0.1.9][:port]` / `to:10.0.1.5:1024-65535`. */
export const bareAddress = (v: string): string => v.replace(/[-:].*$/, '');
