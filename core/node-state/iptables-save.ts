import { addChain, addRule, bareAddress, emptyModel, type IptablesSave, portRanges } from './iptables-model.js';
import type { Lines } from './lines.js';

export type { IptBlockRule, IptChain, IptablesSave, IptCounters, IptSnatRule } from './iptables-model.js';

function portsOf(rule: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of rule.matchAll(/--(?:dports?|destination-ports?)\s+(\S+)/g)) out.push(...portRanges(m[1]!));
  return out;
}

const commentOf = (rule: string): string | null => {
  const m = /--comment\s+(?:"((?:[^"\\]|\\.)*)"|(\S+))/.exec(rule);
  return m ? (m[1] ?? m[2] ?? null) : null;
};

/**
 * Parses `iptables-save` output, every line of it (tables, chains, policies, rule counts, kube-proxy
 * state, VPC CNI SNAT rules). `iptables-save -c` lines (`[pkts:bytes] -A …`) give rule counters.
 */
export async function parseIptablesSave(lines: Lines): Promise<IptablesSave> {
  const res = emptyModel('iptables-save');
  let table = '';
  let n = 0;
  for await (const raw of lines) {
    n++;
    let l = raw.trim();
    const counted = /^\[(\d{1,20}):(\d{1,20})\]\s+/.exec(l);
    if (counted) l = l.slice(counted[0].length);
    if (l.startsWith('*')) {
      table = l.slice(1);
      if (!res.tables.has(table)) res.tables.set(table, new Map());
    } else if (l === 'COMMIT') {
      if (table && !res.complete.includes(table)) res.complete.push(table);
    } else if (l.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)/.exec(l);
      if (m) addChain(res, table, m[1]!, m[2] === '-' ? null : m[2]!, n);
    } else if (l.startsWith('-A ')) {
      const m = /^-A\s+(\S+)/.exec(l);
      if (!m) continue;
      const dst = /(?:^|\s)(!\s+)?(?:-d|--destination)\s+(\S+)/.exec(l);
      const to = /--to-source\s+(\S+)/.exec(l);
      addRule(res, {
        table, chain: m[1]!, target: /(?:^|\s)-[jg]\s+(\S+)/.exec(l)?.[1] ?? '', line: n, text: l, ports: portsOf(l), comment: commentOf(l),
        dst: dst?.[2] ?? null, dstNegated: !!dst?.[1], toSource: to ? bareAddress(to[1]!) : null,
        ...(counted ? { counters: { packets: Number(counted[1]), bytes: Number(counted[2]), text: `${counted[1]} packets, ${counted[2]} bytes`, path: '', line: n } } : {}),
      });
    }
  }
  return res;
}
