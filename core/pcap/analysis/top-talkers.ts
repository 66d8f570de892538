import { BoundedMap } from '../bounded-map.js';
import type { Packet } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, type Finding, fwdKey } from './module.js';

export interface Talker {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  proto: number;
  bytes: number;
  packets: number;
}

/** Bytes and packets per directional 5-tuple (ports 0 for ICMP and fragments); the table is capped. */
export class TopTalkersModule implements AnalysisModule {
  readonly name = 'top-talkers';
  /** key: flowKey(src, sp, dst, dp, proto); value: [bytes, packets] (the tuple is read back from the key) */
  private readonly flows: BoundedMap<string, [number, number]>;

  constructor(private readonly t: Thresholds) {
    this.flows = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    if (!p.ip) return;
    const key = fwdKey(p);
    const f = this.flows.get(key);
    if (f) {
      f[0] += p.wireLen;
      f[1]++;
    } else this.flows.set(key, [p.wireLen, 1]);
  }

  top(): Talker[] {
    return [...this.flows]
      .sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1))
      .slice(0, this.t.topTalkers.count)
      .map(([key, [bytes, packets]]) => {
        const [src, sp, dst, dp, proto] = key.split('|');
        return { src: src!, srcPort: Number(sp), dst: dst!, dstPort: Number(dp), proto: Number(proto), bytes, packets };
      });
  }

  finish(): Finding[] {
    return []; // a table in the report, not an anomaly
  }

  evictions(): number {
    return this.flows.evictions;
  }
}
