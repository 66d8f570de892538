import { describe, expect, it } from 'vitest';
import { checkFiles, HEALTHY, withFiles } from '../../test/fixtures/node-state-files.js';

const codes = async (over: Record<string, string | null>) => (await checkFiles(withFiles(over))).findings.map((f) => f.code);
const status = async (over: Record<string, string | null>, check: string) => (await checkFiles(withFiles(over))).checked.find((c) => c.check === check);
const ipt = (edit: (s: string) => string) => ({ 'networking/iptables-save.txt': edit(HEALTHY['networking/iptables-save.txt']!) });
const sysctl = (extra: string) => ({ 'sysctls/sysctl_all.txt': extra + HEALTHY['sysctls/sysctl_all.txt']! });

describe('network checks', () => {
  it('a healthy node yields no finding and every check ran ok', async () => {
    const r = await checkFiles({ ...HEALTHY });
    expect(r.findings).toEqual([]);
    expect(r.checked.filter((c) => c.status !== 'ok')).toEqual([]);
  });

  it('FORWARD policy DROP', async () => {
    expect(await codes(ipt((s) => s.replace(':FORWARD ACCEPT', ':FORWARD DROP')))).toEqual(['ForwardPolicyDrop']);
  });

  it('kube-proxy not syncing: KUBE-SERVICES without KUBE-SVC chains', async () => {
    const r = await checkFiles(withFiles(ipt((s) => s.split('\n').filter((l) => !l.includes('KUBE-SVC-') && !l.includes('KUBE-SEP-')).join('\n'))));
    expect(r.findings.map((f) => [f.id, f.code, f.severity])).toEqual([['N-001', 'KubeProxyNotSyncing', 'critical']]);
    expect(r.findings[0]!.evidence[0]).toMatchObject({ path: 'networking/iptables-save.txt', line: 17 });
  });

  it('no kube-dns DNAT while other services are programmed', async () => {
    expect(await codes(ipt((s) => s.split('\n').filter((l) => !l.includes('kube-dns')).join('\n')))).toEqual(['KubeDnsDnatMissing']);
  });

  it('no KUBE-SERVICES chain at all', async () => {
    expect(await codes(ipt((s) => s.split('\n').filter((l) => !l.includes('KUBE-SERVICES')).join('\n')))).toEqual(['KubeProxyNoServicesChain']);
  });

  it('DROP/REJECT on 53, 443, 6443, 10250 (but not kube-proxy "no endpoints" REJECTs)', async () => {
    const add = ['-A INPUT -p udp -m udp --dport 53 -j DROP', '-A OUTPUT -p tcp -m multiport --dports 443,6443 -j REJECT --reject-with tcp-reset', '-A INPUT -p tcp -m tcp --dport 10000:10300 -j DROP'];
    const r = await checkFiles(withFiles(ipt((s) => s.replace('-A INPUT -j KUBE-FIREWALL', ['-A INPUT -j KUBE-FIREWALL', ...add].join('\n')))));
    expect(r.findings.map((f) => f.title)).toEqual(['iptables DROP rule on port 53', 'iptables REJECT rule on port 443', 'iptables REJECT rule on port 6443', 'iptables DROP rule on port 10250']);
    expect(r.findings[0]!.evidence[0]!.text).toBe(add[0]);
  });

  it('missing default route', async () => {
    expect(await codes({ 'networking/iproute.txt': HEALTHY['networking/iproute.txt']!.replace(/^default via 10.0.32.1 dev eth0\n/, '') })).toEqual(['NoDefaultRoute']);
  });

  it('pod IP without its ip rule, and without its host route', async () => {
    const r = await checkFiles(withFiles({ 'networking/iprule.txt': '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n' }));
    expect(r.findings.map((f) => f.code)).toEqual(['PodRouteMissing']);
    expect(r.findings[0]!.message).toMatch(/shop\/web-1 10\.0\.37\.41 \(no rule\)/);
    expect(await codes({ 'networking/iproute.txt': HEALTHY['networking/iproute.txt']!.replace('10.0.37.41 dev eni1a2b3c4d5e6 scope link\n', '') })).toEqual(['PodRouteMissing']);
  });

  it('net.ipv4.ip_forward = 0', async () => {
    expect(await codes({ 'sysctls/sysctl_all.txt': HEALTHY['sysctls/sysctl_all.txt']!.replace('ip_forward = 1', 'ip_forward = 0') })).toEqual(['IpForwardDisabled']);
  });

  it('strict rp_filter on a secondary ENI (eth0 strict is not flagged)', async () => {
    const r = await checkFiles(withFiles(sysctl('net.ipv4.conf.eth2.rp_filter = 1\nnet.ipv4.conf.eth0.rp_filter = 1\n')));
    expect(r.findings.map((f) => f.title)).toEqual(['Strict reverse-path filtering on eth2']);
  });

  it('conntrack drop and insert_failed > 0, and a table near nf_conntrack_max', async () => {
    const ct = HEALTHY['networking/conntrack.txt']!.replace('insert_failed=0 drop=0', 'insert_failed=3 drop=7');
    const r = await checkFiles(withFiles({ 'networking/conntrack.txt': ct }));
    expect(r.findings.map((f) => f.title)).toEqual(['conntrack drop = 7', 'conntrack insert_failed = 3']);
    expect(r.findings[0]!.evidence[0]!.line).toBe(2);
    expect(await codes(sysctl('net.netfilter.nf_conntrack_count = 250000\n'))).toEqual(['ConntrackTableNearFull']);
  });

  it('IPAMD IP exhaustion, warm pool short of WARM_IP_TARGET, total below MINIMUM_IP_TARGET', async () => {
    expect(await codes({ 'ipamd/enis.json': JSON.stringify({ TotalIPs: 29, AssignedIPs: 29, ENIs: {} }) })).toEqual(['IPAMDNoIPs']);
    expect(await codes({ 'ipamd/enis.json': JSON.stringify({ TotalIPs: 29, AssignedIPs: 27 }) })).toEqual(['IpamdWarmPoolShort']);
    expect(await codes({ 'ipamd/ipamd-env-settings.json': JSON.stringify({ MINIMUM_IP_TARGET: '40' }) })).toEqual(['IpamdBelowMinimumTarget']);
  });

  it('ENA allowance exceeded counters', async () => {
    const r = await checkFiles(withFiles({ 'networking/ethtool-eth1.txt': 'NIC statistics:\n     pps_allowance_exceeded: 12\n     bw_in_allowance_exceeded: 3\n' }));
    expect(r.findings.map((f) => f.code)).toEqual(['BandwidthInExceeded', 'PPSExceeded']);
    expect(r.findings[1]!.evidence).toEqual([{ path: 'networking/ethtool-eth1.txt', line: 2, text: 'pps_allowance_exceeded: 12' }]);
  });

  it('MTU: pod MTU above the ENI MTU, env drift, stale veths', async () => {
    const link = HEALTHY['networking/iplink.txt']!;
    expect(await codes({ 'networking/iplink.txt': link.replace('eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001', 'eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500') }))
      .toEqual(['MtuMismatch', 'EniMtuDrift']);
    expect(await codes({ 'networking/iplink.txt': link.replace('@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001', '@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500') })).toEqual(['PodVethMtuMismatch']);
  });

  it('resolv.conf: no nameserver, more than 6 search domains, ndots note', async () => {
    expect(await codes({ 'networking/resolv.conf': 'search ec2.internal\n' })).toEqual(['ResolvConfNoNameserver']);
    expect(await codes({ 'networking/resolv.conf': 'search a b c d e f g\nnameserver 10.0.0.2\noptions ndots:5\n' })).toEqual(['ResolvConfTooManySearchDomains', 'ResolvConfHighNdots']);
  });

  it('a missing input file is "not checked: <file> missing", never ok', async () => {
    expect(await status({ 'networking/iptables-save.txt': null }, 'kube-proxy-sync')).toEqual({ check: 'kube-proxy-sync', area: 'network', status: 'not-checked', reason: 'not checked: networking/iptables-save.txt missing' });
    const none = await checkFiles({});
    expect(none.findings).toEqual([]);
    expect(none.checked.every((c) => c.status === 'not-checked' && /^not checked: /.test(c.reason ?? ''))).toBe(true);
  });
});
