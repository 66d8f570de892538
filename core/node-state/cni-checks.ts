import { ENA_ALLOWANCE_COUNTERS } from './ethtool.js';
import { ev, type NDraft, type NodeCheck, notChecked, ran } from './finding.js';
import { ipamdExhaustion } from './ipamd-checks.js';
import { STATE_PATHS } from './state.js';
import { ipamdWarmSettings } from './warm-pool-checks.js';

/** conntrack -S drops and failed inserts are packets lost; a table near nf_conntrack_max is about to. */
const conntrack: NodeCheck = {
  name: 'conntrack',
  area: 'network',
  run: (s, t) => {
    if (!s.conntrack) return notChecked('conntrack', STATE_PATHS.conntrack);
    const c = s.conntrack.value;
    const f: NDraft[] = [];
    for (const key of ['drop', 'insert_failed', 'early_drop']) {
      const total = c.totals.get(key) ?? 0;
      const first = c.firstNonZero.get(key);
      if (total > 0 && first) f.push({
        code: 'ConntrackDrops', title: `conntrack ${key} = ${total}`, severity: key === 'insert_failed' ? 'warning' : 'high', category: 'networking',
        message: `conntrack -S reports ${key}=${total} summed over ${c.cpuLines} CPUs: connections were ${key === 'insert_failed' ? 'racing on insert (often UDP DNS)' : 'dropped because the table was full'}.`,
        evidence: [ev(s.conntrack.path, first.line, first.text)],
        remediation: 'Raise net.netfilter.nf_conntrack_max (and the hash size) or cut connection churn; for insert_failed on DNS use single-request-reopen or NodeLocal DNSCache.', sops: ['conntrack-exhaustion'],
      });
    }
    const max = s.sysctl?.value.get('net.netfilter.nf_conntrack_max') ?? s.sysctl?.value.get('net.nf_conntrack_max');
    const countLine = s.sysctl?.value.get('net.netfilter.nf_conntrack_count');
    const count = Math.max(c.entries, Number(countLine?.value ?? 0));
    const maxN = Number(max?.value ?? 0);
    if (max && maxN > 0 && count >= t.conntrack.near_max_ratio * maxN) f.push({
      code: 'ConntrackTableNearFull', title: 'conntrack table near nf_conntrack_max', severity: 'high', category: 'networking',
      message: `${count} tracked connections against nf_conntrack_max ${maxN} (${Math.round((100 * count) / maxN)} %): new connections will be dropped.`,
      evidence: [ev(s.sysctl!.path, max.line, max.text), ...(countLine ? [ev(s.sysctl!.path, countLine.line, countLine.text)] : [])],
      remediation: 'Raise net.netfilter.nf_conntrack_max (kube-proxy --conntrack-min / conntrack.min) or reduce connection churn.', sops: ['conntrack-exhaustion'],
    });
    return ran('conntrack', f, max ? `${count} entries of ${maxN}, no drops` : 'no drops (nf_conntrack_max unknown: sysctls missing)');
  },
};

const env = (s: Parameters<NodeCheck['run']>[0], k: string) => s.env?.value.get(k);

/** ENA *_allowance_exceeded counters count packets the instance's limits shaped away. */
const ENA_CODES: Record<string, string> = {
  bw_in_allowance_exceeded: 'BandwidthInExceeded', bw_out_allowance_exceeded: 'BandwidthOutExceeded', pps_allowance_exceeded: 'PPSExceeded',
  conntrack_allowance_exceeded: 'ConntrackExceeded', linklocal_allowance_exceeded: 'LinkLocalExceeded',
};
const ena: NodeCheck = {
  name: 'ena-allowance',
  area: 'network',
  run: (s) => {
    if (s.ethtool.length === 0) return notChecked('ena-allowance', STATE_PATHS.ethtool);
    const f: NDraft[] = [];
    for (const counter of ENA_ALLOWANCE_COUNTERS) {
      const hits = s.ethtool.flatMap((e) => {
        const v = e.value.get(counter);
        return v && v.value > 0 ? [ev(e.path, v.line, v.text.trim())] : [];
      });
      if (hits.length) f.push({
        code: ENA_CODES[counter]!, title: `ENA ${counter} > 0`, severity: 'warning', category: 'networking',
        message: `${counter} is non-zero on ${hits.length} interface(s): the instance exceeded an ENA allowance and packets were queued or dropped.`,
        evidence: hits.slice(0, 5), remediation: 'Spread the load, use a larger or network-optimised instance type; for conntrack/linklocal allowance cut connection or IMDS/DNS rates.', sops: ['ena-throttling', 'network-performance'],
      });
    }
    return ran('ena-allowance', f);
  },
};

/** The pod MTU (conflist) must not exceed the ENI's; veths still on another MTU were made under an old setting. */
const mtu: NodeCheck = {
  name: 'mtu-consistency',
  area: 'network',
  run: (s) => {
    if (!s.conflist) return notChecked('mtu-consistency', STATE_PATHS.conflist);
    const pod = s.conflist.value.mtu;
    if (pod === null) return { check: 'mtu-consistency', status: 'not-checked', reason: `not checked: ${s.conflist.path} sets no MTU`, findings: [] };
    const links = s.links?.value ?? [];
    // ENIs are eth<N> (AL2) or ens<N> (AL2023, Bottlerocket); the primary is the lowest number
    const enis = links.filter((l) => /^(?:eth|ens)\d+$/.test(l.name)).sort((a, b) => Number(a.name.replace(/\D/g, '')) - Number(b.name.replace(/\D/g, '')));
    const eth0 = enis[0];
    const eniEnv = env(s, 'AWS_VPC_ENI_MTU');
    const prefix = env(s, 'AWS_VPC_K8S_CNI_VETHPREFIX')?.value || 'eni';
    const isVeth = (name: string) => name.startsWith(prefix) && /^[0-9a-f]{6,}$/.test(name.slice(prefix.length));
    const veths = links.filter((l) => isVeth(l.name) && l.mtu !== pod);
    const secondary = eth0 ? enis.slice(1).filter((l) => l.mtu !== eth0.mtu) : [];
    if (!eth0 && !eniEnv && !links.some((l) => isVeth(l.name))) {
      return { check: 'mtu-consistency', status: 'not-checked', reason: `not checked: no ENI or veth MTU to compare with the conflist's ${pod} (${STATE_PATHS.links} missing, AWS_VPC_ENI_MTU unknown)`, findings: [] };
    }
    const enimtu = eth0?.mtu ?? Number(eniEnv?.value);
    const sops = ['mtu-issues'];
    const f: NDraft[] = [];
    if (Number.isFinite(enimtu) && pod > enimtu) f.push({
      code: 'MtuMismatch', title: 'Pod MTU larger than the ENI MTU', severity: 'high', category: 'networking',
      message: `The CNI conflist gives pods MTU ${pod} but the ENI MTU is ${enimtu}: large packets from pods are dropped or fragmented (PMTUD black holes).`,
      evidence: [ev(s.conflist.path, s.conflist.value.mtuLine, `mtu ${pod}`), ...(eth0 ? [ev(s.links!.path, eth0.line, eth0.text)] : [])],
      remediation: 'Set AWS_VPC_ENI_MTU / POD_MTU on aws-node to the ENI MTU (or lower) and recreate the pods.', sops,
    });
    if (eth0 && eniEnv && Number(eniEnv.value) !== eth0.mtu) f.push({
      code: 'EniMtuDrift', title: 'AWS_VPC_ENI_MTU differs from eth0 MTU', severity: 'warning', category: 'networking',
      message: `aws-node is configured with AWS_VPC_ENI_MTU=${eniEnv.value} but ${eth0.name} has MTU ${eth0.mtu}.`,
      evidence: [ev(s.env!.path, eniEnv.line, `AWS_VPC_ENI_MTU=${eniEnv.value}`), ev(s.links!.path, eth0.line, eth0.text)],
      remediation: 'Align AWS_VPC_ENI_MTU with the interface MTU and restart aws-node.', sops,
    });
    if (secondary.length) f.push({
      code: 'SecondaryEniMtuMismatch', title: 'Secondary ENI MTU differs from the primary', severity: 'warning', category: 'networking',
      message: `${secondary.map((l) => `${l.name} mtu ${l.mtu}`).join(', ')} against ${eth0!.name} mtu ${eth0!.mtu}: pods on the secondary ENIs get a path MTU other than the conflist's ${pod}.`,
      evidence: [ev(s.links!.path, eth0!.line, eth0!.text), ...secondary.slice(0, 4).map((l) => ev(s.links!.path, l.line, l.text))],
      remediation: 'Set AWS_VPC_ENI_MTU on aws-node (it applies to every ENI it attaches) and restart it; check user data or networkd drop-ins that set one interface\'s MTU.', sops,
    });
    if (veths.length) f.push({
      code: 'PodVethMtuMismatch', title: 'Pod veths with an MTU other than the conflist MTU', severity: 'warning', category: 'networking',
      message: `${veths.length} pod veth(s) have an MTU other than the conflist's ${pod} (e.g. ${veths[0]!.name} mtu ${veths[0]!.mtu}): pods created before an MTU change.`,
      evidence: veths.slice(0, 5).map((l) => ev(s.links!.path, l.line, l.text)), remediation: 'Recreate the affected pods so their veths take the current MTU.', sops,
    });
    return ran('mtu-consistency', f, `pod MTU ${pod}, ENI MTU ${Number.isFinite(enimtu) ? enimtu : 'unknown'}`);
  },
};

export const CNI_CHECKS: NodeCheck[] = [conntrack, ipamdExhaustion, ipamdWarmSettings, ena, mtu];
