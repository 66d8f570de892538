import { BoundedMap } from '../bounded-map.js';
import type { Packet } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import type { AnalysisModule, Finding } from './module.js';

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
  private readonly flows: BoundedMap<string, Talker>;

  constructor(private readonly t: Thresholds) {
    this.flows = new BoundedMap(t.limits.maxFlows);
  }

  onPacket(p: Packet): void {
    if (!p.ip) return;
    const l4 = p.tcp ?? p.udp;
    const sp = l4?.srcPort ?? 0;
    const dp = l4?.dstPort ?? 0;
    const key = `${p.ip.src}|${sp}|${p.ip.dst}|${dp}|${p.ip.proto}`;
    const f = this.flows.get(key);
    if (f) {
      f.bytes += p.wireLen;
      f.packets++;
    } else this.flows.set(key, { src: p.ip.src, srcPort: sp, dst: p.ip.dst, dstPort: dp, proto: p.ip.proto, bytes: p.wireLen, packets: 1 });
  }

  top(): Talker[] {
    const k = (x: Talker) => `${x.src}|${x.srcPort}|${x.dst}|${x.dstPort}|${x.proto}`;
    return [...this.flows.values()].sort((a, b) => b.bytes - a.bytes || (k(a) < k(b) ? -1 : 1)).slice(0, this.t.topTalkers.count).map((x) => ({ ...x }));
  }

  finish(): Finding[] {
    return []; // a table in the report, not an anomaly
  }

  evictions(): number {
    return this.flows.evictions;
  }
}
