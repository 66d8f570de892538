import { BoundedMap } from '../bounded-map.js';
import { ACK, type Packet, RST } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, bump, endpoint, type Finding, type FinishContext, topCounts } from './module.js';

/**
 * Who sends resets, and how bursty they are: one endpoint resetting many connections is a crashing
 * or overloaded server, an idle-timeout middlebox (NLB: 350 s) or a conntrack table that lost state.
 */
export class TcpRstModule implements AnalysisModule {
  readonly name = 'tcp-rst';
  rst = 0;
  private readonly bySender: BoundedMap<string, number>;
  private readonly perSecond = new Map<number, number>();
  private bareRst = 0; // RST without ACK: usually a reply to a segment for a connection the sender does not know

  constructor(t: Thresholds) {
    this.bySender = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    const tcp = p.tcp;
    if (!tcp || !p.ip || !(tcp.flags & RST)) return;
    this.rst++;
    if (!(tcp.flags & ACK)) this.bareRst++;
    bump(this.bySender, endpoint(p.ip.src, tcp.srcPort));
    if (this.perSecond.size < 1_000_000) bump(this.perSecond, Math.floor(p.ts));
  }

  finish(ctx: FinishContext): Finding[] {
    const loud = topCounts(this.bySender, 10).filter((x) => x.count >= ctx.t.tcp.rstPerEndpointWarn);
    if (!loud.length) return [];
    const peak = topCounts(new Map([...this.perSecond].map(([s, n]) => [String(s), n])), 1)[0];
    return [
      {
        type: 'tcp-rst-pattern',
        severity: 'warning',
        message: `${loud.length} endpoints sent >= ${ctx.t.tcp.rstPerEndpointWarn} TCP resets (top: ${loud[0]!.key} x${loud[0]!.count})`,
        evidence: { rst: this.rst, rstWithoutAck: this.bareRst, senders: loud, peakSecond: peak ? { second: Number(peak.key), rst: peak.count } : null },
      },
    ];
  }

  evictions(): number {
    return this.bySender.evictions;
  }
}
