import { execFileSync } from 'node:child_process';
import type { PcapAnalysis } from '../../core/pcap/analyze.js';

/**
 * Our pcap counts and the tshark display filter that must count the same frames, shared by the
 * synthetic cross-check (test/pcap) and the real `tcpdump -i any` capture (test/integration).
 *
 * Retransmissions: tshark's tcp.analysis.retransmission also flags a retransmitted SYN (sequence
 * space without payload), and it flags data already acknowledged as spurious_retransmission (this
 * tshark also sets retransmission on it). Our definition is "same 5-tuple, same seq, same payload
 * length > 0", so the exact tshark equivalent is
 * (tcp.analysis.retransmission || tcp.analysis.spurious_retransmission) && tcp.len > 0.
 */
export const TSHARK_COMPARISONS: [string, string, (r: PcapAnalysis) => number][] = [
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

/** Frames of `file` that match a tshark display filter. */
export const tsharkCount = (file: string, filter: string): number =>
  execFileSync('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n')
    .filter(Boolean).length;

/** Each comparison as ours vs tshark's on one file (for an equality assertion and a printed table). */
export function compareWithTshark(file: string, r: PcapAnalysis, only?: readonly string[]) {
  return TSHARK_COMPARISONS.filter(([what]) => !only || only.includes(what)).map(([what, filter, ours]) => ({ what, filter, ours: ours(r), tshark: tsharkCount(file, filter) }));
}
