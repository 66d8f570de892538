import { FIN, type Packet, RST, SYN } from '../decode/packet.js';
import { type AnalysisModule, bump, endpoint, type Finding, type FinishContext, topCounts } from './module.js';

/**
 * Zero-window advertisements: the receiver's buffer is full (slow consumer, CPU-starved pod).
 * Same definition as tshark's tcp.analysis.zero_window: window field 0 on a segment without SYN/FIN/RST.
 */
export class ZeroWindowModule implements AnalysisModule {
  readonly name = 'zero-window';
  zeroWindow = 0;
  private readonly bySender = new Map<string, number>();

  onPacket(p: Packet): void {
    const tcp = p.tcp;
    if (!tcp || !p.ip || tcp.window !== 0 || tcp.flags & (SYN | FIN | RST)) return;
    this.zeroWindow++;
    const k = endpoint(p.ip.src, tcp.srcPort);
    if (this.bySender.size < 100_000 || this.bySender.has(k)) bump(this.bySender, k);
  }

  finish(ctx: FinishContext): Finding[] {
    if (this.zeroWindow < ctx.t.tcp.zeroWindowWarn) return [];
    const top = topCounts(this.bySender, 10);
    return [
      {
        type: 'tcp-zero-window',
        severity: 'warning',
        message: `${this.zeroWindow} zero-window advertisements: receivers not reading fast enough (top: ${top[0]!.key})`,
        evidence: { zeroWindow: this.zeroWindow, receivers: top },
      },
    ];
  }

  evictions(): number {
    return 0;
  }
}
