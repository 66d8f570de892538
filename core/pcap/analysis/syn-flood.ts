import { BoundedMap } from '../bounded-map.js';
import { ACK, type Packet, RST, SYN } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, bump, endpoint, type Finding, type FinishContext, fwdKey, revKey } from './module.js';

const enum S {
  Syn,
  SynAck,
  Done,
}

/**
 * Half-open connections per destination: SYNs whose handshake never completed (no SYN-ACK, or a
 * SYN-ACK never acknowledged). Many of them at one destination is a SYN flood, a dead backend behind
 * a stale endpoint, or a full accept queue. Retransmitted SYNs count once (keyed by 5-tuple).
 */
export class SynFloodModule implements AnalysisModule {
  readonly name = 'syn-flood';
  private readonly flows: BoundedMap<string, { s: S; dst: string }>;
  private readonly syns = new Map<string, number>();
  private readonly done = new Map<string, number>();

  constructor(t: Thresholds) {
    this.flows = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    const tcp = p.tcp;
    if (!tcp || !p.ip) return;
    if ((tcp.flags & (SYN | ACK)) === SYN) {
      const key = fwdKey(p);
      if (this.flows.has(key) || this.syns.size >= 100_000) return;
      const dst = endpoint(p.ip.dst, tcp.dstPort);
      this.flows.set(key, { s: S.Syn, dst });
      bump(this.syns, dst);
      return;
    }
    const back = revKey(p);
    if ((tcp.flags & (SYN | ACK)) === (SYN | ACK) || tcp.flags & RST) {
      const f = this.flows.get(back);
      if (!f || f.s !== S.Syn) return;
      if (tcp.flags & RST) this.close(back, f.dst); // refused: not half-open, another module reports it
      else f.s = S.SynAck;
      return;
    }
    const fwd = fwdKey(p);
    const f = this.flows.get(fwd);
    if (f && f.s === S.SynAck && tcp.flags & ACK) this.close(fwd, f.dst);
  }

  private close(key: string, dst: string): void {
    this.flows.set(key, { s: S.Done, dst });
    bump(this.done, dst);
  }

  finish(ctx: FinishContext): Finding[] {
    const t = ctx.t.tcp;
    const bad = [...this.syns]
      .map(([dst, syns]) => ({ dst, syns, halfOpen: syns - (this.done.get(dst) ?? 0) }))
      .filter((x) => x.halfOpen >= t.halfOpenPerDestinationWarn && x.halfOpen / x.syns >= t.halfOpenRatioWarn)
      .sort((a, b) => b.halfOpen - a.halfOpen || (a.dst < b.dst ? -1 : 1));
    return bad.slice(0, 10).map((x) => ({
      type: 'tcp-half-open',
      severity: x.halfOpen >= 10 * t.halfOpenPerDestinationWarn ? 'critical' : 'warning',
      message: `${x.halfOpen} of ${x.syns} connections to ${x.dst} never completed the handshake (SYN flood or unresponsive backend)`,
      evidence: x,
    }));
  }

  evictions(): number {
    return this.flows.evictions;
  }
}
