import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { type BundleStore, NotFoundError } from '../store/bundle-store.js';
import type { BundleRef } from './bundle-ref.js';
import type { ResolvedWindow } from './time-window.js';

/** One matched line of `events.jsonl.gz` (DESIGN.md §3), with its parsed time and component. */
export interface BundleEvent {
  t: string | null;
  /** `t` in epoch ms; null when the line had no usable timestamp */
  ms: number | null;
  finding: string;
  path: string;
  line: number;
  offset: number;
  text: string;
  component: string;
}

/**
 * Bundle path -> the node component that wrote it. Data, first match wins, so the specific rows
 * (aws-node, coredns and kube-proxy pod logs) come before the generic pod-log row. `hint` names the
 * file a complete bundle would hold, for "no <component> log in bundle" gaps.
 */
export const COMPONENTS: readonly { component: string; match: RegExp; hint: string }[] = [
  { component: 'kubelet', match: /^kubelet\//, hint: 'kubelet/kubelet.log' },
  { component: 'containerd', match: /^(?:containerd|sandbox-image)\//, hint: 'containerd/containerd-log.txt' },
  { component: 'ipamd/cni', match: /^(?:var_log\/aws-routed-eni\/|ipamd\/|cni\/)|aws-node/, hint: 'var_log/aws-routed-eni/ipamd.log' },
  { component: 'coredns', match: /coredns/, hint: 'var_log/containers/coredns-*.log' },
  { component: 'kube-proxy', match: /kube-proxy/, hint: 'var_log/containers/kube-proxy-*.log' },
  { component: 'kernel', match: /^(?:kernel\/|var_log\/(?:kern\.log|dmesg))/, hint: 'kernel/dmesg.current' },
  { component: 'bootstrap', match: /^(?:nodeadm\/|var_log\/(?:cloud-init|user-data))/, hint: 'var_log/cloud-init-output.log' },
  { component: 'system', match: /^(?:var_log\/(?:messages|syslog|secure)|system\/)/, hint: 'var_log/messages' },
  { component: 'networking', match: /^networking\//, hint: 'networking/iptables-save.txt' },
  { component: 'storage', match: /^storage\//, hint: 'storage/mounts.txt' },
  { component: 'sysctls', match: /^sysctls\//, hint: 'sysctls/sysctl_all.txt' },
  { component: 'pods', match: /^var_log\/(?:containers|pods)\//, hint: 'var_log/containers/' },
];

export const KNOWN_COMPONENTS: readonly string[] = [...COMPONENTS.map((c) => c.component), 'other'];

export function componentOf(path: string): string {
  for (const c of COMPONENTS) if (c.match.test(path)) return c.component;
  return 'other';
}

/** Components with at least one non-empty file in the bundle: what evidence could exist at all. */
export function presentComponents(files: readonly { path: string; size: number }[]): Set<string> {
  const out = new Set<string>();
  for (const f of files) if (f.size > 0) out.add(componentOf(f.path));
  return out;
}

export interface ReadStats {
  /** lines that were not an event record (a truncated object): counted, never silently dropped */
  malformed: number;
}

/**
 * Streams the bundle's events in file order (gunzip + readline): a bundle can hold millions of
 * hits, so nothing here holds the whole file. A bundle ingested before events existed yields none.
 */
export async function* readEvents(store: BundleStore, ref: BundleRef, stats?: ReadStats): AsyncGenerator<BundleEvent> {
  let raw;
  try {
    raw = await store.get(ref.keys.events);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  const rl = createInterface({ input: raw.pipe(gunzip), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    let r: { t?: unknown; finding?: unknown; path?: unknown; line?: unknown; offset?: unknown; text?: unknown };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      if (stats) stats.malformed++;
      continue;
    }
    if (typeof r.finding !== 'string' || typeof r.path !== 'string') {
      if (stats) stats.malformed++;
      continue;
    }
    const t = typeof r.t === 'string' ? r.t : null;
    const ms = t === null ? null : Date.parse(t);
    yield {
      t, ms: ms === null || Number.isNaN(ms) ? null : ms, finding: r.finding, path: r.path,
      line: typeof r.line === 'number' ? r.line : 0, offset: typeof r.offset === 'number' ? r.offset : 0,
      text: typeof r.text === 'string' ? r.text : '', component: componentOf(r.path),
    };
  }
}

export interface EventFilter {
  window?: ResolvedWindow;
  findings?: ReadonlySet<string>;
  codes?: ReadonlySet<string>;
  /** finding id -> code, needed when filtering by code (events only carry the finding id) */
  codeOf?: ReadonlyMap<string, string>;
  components?: ReadonlySet<string>;
}

/**
 * 'window': outside the time window (reported as excluded by the window); 'filter': left out by
 * the finding/code/component filters. Untimed events are kept by a window, as `overlaps` keeps
 * untimed findings: they cannot be placed, and sort last.
 */
export function classifyEvent(e: BundleEvent, f: EventFilter): 'keep' | 'window' | 'filter' {
  if (f.window && e.ms !== null && (e.ms < f.window.startMs || e.ms > f.window.endMs)) return 'window';
  if (f.findings && !f.findings.has(e.finding)) return 'filter';
  if (f.codes && !f.codes.has(f.codeOf?.get(e.finding) ?? '')) return 'filter';
  if (f.components && !f.components.has(e.component)) return 'filter';
  return 'keep';
}

/** Real time first (untimed last), then path and line so equal times keep a stable, file order. */
export function compareEvents(a: BundleEvent, b: BundleEvent): number {
  if (a.ms !== b.ms) {
    if (a.ms === null) return 1;
    if (b.ms === null) return -1;
    return a.ms - b.ms;
  }
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.line - b.line;
}

/**
 * Keeps the first `limit` events in `compareEvents` order out of a stream of any length, holding
 * at most 2 x limit: sorting and cutting whenever the buffer doubles is O(n log limit) overall.
 */
export class EarliestEvents {
  private buf: BundleEvent[] = [];
  seen = 0;
  constructor(private readonly limit: number) {}

  add(e: BundleEvent): void {
    this.seen++;
    this.buf.push(e);
    if (this.buf.length >= 2 * this.limit) this.cut();
  }

  private cut(): void {
    this.buf.sort(compareEvents);
    this.buf.length = Math.min(this.buf.length, this.limit);
  }

  result(): { events: BundleEvent[]; truncated: boolean } {
    this.cut();
    return { events: this.buf, truncated: this.seen > this.buf.length };
  }
}

export interface CollectedEvents {
  events: BundleEvent[];
  truncated: boolean;
  matched: number;
  excludedByWindow: number;
  excludedByFilter: number;
  malformed: number;
}

/** Filters, sorts by real time and caps the bundle's events in one streaming pass. */
export async function collectEvents(store: BundleStore, ref: BundleRef, filter: EventFilter, limit = 2000): Promise<CollectedEvents> {
  const keep = new EarliestEvents(limit);
  const stats: ReadStats = { malformed: 0 };
  let excludedByWindow = 0;
  let excludedByFilter = 0;
  for await (const e of readEvents(store, ref, stats)) {
    const v = classifyEvent(e, filter);
    if (v === 'window') excludedByWindow++;
    else if (v === 'filter') excludedByFilter++;
    else keep.add(e);
  }
  const { events, truncated } = keep.result();
  return { events, truncated, matched: keep.seen, excludedByWindow, excludedByFilter, malformed: stats.malformed };
}
