// Hand-written: no maintained npm library streams pcapng + SLL2 with bounded memory (npm view: pcap-parser 0.2.1 is classic pcap only; pcap-ng-parser has one release, 1.0.0 of 2024-12; pcapng-parser is not published).
import { decodeDns } from './dns.js';
import { decodeIpv4, decodeIpv6, type L3Result } from './ip.js';
import { decodeLink } from './link.js';
import { Malformed, type Packet } from './packet.js';
import { decodeIcmp, decodeTcp, decodeUdp } from './transport.js';

export interface Decoded {
  packet: Packet;
  /** a layer we tried to decode was malformed (what decoded before it is still in `packet`) */
  error?: string;
  /**
   * An IPv4 fragment of a UDP datagram: its place in the datagram and where its bytes are in the
   * frame, for reassembly (DNS answers larger than the path MTU arrive this way).
   */
  fragment?: { id: number; offset: number; more: boolean; start: number; end: number };
  /** where the payload of a TCP/53 segment is in the frame, for DNS-over-TCP reassembly */
  tcpPayload?: { start: number; end: number };
}

/**
 * Decodes one frame as deep as it goes. Never throws: a malformed layer ends the walk and is
 * reported in `error`, so the frame still counts for the layers that did decode.
 */
export function decodeFrame(linkType: number, ts: number, data: Buffer, wireLen: number): Decoded {
  // every field present from the start: all packets share one hidden class (monomorphic module code)
  const packet: Packet = { ts, wireLen, linkType, vlans: [], ip: undefined, tcp: undefined, udp: undefined, icmp: undefined, dns: undefined, fk: undefined, rk: undefined };
  try {
    const l2 = decodeLink(linkType, data);
    packet.vlans = l2.vlans;
    let r: L3Result;
    if (l2.etherType === 0x0800) r = decodeIpv4(data, l2.offset);
    else if (l2.etherType === 0x86dd) r = decodeIpv6(data, l2.offset);
    else return { packet }; // ARP, LLDP, ...: decodable, just not IP
    packet.ip = r.ip;
    if (r.ip.fragment && r.ip.v === 4 && r.ip.proto === 17) {
      const flags = data.readUInt16BE(l2.offset + 6);
      const fragment = { id: data.readUInt16BE(l2.offset + 4), offset: (flags & 0x1fff) * 8, more: (flags & 0x2000) !== 0, start: r.l4, end: r.end };
      // the first fragment still shows its UDP header (ports) to the modules; DNS waits for the whole datagram
      if (!r.ip.laterFragment) packet.udp = decodeUdp(data, r.l4, r.end);
      return { packet, fragment };
    }
    if (r.ip.laterFragment) return { packet }; // no transport header in a later fragment
    const v = r.ip.v;
    switch (r.ip.proto) {
      case 6: {
        const t = (packet.tcp = decodeTcp(data, r.l4, r.end));
        if ((t.srcPort === 53 || t.dstPort === 53) && !r.ip.fragment) return { packet, tcpPayload: { start: r.end - t.payloadLen, end: r.end } };
        break;
      }
      case 17: {
        const u = (packet.udp = decodeUdp(data, r.l4, r.end));
        // DNS over UDP/53 only (mDNS/LLMNR use other ports and are not cluster DNS)
        if ((u.srcPort === 53 || u.dstPort === 53) && !r.ip.fragment) packet.dns = decodeDns(data, r.l4 + 8, r.l4 + 8 + u.payloadLen);
        break;
      }
      case 1:
        if (v === 4) packet.icmp = decodeIcmp(data, r.l4, r.end, 4);
        break;
      case 58:
        if (v === 6) packet.icmp = decodeIcmp(data, r.l4, r.end, 6);
        break;
      default:
    }
    return { packet };
  } catch (e) {
    if (e instanceof Malformed) return { packet, error: e.message };
    // a decoder bug must not stop the analysis of the rest of the capture
    return { packet, error: `decoder error: ${(e as Error).message}` };
  }
}
