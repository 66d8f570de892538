import { dataPath } from '../util/data-path.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { FindingsIndex } from '../findings/finding.js';
import { COMPONENTS, componentOf } from './events.js';

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const CODE = /^[A-Z][A-Za-z0-9]+$/;

const StepSchema = z.object({
  name: z.string().min(3),
  codes: z.array(z.string().regex(CODE)).min(1),
  components: z.array(z.string()).optional(),
}).strict();

const ChainSchema = z.object({
  id: z.string().regex(KEBAB),
  title: z.string().min(5),
  description: z.string().min(10),
  outcome: z.string().min(3),
  runbook: z.string().regex(KEBAB),
  needs: z.array(z.string()).default([]),
  steps: z.array(StepSchema).min(2),
}).strict();

const ChainFileSchema = z.object({ chains: z.array(ChainSchema).min(8) }).strict();

export type ChainSpec = z.infer<typeof ChainSchema>;

/** The chain catalog: YAML data beside the sources (see dataPath). */
const defaultChainsPath = () => dataPath('query/root-cause-chains.yaml');

let cached: ChainSpec[] | undefined;

/** Loads and validates the chain catalog once per process; a bad file fails loudly, naming the field. */
export function loadChains(path?: string): ChainSpec[] {
  if (!path && cached) return cached;
  const res = ChainFileSchema.safeParse(parse(readFileSync(path ?? defaultChainsPath(), 'utf8')));
  if (!res.success) {
    const i = res.error.issues[0];
    throw new Error(`root-cause-chains.yaml: ${i?.path.join('.')}: ${i?.message}`);
  }
  const known = new Set(COMPONENTS.map((c) => c.component));
  const ids = new Set<string>();
  for (const c of res.data.chains) {
    if (ids.has(c.id)) throw new Error(`root-cause-chains.yaml: duplicate chain id ${c.id}`);
    ids.add(c.id);
    for (const comp of [...c.needs, ...c.steps.flatMap((s) => s.components ?? [])]) {
      if (!known.has(comp)) throw new Error(`root-cause-chains.yaml: chain ${c.id} names unknown component "${comp}"`);
    }
  }
  if (!path) cached = res.data.chains;
  return res.data.chains;
}

/** Where and when a finding was first seen in one component (the unit chain steps match on). */
export interface Occurrence {
  finding: string;
  code: string;
  component: string;
  firstMs: number | null;
  count: number;
}

/** Accumulates occurrences from an event stream, one entry per (finding, component). */
export class OccurrenceTracker {
  private readonly map = new Map<string, Occurrence>();

  add(finding: string, code: string, component: string, ms: number | null): void {
    const k = `${finding}\u0000${component}`;
    const o = this.map.get(k);
    if (!o) {
      this.map.set(k, { finding, code, component, firstMs: ms, count: 1 });
      return;
    }
    o.count++;
    if (ms !== null && (o.firstMs === null || ms < o.firstMs)) o.firstMs = ms;
  }

  /**
   * Findings that have no event (structured checks over state files emit findings, not lines)
   * still count, placed at their firstSeen in the components of their sources.
   */
  addFindingsWithoutEvents(index: FindingsIndex, keep: (firstSeen: string | null, lastSeen: string | null) => boolean = () => true): void {
    const seen = new Set([...this.map.values()].map((o) => o.finding));
    for (const f of index.findings) {
      if (seen.has(f.id) || !keep(f.firstSeen, f.lastSeen)) continue;
      const ms = f.firstSeen ? Date.parse(f.firstSeen) : null;
      for (const s of f.sources) this.add(f.id, f.code, componentOf(s.path), ms);
    }
  }

  list(): Occurrence[] {
    return [...this.map.values()];
  }
}

export interface ChainStepMatch {
  step: number;
  name: string;
  /** the step's codes that were observed */
  codes: string[];
  firstSeen: string | null;
  findings: string[];
}

export interface ChainMatch {
  id: string;
  title: string;
  description: string;
  outcome: string;
  runbook: string;
  totalSteps: number;
  matchedSteps: ChainStepMatch[];
  complete: boolean;
  ordered: boolean;
  confidence: 'high' | 'medium' | 'low';
  gaps: string[];
}

/**
 * Loggers stamp lines at different points (klog when the message is built, journald on receipt,
 * IPAMD in its own process), so an effect can carry a time a little before its cause. Steps
 * within this tolerance still count as in order.
 */
const ORDER_TOLERANCE_MS = 5_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Matches every chain against the occurrences. Confidence: `high` needs every step, in causal time
 * order, with every needed log present; `medium` is a complete chain out of order or with a log
 * missing, or two or more steps in order; anything less is `low`. Chains with no step are omitted.
 */
export function evaluateChains(chains: readonly ChainSpec[], occurrences: readonly Occurrence[], present: ReadonlySet<string>): ChainMatch[] {
  const out: ChainMatch[] = [];
  for (const c of chains) {
    const matched: (ChainStepMatch & { ms: number | null })[] = [];
    const gaps: string[] = [];
    c.steps.forEach((s, i) => {
      const hits = occurrences.filter((o) => s.codes.includes(o.code) && (!s.components || s.components.includes(o.component)));
      if (hits.length === 0) {
        const where = s.components ? ` in ${s.components.join('/')} logs` : '';
        gaps.push(`step ${i + 1} (${s.name}) not observed: none of ${s.codes.join(', ')}${where}`);
        return;
      }
      const times = hits.map((h) => h.firstMs).filter((m): m is number => m !== null);
      const ms = times.length ? Math.min(...times) : null;
      matched.push({
        step: i + 1, name: s.name, ms, firstSeen: iso(ms),
        codes: [...new Set(hits.map((h) => h.code))].sort(),
        findings: [...new Set(hits.map((h) => h.finding))].sort(),
      });
    });
    if (matched.length === 0) continue;
    const timed = matched.filter((m) => m.ms !== null);
    let ordered = timed.length >= 2;
    for (let i = 1; i < timed.length; i++) {
      const prev = timed[i - 1]!;
      const cur = timed[i]!;
      if (cur.ms! + ORDER_TOLERANCE_MS < prev.ms!) {
        ordered = false;
        gaps.push(`step ${cur.step} first seen ${cur.firstSeen}, before step ${prev.step} (${prev.firstSeen}): not in causal order`);
      }
    }
    if (timed.length < 2) gaps.push('fewer than two timed steps: causal order cannot be judged');
    for (const need of c.needs) {
      if (!present.has(need)) {
        const hint = COMPONENTS.find((x) => x.component === need)?.hint ?? need;
        gaps.push(`no ${need} log in bundle (e.g. ${hint}): steps logged there cannot be seen`);
      }
    }
    const complete = matched.length === c.steps.length;
    const sourcesOk = c.needs.every((n) => present.has(n));
    const confidence = complete && ordered && sourcesOk ? 'high' : (complete || matched.length >= 2) && (ordered || complete) ? 'medium' : 'low';
    out.push({
      id: c.id, title: c.title, description: c.description, outcome: c.outcome, runbook: c.runbook,
      totalSteps: c.steps.length, matchedSteps: matched.map(({ ms: _ms, ...m }) => m), complete, ordered, confidence, gaps,
    });
  }
  const rank = { high: 0, medium: 1, low: 2 } as const;
  return out.sort((a, b) => rank[a.confidence] - rank[b.confidence] || b.matchedSteps.length - a.matchedSteps.length || a.id.localeCompare(b.id));
}
