import type { Finding } from '../findings/finding.js';
import { type Severity, severityRank } from '../rules/rule-schema.js';
import { recommendSops, type Sop } from '../sops/sop-library.js';
import type { BundleStore } from '../store/bundle-store.js';
import type { BundleRef } from './bundle-ref.js';
import { type ChainMatch, evaluateChains, loadChains, OccurrenceTracker } from './chains.js';
import { presentComponents, readEvents } from './events.js';
import { findingsCache } from './findings-cache.js';

export interface Hypothesis {
  id: string;
  kind: 'chain' | 'finding';
  title: string;
  summary: string;
  score: number;
  scoreParts: { severity: number; chain: number; volume: number; earliness: number };
  severity: Severity;
  firstSeen: string | null;
  evidence: { finding: string; code: string; severity: Severity; count: number; firstSeen: string | null; sample: string | null }[];
  chain: { complete: boolean; ordered: boolean; confidence: ChainMatch['confidence']; matchedSteps: number; totalSteps: number; gaps: string[] } | null;
}

export interface TriageResult {
  node: string;
  bundleId: string;
  collectedAt: string;
  top: Hypothesis | null;
  competing: (Hypothesis & { whyLower: string })[];
  runbooks: { id: string; title: string | null; reasons: string[] }[];
  findingsConsidered: number;
  note: string | null;
}

const SEVERITY_POINTS: Record<Severity, number> = { critical: 40, high: 30, warning: 15, info: 5 };
const MAX_EVIDENCE = 10;
const MAX_RUNBOOKS = 6;

/**
 * Scoring, additive so the reason for a rank can be read off its parts:
 * - severity (5-40): the worst evidence severity; what hurts the node most comes first.
 * - chain (0-40): 30 x the share of a root-cause chain's steps observed, +10 when they occur in
 *   causal time order. A chain explains several findings as one cause; a lone symptom does not.
 * - volume (0-10): 4 x log10(occurrences + 1). Repetition matters, but logs are chatty, so it saturates.
 * - earliness (0-10): linear in the rank of first occurrence, earliest 10; causes precede effects.
 *   Kept small: a minor problem that merely started earlier must not outrank a critical chain.
 */
function scoreParts(sev: Severity, chain: ChainMatch | null, count: number) {
  const chainPts = chain ? Math.round((30 * chain.matchedSteps.length) / chain.totalSteps + (chain.ordered ? 10 : 0)) : 0;
  return { severity: SEVERITY_POINTS[sev], chain: chainPts, volume: Math.round(Math.min(10, 4 * Math.log10(count + 1)) * 10) / 10, earliness: 0 };
}

const worst = (fs: Finding[]): Severity => fs.map((f) => f.severity).sort((a, b) => severityRank(a) - severityRank(b))[0]!;
const earliest = (fs: Finding[]): string | null => fs.map((f) => f.firstSeen).filter((t): t is string => t !== null).sort()[0] ?? null;

function hypothesis(id: string, kind: Hypothesis['kind'], title: string, summary: string, fs: Finding[], chain: ChainMatch | null): Hypothesis {
  const sorted = [...fs].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || (a.firstSeen ?? '~').localeCompare(b.firstSeen ?? '~'));
  const sev = worst(fs);
  const parts = scoreParts(sev, chain, fs.reduce((n, f) => n + f.count, 0));
  return {
    id, kind, title, summary, score: 0, scoreParts: parts, severity: sev, firstSeen: earliest(fs),
    evidence: sorted.slice(0, MAX_EVIDENCE).map((f) => ({
      finding: f.id, code: f.code, severity: f.severity, count: f.count, firstSeen: f.firstSeen,
      sample: f.samples[0] ? `${f.samples[0].path}:${f.samples[0].line}` : null,
    })),
    chain: chain && {
      complete: chain.complete, ordered: chain.ordered, confidence: chain.confidence,
      matchedSteps: chain.matchedSteps.length, totalSteps: chain.totalSteps, gaps: chain.gaps,
    },
  };
}

/** Why `h` ranks below `top`, from the score parts where top is ahead. */
function whyLower(h: Hypothesis, top: Hypothesis): string {
  const r: string[] = [];
  if (h.scoreParts.severity < top.scoreParts.severity) r.push(`its worst evidence is ${h.severity}, the top hypothesis has ${top.severity}`);
  if (h.scoreParts.chain < top.scoreParts.chain) {
    r.push(h.chain
      ? `only ${h.chain.matchedSteps} of ${h.chain.totalSteps} causal steps observed${h.chain.ordered ? '' : ', not in causal order'}`
      : 'a single symptom, not part of an observed root-cause chain');
  }
  if (h.scoreParts.volume < top.scoreParts.volume) r.push(`fewer occurrences (${h.evidence.reduce((n, e) => n + e.count, 0)} vs ${top.evidence.reduce((n, e) => n + e.count, 0)})`);
  if (h.scoreParts.earliness < top.scoreParts.earliness && h.firstSeen) r.push(`starts later (${h.firstSeen} vs ${top.firstSeen})`);
  return r.length ? `${r.join('; ')} (score ${h.score} vs ${top.score})` : `lower combined score (${h.score} vs ${top.score})`;
}

/**
 * One-call triage of a bundle: the most likely root cause with its evidence, up to three
 * competing explanations with why they rank lower, and the runbooks to follow. Looks at the whole
 * bundle (not a window): triage is the first call, before anyone knows when the incident was.
 */
export async function quickTriage(store: BundleStore, ref: BundleRef, opts: { sops?: readonly Sop[] } = {}): Promise<TriageResult> {
  const index = await findingsCache.get(store, ref);
  const byId = new Map(index.findings.map((f) => [f.id, f]));
  const occ = new OccurrenceTracker();
  for await (const e of readEvents(store, ref)) occ.add(e.finding, byId.get(e.finding)?.code ?? 'unknown', e.component, e.ms);
  occ.addFindingsWithoutEvents(index);
  const chains = evaluateChains(loadChains(), occ.list(), presentComponents(ref.manifest.files));

  const hyps: Hypothesis[] = [];
  const covered = new Set<string>();
  for (const c of chains) {
    // a chain seen only by its final symptom (e.g. NotReady) says nothing about which cause it was
    if (c.matchedSteps.length < 2 && c.matchedSteps[0]?.step !== 1) continue;
    const fs = [...new Set(c.matchedSteps.flatMap((s) => s.findings))].map((id) => byId.get(id)).filter((f): f is Finding => f !== undefined);
    if (fs.length === 0) continue;
    fs.forEach((f) => covered.add(f.id));
    const steps = c.matchedSteps.map((s) => s.name).join(' -> ');
    hyps.push(hypothesis(c.id, 'chain', c.title, `${c.description} Observed: ${steps}. Outcome: ${c.outcome}.`, fs, c));
  }
  // the rest, one hypothesis per code; info findings are context, not problems
  const byCode = new Map<string, Finding[]>();
  for (const f of index.findings) {
    if (covered.has(f.id) || f.severity === 'info') continue;
    byCode.set(f.code, [...(byCode.get(f.code) ?? []), f]);
  }
  for (const [code, fs] of byCode) hyps.push(hypothesis(`finding:${code}`, 'finding', fs[0]!.title, fs[0]!.description, fs, null));

  const byTime = [...hyps].sort((a, b) => (a.firstSeen ?? '~').localeCompare(b.firstSeen ?? '~'));
  byTime.forEach((h, i) => {
    h.scoreParts.earliness = h.firstSeen ? Math.round((10 * (byTime.length - 1 - i)) / Math.max(1, byTime.length - 1) * 10) / 10 : 0;
    const p = h.scoreParts;
    h.score = Math.round((p.severity + p.chain + p.volume + p.earliness) * 10) / 10;
  });
  hyps.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  const top = hyps[0] ?? null;
  const competing = top ? hyps.slice(1, 4).map((h) => ({ ...h, whyLower: whyLower(h, top) })) : [];
  return {
    node: ref.node, bundleId: ref.bundleId, collectedAt: ref.manifest.collectedAt, top, competing,
    runbooks: runbooksFor(top ? [top, ...competing] : [], chains, byId, opts.sops ?? []),
    findingsConsidered: index.findings.length,
    note: top ? null : 'no warning-or-worse finding and no root-cause chain: the problem is not in these logs, or the bundle lacks the files that would show it (call validate)',
  };
}

/** Runbooks for the top hypothesis first: its chain's runbook, its rules' `sops`, then the runbooks whose triggers name its codes. */
function runbooksFor(hyps: Hypothesis[], chains: ChainMatch[], byId: Map<string, Finding>, sops: readonly Sop[]): TriageResult['runbooks'] {
  type Acc = { id: string; title: string | null; chains: Set<string>; rules: Set<string>; triggers: Set<string> };
  const out = new Map<string, Acc>();
  const entry = (id: string, t: string | null = sops.find((s) => s.id === id)?.title ?? null) => {
    let e = out.get(id);
    if (!e) out.set(id, (e = { id, title: t, chains: new Set(), rules: new Set(), triggers: new Set() }));
    return e;
  };
  for (const h of hyps) {
    const chain = chains.find((c) => c.id === h.id);
    if (chain) entry(chain.runbook).chains.add(chain.id);
    for (const e of h.evidence) for (const s of byId.get(e.finding)?.sops ?? []) entry(s).rules.add(e.code);
    for (const r of recommendSops(sops, [...new Set(h.evidence.map((e) => e.code))])) for (const c of r.matchedCodes) entry(r.id, r.title).triggers.add(c);
  }
  return [...out.values()].slice(0, MAX_RUNBOOKS).map((e) => ({
    id: e.id, title: e.title,
    reasons: [
      ...[...e.chains].map((c) => `root-cause chain ${c}`),
      ...(e.rules.size ? [`listed by rule ${[...e.rules].join(', ')}`] : []),
      ...(e.triggers.size ? [`runbook triggers on ${[...e.triggers].join(', ')}`] : []),
    ],
  }));
}
