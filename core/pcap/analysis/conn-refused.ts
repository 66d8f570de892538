import { BoundedMap } from '../bounded-map.js';
import { ACK, type Packet, RST, SYN } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, bump, endpoint, type Finding, type FinishContext, fwdKey, revKey, topCounts } from './module.js';

/** Connection refused: a SYN answered by a RST (nothing listens, or a NetworkPolicy/iptables REJECT). */
export class ConnRefusedModule implements AnalysisModule {
  readonly name = 'conn-refused';
  refused = 0;
  private readonly syns: BoundedMap<string, number>;
  private readonly byDest = new Map<string, number>();

  constructor(t: Thresholds) {
    this.syns = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    const tcp = p.tcp;
    if (!tcp || !p.ip) return;
    if (tcp.flags & SYN) {
      if (tcp.flags & ACK) this.syns.delete(revKey(p));
      else this.syns.set(fwdKey(p), tcp.seq);
      return;
    }
    if (!(tcp.flags & RST)) return;
    const key = revKey(p);
    const seq = this.syns.get(key);
    // the refusing RST acknowledges exactly the SYN (RFC 793: ack = SYN seq + 1)
    if (seq === undefined || (tcp.flags & ACK && tcp.ack !== ((seq + 1) >>> 0))) return;
    this.syns.delete(key);
    this.refused++;
    if (this.byDest.size < 100_000) bump(this.byDest, endpoint(p.ip.src, tcp.srcPort));
  }

  finish(ctx: FinishContext): Finding[] {
    if (this.refused < ctx.t.tcp.refusedWarn) return [];
    const top = topCounts(this.byDest, 10);
    return [
      {
        type: 'tcp-connection-refused',
        severity: 'warning',
        message: `${this.refused} connections refused (SYN answered by RST), most to ${top[0]!.key}`,
        evidence: { refused: this.refused, destinations: top },
      },
    ];
  }

  evictions(): number {
    return this.syns.evictions;
  }
}
