import { BoundedMap, Samples } from '../bounded-map.js';
import type { Packet } from '../decode/packet.js';
import type { Thresholds } from '../thresholds.js';
import { type AnalysisModule, bump, type Finding, type FinishContext, topCounts } from './module.js';

const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
export const rcodeName = (r: number): string => RCODES[r] ?? `RCODE${r}`;

interface Pending {
  ts: number;
  name: string;
}

/**
 * DNS over UDP/53 (reassembled when fragmented) and TCP/53 (messages out of the stream): queries matched to responses by (client ip, client port, server ip, id);
 * unanswered = no response within `unansweredAfterSeconds` of capture time. NXDOMAIN for a name under
 * a cluster/VPC search suffix that is followed by a success for a shorter name from the same client
 * is the resolver walking its search list (ndots:5): normal, reported apart from real NXDOMAINs.
 */
export class DnsModule implements AnalysisModule {
  readonly name = 'dns';
  queries = 0;
  responses = 0;
  unanswered = 0;
  unmatched = 0;
  pendingAtEnd = 0;
  searchExpansion = 0;
  /** seeded with the rcodes the --json document promises (issue 4), so a capture without them reads 0, not absent */
  readonly rcodes: Record<string, number> = { NOERROR: 0, NXDOMAIN: 0, SERVFAIL: 0 };
  /** SERVFAIL responses and timeouts, by capture time (CoreDNS transients read these) */
  readonly errorTimes: number[] = [];
  private readonly pending: BoundedMap<string, Pending>;
  private readonly byName: BoundedMap<string, Record<string, number>>;
  private readonly unansweredByName = new Map<string, number>();
  private readonly realNx = new Map<string, number>();
  private readonly candidates: BoundedMap<string, Pending[]>;
  private readonly latency: Samples;

  constructor(private readonly t: Thresholds) {
    this.pending = new BoundedMap(t.limits.maxPendingDns);
    this.byName = new BoundedMap(t.limits.maxNames);
    this.candidates = new BoundedMap(t.limits.maxNames, (_k, v) => v.forEach((c) => this.realNxdomain(c.name)));
    this.latency = new Samples(t.limits.maxLatencySamples);
  }

  onPacket(p: Packet): void {
    const d = p.dns;
    // DNS over UDP, or a message reassembled from a TCP/53 stream (analyze.ts hands those in)
    const l4 = p.udp ?? p.tcp;
    if (!d || !p.ip || !l4) return;
    this.expire(p.ts - this.t.dns.unansweredAfterSeconds);
    const name = d.name ?? '.';
    if (!d.response) {
      this.queries++;
      const key = `${p.ip.src}|${l4.srcPort}|${p.ip.dst}|${d.id}`;
      if (!this.pending.has(key)) this.pending.set(key, { ts: p.ts, name });
      return;
    }
    this.responses++;
    const rc = rcodeName(d.rcode);
    this.rcodes[rc] = (this.rcodes[rc] ?? 0) + 1;
    const per = this.byName.get(name) ?? {};
    per[rc] = (per[rc] ?? 0) + 1;
    this.byName.set(name, per);
    const key = `${p.ip.dst}|${l4.dstPort}|${p.ip.src}|${d.id}`;
    const q = this.pending.get(key);
    if (q) {
      this.latency.add((p.ts - q.ts) * 1000);
      this.pending.delete(key);
    } else this.unmatched++;
    if (d.rcode === 2) this.errorTimes.push(p.ts);
    if (d.rcode === 3) this.nxdomain(p.ip.dst, name, p.ts);
    else if (d.rcode === 0) this.success(p.ip.dst, name, p.ts);
  }

  private expire(cutoff: number): void {
    // pending is in insertion (≈ capture) order: stop at the first query still inside its window
    for (let e = this.pending.oldest(); e && e[1].ts <= cutoff; e = this.pending.oldest()) {
      this.pending.delete(e[0]);
      this.timeout(e[1]);
    }
  }

  private timeout(q: Pending): void {
    this.unanswered++;
    if (this.errorTimes.length < this.t.limits.maxLatencySamples) this.errorTimes.push(q.ts + this.t.dns.unansweredAfterSeconds);
    bump(this.unansweredByName, q.name);
  }

  private nxdomain(client: string, name: string, ts: number): void {
    if (!this.t.dns.searchSuffixes.some((s) => name.endsWith(s))) return this.realNxdomain(name);
    const list = this.candidates.get(client) ?? [];
    // keep the list short: the oldest candidate beyond 32 cannot be a search walk in progress
    if (list.length >= 32) this.realNxdomain(list.shift()!.name);
    list.push({ ts, name });
    this.candidates.set(client, list);
  }

  private success(client: string, name: string, ts: number): void {
    const list = this.candidates.get(client);
    if (!list) return;
    const prefix = name === '.' ? '' : name.slice(0, -1) + '.';
    const keep: Pending[] = [];
    for (const c of list) {
      if (ts - c.ts > this.t.dns.searchExpansionWindowSeconds) this.realNxdomain(c.name);
      else if (prefix && c.name.startsWith(prefix) && c.name.length > name.length) this.searchExpansion++;
      else keep.push(c);
    }
    if (keep.length) this.candidates.set(client, keep);
    else this.candidates.delete(client);
  }

  private realNxdomain(name: string): void {
    bump(this.realNx, name);
  }

  latencyMs(): { p50: number | null; p95: number | null } {
    const r = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
    return { p50: r(this.latency.quantile(0.5)), p95: r(this.latency.quantile(0.95)) };
  }

  /** Called once at the end; idempotent so the summary and the findings agree. */
  private settled = false;
  settle(end: number): void {
    if (this.settled) return;
    this.settled = true;
    for (const q of this.pending.values()) {
      // a query younger than the timeout at the end of the capture may still have been answered
      if (end - q.ts >= this.t.dns.unansweredAfterSeconds) this.timeout(q);
      else this.pendingAtEnd++;
    }
    this.pending.clear();
    for (const list of this.candidates.values()) list.forEach((c) => this.realNxdomain(c.name));
    this.candidates.clear();
  }

  finish(ctx: FinishContext): Finding[] {
    this.settle(ctx.end);
    const t = ctx.t.dns;
    const out: Finding[] = [];
    if (this.unanswered >= t.unansweredWarn)
      out.push({
        type: 'dns-unanswered',
        severity: 'warning',
        message: `${this.unanswered} of ${this.queries} DNS queries got no response within ${t.unansweredAfterSeconds} s`,
        evidence: { unanswered: this.unanswered, queries: this.queries, names: topCounts(this.unansweredByName, 10) },
      });
    const real = [...this.realNx].filter(([, n]) => n >= t.nxdomainPerNameWarn);
    if (real.length)
      out.push({
        type: 'dns-nxdomain',
        severity: 'warning',
        message: `${real.length} names repeatedly answered NXDOMAIN (not search-path expansion)`,
        evidence: { names: topCounts(new Map(real), 10) },
      });
    if (this.searchExpansion > 0)
      out.push({
        type: 'dns-search-expansion',
        severity: 'info',
        message: `${this.searchExpansion} NXDOMAIN answers are search-list expansion (ndots:5), normal; a trailing dot or lower ndots saves those queries`,
        evidence: { nxdomainSearchExpansion: this.searchExpansion },
      });
    const failing = (rc: string) => [...this.byName].filter(([, r]) => (r[rc] ?? 0) > 0).map(([n, r]) => ({ key: n, count: r[rc]! }));
    for (const rc of ['SERVFAIL', 'REFUSED']) {
      const names = failing(rc);
      if (names.length)
        out.push({
          type: `dns-${rc.toLowerCase()}`,
          severity: 'warning',
          message: `${this.rcodes[rc]} DNS responses were ${rc} (${names.length} names)`,
          evidence: { names: topCounts(new Map(names.map((x) => [x.key, x.count])), 10) },
        });
    }
    const lat = this.latencyMs();
    if (lat.p95 !== null && lat.p95 > t.latencyP95WarnMs)
      out.push({ type: 'dns-latency', severity: 'warning', message: `DNS p95 latency ${lat.p95} ms exceeds ${t.latencyP95WarnMs} ms`, evidence: { ...lat } });
    return out;
  }

  /** Names with any non-NOERROR answer, worst first (for the report). */
  errorNames(n: number): { name: string; rcodes: Record<string, number> }[] {
    const bad = [...this.byName].filter(([, r]) => Object.keys(r).some((k) => k !== 'NOERROR'));
    const errs = (r: Record<string, number>) => Object.entries(r).reduce((a, [k, v]) => a + (k === 'NOERROR' ? 0 : v), 0);
    return bad.sort((a, b) => errs(b[1]) - errs(a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([name, rcodes]) => ({ name, rcodes }));
  }

  evictions(): number {
    return this.pending.evictions + this.byName.evictions + this.candidates.evictions;
  }
}
