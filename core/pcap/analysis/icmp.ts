import type { Packet } from '../decode/packet.js';
import { type AnalysisModule, bump, type Finding, type FinishContext, topCounts } from './module.js';

const UNREACH_CODES = ['net', 'host', 'protocol', 'port', 'frag-needed', 'source-route-failed', 'net-unknown', 'host-unknown', 'isolated', 'net-prohibited', 'host-prohibited', 'net-tos', 'host-tos', 'admin-prohibited', 'host-precedence', 'precedence-cutoff'];

/**
 * ICMP destination unreachable (v4 type 3, v6 type 1) and PMTUD signals: frag-needed (v4 3/4) and
 * packet-too-big (v6 type 2), with the next-hop MTU they announce. A frag-needed that never reaches
 * the sender (dropped by a security group or NACL) is the classic "large responses hang" failure.
 */
export class IcmpModule implements AnalysisModule {
  readonly name = 'icmp';
  fragNeeded = 0;
  unreachable = 0;
  echo = 0;
  private readonly codes = new Map<string, number>();
  private readonly mtus = new Map<string, number>();
  private readonly pmtuPeers = new Map<string, number>();

  onPacket(p: Packet): void {
    const i = p.icmp;
    if (!i || !p.ip) return;
    if (i.v === 4 ? i.type === 0 || i.type === 8 : i.type === 128 || i.type === 129) this.echo++;
    const unreach = i.v === 4 ? i.type === 3 : i.type === 1;
    if (unreach) {
      this.unreachable++;
      bump(this.codes, i.v === 4 ? UNREACH_CODES[i.code] ?? `code-${i.code}` : `v6-code-${i.code}`);
    }
    if ((i.v === 4 && i.type === 3 && i.code === 4) || (i.v === 6 && i.type === 2)) {
      this.fragNeeded++;
      bump(this.mtus, String(i.mtu ?? 0));
      if (this.pmtuPeers.size < 10_000) bump(this.pmtuPeers, `${p.ip.src} -> ${i.inner?.src ?? p.ip.dst} (for ${i.inner?.dst ?? '?'})`);
    }
  }

  finish(ctx: FinishContext): Finding[] {
    const out: Finding[] = [];
    if (this.fragNeeded >= ctx.t.icmp.fragNeededWarn) {
      const mtus = topCounts(this.mtus, 5).map((m) => ({ mtu: Number(m.key), count: m.count }));
      out.push({
        type: 'icmp-frag-needed',
        severity: 'warning',
        message: `${this.fragNeeded} ICMP frag-needed/packet-too-big (next-hop MTU ${mtus.map((m) => m.mtu).join(', ')}): path MTU discovery at work; if they are filtered, large transfers hang`,
        evidence: { fragNeeded: this.fragNeeded, mtus, peers: topCounts(this.pmtuPeers, 10) },
      });
    }
    const other = this.unreachable - (this.codes.get('frag-needed') ?? 0);
    if (other >= ctx.t.icmp.unreachableWarn) {
      const codes = topCounts(this.codes, 16).filter((c) => c.key !== 'frag-needed');
      out.push({ type: 'icmp-unreachable', severity: 'warning', message: `${other} ICMP destination-unreachable messages (${codes.map((c) => `${c.key} x${c.count}`).join(', ')})`, evidence: { codes } });
    }
    return out;
  }

  evictions(): number {
    return 0;
  }
}
