import type { Packet } from '../decode/packet.js';
import { type AnalysisModule, type Finding, type FinishContext } from './module.js';

const MAX_SECONDS = 1_000_000; // ~11.5 days of capture; later seconds are not tracked (counted)

/** Packets-per-second spikes against the median second of the capture (empty seconds included). */
export class BurstsModule implements AnalysisModule {
  readonly name = 'bursts';
  private readonly perSecond = new Map<number, number>();
  private dropped = 0;

  onPacket(p: Packet): void {
    const s = Math.floor(p.ts);
    const n = this.perSecond.get(s);
    if (n !== undefined) this.perSecond.set(s, n + 1);
    else if (this.perSecond.size < MAX_SECONDS) this.perSecond.set(s, 1);
    else this.dropped++;
  }

  finish(ctx: FinishContext): Finding[] {
    if (this.perSecond.size === 0) return [];
    const b = ctx.t.bursts;
    const seconds = Math.floor(ctx.end) - Math.floor(ctx.start) + 1;
    const counts = [...this.perSecond.values()].sort((x, y) => x - y);
    const zeros = Math.max(0, seconds - counts.length);
    const mid = Math.floor((seconds - 1) / 2);
    const median = mid < zeros ? 0 : counts[mid - zeros] ?? 0;
    const spikes = [...this.perSecond]
      .filter(([, n]) => n >= b.minPackets && n >= b.factorOverMedian * median)
      .sort((x, y) => y[1] - x[1] || x[0] - y[0]);
    if (!spikes.length) return [];
    return [
      {
        type: 'traffic-burst',
        severity: 'info',
        message: `${spikes.length} seconds with packet spikes (peak ${spikes[0]![1]} pkt/s vs median ${median} pkt/s)`,
        evidence: { medianPps: median, spikes: spikes.slice(0, b.maxReported).map(([s, n]) => ({ second: new Date(s * 1000).toISOString(), packets: n })) },
      },
    ];
  }

  evictions(): number {
    return this.dropped;
  }
}
