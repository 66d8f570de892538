import type { CompiledCatalog } from '../rules/compiled-catalog.js';
import { severityRank } from '../rules/rule-schema.js';
import type { Finding, FindingSample, FindingSource, SeveritySummary } from './finding.js';
import { messageTemplate } from './message-template.js';

/** An occurrence as the scanner reports it, with the time resolved by the caller. */
export interface Occurrence {
  rule: number;
  path: string;
  line: number;
  offset: number;
  text: string;
  /** wall-clock ms, when the line carries a time */
  ms?: number;
  /** dmesg seconds since boot, when that is all the line carries */
  mono?: number;
  /** the line's message template, when the caller already computed it */
  template?: string;
}

interface Agg {
  key: number;
  rule: number;
  template: string;
  occurrences: number;
  firstMs?: number;
  lastMs?: number;
  firstMono?: number;
  lastMono?: number;
  firstPath: string;
  firstLine: number;
  sources: Map<string, FindingSource>;
  samples: (FindingSample & { ms?: number; mono?: number })[];
  /** time keys already counted: one event copied into several files counts once */
  seen: Set<string>;
  untimed: Map<string, number>;
  count: number;
}

const MAX_TRACKED_TIMES = 50_000;

/** Origin of a file: rotations of one log and the three dmesg captures are one origin. */
export function originOf(path: string): string {
  if (path.startsWith('kernel/dmesg')) return 'kernel/dmesg';
  return path.replace(/(?:\.\d+|-\d{8,10})?(?:\.gz)?$/, '');
}

/**
 * Folds occurrences into findings. Kept in memory per (code, template), not per line, so memory
 * grows with the number of distinct problems, not with the bundle size.
 */
export class FindingAggregator {
  private readonly byKey = new Map<string, Agg>();
  private readonly order: Agg[] = [];

  constructor(private readonly catalog: CompiledCatalog) {}

  /** Returns the aggregation key of the occurrence (stable within this bundle) for the event stream. */
  add(o: Occurrence): number {
    const code = this.catalog.rules[o.rule]!.spec.code;
    const template = o.template ?? messageTemplate(o.text);
    const k = `${code}\u0000${template}`;
    let a = this.byKey.get(k);
    if (!a) {
      a = {
        key: this.order.length, rule: o.rule, template, occurrences: 0, firstPath: o.path, firstLine: o.line,
        sources: new Map(), samples: [], seen: new Set(), untimed: new Map(), count: 0,
      };
      this.byKey.set(k, a);
      this.order.push(a);
    }
    a.occurrences++;
    if (o.ms !== undefined) {
      if (a.firstMs === undefined || o.ms < a.firstMs) a.firstMs = o.ms;
      if (a.lastMs === undefined || o.ms > a.lastMs) a.lastMs = o.ms;
    } else if (o.mono !== undefined) {
      if (a.firstMono === undefined || o.mono < a.firstMono) a.firstMono = o.mono;
      if (a.lastMono === undefined || o.mono > a.lastMono) a.lastMono = o.mono;
    }
    this.countDistinct(a, o);
    let src = a.sources.get(o.path);
    if (!src) {
      src = { path: o.path, count: 0, firstLine: o.line, lastLine: o.line };
      a.sources.set(o.path, src);
    }
    src.count++;
    src.lastLine = o.line;
    this.sample(a, o);
    return a.key;
  }

  private countDistinct(a: Agg, o: Occurrence): void {
    const t = o.ms !== undefined ? `w${Math.floor(o.ms / 1000)}` : o.mono !== undefined ? `m${Math.floor(o.mono)}` : undefined;
    if (t === undefined) {
      // no time: copies cannot be told apart, so count the origin with the most lines
      const origin = originOf(o.path);
      const n = (a.untimed.get(origin) ?? 0) + 1;
      a.untimed.set(origin, n);
      return;
    }
    if (a.seen.size >= MAX_TRACKED_TIMES) {
      a.count++;
      return;
    }
    const key = `${t}\u0000${o.path}`;
    // the same second already seen in another file of another origin: a copy, not a new event
    const otherCopy = [...a.sources.keys()].some((p) => p !== o.path && a.seen.has(`${t}\u0000${p}`));
    a.seen.add(key);
    if (!otherCopy) a.count++;
  }

  private sample(a: Agg, o: Occurrence): void {
    const s = { path: o.path, line: o.line, offset: o.offset, timestamp: null, text: o.text.slice(0, 500), ms: o.ms, mono: o.mono };
    if (a.samples.length < 5) {
      a.samples.push(s);
      return;
    }
    // prefer breadth: a sample from a file not yet represented replaces a second sample of a file
    if (a.samples.some((x) => x.path === o.path)) return;
    const counts = new Map<string, number>();
    for (const x of a.samples) counts.set(x.path, (counts.get(x.path) ?? 0) + 1);
    for (let i = a.samples.length - 1; i >= 0; i--) {
      if ((counts.get(a.samples[i]!.path) ?? 0) > 1) {
        a.samples[i] = s;
        return;
      }
    }
  }

  /**
   * Final findings with stable ids: severity first, then first occurrence in time (untimed last),
   * then place in the bundle. `bootMs` turns dmesg seconds-since-boot into wall time when known.
   * Returns the findings and a map from aggregation key to finding id, for the event stream.
   */
  finish(bootMs?: number): { findings: Finding[]; idOfKey: Map<number, string> } {
    const wall = (ms?: number, mono?: number) => (ms !== undefined ? ms : mono !== undefined && bootMs !== undefined ? bootMs + mono * 1000 : undefined);
    const rows = this.order.map((a) => {
      const first = min(a.firstMs, wall(undefined, a.firstMono));
      const last = max(a.lastMs, wall(undefined, a.lastMono));
      const untimedMax = Math.max(0, ...a.untimed.values());
      return { a, first, last, count: a.count + untimedMax };
    });
    rows.sort((x, y) => {
      const sx = severityRank(this.catalog.rules[x.a.rule]!.spec.severity);
      const sy = severityRank(this.catalog.rules[y.a.rule]!.spec.severity);
      if (sx !== sy) return sx - sy;
      if (x.first !== y.first) return x.first === undefined ? 1 : y.first === undefined ? -1 : x.first - y.first;
      if (x.a.firstPath !== y.a.firstPath) return x.a.firstPath < y.a.firstPath ? -1 : 1;
      if (x.a.firstLine !== y.a.firstLine) return x.a.firstLine - y.a.firstLine;
      const cx = this.catalog.rules[x.a.rule]!.spec.code;
      const cy = this.catalog.rules[y.a.rule]!.spec.code;
      return cx < cy ? -1 : cx > cy ? 1 : x.a.template < y.a.template ? -1 : x.a.template > y.a.template ? 1 : 0;
    });
    const width = Math.max(3, String(rows.length).length);
    const idOfKey = new Map<number, string>();
    const findings = rows.map(({ a, first, last, count }, i): Finding => {
      const spec = this.catalog.rules[a.rule]!.spec;
      const id = `F-${String(i + 1).padStart(width, '0')}`;
      idOfKey.set(a.key, id);
      const iso = (ms?: number) => (ms === undefined ? null : new Date(ms).toISOString());
      return {
        id, code: spec.code, title: spec.title, severity: spec.severity, category: spec.category,
        count, occurrences: a.occurrences, template: a.template,
        firstSeen: iso(first), lastSeen: iso(last),
        sources: [...a.sources.values()].sort((p, q) => (p.path < q.path ? -1 : p.path > q.path ? 1 : 0)),
        samples: a.samples.map(({ ms, mono, ...s }) => ({ ...s, timestamp: iso(wall(ms, mono)) })),
        confirmation: new Set([...a.sources.keys()].map(originOf)).size,
        sops: spec.sops, remediation: spec.remediation, description: spec.description,
        ...(spec.nmaReason ? { nmaReason: spec.nmaReason } : {}),
      };
    });
    return { findings, idOfKey };
  }
}

export function summarize(findings: readonly Finding[]): SeveritySummary {
  const s: SeveritySummary = { critical: 0, high: 0, warning: 0, info: 0 };
  for (const f of findings) s[f.severity]++;
  return s;
}

const min = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const max = (a?: number, b?: number) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
