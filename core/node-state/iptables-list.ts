import { addChain, addRule, bareAddress, emptyModel, type IptablesSave, portRanges } from './iptables-model.js';
import type { Lines } from './lines.js';

/** Targets that are not chains: a rule jumping to anything else needs that chain listed in the same output. */
const BUILTIN_TARGETS = new Set([
  '', 'ACCEPT', 'DROP', 'REJECT', 'RETURN', 'QUEUE', 'LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP',
  'CT', 'NOTRACK', 'TPROXY', 'CHECKSUM', 'TCPMSS', 'CLASSIFY', 'DSCP', 'TOS', 'TTL', 'HL', 'NFQUEUE', 'AUDIT', 'SET', 'TRACE', 'CLUSTERIP', 'TEE',
  'LED', 'SECMARK', 'CONNSECMARK', 'IDLETIMER', 'RATEEST', 'SYNPROXY', 'HMARK', 'TCPOPTSTRIP', 'ECN',
]);

const BUILTIN_CHAINS: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

const UNITS: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** A -nvL counter: iptables prints values above 99999 rounded to K/M/G/T (powers of 1000). */
export function counterValue(s: string): number | null {
  const m = /^(\d{1,20})([KMGTP]?)$/.exec(s);
  return m ? Number(m[1]) * UNITS[m[2]!]! : null;
}

/** The `opt` column: `--`, or a fragment match (`-f`, `!f`). */
const OPT = /^(?:--|-f|!f)$/;

/** Destination ports of the match text after the address columns: `tcp dpt:53`, `dpts:1000:2000`, `multiport dports 53,443`. */
function portsOf(rest: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of rest.matchAll(/(?:^|\s)dpts?:(\d{1,5}(?::\d{1,5})?)(?=\s|$)/g)) out.push(...portRanges(m[1]!));
  for (const m of rest.matchAll(/multiport dports (\S+)/g)) out.push(...portRanges(m[1]!));
  return out;
}

/**
 * Parses one table of `iptables -t <table> -nvL` (what eks-log-collector.sh and our collector write
 * when iptables-save is not there too): `Chain X (policy P n packets, m bytes)` / `Chain X (n references)`
 * headers, then ` pkts bytes target prot opt in out source destination [matches]` rows with counters.
 * Into the same model as iptables-save, every rule keeping its counters.
 */
export async function parseIptablesList(lines: Lines, table: string, path: string): Promise<IptablesSave> {
  const res = emptyModel('iptables -nvL');
  let chain = '';
  let n = 0;
  const jumps = new Set<string>();
  let footer = false;
  for await (const raw of lines) {
    n++;
    // eks-log-collector.sh appends "=======\nTotal Number of Rules: N" after the listing ended
    if (/^Total Number of Rules: \d+$/.test(raw.trim())) footer = true;
    const head = /^Chain\s+(\S+)\s+\((?:policy\s+(\S+)\s+(\d+[KMGTP]?)\s+packets,\s+(\d+[KMGTP]?)\s+bytes|(\d+)\s+references?)\)/.exec(raw);
    if (head) {
      chain = head[1]!;
      addChain(res, table, chain, head[2] ?? null, n, path);
      continue;
    }
    if (!chain) continue;
    const t = raw.trim().split(/\s+/);
    if (t[0] === 'pkts' || t.length < 8) continue; // the column header, a blank line, a cut line
    const packets = counterValue(t[0]!);
    const bytes = counterValue(t[1]!);
    if (packets === null || bytes === null) continue;
    // an empty target column (a counting rule) shifts the rest left by one
    const hasTarget = OPT.test(t[4] ?? '') && !OPT.test(t[3] ?? '');
    const at = hasTarget ? 3 : 2;
    if (!OPT.test(t[at + 1] ?? '') || t.length < at + 6) continue;
    const target = hasTarget ? t[2]! : '';
    const dstCol = t[at + 5]!;
    const rest = t.slice(at + 6).join(' ');
    const to = /(?:^|\s)to:(\S+)/.exec(rest);
    jumps.add(target);
    addRule(res, {
      table, chain, target, line: n, text: raw.trim(), path, ports: portsOf(rest), comment: /\/\*\s(.*?)\s\*\//.exec(rest)?.[1] ?? null,
      dst: dstCol.replace(/^!/, ''), dstNegated: dstCol.startsWith('!'), toSource: to ? bareAddress(to[1]!) : null,
      counters: { packets, bytes, text: `${t[0]} packets, ${t[1]} bytes`, path, line: n },
    });
  }
  const chains = res.tables.get(table);
  // a listing cut short (size cap, killed command) loses chains at its end: every chain a rule
  // jumps to, and every built-in chain, must be there for "absent" to mean absent
  const resolved = !!chains && (BUILTIN_CHAINS[table] ?? []).every((c) => chains.has(c)) && [...jumps].every((j) => BUILTIN_TARGETS.has(j) || chains.has(j));
  const whole = !!chains && (footer || resolved);
  if (whole) res.complete.push(table);
  return res;
}

/** Several per-table listings as one model (the fallback when iptables-save is missing). */
export function mergeModels(parts: IptablesSave[]): IptablesSave {
  const res = emptyModel('iptables -nvL');
  for (const p of parts) {
    for (const [t, chains] of p.tables) {
      const into = res.tables.get(t) ?? new Map();
      res.tables.set(t, into);
      for (const [name, c] of chains) if (!into.has(name)) into.set(name, c);
    }
    res.rules += p.rules;
    for (const k of ['servicesRules', 'svcChains', 'sepChains', 'svcJumps'] as const) res.kube[k] += p.kube[k];
    res.kube.kubeDns.push(...p.kube.kubeDns.slice(0, 5 - res.kube.kubeDns.length));
    for (const c of p.snatChains) if (!res.snatChains.includes(c)) res.snatChains.push(c);
    res.snatRules.push(...p.snatRules);
    res.blockRules.push(...p.blockRules);
    res.complete.push(...p.complete.filter((t) => !res.complete.includes(t)));
  }
  return res;
}

/**
 * Gives iptables-save's DROP/REJECT and SNAT rules the counters of the same rule in the -nvL listings:
 * same table, chain and position in the chain, and the same target (and ports) as a guard against
 * the rules having changed between the two commands.
 */
export function attachCounters(save: IptablesSave, listed: IptablesSave): void {
  const key = (r: { table: string; chain: string; index: number }) => `${r.table}\u0000${r.chain}\u0000${r.index}`;
  const block = new Map(listed.blockRules.map((r) => [key(r), r]));
  const same = (a: [number, number][], b: [number, number][]) => a.length === b.length && a.every((x, i) => x[0] === b[i]![0] && x[1] === b[i]![1]);
  for (const r of save.blockRules) {
    const l = block.get(key(r));
    if (l && l.target === r.target && same(l.ports, r.ports) && l.counters && !r.counters) r.counters = l.counters;
  }
  const snat = new Map(listed.snatRules.map((r) => [key(r), r]));
  for (const r of save.snatRules) {
    const l = snat.get(key(r));
    if (l && l.target === r.target && l.counters && !r.counters) r.counters = l.counters;
  }
}
