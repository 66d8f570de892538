import type { Packet } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, type Finding, type FinishContext } from './module.js';

/**
 * IP fragmentation and packet sizes. Fragments inside a VPC usually mean an MTU mismatch (tunnels,
 * VPN, Transit Gateway at 8500); IP packets over 9001 bytes cannot cross an ENI, so in a capture they
 * are GRO/TSO super-packets of the capturing host, not real frames.
 */
export class MtuModule implements AnalysisModule {
  readonly name = 'mtu';
  fragments = 0;
  overStandard = 0;
  overJumbo = 0;
  largest = 0;
  private readonly std: number;
  private readonly jumbo: number;

  constructor(t: Thresholds) {
    this.std = t.mtu.standard;
    this.jumbo = t.mtu.jumbo;
  }

  onPacket(p: Packet): void {
    if (!p.ip) return;
    if (p.ip.fragment) this.fragments++;
    const len = p.ip.length;
    if (len > this.std) this.overStandard++;
    if (len > this.jumbo) this.overJumbo++;
    if (len > this.largest) this.largest = len;
  }

  finish(ctx: FinishContext): Finding[] {
    const m = ctx.t.mtu;
    const out: Finding[] = [];
    if (this.fragments) out.push({ type: 'ip-fragmentation', severity: 'warning', message: `${this.fragments} IP fragments: some path has a smaller MTU than the sender assumes`, evidence: { fragments: this.fragments } });
    if (this.overJumbo)
      out.push({ type: 'mtu-over-jumbo', severity: 'info', message: `${this.overJumbo} IP packets larger than ${m.jumbo} bytes (largest ${this.largest}): GRO/TSO on the capturing host, not wire frames`, evidence: { overJumbo: this.overJumbo, largest: this.largest } });
    else if (this.overStandard)
      out.push({ type: 'mtu-jumbo-frames', severity: 'info', message: `${this.overStandard} IP packets larger than ${m.standard} bytes: jumbo frames in use; paths leaving the VPC are limited to ${m.standard}`, evidence: { overStandard: this.overStandard, largest: this.largest } });
    return out;
  }

  evictions(): number {
    return 0;
  }
}
