import type { Finding } from '../findings/finding.js';
import { type Severity, severityRank } from '../rules/rule-schema.js';
import type { BundleStore } from '../store/bundle-store.js';
import type { BundleRef } from './bundle-ref.js';
import { componentOf } from './events.js';
import { findingsCache } from './findings-cache.js';
import { QueryInputError } from './query-error.js';
import { type CachedResult, kindOfId, loadResults, type ResultKind } from './result-cache.js';

export const MAX_SUMMARY_IDS = 500;
const MAX_EVIDENCE = 50;
const SAMPLES_PER_FINDING = 3;

export interface SummaryItem {
  id: string;
  kind: 'finding' | ResultKind;
  title: string;
  code: string | null;
  severity: Severity | null;
  count: number | null;
  firstSeen: string | null;
  lastSeen: string | null;
  components: string[];
}

export interface Summary {
  node: string;
  bundleId: string;
  requested: number;
  resolved: SummaryItem[];
  unresolved: { id: string; reason: string }[];
  severityCounts: Record<Severity | 'unrated', number>;
  components: { component: string; items: number }[];
  timeSpan: { first: string; last: string } | null;
  evidence: { id: string; path: string; line: number; t: string | null; text: string }[];
  evidenceTruncated: boolean;
  summary: string;
}

export interface SummarizeExtra {
  /** results the calling tool holds in memory (S-/N-/P- ids), consulted before the stored ones */
  searchHits?: ReadonlyMap<string, CachedResult>;
}

type Resolved = { item: SummaryItem; evidence: Summary['evidence'] };

function fromFinding(f: Finding): Resolved {
  return {
    item: {
      id: f.id, kind: 'finding', title: f.title, code: f.code, severity: f.severity, count: f.count,
      firstSeen: f.firstSeen, lastSeen: f.lastSeen, components: [...new Set(f.sources.map((s) => componentOf(s.path)))].sort(),
    },
    evidence: f.samples.slice(0, SAMPLES_PER_FINDING).map((s) => ({ id: f.id, path: s.path, line: s.line, t: s.timestamp, text: s.text })),
  };
}

function fromResult(r: CachedResult, kind: ResultKind): Resolved {
  const ev = [
    ...(r.path && r.line ? [{ path: r.path, line: r.line, t: r.t ?? null }] : []),
    ...(r.evidence ?? []).map((e) => ({ path: e.path, line: e.line, t: e.t ?? null })),
  ];
  const paths = [...(r.path ? [r.path] : []), ...(r.evidence ?? []).map((e) => e.path)];
  return {
    item: {
      id: r.id, kind, title: r.summary, code: r.code ?? null, severity: r.severity ?? null, count: null,
      firstSeen: r.t ?? null, lastSeen: r.t ?? null, components: [...new Set(paths.map(componentOf))].sort(),
    },
    evidence: ev.slice(0, SAMPLES_PER_FINDING).map((e, i) => ({ id: r.id, ...e, text: i === 0 && r.text ? r.text : '' })),
  };
}

/**
 * Summarises the items an agent relied on. F- ids resolve against EVERY finding of the bundle;
 * S-/N-/P- ids against the results the tools stored for this bundle (and `extra`). Anything that
 * does not resolve is listed with the reason, and nothing about it enters the summary: a summary
 * must not state what no evidence shows.
 */
export async function summarize(store: BundleStore, ref: BundleRef, ids: readonly string[], extra: SummarizeExtra = {}): Promise<Summary> {
  const wanted = [...new Set(ids.map((i) => i.trim()).filter(Boolean))];
  if (wanted.length === 0) throw new QueryInputError('give at least one id (F-… from errors, S-… from search, N-… from network_diagnostics, P-… from tcpdump_analyze)');
  if (wanted.length > MAX_SUMMARY_IDS) throw new QueryInputError(`at most ${MAX_SUMMARY_IDS} ids per call: split the list`);
  const index = await findingsCache.get(store, ref);
  const findings = new Map(index.findings.map((f) => [f.id, f]));
  const stored = new Map<ResultKind, Map<string, CachedResult>>();
  const resultsOf = async (k: ResultKind) => {
    if (!stored.has(k)) stored.set(k, await loadResults(store, ref, k));
    return stored.get(k)!;
  };

  const resolved: Resolved[] = [];
  const unresolved: Summary['unresolved'] = [];
  for (const id of wanted) {
    if (/^F-\d+$/.test(id)) {
      const f = findings.get(id);
      if (f) resolved.push(fromFinding(f));
      else unresolved.push({ id, reason: `no finding ${id} in bundle ${ref.node}/${ref.bundleId} (it has ${index.findings.length} findings): ids are per bundle, call errors on this bundle` });
      continue;
    }
    const kind = kindOfId(id);
    if (!kind) {
      unresolved.push({ id, reason: 'not an F-, S-, N- or P- id' });
      continue;
    }
    const r = extra.searchHits?.get(id) ?? (await resultsOf(kind)).get(id);
    if (r) resolved.push(fromResult(r, kind));
    else unresolved.push({ id, reason: `no stored ${kind} result ${id} for bundle ${ref.node}/${ref.bundleId}: run the ${kind === 'search' ? 'search' : kind === 'network' ? 'network_diagnostics' : 'tcpdump_analyze'} call again on this bundle` });
  }
  if (resolved.length === 0) {
    const why = unresolved.slice(0, 3).map((u) => `${u.id}: ${u.reason}`).join('; ');
    throw new QueryInputError(`none of the ${wanted.length} id(s) resolved on node ${ref.node}: call errors (F- ids) or search (S- ids) on this bundle first, then summarize the ids they return. ${why}`);
  }
  return build(ref, wanted.length, resolved, unresolved);
}

function build(ref: BundleRef, requested: number, resolved: Resolved[], unresolved: Summary['unresolved']): Summary {
  const items = resolved.map((r) => r.item);
  const severityCounts: Summary['severityCounts'] = { critical: 0, high: 0, warning: 0, info: 0, unrated: 0 };
  const comp = new Map<string, number>();
  let first: string | null = null;
  let last: string | null = null;
  for (const it of items) {
    severityCounts[it.severity ?? 'unrated']++;
    for (const c of it.components) comp.set(c, (comp.get(c) ?? 0) + 1);
    if (it.firstSeen && (first === null || it.firstSeen < first)) first = it.firstSeen;
    if (it.lastSeen && (last === null || it.lastSeen > last)) last = it.lastSeen;
  }
  const components = [...comp].map(([component, n]) => ({ component, items: n })).sort((a, b) => b.items - a.items || a.component.localeCompare(b.component));
  const allEvidence = resolved.flatMap((r) => r.evidence);
  const timeSpan = first && last ? { first, last } : null;

  const bySeverity = [...items].sort((a, b) => (a.severity ? severityRank(a.severity) : 9) - (b.severity ? severityRank(b.severity) : 9) || (b.count ?? 0) - (a.count ?? 0));
  const sev = (['critical', 'high', 'warning', 'info', 'unrated'] as const).filter((s) => severityCounts[s] > 0).map((s) => `${severityCounts[s]} ${s}`).join(', ');
  const lines = [
    `${items.length} item(s) from node ${ref.node}, bundle ${ref.bundleId} (collected ${ref.manifest.collectedAt}): ${sev}.`,
    `Components: ${components.map((c) => `${c.component} (${c.items})`).join(', ') || 'none'}.`,
    timeSpan ? `Time span: ${timeSpan.first} to ${timeSpan.last}.` : 'No item carries a timestamp.',
    ...bySeverity.slice(0, 5).map((it) => {
      const ev = resolved.find((r) => r.item.id === it.id)?.evidence[0];
      // line 0 is evidence on the whole file (something absent from it): there is no line to point at
      const where = ev ? ` at ${ev.line > 0 ? `${ev.path}:${ev.line}` : ev.path}` : '';
      const n = it.count !== null ? ` x${it.count}` : '';
      return `- ${it.id} [${it.severity ?? 'unrated'}] ${it.code ?? it.kind}: ${it.title}${n}${it.firstSeen ? `, first ${it.firstSeen}` : ''}${where}`;
    }),
  ];
  if (items.length > 5) lines.push(`(${items.length - 5} more in resolved)`);
  return {
    node: ref.node, bundleId: ref.bundleId, requested, resolved: items, unresolved, severityCounts, components, timeSpan,
    evidence: allEvidence.slice(0, MAX_EVIDENCE), evidenceTruncated: allEvidence.length > MAX_EVIDENCE, summary: lines.join('\n'),
  };
}
