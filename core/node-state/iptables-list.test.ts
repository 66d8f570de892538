import { describe, expect, it } from 'vitest';
import { checkFiles, HEALTHY, withFiles } from '../../test/fixtures/node-state-files.js';
import { counterValue, parseIptablesList } from './iptables-list.js';
import { parseIptablesSave } from './iptables-save.js';
import { textLines } from './lines.js';

/** `iptables --wait 5 -t nat -nvL` on a VPC CNI node (kube-proxy in iptables mode), as the collector writes it. */
export const NAT_LIST = [
  'Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  ' 2210  133K KUBE-SERVICES  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes service portals */',
  '  847 50820 AWS-CONNMARK-CHAIN-0  all  --  eni+   *       0.0.0.0/0            0.0.0.0/0            /* AWS, outbound connections */',
  '    0     0 CONNMARK   all  --  eth0   *       0.0.0.0/0            0.0.0.0/0            /* AWS, CONNMARK */ CONNMARK restore mask 0x80',
  '',
  'Chain INPUT (policy ACCEPT 0 packets, 0 bytes)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '',
  'Chain OUTPUT (policy ACCEPT 12 packets, 720 bytes)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  ' 9402  564K KUBE-SERVICES  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes service portals */',
  '',
  'Chain POSTROUTING (policy ACCEPT 12 packets, 720 bytes)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  ' 9821  589K KUBE-POSTROUTING  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes postrouting rules */',
  ' 4690  281K AWS-SNAT-CHAIN-0  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* AWS SNAT CHAIN */',
  '',
  'Chain AWS-CONNMARK-CHAIN-0 (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '  812 48720 RETURN     all  --  *      *       0.0.0.0/0            10.0.0.0/16          /* AWS CONNMARK CHAIN, VPC CIDR */',
  '   35  2100 CONNMARK   all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* AWS, CONNMARK */ CONNMARK or 0x80',
  '',
  'Chain AWS-SNAT-CHAIN-0 (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  ' 4521  271K RETURN     all  --  *      *       0.0.0.0/0            10.0.0.0/16          /* AWS SNAT CHAIN */',
  '  169 10140 SNAT       all  --  *      !vlan+  0.0.0.0/0            0.0.0.0/0            /* AWS, SNAT */ ADDRTYPE match dst-type !LOCAL to:10.0.37.112 random-fully',
  '',
  'Chain KUBE-MARK-MASQ (2 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '    0     0 MARK       all  --  *      *       0.0.0.0/0            0.0.0.0/0            MARK or 0x4000',
  '',
  'Chain KUBE-NODEPORTS (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '',
  'Chain KUBE-POSTROUTING (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  ' 9821  589K RETURN     all  --  *      *       0.0.0.0/0            0.0.0.0/0            mark match ! 0x4000/0x4000',
  '    0     0 MARK       all  --  *      *       0.0.0.0/0            0.0.0.0/0            MARK xor 0x4000',
  '    0     0 MASQUERADE  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes service traffic requiring SNAT */ random-fully',
  '',
  'Chain KUBE-SEP-AAAAAAAAAAAAAAAA (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '    0     0 KUBE-MARK-MASQ  all  --  *      *       10.0.12.9            0.0.0.0/0            /* default/kubernetes:https */',
  '   14   840 DNAT       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            /* default/kubernetes:https */ tcp to:10.0.12.9:443',
  '',
  'Chain KUBE-SEP-BBBBBBBBBBBBBBBB (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '  301 22345 DNAT       udp  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kube-system/kube-dns:dns */ udp to:10.0.37.41:53',
  '',
  'Chain KUBE-SERVICES (2 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '    0     0 KUBE-SVC-NPX46M4PTMTKRN6Y  tcp  --  *      *       0.0.0.0/0            172.20.0.1           /* default/kubernetes:https cluster IP */ tcp dpt:443',
  '    0     0 KUBE-SVC-TCOU7JCQXEZGVUNU  udp  --  *      *       0.0.0.0/0            172.20.0.10          /* kube-system/kube-dns:dns cluster IP */ udp dpt:53',
  ' 1024 61440 KUBE-NODEPORTS  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes service nodeports; NOTE: this must be the last rule in this chain */ ADDRTYPE match dst-type LOCAL',
  '',
  'Chain KUBE-SVC-NPX46M4PTMTKRN6Y (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '   14   840 KUBE-SEP-AAAAAAAAAAAAAAAA  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* default/kubernetes:https -> 10.0.12.9:443 */',
  '',
  'Chain KUBE-SVC-TCOU7JCQXEZGVUNU (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '  301 22345 KUBE-SEP-BBBBBBBBBBBBBBBB  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kube-system/kube-dns:dns -> 10.0.37.41:53 */',
  '',
].join('\n');

/** `iptables -t filter -nvL` with a DROP on DNS that matched traffic and a REJECT on 443/6443 that did not; large counters in K/M. */
export const FILTER_LIST = [
  'Chain INPUT (policy ACCEPT 1843K packets, 2101M bytes)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '1843K 2101M KUBE-FIREWALL  all  --  *      *       0.0.0.0/0            0.0.0.0/0           ',
  '  312 18720 DROP       udp  --  *      *       0.0.0.0/0            0.0.0.0/0            udp dpt:53',
  '   77  4620            all  --  eth0   *       0.0.0.0/0            0.0.0.0/0           ',
  '',
  'Chain FORWARD (policy DROP 0 packets, 0 bytes)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '',
  'Chain OUTPUT (policy ACCEPT 1790K packets, 512M bytes)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '    0     0 REJECT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports 443,6443 reject-with tcp-reset',
  '',
  'Chain KUBE-FIREWALL (1 references)',
  ' pkts bytes target     prot opt in     out     source               destination         ',
  '    0     0 DROP       all  --  *      *      !127.0.0.0/8          127.0.0.0/8          /* block incoming localnet connections */ ! ctstate RELATED,ESTABLISHED,DNAT',
  '',
].join('\n');

/** The filter listing of a healthy node: FORWARD ACCEPT, no DROP/REJECT on a critical port. */
const HEALTHY_FILTER = FILTER_LIST.replace('policy DROP', 'policy ACCEPT').split('\n').filter((l) => !/dpt:53|dports 443/.test(l)).join('\n');

/** The bundle as our collector writes it when iptables-save is missing (failed, or not installed). */
const listsOnly = (over: Record<string, string | null> = {}) =>
  withFiles({ 'networking/iptables-save.txt': null, 'networking/iptables-nat.txt': NAT_LIST, 'networking/iptables-filter.txt': HEALTHY_FILTER, ...over });

describe('iptables -nvL parser', () => {
  it('reads chains, policies, rules, targets, ports and counters (K/M rounded values)', async () => {
    const m = await parseIptablesList(textLines(FILTER_LIST), 'filter', 'networking/iptables-filter.txt');
    const filter = m.tables.get('filter')!;
    expect([...filter.keys()]).toEqual(['INPUT', 'FORWARD', 'OUTPUT', 'KUBE-FIREWALL']);
    expect(filter.get('FORWARD')).toEqual({ policy: 'DROP', line: 7, rules: 0, path: 'networking/iptables-filter.txt' });
    expect(filter.get('INPUT')!.rules).toBe(3); // the counting rule without a target is a rule too
    expect(m.blockRules.map((r) => [r.chain, r.index, r.target, r.ports, r.counters?.packets])).toEqual([
      ['INPUT', 2, 'DROP', [[53, 53]], 312], ['OUTPUT', 1, 'REJECT', [[443, 443], [6443, 6443]], 0], ['KUBE-FIREWALL', 1, 'DROP', [], 0],
    ]);
    expect(m.blockRules[0]!.counters).toEqual({ packets: 312, bytes: 18720, text: '312 packets, 18720 bytes', path: 'networking/iptables-filter.txt', line: 4 });
    expect(m.blockRules[2]!.comment).toBe('block incoming localnet connections');
    expect(m.complete).toEqual(['filter']);
    expect(counterValue('1843K')).toBe(1_843_000);
    expect(counterValue('2101M')).toBe(2_101_000_000);
    expect(counterValue('12x')).toBeNull();
  });

  it('gives the nat listing the same model as iptables-save: kube-proxy state, AWS-SNAT rules', async () => {
    const listed = await parseIptablesList(textLines(NAT_LIST), 'nat', 'networking/iptables-nat.txt');
    const saved = await parseIptablesSave(textLines(HEALTHY['networking/iptables-save.txt']!));
    expect(listed.kube).toMatchObject({ svcChains: 2, sepChains: 2, svcJumps: 2 });
    expect(listed.kube.svcChains).toBe(saved.kube.svcChains);
    expect(listed.kube.kubeDns.length).toBeGreaterThan(0);
    expect(listed.snatChains).toEqual(['AWS-SNAT-CHAIN-0']);
    expect(listed.snatRules.map((r) => [r.chain, r.target, r.dst, r.dstNegated, r.toSource])).toEqual([
      ['POSTROUTING', 'AWS-SNAT-CHAIN-0', '0.0.0.0/0', false, null],
      ['AWS-SNAT-CHAIN-0', 'RETURN', '10.0.0.0/16', false, null],
      ['AWS-SNAT-CHAIN-0', 'SNAT', '0.0.0.0/0', false, '10.0.37.112'],
    ]);
    expect(listed.complete).toEqual(['nat']);
  });

  it('a listing cut before the chains its rules jump to is not "complete"; eks-log-collector.sh\'s footer marks a whole one', async () => {
    const cut = NAT_LIST.slice(0, NAT_LIST.indexOf('Chain AWS-CONNMARK-CHAIN-0'));
    expect((await parseIptablesList(textLines(cut), 'nat', 'p')).complete).toEqual([]);
    const footer = `${NAT_LIST}=======\nTotal Number of Rules: 21\n`;
    expect((await parseIptablesList(textLines(footer), 'nat', 'p')).complete).toEqual(['nat']);
  });

  it('garbled text: no rules, nothing complete, no throw', async () => {
    const m = await parseIptablesList(textLines('Chain\n pkts bytes\n12 34 ACCEPT\n\u0000\u0001 -- * *\nrandom words here that are eight tokens long ok\n'), 'nat', 'p');
    expect(m.rules).toBe(0);
    expect(m.complete).toEqual([]);
  });
});

describe('checks on -nvL listings (no iptables-save in the bundle)', () => {
  it('a healthy node read from the listings yields no finding; evidence points into each table\'s file', async () => {
    const r = await checkFiles(listsOnly());
    expect(r.findings).toEqual([]);
    const st = (c: string) => r.checked.find((x) => x.check === c)?.status;
    expect([st('kube-proxy-sync'), st('iptables-forward-policy'), st('iptables-blocked-ports'), st('vpc-cni-snat')]).toEqual(['ok', 'ok', 'ok', 'ok']);
    const fwd = await checkFiles(listsOnly({ 'networking/iptables-filter.txt': HEALTHY_FILTER.replace('Chain FORWARD (policy ACCEPT', 'Chain FORWARD (policy DROP') }));
    expect(fwd.findings.map((f) => [f.code, f.evidence[0]])).toEqual([['ForwardPolicyDrop', { path: 'networking/iptables-filter.txt', line: 6, text: ':FORWARD DROP' }]]);
  });

  it('DROP/REJECT on a critical port is reported with its counters; one that matched packets is critical', async () => {
    const r = await checkFiles(listsOnly({ 'networking/iptables-filter.txt': FILTER_LIST.replace('policy DROP', 'policy ACCEPT') }));
    expect(r.findings.map((f) => [f.code, f.severity, f.title])).toEqual([
      ['IptablesBlocksPort', 'critical', 'iptables DROP rule on port 53 matched 312 packets'],
      ['IptablesBlocksPort', 'high', 'iptables REJECT rule on port 443'],
      ['IptablesBlocksPort', 'high', 'iptables REJECT rule on port 6443'],
    ]);
    expect(r.findings[0]!.message).toContain('filter/INPUT 312 packets, 18720 bytes');
    expect(r.findings[0]!.evidence[0]).toEqual({ path: 'networking/iptables-filter.txt', line: 4, text: '312 18720 DROP       udp  --  *      *       0.0.0.0/0            0.0.0.0/0            udp dpt:53' });
    expect(r.findings[1]!.message).toContain('their counters are 0 so far');
  });

  it('with iptables-save AND the listings, save rules get the counters of the same rule in the listing', async () => {
    const save = HEALTHY['networking/iptables-save.txt']!.replace('-A INPUT -j KUBE-FIREWALL', '-A INPUT -j KUBE-FIREWALL\n-A INPUT -p udp -m udp --dport 53 -j DROP');
    const r = await checkFiles(withFiles({ 'networking/iptables-save.txt': save, 'networking/iptables-filter.txt': FILTER_LIST.replace('policy DROP', 'policy ACCEPT'), 'networking/iptables-nat.txt': NAT_LIST }));
    const f = r.findings.find((x) => x.title.includes('port 53'))!;
    expect(f.severity).toBe('critical');
    expect(f.evidence.map((e) => e.path)).toEqual(['networking/iptables-save.txt', 'networking/iptables-filter.txt']);
    // a rule at that position with another target is a different rule: no counters borrowed
    const other = save.replace('-A INPUT -p udp -m udp --dport 53 -j DROP', '-A INPUT -p udp -m udp --dport 53 -j REJECT');
    const r2 = await checkFiles(withFiles({ 'networking/iptables-save.txt': other, 'networking/iptables-filter.txt': FILTER_LIST }));
    expect(r2.findings.find((x) => x.title.includes('port 53'))!.severity).toBe('high');
  });

  it('a nat listing cut short yields "not checked" for kube-proxy and SNAT, never "missing"', async () => {
    const cut = NAT_LIST.slice(0, NAT_LIST.indexOf('Chain AWS-CONNMARK-CHAIN-0'));
    const r = await checkFiles(listsOnly({ 'networking/iptables-nat.txt': cut }));
    expect(r.findings).toEqual([]);
    expect(r.checked.find((c) => c.check === 'vpc-cni-snat')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('not read whole') });
    expect(r.checked.find((c) => c.check === 'kube-proxy-sync')).toMatchObject({ status: 'not-checked' });
  });
});
