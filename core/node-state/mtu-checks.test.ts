import { describe, expect, it } from 'vitest';
import { checkFiles, withFiles } from '../../test/fixtures/node-state-files.js';
import { textLines } from './lines.js';
import { parseLinks } from './links.js';

/** `ip -details -statistics link show` as the collector runs it (networking/iplink.txt). */
const IP_D_S_LINK = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
  '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535',
  '    RX:  bytes packets errors dropped  missed   mcast',
  '      81234567   51234      0       0       0       0',
  '    TX:  bytes packets errors dropped carrier collsns',
  '      81234567   51234      0       0       0       0',
  '2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP mode DEFAULT group default qlen 1000',
  '    link/ether 0a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 128 maxmtu 9216 addrgenmode eui64 numtxqueues 2 numrxqueues 2 gso_max_size 65536 gso_max_segs 65535 parentbus pci parentdev 0000:00:05.0',
  '    altname enp0s5',
  '    RX:  bytes packets errors dropped  missed   mcast',
  '    9876543210 7654321      0       0       0       0',
  '3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc mq state UP mode DEFAULT group default qlen 1000',
  '    link/ether 0a:1b:2c:3d:4e:60 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 128 maxmtu 9216 addrgenmode eui64 numtxqueues 2 numrxqueues 2',
  '5: eni1a2b3c4d5e6@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP mode DEFAULT group default',
  '    link/ether 7e:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff link-netns cni-3f2e9c1d-7a6b-5e4f-3f2e-9c1d7a6b5e4f promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535',
  '    veth addrgenmode eui64 numtxqueues 2 numrxqueues 2 gso_max_size 65536 gso_max_segs 65535',
  '6: eni9f8e7d6c5b4@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001 qdisc noqueue state UP mode DEFAULT group default',
  '    link/ether 7e:11:22:33:44:66 brd ff:ff:ff:ff:ff:ff link-netns cni-aaaa promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535',
  '',
].join('\n');

/** eks-log-collector.sh's `ifconfig` (networking/ifconfig.txt) on an AL2023 node (ens5). */
const IFCONFIG = [
  'ens5: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 9001',
  '        inet 10.0.37.112  netmask 255.255.224.0  broadcast 10.0.63.255',
  '        ether 0a:1b:2c:3d:4e:5f  txqueuelen 1000  (Ethernet)',
  '',
  'eni1a2b3c4d5e6: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500',
  '        ether 7e:11:22:33:44:55  txqueuelen 0  (Ethernet)',
  '',
  'lo: flags=73<UP,LOOPBACK,RUNNING>  mtu 65536',
  '',
].join('\n');

const codes = async (over: Record<string, string | null>) => (await checkFiles(withFiles(over))).findings.map((f) => f.code);

describe('MTU check on the collector\'s ip link file', () => {
  it('parses every interface of `ip -d -s link show`, not the detail and counter lines', async () => {
    expect((await parseLinks(textLines(IP_D_S_LINK))).map((l) => [l.name, l.mtu, l.line])).toEqual([
      ['lo', 65536, 1], ['eth0', 9001, 7], ['eth1', 9001, 12], ['eni1a2b3c4d5e6', 9001, 14], ['eni9f8e7d6c5b4', 9001, 17],
    ]);
  });

  it('consistent ENI, secondary ENI, conflist and veth MTUs: no finding', async () => {
    expect(await codes({ 'networking/iplink.txt': IP_D_S_LINK })).toEqual([]);
  });

  it('eth0 below the conflist MTU; a secondary ENI on another MTU; a pod veth on another MTU', async () => {
    const small = IP_D_S_LINK.replace('eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001', 'eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500');
    const r = await checkFiles(withFiles({ 'networking/iplink.txt': small }));
    expect(r.findings.map((f) => f.code)).toEqual(['MtuMismatch', 'EniMtuDrift', 'SecondaryEniMtuMismatch']);
    expect(r.findings[0]!.evidence).toEqual([{ path: 'cni/10-aws.conflist', line: 7, text: 'mtu 9001' }, { path: 'networking/iplink.txt', line: 7, text: small.split('\n')[6] }]);
    expect(await codes({ 'networking/iplink.txt': IP_D_S_LINK.replace('eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001', 'eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500') })).toEqual(['SecondaryEniMtuMismatch']);
    const veth = await checkFiles(withFiles({ 'networking/iplink.txt': IP_D_S_LINK.replace('eni9f8e7d6c5b4@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9001', 'eni9f8e7d6c5b4@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500') }));
    expect(veth.findings.map((f) => [f.code, f.evidence[0]!.line])).toEqual([['PodVethMtuMismatch', 17]]);
  });

  it('ifconfig (eks-log-collector.sh) with ens5 names when the ip link file is missing', async () => {
    expect(await codes({ 'networking/iplink.txt': null, 'networking/ifconfig.txt': IFCONFIG })).toEqual(['PodVethMtuMismatch']);
  });

  it('a cut ip link file compares what it has, and garbage gives "not checked" without the env MTU', async () => {
    expect(await codes({ 'networking/iplink.txt': IP_D_S_LINK.slice(0, IP_D_S_LINK.indexOf('3: eth1')) })).toEqual([]);
    const r = await checkFiles(withFiles({ 'networking/iplink.txt': '\u0000garbage mtu\n', 'ipamd/ipamd-env-settings.json': '{}', 'ipamd/networkutils-env-settings.json': '{}' }));
    expect(r.checked.find((c) => c.check === 'mtu-consistency')).toMatchObject({ status: 'not-checked' });
  });
});
