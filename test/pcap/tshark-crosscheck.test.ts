import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzePcap, type PcapAnalysis } from '../../core/pcap/analyze.js';
import { knownScenario } from '../helpers/pcap-scenario.js';
import { ether, pcapFile, pcapngFile, sll2 } from '../helpers/pcap-synth.js';

/**
 * Our counts must EQUAL tshark's on captures with known content (written here, no network needed):
 * Ethernet pcap, SLL2 pcap (what `tcpdump -i any` writes; big-endian, nanoseconds) and a pcapng with
 * both link types on two interfaces.
 *
 * Retransmissions: tshark's tcp.analysis.retransmission also flags a retransmitted SYN (sequence
 * space without payload), and it flags data already acknowledged as spurious_retransmission (this
 * tshark also sets retransmission on it). Our definition is "same 5-tuple, same seq, same payload
 * length > 0", so the exact tshark equivalent is
 * (tcp.analysis.retransmission || tcp.analysis.spurious_retransmission) && tcp.len > 0.
 */
const root = resolve(import.meta.dirname, '../..');
const COMPARISONS: [string, string, (r: PcapAnalysis) => number][] = [
  ['DNS queries', 'dns.flags.response==0', (r) => r.dns.queries],
  ['DNS responses', 'dns.flags.response==1', (r) => r.dns.responses],
  ['NOERROR', 'dns.flags.response==1 && dns.flags.rcode==0', (r) => r.dns.rcodes.NOERROR ?? 0],
  ['NXDOMAIN', 'dns.flags.response==1 && dns.flags.rcode==3', (r) => r.dns.rcodes.NXDOMAIN ?? 0],
  ['SERVFAIL', 'dns.flags.response==1 && dns.flags.rcode==2', (r) => r.dns.rcodes.SERVFAIL ?? 0],
  ['REFUSED', 'dns.flags.response==1 && dns.flags.rcode==5', (r) => r.dns.rcodes.REFUSED ?? 0],
  ['SYN', 'tcp.flags.syn==1 && tcp.flags.ack==0', (r) => r.tcp.syn],
  ['SYN-ACK', 'tcp.flags.syn==1 && tcp.flags.ack==1', (r) => r.tcp.synAck],
  ['RST', 'tcp.flags.reset==1', (r) => r.tcp.rst],
  ['retransmissions', '(tcp.analysis.retransmission || tcp.analysis.spurious_retransmission) && tcp.len > 0', (r) => r.tcp.retransmissions],
  ['zero window', 'tcp.analysis.zero_window', (r) => r.tcp.zeroWindow],
  ['keep-alive', 'tcp.analysis.keep_alive', (r) => r.tcp.keepalives],
  ['ICMP frag-needed', '(icmp.type==3 && icmp.code==4) || icmpv6.type==2', (r) => r.icmp.fragNeeded],
  ['ICMP unreachable', 'icmp.type==3 || icmpv6.type==1', (r) => r.icmp.unreachable],
  ['ICMP echo', 'icmp.type==0 || icmp.type==8 || icmpv6.type==128 || icmpv6.type==129', (r) => r.icmp.echo],
  ['frames', 'frame', (r) => r.packets],
  ['malformed', '_ws.malformed', (r) => r.undecodable],
];

const tsharkCount = (file: string, filter: string): number =>
  execFileSync('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter(Boolean).length;

describe('pcap analysis equals tshark', () => {
  let dir = '';
  const files: Record<string, string> = {};
  beforeAll(async () => {
    execFileSync('bash', [join(root, 'scripts/setup-pcap-tools.sh')], { stdio: 'inherit' });
    dir = await mkdtemp(join(tmpdir(), 'pcap-xcheck-'));
    const { packets } = knownScenario();
    const eth = (p: (typeof packets)[number]) => ether(p.ip, p.v6 ? 0x86dd : 0x0800);
    const sl2 = (p: (typeof packets)[number]) => sll2(p.ip, p.v6 ? 0x86dd : 0x0800);
    const captures: Record<string, Buffer> = {
      'ethernet.pcap': pcapFile(1, packets.map((p) => ({ ts: p.ts, data: eth(p) }))),
      'sll2-ns-be.pcap': pcapFile(276, packets.map((p) => ({ ts: p.ts, data: sl2(p) })), { nano: true, le: false }),
      'mixed.pcapng': pcapngFile([1, 276], packets.map((p, i) => ({ ts: p.ts, iface: i % 2, data: i % 2 ? sl2(p) : eth(p) }))),
    };
    for (const [name, buf] of Object.entries(captures)) await writeFile((files[name] = join(dir, name)), buf);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['ethernet.pcap', 'sll2-ns-be.pcap', 'mixed.pcapng'])
    it(name, async () => {
      const r = await analyzePcap(createReadStream(files[name]!, { highWaterMark: 333 }));
      const rows = COMPARISONS.map(([what, filter, ours]) => ({ what, filter, ours: ours(r), tshark: tsharkCount(files[name]!, filter) }));
      console.log(`${name}\n${rows.map((x) => `  ${x.what.padEnd(17)} ours ${String(x.ours).padStart(3)}  tshark ${String(x.tshark).padStart(3)}  ${x.filter}`).join('\n')}`);
      expect(rows.filter((x) => x.ours !== x.tshark)).toEqual([]);
      expect(r.tcp.retransmissions).toBeGreaterThan(0); // the comparison is not vacuous
    });
});
