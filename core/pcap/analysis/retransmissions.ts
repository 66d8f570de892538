import { BoundedMap } from '../bounded-map.js';
import { FIN, type Packet, RST, SYN } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, bump, type Finding, type FinishContext, fwdKey, seqAfter, topCounts } from './module.js';

interface Flow {
  /** recent data segments: seq -> payload length, oldest first (bounded per flow) */
  segs: Map<number, number>;
  high: number;
}

/**
 * A retransmission is a data segment (payload > 0) of the same 5-tuple with the same sequence number
 * and the same payload length as one seen before. Keep-alives (one garbage byte at snd.nxt - 1) are
 * excluded. This includes what tshark calls spurious retransmissions (already acknowledged data).
 */
export class RetransmissionModule implements AnalysisModule {
  readonly name = 'retransmissions';
  retransmissions = 0;
  dataSegments = 0;
  private readonly flows: BoundedMap<string, Flow>;
  private readonly byFlow = new Map<string, number>();

  constructor(private readonly t: Thresholds) {
    this.flows = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    const tcp = p.tcp;
    if (!tcp || !p.ip || tcp.payloadLen === 0 || tcp.flags & (SYN | RST)) return;
    this.dataSegments++;
    const key = fwdKey(p);
    let f = this.flows.get(key);
    if (!f) this.flows.set(key, (f = { segs: new Map(), high: tcp.seq }));
    const endSeq = (tcp.seq + tcp.payloadLen + (tcp.flags & FIN ? 1 : 0)) >>> 0;
    const keepalive = tcp.payloadLen === 1 && ((tcp.seq + 1) >>> 0) === f.high;
    if (!keepalive && f.segs.get(tcp.seq) === tcp.payloadLen) {
      this.retransmissions++;
      if (this.byFlow.size < 100_000 || this.byFlow.has(key)) bump(this.byFlow, key);
    } else if (!keepalive) {
      if (f.segs.size >= this.t.tcp.segmentsPerFlow) f.segs.delete(f.segs.keys().next().value!);
      f.segs.set(tcp.seq, tcp.payloadLen);
    }
    if (seqAfter(endSeq, f.high)) f.high = endSeq;
  }

  finish(ctx: FinishContext): Finding[] {
    const t = ctx.t.tcp;
    const ratio = this.dataSegments ? this.retransmissions / this.dataSegments : 0;
    if (this.retransmissions < t.retransmissionMinCount || ratio < t.retransmissionRatioWarn) return [];
    const flows = topCounts(this.byFlow, 10).map(({ key, count }) => {
      const [src, sp, dst, dp] = key.split('|');
      return { flow: `${src}:${sp} > ${dst}:${dp}`, retransmissions: count };
    });
    return [
      {
        type: 'tcp-retransmissions',
        severity: ratio >= 5 * t.retransmissionRatioWarn ? 'critical' : 'warning',
        message: `${this.retransmissions} TCP retransmissions (${(ratio * 100).toFixed(1)}% of data segments)`,
        evidence: { retransmissions: this.retransmissions, dataSegments: this.dataSegments, flows },
      },
    ];
  }

  evictions(): number {
    return this.flows.evictions;
  }
}
