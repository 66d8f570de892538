import { BoundedMap } from '../bounded-map.js';
import type { Packet } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, type Finding, type FinishContext, fwdKey, revKey } from './module.js';

const FWD = 1;
const REV = 2;

/**
 * Conntrack pressure: how many new flows per second the node had to track, and how many flows only
 * ever saw one direction (each holds a conntrack entry until it times out; UDP to a dead DNS server
 * is the usual source). Flows are direction-free 5-tuples; the table is capped and evicted flows are
 * still classified when they leave.
 */
export class ConntrackModule implements AnalysisModule {
  readonly name = 'conntrack';
  flows = 0;
  oneSided = 0;
  maxNewPerSecond = 0;
  private readonly table: BoundedMap<string, number>;
  private second = -1;
  private newThisSecond = 0;

  constructor(t: Thresholds) {
    this.table = new BoundedMap(t.limits.maxFlows, (_k, dirs) => this.classify(dirs));
  }

  onPacket(p: Packet): void {
    const ip = p.ip;
    const l4 = p.tcp ?? p.udp;
    if (!ip || !l4) return;
    // a = "src|sp" < b = "dst|dp" without building them: '|' sorts after every character of an address
    const fwd = endpointBefore(ip.src, l4.srcPort, ip.dst, l4.dstPort);
    const key = fwd ? fwdKey(p) : revKey(p); // `${a}|${b}|${proto}` : `${b}|${a}|${proto}`
    const dir = fwd ? FWD : REV;
    const dirs = this.table.get(key);
    if (dirs === undefined) {
      this.flows++;
      const s = Math.floor(p.ts);
      if (s !== this.second) [this.second, this.newThisSecond] = [s, 0];
      if (++this.newThisSecond > this.maxNewPerSecond) this.maxNewPerSecond = this.newThisSecond;
      this.table.set(key, dir);
    } else if (!(dirs & dir)) this.table.set(key, dirs | dir);
  }

  private classify(dirs: number): void {
    if (dirs !== (FWD | REV)) this.oneSided++;
  }

  finish(ctx: FinishContext): Finding[] {
    for (const d of this.table.values()) this.classify(d);
    this.table.clear();
    const c = ctx.t.conntrack;
    const out: Finding[] = [];
    if (this.maxNewPerSecond >= c.newFlowsPerSecondWarn)
      out.push({ type: 'conntrack-new-flow-rate', severity: 'warning', message: `up to ${this.maxNewPerSecond} new flows per second: conntrack table pressure (check nf_conntrack_max and "table full" drops)`, evidence: { maxNewPerSecond: this.maxNewPerSecond, flows: this.flows } });
    if (this.oneSided >= c.oneSidedFlowsWarn)
      out.push({ type: 'conntrack-one-sided', severity: 'warning', message: `${this.oneSided} of ${this.flows} flows only ever saw one direction (unanswered; each holds a conntrack entry until timeout)`, evidence: { oneSided: this.oneSided, flows: this.flows } });
    return out;
  }

  evictions(): number {
    return this.table.evictions;
  }
}

/** `${x}|${xp}` < `${y}|${yp}` as strings (x, y: IPv4/IPv6 text, which never contains '|' or anything above it). */
function endpointBefore(x: string, xp: number, y: string, yp: number): boolean {
  if (x === y) return String(xp) < String(yp);
  // x a proper prefix of y: "x|" vs "y..." differ at '|', which sorts last, so x|.. > y..
  if (y.startsWith(x)) return false;
  if (x.startsWith(y)) return true;
  return x < y;
}
