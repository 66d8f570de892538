import type { Lines } from './lines.js';

export interface IptChain {
  policy: string | null;
  /** 1-based line of the `:CHAIN POLICY [p:b]` declaration */
  line: number;
  rules: number;
}

/** A DROP/REJECT rule; `ports` are destination ports and ranges it matches ([lo, hi]), empty when it matches any. */
export interface IptBlockRule {
  table: string;
  chain: string;
  line: number;
  text: string;
  target: 'DROP' | 'REJECT';
  ports: [number, number][];
  comment: string | null;
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
    kubeDns: { line: number; text: string }[];
  };
  snatChains: string[];
  /** DROP/REJECT rules, the first MAX_BLOCK_RULES of them */
  blockRules: IptBlockRule[];
}

const MAX_BLOCK_RULES = 2000;
const MAX_KUBE_DNS = 5;

function portsOf(rule: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of rule.matchAll(/--(?:dports?|destination-ports?)\s+(\S+)/g)) {
    for (const part of m[1]!.split(',')) {
      const r = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(part);
      if (r) out.push([Number(r[1]), Number(r[2] ?? r[1])]);
    }
  }
  return out;
}

const commentOf = (rule: string): string | null => {
  const m = /--comment\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(rule);
  return m ? (m[1] ?? m[2] ?? null) : null;
};

/** Parses `iptables-save` output, every line of it (tables, chains, policies, rule counts, kube-proxy state). */
export async function parseIptablesSave(lines: Lines): Promise<IptablesSave> {
  const res: IptablesSave = { tables: new Map(), rules: 0, kube: { servicesRules: 0, svcChains: 0, sepChains: 0, svcJumps: 0, kubeDns: [] }, snatChains: [], blockRules: [] };
  let table = '';
  let chains = new Map<string, IptChain>();
  let n = 0;
  for await (const raw of lines) {
    n++;
    const l = raw.trim();
    if (l.startsWith('*')) {
      table = l.slice(1);
      chains = res.tables.get(table) ?? new Map();
      res.tables.set(table, chains);
    } else if (l.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)/.exec(l);
      if (!m) continue;
      const name = m[1]!;
      if (!chains.has(name)) chains.set(name, { policy: m[2] === '-' ? null : m[2]!, line: n, rules: 0 });
      if (table === 'nat' && /^KUBE-SV[CL]-/.test(name)) res.kube.svcChains++;
      if (table === 'nat' && name.startsWith('KUBE-SEP-')) res.kube.sepChains++;
      if (name.startsWith('AWS-SNAT-CHAIN-') && !res.snatChains.includes(name)) res.snatChains.push(name);
    } else if (l.startsWith('-A ')) {
      const m = /^-A\s+(\S+)/.exec(l);
      if (!m) continue;
      const chain = m[1]!;
      res.rules++;
      const c = chains.get(chain);
      if (c) c.rules++;
      else chains.set(chain, { policy: null, line: n, rules: 1 });
      const target = /(?:^|\s)-[jg]\s+(\S+)/.exec(l)?.[1] ?? '';
      if (table === 'nat' && chain === 'KUBE-SERVICES') {
        res.kube.servicesRules++;
        if (/^KUBE-SV[CL]-/.test(target)) res.kube.svcJumps++;
      }
      if (table === 'nat' && res.kube.kubeDns.length < MAX_KUBE_DNS && l.includes('kube-system/kube-dns')) res.kube.kubeDns.push({ line: n, text: l });
      if ((target === 'DROP' || target === 'REJECT') && res.blockRules.length < MAX_BLOCK_RULES) {
        res.blockRules.push({ table, chain, line: n, text: l, target, ports: portsOf(l), comment: commentOf(l) });
      }
    }
  }
  return res;
}
