import { BoundedMap } from '../bounded-map.js';
import { ACK, type Packet, SYN } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, type Cidr, type Finding, inCidrs, parseCidr } from './module.js';

/**
 * VPC CNI SNAT (AWS_VPC_K8S_CNI_EXTERNALSNAT=false): pod traffic to destinations outside the VPC
 * leaves with the node's primary IP as source. HEURISTIC: the same SYN (same destination ip:port and
 * the same initial sequence number, which Linux NAT preserves) captured twice with different source
 * addresses is one connection before and after SNAT. With `podCidrs` the pod side is the address in
 * them; without, the first capture of the SYN is the pre-NAT (pod veth) one. Service-CIDR traffic is
 * DNAT, not SNAT, and is left to the kube-dnat module.
 */
export class VpcSnatModule implements AnalysisModule {
  readonly name = 'vpc-snat';
  snatted = 0;
  private readonly pods: Cidr[];
  private readonly services: Cidr[];
  private readonly syns: BoundedMap<string, string>;
  private readonly byNode = new Map<string, Set<string>>();

  constructor(t: Thresholds) {
    this.pods = t.nat.podCidrs.map(parseCidr);
    this.services = t.nat.serviceCidrs.map(parseCidr);
    this.syns = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    const ip = p.ip;
    const tcp = p.tcp;
    if (!ip || !tcp || ip.v !== 4 || (tcp.flags & (SYN | ACK)) !== SYN || inCidrs(ip.dstN, this.services)) return;
    const key = `${ip.dst}|${tcp.dstPort}|${tcp.seq}`;
    const first = this.syns.get(key);
    if (first === undefined) {
      this.syns.set(key, ip.src);
      return;
    }
    if (first === ip.src) return; // a retransmitted SYN
    let pod = first;
    let node = ip.src;
    if (this.pods.length && inCidrs(ip.srcN, this.pods)) [pod, node] = [ip.src, first];
    this.snatted++;
    const set = this.byNode.get(node) ?? new Set<string>();
    if (set.size < 100) set.add(pod);
    if (this.byNode.size < 1000 || this.byNode.has(node)) this.byNode.set(node, set);
    this.syns.delete(key);
  }

  finish(): Finding[] {
    if (!this.snatted) return [];
    const nodes = [...this.byNode].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([nodeIp, pods]) => ({ nodeIp, pods: [...pods].sort() }));
    return [
      {
        type: 'vpc-cni-snat',
        severity: 'info',
        message: `${this.snatted} pod connections seen leaving SNATed to a node IP (${nodes.map((n) => n.nodeIp).join(', ')}); heuristic: same SYN seen with two sources`,
        evidence: { snatted: this.snatted, nodes: nodes.slice(0, 10) },
      },
    ];
  }

  evictions(): number {
    return this.syns.evictions;
  }
}
