import type { Severity } from '../rules/rule-schema.js';
import type { BundleStore } from '../store/bundle-store.js';
import type { BundleRef } from './bundle-ref.js';
import { type ChainMatch, evaluateChains, loadChains, OccurrenceTracker } from './chains.js';
import { type BundleEvent, EarliestEvents, KNOWN_COMPONENTS, presentComponents, readEvents, type ReadStats } from './events.js';
import { findingsCache } from './findings-cache.js';
import { QueryInputError } from './query-error.js';
import { type ResolvedWindow, resolveWindow, type WindowInput } from './time-window.js';

export const MAX_EVENTS_CAP = 2000;
export const DEFAULT_MAX_EVENTS = 200;
export const DEFAULT_GAP_SECONDS = 60;
const MAX_CLUSTERS = 100;

export interface CorrelateOptions {
  window?: WindowInput;
  /** a new cluster starts where consecutive events are more than this apart (default 60) */
  gapSeconds?: number;
  /** F- id: the window becomes its first occurrence ± window.window_minutes (default 5) */
  pivotFinding?: string;
  /** only events from these components in the timeline and clusters */
  components?: string[];
  /** timeline length (default 200, capped at 2000) */
  maxEvents?: number;
}

export interface TimelineEvent {
  t: string | null;
  finding: string;
  code: string;
  severity: Severity | null;
  component: string;
  path: string;
  line: number;
  text: string;
}

export interface Cluster {
  start: string;
  end: string;
  events: number;
  codes: string[];
  findings: string[];
}

export interface CorrelateResult {
  node: string;
  bundleId: string;
  window_start_utc: string;
  window_end_utc: string;
  resolution_reason: ResolvedWindow['resolution_reason'] | 'pivot_finding';
  pivot: { finding: string; code: string; firstSeen: string } | null;
  gapSeconds: number;
  components: string[] | null;
  maxEvents: number;
  timeline: TimelineEvent[];
  /** events that passed every filter, of which `timeline` holds the earliest maxEvents */
  matched: number;
  truncated: boolean;
  untimed: number;
  clusters: Cluster[];
  clustersTruncated: boolean;
  chains: ChainMatch[];
  excluded: number;
  excludedByWindow: number;
  excludedByComponent: number;
  malformedEvents: number;
}

function resolve(ref: BundleRef, opts: CorrelateOptions, firstSeenOf: (id: string) => { code: string; firstSeen: string | null } | undefined) {
  const collected = Date.parse(ref.manifest.collectedAt);
  const w = opts.window ?? {};
  if (!opts.pivotFinding) return { window: resolveWindow(w, collected), pivot: null };
  if (w.start_time !== undefined || w.end_time !== undefined || w.incident_time !== undefined) {
    throw new QueryInputError('pivot_finding sets the window itself: drop start_time/end_time/incident_time, or drop pivot_finding');
  }
  const id = opts.pivotFinding;
  const f = /^F-\d+$/.test(id) ? firstSeenOf(id) : undefined;
  if (!f) throw new QueryInputError(`pivot_finding "${id.slice(0, 40)}" is not a finding of bundle ${ref.node}/${ref.bundleId}: call errors for its F- ids`);
  if (!f.firstSeen) throw new QueryInputError(`${id} (${f.code}) has no timestamp to center on: give start_time and end_time instead`);
  const window = resolveWindow({ incident_time: f.firstSeen, window_minutes: w.window_minutes ?? 5 }, collected);
  return { window, pivot: { finding: id, code: f.code, firstSeen: f.firstSeen } };
}

function checkOptions(opts: CorrelateOptions): { gapMs: number; maxEvents: number; components: Set<string> | undefined } {
  const gap = opts.gapSeconds ?? DEFAULT_GAP_SECONDS;
  if (!(gap > 0) || gap > 86_400) throw new QueryInputError('gap_seconds must be between 1 and 86400');
  const maxEvents = Math.min(opts.maxEvents ?? DEFAULT_MAX_EVENTS, MAX_EVENTS_CAP);
  if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new QueryInputError(`max_events must be a whole number from 1 to ${MAX_EVENTS_CAP}`);
  let components: Set<string> | undefined;
  if (opts.components && opts.components.length > 0) {
    const unknown = opts.components.filter((c) => !KNOWN_COMPONENTS.includes(c));
    if (unknown.length) throw new QueryInputError(`unknown component(s) ${unknown.join(', ')}: use any of ${KNOWN_COMPONENTS.join(', ')}`);
    components = new Set(opts.components);
  }
  return { gapMs: gap * 1000, maxEvents, components };
}

/**
 * Splits time-ordered instants into bursts wherever two consecutive events are more than `gapMs`
 * apart. Works on compact arrays (a number and an index per event) so a window holding a million
 * events does not hold a million texts.
 */
function clusterize(times: number[], fidx: number[], ids: string[], codeOf: (id: string) => string, gapMs: number) {
  const order = times.map((_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  const clusters: Cluster[] = [];
  let total = 0;
  let cur: { start: number; end: number; n: number; findings: Set<string> } | undefined;
  const close = () => {
    if (!cur) return;
    total++;
    if (clusters.length < MAX_CLUSTERS) {
      const findings = [...cur.findings];
      clusters.push({
        start: new Date(cur.start).toISOString(), end: new Date(cur.end).toISOString(), events: cur.n,
        codes: [...new Set(findings.map(codeOf))], findings: findings.sort(),
      });
    }
  };
  for (const i of order) {
    const ms = times[i]!;
    if (!cur || ms - cur.end > gapMs) {
      close();
      cur = { start: ms, end: ms, n: 0, findings: new Set() };
    }
    cur.end = ms;
    cur.n++;
    cur.findings.add(ids[fidx[i]!]!);
  }
  close();
  return { clusters, truncated: total > clusters.length };
}

/**
 * The timeline of one bundle across every log, in real time order, grouped into bursts and matched
 * against the root-cause chains. One streaming pass over events.jsonl.gz; every parameter counts.
 * Chains are matched on every component in the window, even when `components` narrows the
 * timeline: a causal chain crosses components by definition, and hiding its steps would turn a
 * display filter into a false "step not observed".
 */
export async function correlate(store: BundleStore, ref: BundleRef, opts: CorrelateOptions = {}): Promise<CorrelateResult> {
  const index = await findingsCache.get(store, ref);
  const byId = new Map(index.findings.map((f) => [f.id, f]));
  const { gapMs, maxEvents, components } = checkOptions(opts);
  const { window, pivot } = resolve(ref, opts, (id) => byId.get(id));
  const codeOf = (id: string) => byId.get(id)?.code ?? 'unknown';

  const keep = new EarliestEvents(maxEvents);
  const occ = new OccurrenceTracker();
  const stats: ReadStats = { malformed: 0 };
  const times: number[] = [];
  const fidx: number[] = [];
  const ids: string[] = [];
  const idIndex = new Map<string, number>();
  let excludedByWindow = 0;
  let excludedByComponent = 0;
  let untimed = 0;
  for await (const e of readEvents(store, ref, stats)) {
    if (e.ms !== null && (e.ms < window.startMs || e.ms > window.endMs)) {
      excludedByWindow++;
      continue;
    }
    occ.add(e.finding, codeOf(e.finding), e.component, e.ms);
    if (components && !components.has(e.component)) {
      excludedByComponent++;
      continue;
    }
    keep.add(e);
    if (e.ms === null) {
      untimed++;
      continue;
    }
    let k = idIndex.get(e.finding);
    if (k === undefined) {
      k = ids.push(e.finding) - 1;
      idIndex.set(e.finding, k);
    }
    times.push(e.ms);
    fidx.push(k);
  }
  occ.addFindingsWithoutEvents(index, (a, b) => (a ? Date.parse(a) <= window.endMs : true) && (b ? Date.parse(b) >= window.startMs : true));

  const { events, truncated } = keep.result();
  const { clusters, truncated: clustersTruncated } = clusterize(times, fidx, ids, codeOf, gapMs);
  const chains = evaluateChains(loadChains(), occ.list(), presentComponents(ref.manifest.files));
  return {
    node: ref.node, bundleId: ref.bundleId,
    window_start_utc: window.window_start_utc, window_end_utc: window.window_end_utc,
    resolution_reason: pivot ? 'pivot_finding' : window.resolution_reason, pivot,
    gapSeconds: gapMs / 1000, components: components ? [...components] : null, maxEvents,
    timeline: events.map((e: BundleEvent) => ({
      t: e.t, finding: e.finding, code: codeOf(e.finding), severity: byId.get(e.finding)?.severity ?? null,
      component: e.component, path: e.path, line: e.line, text: e.text,
    })),
    matched: keep.seen, truncated, untimed, clusters, clustersTruncated, chains,
    excluded: excludedByWindow + excludedByComponent, excludedByWindow, excludedByComponent, malformedEvents: stats.malformed,
  };
}
