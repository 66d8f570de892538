import { BoundedMap } from '../bounded-map.js';
import { ACK, type Packet, SYN } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, type Cidr, endpoint, type Finding, type FinishContext, inCidrs, parseCidr } from './module.js';

/**
 * kube-proxy DNAT, seen from a node capture (`-i any`): a pod's SYN to a ClusterIP is captured on its
 * veth before DNAT and again on the way out after it, with the same source ip:port and the same
 * initial sequence number (NAT keeps both), but a backend pod IP as destination. UDP (DNS to kube-dns)
 * is matched the same way on source ip:port and DNS id. Service SYNs never seen translated nor
 * answered point at missing kube-proxy rules (or a hostNetwork client, translated before capture).
 */
export class KubeDnatModule implements AnalysisModule {
  readonly name = 'kube-dnat';
  translated = 0;
  private readonly cidrs: Cidr[];
  private readonly seen: BoundedMap<string, { dst: string; dport: number; toService: boolean }>;
  private readonly backends = new Map<string, Set<string>>();
  private readonly serviceFlows: BoundedMap<string, { svc: string; ok: boolean }>;
  private readonly untranslatedWarn: number;

  constructor(t: Thresholds) {
    this.untranslatedWarn = t.nat.untranslatedPerServiceWarn;
    this.cidrs = t.nat.serviceCidrs.map(parseCidr);
    this.seen = new BoundedMap(t.limits.maxFlows);
    this.serviceFlows = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    const ip = p.ip;
    if (!ip || ip.v !== 4 || !this.cidrs.length) return;
    let identity: string | undefined;
    let dport = 0;
    if (p.tcp) {
      const fromSvc = inCidrs(ip.srcN, this.cidrs);
      if ((p.tcp.flags & (SYN | ACK)) === (SYN | ACK) && fromSvc) {
        // the reply, un-NATed back to the ClusterIP: the service answered
        const f = this.serviceFlows.get(`${ip.dst}|${p.tcp.dstPort}|${ip.src}|${p.tcp.srcPort}`);
        if (f) f.ok = true;
        return;
      }
      if ((p.tcp.flags & (SYN | ACK)) !== SYN) return;
      identity = `t|${ip.src}|${p.tcp.srcPort}|${p.tcp.seq}`;
      dport = p.tcp.dstPort;
    } else if (p.udp && p.dns && !p.dns.response) {
      identity = `u|${ip.src}|${p.udp.srcPort}|${p.dns.id}`;
      dport = p.udp.dstPort;
    }
    if (!identity) return;
    const toService = inCidrs(ip.dstN, this.cidrs) !== undefined;
    const prev = this.seen.get(identity);
    if (!prev) {
      this.seen.set(identity, { dst: ip.dst, dport, toService });
      if (toService && p.tcp) this.serviceFlows.set(`${ip.src}|${p.tcp.srcPort}|${ip.dst}|${dport}`, { svc: endpoint(ip.dst, dport), ok: false });
      return;
    }
    if (prev.dst === ip.dst || !prev.toService || toService) return; // a retransmission, or not service -> backend
    this.translated++;
    const svc = endpoint(prev.dst, prev.dport);
    const set = this.backends.get(svc) ?? new Set<string>();
    if (set.size < 100) set.add(endpoint(ip.dst, dport));
    if (this.backends.size < 10_000 || this.backends.has(svc)) this.backends.set(svc, set);
    if (p.tcp) {
      const f = this.serviceFlows.get(`${ip.src}|${p.tcp.srcPort}|${prev.dst}|${prev.dport}`);
      if (f) f.ok = true;
    }
  }

  finish(): Finding[] {
    const out: Finding[] = [];
    if (this.translated) {
      const services = [...this.backends].sort((a, b) => (a[0] < b[0] ? -1 : 1)).slice(0, 20).map(([svc, b]) => ({ service: svc, backends: [...b].sort() }));
      out.push({ type: 'kube-proxy-dnat', severity: 'info', message: `kube-proxy DNAT seen for ${this.backends.size} services (${this.translated} connections translated)`, evidence: { translated: this.translated, services } });
    }
    const stuck = new Map<string, number>();
    for (const f of this.serviceFlows.values()) if (!f.ok) stuck.set(f.svc, (stuck.get(f.svc) ?? 0) + 1);
    const list = [...stuck].filter(([, n]) => n >= this.untranslatedWarn).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    if (list.length)
      out.push({
        type: 'kube-service-untranslated',
        severity: 'warning',
        message: `connections to ${list.length} service IPs were neither seen translated nor answered (kube-proxy rules missing, or no ready endpoints)`,
        evidence: { services: list.slice(0, 10).map(([service, connections]) => ({ service, connections })) },
      });
    return out;
  }

  evictions(): number {
    return this.seen.evictions + this.serviceFlows.evictions;
  }
}
