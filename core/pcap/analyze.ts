import { BurstsModule } from './analysis/bursts.js';
import { ConnRefusedModule } from './analysis/conn-refused.js';
import { ConntrackModule } from './analysis/conntrack.js';
import { CorednsTransientsModule } from './analysis/coredns-transients.js';
import { DnsModule } from './analysis/dns.js';
import { IcmpModule } from './analysis/icmp.js';
import { KeepaliveModule } from './analysis/keepalive.js';
import { KubeDnatModule } from './analysis/kube-dnat.js';
import { type AnalysisModule, type Severity } from './analysis/module.js';
import { MtuModule } from './analysis/mtu.js';
import { RetransmissionModule } from './analysis/retransmissions.js';
import { SynFloodModule } from './analysis/syn-flood.js';
import { TcpRstModule } from './analysis/tcp-rst.js';
import { type Talker, TopTalkersModule } from './analysis/top-talkers.js';
import { VpcSnatModule } from './analysis/vpc-snat.js';
import { ZeroWindowModule } from './analysis/zero-window.js';
import { readCapture } from './capture-reader.js';
import { decodeFrame } from './decode/decode.js';
import { decodeDns } from './decode/dns.js';
import { LINKTYPE_NAMES } from './decode/link.js';
import { ACK, type DnsInfo, type Packet, RST, SYN } from './decode/packet.js';
import { Ipv4Defrag, TcpDnsStreams } from './reassembly.js';
import { defaultThresholds, type ThresholdOverrides, withOverrides } from './thresholds.js';

/** The capture is not something we can read at all (wrong magic, empty, corrupt lengths up front). */
export class PcapFormatError extends Error {}

export interface AnalyzeOptions {
  thresholds?: ThresholdOverrides;
  /** shorthands for thresholds.nat */
  serviceCidrs?: string[];
  podCidrs?: string[];
}

export interface Anomaly {
  id: string;
  type: string;
  severity: Severity;
  message: string;
  evidence: Record<string, unknown>;
}

export interface PcapAnalysis {
  format: 'pcap' | 'pcapng';
  packets: number;
  undecodable: number;
  /** per link-type name (LINKTYPE_<n> for the ones we do not decode) */
  linkTypes: Record<string, number>;
  durationSeconds: number;
  start: string | null;
  end: string | null;
  truncated: { records: number; bytes: number };
  dns: {
    queries: number;
    responses: number;
    unanswered: number;
    pendingAtEnd: number;
    rcodes: Record<string, number>;
    latencyMs: { p50: number | null; p95: number | null };
    nxdomainSearchExpansion: number;
    errorNames: { name: string; rcodes: Record<string, number> }[];
  };
  tcp: { syn: number; synAck: number; rst: number; retransmissions: number; zeroWindow: number; refused: number; keepalives: number };
  icmp: { fragNeeded: number; unreachable: number; echo: number };
  topTalkers: Talker[];
  anomalies: Anomaly[];
  /** entries dropped from bounded per-flow tables, per module (memory stays fixed on huge captures) */
  evictions: Record<string, number>;
  warnings: string[];
}

/**
 * Streams a pcap/pcapng capture through the decoders and every analysis module, packet by packet.
 * Memory is bounded by the largest record plus the capped module tables, not by the capture size.
 */
export async function analyzePcap(source: AsyncIterable<Buffer | string>, opts: AnalyzeOptions = {}): Promise<PcapAnalysis> {
  const o = opts.thresholds ?? {};
  const t = withOverrides(defaultThresholds(), { ...o, nat: { ...o.nat, ...(opts.serviceCidrs && { serviceCidrs: opts.serviceCidrs }), ...(opts.podCidrs && { podCidrs: opts.podCidrs }) } });
  const dns = new DnsModule(t);
  const rst = new TcpRstModule(t);
  const refused = new ConnRefusedModule(t);
  const retrans = new RetransmissionModule(t);
  const zw = new ZeroWindowModule();
  const ka = new KeepaliveModule(t);
  const icmp = new IcmpModule();
  const talkers = new TopTalkersModule(t);
  // the order of this list is the order of anomaly ids
  const coredns = new CorednsTransientsModule(dns);
  const synFlood = new SynFloodModule(t);
  const kubeDnat = new KubeDnatModule(t);
  const vpcSnat = new VpcSnatModule(t);
  const mtu = new MtuModule(t);
  const conntrack = new ConntrackModule(t);
  const bursts = new BurstsModule();
  const modules: AnalysisModule[] = [dns, coredns, rst, refused, synFlood, retrans, zw, ka, icmp, kubeDnat, vpcSnat, mtu, conntrack, bursts, talkers];

  const defrag = new Ipv4Defrag(t.reassembly);
  const tcpDns = new TcpDnsStreams(t.reassembly);
  /** DNS messages that only exist once reassembled, to the DNS module (the frames themselves went to every module) */
  const dnsOf = (p: Packet, dnsInfo: DnsInfo | null): void => {
    if (dnsInfo) dns.onPacket({ ...p, dns: dnsInfo });
  };
  const tryDns = (b: Buffer, off: number, end: number): DnsInfo | null => {
    try {
      return decodeDns(b, off, end);
    } catch {
      return null; // a malformed message inside a reassembled payload: the frames were counted already
    }
  };

  let packets = 0;
  let undecodable = 0;
  let syn = 0;
  let synAck = 0;
  let rstCount = 0;
  let start = Infinity;
  let end = -Infinity;
  const linkTypes = new Map<number, number>();
  const stats = await readCapture(source, (linkType, ts, data, wireLen) => {
    packets++;
    linkTypes.set(linkType, (linkTypes.get(linkType) ?? 0) + 1);
    if (ts < start) start = ts;
    if (ts > end) end = ts;
    const { packet, error, fragment, tcpPayload } = decodeFrame(linkType, ts, data, wireLen);
    if (error) undecodable++;
    if (fragment) {
      const ip = packet.ip!;
      const whole = defrag.add(`${ip.src}|${ip.dst}|${fragment.id}`, ts, fragment.offset, fragment.more, data.subarray(fragment.start, fragment.end));
      if (whole && whole.length >= 8) {
        const sp = whole.readUInt16BE(0);
        const dp = whole.readUInt16BE(2);
        const udpLen = Math.min(Math.max(whole.readUInt16BE(4), 8), whole.length);
        if (sp === 53 || dp === 53) dnsOf({ ...packet, ip: { ...ip, fragment: false, laterFragment: false }, udp: { srcPort: sp, dstPort: dp, payloadLen: udpLen - 8 } }, tryDns(whole, 8, udpLen));
      }
    } else if (tcpPayload && packet.ip && packet.tcp) {
      const { ip, tcp } = packet;
      for (const m of tcpDns.segment(`${ip.src}|${tcp.srcPort}|${ip.dst}|${tcp.dstPort}`, tcp, data.subarray(tcpPayload.start, tcpPayload.end))) dnsOf(packet, tryDns(m, 0, m.length));
    }
    const tcp = packet.tcp;
    if (tcp) {
      if (tcp.flags & SYN) tcp.flags & ACK ? synAck++ : syn++;
      if (tcp.flags & RST) rstCount++;
    }
    // the same order as `modules`, spelled out: one monomorphic call site per module
    dns.onPacket(packet);
    coredns.onPacket(packet);
    rst.onPacket(packet);
    refused.onPacket(packet);
    synFlood.onPacket(packet);
    retrans.onPacket(packet);
    zw.onPacket(packet);
    ka.onPacket(packet);
    icmp.onPacket(packet);
    kubeDnat.onPacket(packet);
    vpcSnat.onPacket(packet);
    mtu.onPacket(packet);
    conntrack.onPacket(packet);
    bursts.onPacket(packet);
    talkers.onPacket(packet);
  });
  if (stats.fatal && (stats.format === 'unknown' || (stats.fatal.kind !== 'length' && packets === 0))) throw new PcapFormatError(stats.fatal.message);
  if (stats.format === 'unknown') throw new PcapFormatError('not a pcap or pcapng file');
  const warnings = [...stats.warnings];
  if (stats.fatal) warnings.push(`stopped early: ${stats.fatal.message}`);
  if (packets === 0) start = end = 0;

  const ctx = { t, start, end };
  const findings = modules.flatMap((m) => m.finish(ctx));
  const anomalies = findings.map((f, i) => ({ id: `P-${String(i + 1).padStart(3, '0')}`, ...f }));
  if (stats.truncatedBytes > 0 || stats.badRecords > 0)
    anomalies.push({ id: `P-${String(anomalies.length + 1).padStart(3, '0')}`, type: 'capture-truncated', severity: 'info', message: `capture has ${stats.badRecords} unreadable records (${stats.truncatedBytes} bytes truncated at the end)`, evidence: { badRecords: stats.badRecords, truncatedBytes: stats.truncatedBytes } });
  const iso = (s: number) => (packets ? new Date(s * 1000).toISOString() : null);
  return {
    format: stats.format,
    packets,
    // records the container could not deliver are undecodable too (they are not in `packets`)
    undecodable: undecodable + stats.badRecords,
    linkTypes: Object.fromEntries([...linkTypes].sort((a, b) => a[0] - b[0]).map(([lt, n]) => [LINKTYPE_NAMES[lt] ?? `LINKTYPE_${lt}`, n])),
    durationSeconds: Math.round((end - start) * 1e6) / 1e6,
    start: iso(start),
    end: iso(end),
    truncated: { records: stats.badRecords, bytes: stats.truncatedBytes },
    dns: {
      queries: dns.queries,
      responses: dns.responses,
      unanswered: dns.unanswered,
      pendingAtEnd: dns.pendingAtEnd,
      rcodes: dns.rcodes,
      latencyMs: dns.latencyMs(),
      nxdomainSearchExpansion: dns.searchExpansion,
      errorNames: dns.errorNames(10),
    },
    tcp: { syn, synAck, rst: rstCount, retransmissions: retrans.retransmissions, zeroWindow: zw.zeroWindow, refused: refused.refused, keepalives: ka.keepalives },
    icmp: { fragNeeded: icmp.fragNeeded, unreachable: icmp.unreachable, echo: icmp.echo },
    topTalkers: talkers.top(),
    anomalies,
    // reassembly gives up on datagrams/streams (timeout, caps, gaps) rather than evicting table rows; reported alike
    evictions: Object.fromEntries([...modules.map((m) => [m.name, m.evictions()] as const), ['ip-defrag', defrag.dropped + defrag.pending] as const, ['tcp-dns', tcpDns.dropped] as const].filter(([, n]) => n)),
    warnings,
  };
}
