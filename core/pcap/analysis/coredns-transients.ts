import type { Packet } from '../decode/packet.js';
import type { DnsModule } from './dns.js';
import { type AnalysisModule, type Finding, type FinishContext } from './module.js';

/**
 * CoreDNS transients: SERVFAILs and timeouts that cluster in time (a CoreDNS pod restarting, an
 * upstream resolver hiccup, conntrack races on UDP/53) rather than spreading evenly. Reads the DNS
 * module's error times; a burst is a maximal run where every window of `windowSeconds` holds at least
 * `minErrors` errors.
 */
export class CorednsTransientsModule implements AnalysisModule {
  readonly name = 'coredns-transients';
  constructor(private readonly dns: DnsModule) {}

  onPacket(_p: Packet): void {
    /* fed through the DNS module */
  }

  finish(ctx: FinishContext): Finding[] {
    this.dns.settle(ctx.end);
    const { windowSeconds: w, minErrors } = ctx.t.coredns;
    const ts = Float64Array.from(this.dns.errorTimes).sort();
    const bursts: { start: number; end: number; errors: number }[] = [];
    // slide a window over the sorted times; merge overlapping dense windows into one burst
    for (let i = 0, j = 0; i < ts.length; i++) {
      while (ts[i]! - ts[j]! > w) j++;
      if (i - j + 1 < Math.max(1, minErrors)) continue;
      const last = bursts[bursts.length - 1];
      if (last && ts[j]! <= last.end) {
        last.end = ts[i]!;
        last.errors = countBetween(ts, last.start, last.end);
      } else bursts.push({ start: ts[j]!, end: ts[i]!, errors: i - j + 1 });
    }
    if (!bursts.length) return [];
    const iso = (s: number) => new Date(s * 1000).toISOString();
    return [
      {
        type: 'coredns-transient',
        severity: 'warning',
        message: `${bursts.length} bursts of DNS SERVFAIL/timeouts (largest ${Math.max(...bursts.map((b) => b.errors))} errors): CoreDNS or its upstream was briefly unavailable`,
        evidence: { bursts: bursts.slice(0, 5).map((b) => ({ from: iso(b.start), to: iso(b.end), errors: b.errors })) },
      },
    ];
  }

  evictions(): number {
    return 0;
  }
}

function countBetween(ts: Float64Array, a: number, b: number): number {
  let n = 0;
  for (const t of ts) if (t >= a && t <= b) n++;
  return n;
}
