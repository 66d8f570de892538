import { BoundedMap } from '../bounded-map.js';
import { FIN, type Packet, RST, SYN } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, type Finding, type FinishContext, fwdKey, seqAfter } from './module.js';

/**
 * TCP keep-alives: 0 or 1 byte at snd.nxt - 1 on a segment without SYN/FIN/RST (tshark's
 * tcp.analysis.keep_alive). Informational: they show idle connections being held open.
 */
export class KeepaliveModule implements AnalysisModule {
  readonly name = 'keepalive';
  keepalives = 0;
  private readonly next: BoundedMap<string, number>;

  constructor(t: Thresholds) {
    this.next = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    const tcp = p.tcp;
    if (!tcp || !p.ip) return;
    const key = fwdKey(p);
    const next = this.next.get(key);
    if (next !== undefined && tcp.payloadLen <= 1 && !(tcp.flags & (SYN | FIN | RST)) && tcp.seq === ((next - 1) >>> 0)) {
      this.keepalives++;
      return;
    }
    const end = (tcp.seq + tcp.payloadLen + (tcp.flags & (SYN | FIN) ? 1 : 0)) >>> 0;
    if (next === undefined || seqAfter(end, next)) this.next.set(key, end);
  }

  finish(): Finding[] {
    if (!this.keepalives) return [];
    return [{ type: 'tcp-keepalive', severity: 'info', message: `${this.keepalives} TCP keep-alive probes (idle connections held open)`, evidence: { keepalives: this.keepalives } }];
  }

  evictions(): number {
    return this.next.evictions;
  }
}
