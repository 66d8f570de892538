import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConflist } from './cni-conflist.js';
import { parseConntrack } from './conntrack.js';
import { parseDf, parseMountsTxt } from './df.js';
import { parseEthtool } from './ethtool.js';
import { parseIpRules } from './ip-rule.js';
import { parseIpRoutes } from './ip-route.js';
import { parseIpamdEnis, parseIpamdEnv, parseIpamdPods } from './ipamd.js';
import { parseIpamCheckpoint } from './ipam-checkpoint.js';
import { parseIpamdLog } from './ipamd-log.js';
import { parseIptablesList } from './iptables-list.js';
import { parseIptablesSave } from './iptables-save.js';
import { parseKubeletConfig } from './kubelet-config.js';
import { type Lines, streamLines, textLines } from './lines.js';
import { parseLinks } from './links.js';
import { parsePs } from './ps.js';
import { parseResolvConf } from './resolv-conf.js';
import { parseSysctl } from './sysctl.js';

const PARSERS: [string, (l: Lines) => Promise<unknown>][] = [
  ['iptables-save', parseIptablesSave], ['ip route', parseIpRoutes], ['ip rule', parseIpRules], ['conntrack', parseConntrack],
  ['sysctl', parseSysctl], ['enis', parseIpamdEnis], ['pods', parseIpamdPods], ['env', parseIpamdEnv], ['conflist', parseConflist],
  ['resolv.conf', parseResolvConf], ['ethtool', parseEthtool], ['links', parseLinks], ['df', parseDf], ['mounts', parseMountsTxt], ['kubelet', parseKubeletConfig],
  ['iptables -nvL', (l) => parseIptablesList(l, 'nat', 'networking/iptables-nat.txt')], ['ps', parsePs], ['ipam.json', parseIpamCheckpoint],
  ['ipamd.log', (l) => parseIpamdLog(l, 'var_log/aws-routed-eni/ipamd.log')],
];

// fragments of the real formats, so random input reaches the branches past the first regex
const FRAGMENTS = ['*nat', ':KUBE-SERVICES - [0:0]', '-A KUBE-SERVICES -j KUBE-SVC-X', '--dport 53:', '-j DROP', '--dports 1,2:', '__proto__', 'cpu=0 drop=', '*** Output of conntrack -L ***',
  'src=', 'default via', 'table', 'mtu', '512:\tfrom', 'nameserver', 'options ndots:', ' = ', '{"TotalIPs":', '"IP":"10.0.0.1"', 'on / type xfs (', '%', 'Chain AWS-SNAT-CHAIN-0 (1 references)', ' 12K 3M SNAT all -- * * 0.0.0.0/0 0.0.0.0/0 to:10.0.0.1', 'USER PID STAT RSS COMMAND', ' 2 Z 0 [sh]',
  '{"version":"vpc-cni-ipam/1","allocations":[', '{"containerID":"a","ipv4":"10.0.0.1"}',
  '{"level":"debug","ts":"2024-03-14T09:11:58.123Z","msg":"', 'IP pool stats for network card 0: Total IPs/Prefixes = 28/0, AssignedIPs/CooldownIPs: ', 'IP stats - total IPs: ', 'DataStore has no available IP/Prefix addresses', 'Using WARM_IP_TARGET ', '"}', '\n', '\r\n', '\u0000', '\uFFFD'];
const hostile = fc.array(fc.oneof(fc.string(), fc.constantFrom(...FRAGMENTS), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1'))), { maxLength: 40 }).map((a) => a.join(''));

describe('node-state parsers', () => {
  for (const [name, parse] of PARSERS) {
    it(`${name}: random bytes never throw`, async () => {
      await fc.assert(fc.asyncProperty(hostile, async (text) => {
        await parse(textLines(text));
      }), { numRuns: 300 });
    });
  }

  it('random raw bytes through the stream decoder never throw', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
      for (const [, parse] of PARSERS) await parse(streamLines(Readable.from([Buffer.from(bytes)])));
    }), { numRuns: 50 });
  });

  it('iptables-save: tables, policies, rule counts, kube-proxy chains, SNAT chains, blocking ports', async () => {
    const r = await parseIptablesSave(textLines(['*filter', ':FORWARD DROP [0:0]', '-A FORWARD -p tcp -m multiport --dports 53,10000:10300 -j REJECT', '-A FORWARD -j ACCEPT', 'COMMIT', '*nat', ':KUBE-SERVICES - [0:0]', ':KUBE-SVC-A - [0:0]', ':KUBE-SEP-B - [0:0]', ':AWS-SNAT-CHAIN-0 - [0:0]',
      '-A KUBE-SERVICES -m comment --comment "kube-system/kube-dns:dns cluster IP" -j KUBE-SVC-A', 'COMMIT'].join('\n')));
    expect(r.tables.get('filter')?.get('FORWARD')).toEqual({ policy: 'DROP', line: 2, rules: 2 });
    expect(r.rules).toBe(3);
    expect(r.kube).toMatchObject({ servicesRules: 1, svcChains: 1, sepChains: 1, svcJumps: 1 });
    expect(r.kube.kubeDns[0]!.line).toBe(11);
    expect(r.snatChains).toEqual(['AWS-SNAT-CHAIN-0']);
    expect(r.blockRules[0]).toMatchObject({ chain: 'FORWARD', target: 'REJECT', ports: [[53, 53], [10000, 10300]] });
  });

  it('conntrack -S sums CPUs and -L counts entries (or its trailer)', async () => {
    const r = await parseConntrack(textLines('*** Output of conntrack -S *** \ncpu=0 found=0 invalid=12 insert=0 insert_failed=3 drop=3 early_drop=0 error=0 search_restart=0\ncpu=1 found=1 invalid=0 insert=0 insert_failed=1 drop=0 early_drop=0 error=0 search_restart=0\n*** Output of conntrack -L ***\nconntrack v1.4.6 (conntrack-tools): 1234 flow entries have been shown.\n'));
    expect(Object.fromEntries(r.totals)).toMatchObject({ insert_failed: 4, drop: 3, invalid: 12 });
    expect(r.entries).toBe(1234);
  });

  it('routes, rules, df rows with spaces in the mount point, links from ip link and ifconfig', async () => {
    const routes = await parseIpRoutes(textLines('default via 10.0.0.1 dev eth0 proto dhcp src 10.0.0.5 metric 1024\nbroadcast 10.0.0.255 dev eth0 table local proto kernel scope link src 10.0.0.5\n'));
    expect(routes.map((r) => [r.type, r.dest, r.table, r.dev, r.via])).toEqual([['unicast', 'default', 'main', 'eth0', '10.0.0.1'], ['broadcast', '10.0.0.255', 'local', 'eth0', null]]);
    expect((await parseIpRules(textLines('1536:\tfrom 10.0.37.41 lookup 2\n')))[0]).toMatchObject({ priority: 1536, from: '10.0.37.41', table: '2' });
    expect((await parseDf(textLines('Filesystem Size Used Avail Use% Mounted on\n/dev/x 1G 1G 0 100% /mnt/my disk\n')))[0]).toMatchObject({ usePct: 100, mount: '/mnt/my disk' });
    expect((await parseLinks(textLines('eth1: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 9001\n'))).map((l) => [l.name, l.mtu])).toEqual([['eth1', 9001]]);
  });
});
