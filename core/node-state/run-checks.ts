import { type BundleRef } from '../query/bundle-ref.js';
import { type CachedResult, saveResults } from '../query/result-cache.js';
import { severityRank } from '../rules/rule-schema.js';
import type { BundleStore } from '../store/bundle-store.js';
import { CNI_CHECKS } from './cni-checks.js';
import { DNS_CHECKS } from './dns-checks.js';
import type { CheckStatus, NFinding, NodeCheck } from './finding.js';
import { loadNodeState } from './load-state.js';
import { PROCESS_CHECKS } from './process-checks.js';
import { ROUTING_CHECKS } from './routing-checks.js';
import type { NodeState } from './state.js';
import { STORAGE_CHECKS } from './storage-checks.js';
import { loadThresholds, type Thresholds } from './thresholds.js';
import { VPC_CNI_CHECKS } from './vpc-cni-checks.js';

/** Every check, in the order that breaks severity ties when numbering. */
export const NODE_CHECKS: readonly NodeCheck[] = [...ROUTING_CHECKS, ...CNI_CHECKS, ...VPC_CNI_CHECKS, ...DNS_CHECKS, ...STORAGE_CHECKS, ...PROCESS_CHECKS];

export type NodeArea = 'network' | 'storage';

export interface CheckStatusEntry {
  check: string;
  area: NodeArea;
  status: CheckStatus;
  reason?: string;
}

export interface NodeChecksResult {
  findings: NFinding[];
  checked: CheckStatusEntry[];
}

/** A finding with the area of its check: both areas share one numbering. */
export type AreaFinding = NFinding & { area: NodeArea };

/**
 * Runs every check on parsed state and numbers the findings N-001… by severity, then check order.
 * Both areas are numbered together so network and storage ids never collide in the one `network`
 * results file summarize reads, and an id means the same thing whichever tool handed it out.
 */
export function evaluateNodeState(state: NodeState, t: Thresholds = loadThresholds()): { findings: AreaFinding[]; checked: CheckStatusEntry[] } {
  const drafts: Omit<AreaFinding, 'id'>[] = [];
  const checked: CheckStatusEntry[] = [];
  for (const c of NODE_CHECKS) {
    const r = c.run(state, t);
    checked.push({ check: c.name, area: c.area, status: r.status, ...(r.reason ? { reason: r.reason } : {}) });
    for (const f of r.findings) drafts.push({ ...f, check: c.name, area: c.area });
  }
  // Array.prototype.sort is stable: within a severity, check order and emission order are kept
  drafts.sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
  return { findings: drafts.map((f, i) => ({ id: `N-${String(i + 1).padStart(3, '0')}`, ...f })), checked };
}

const toCached = (f: NFinding): CachedResult => ({
  id: f.id, summary: `${f.title} (${f.check})`, severity: f.severity, code: f.code,
  path: f.evidence[0]?.path ?? null, line: f.evidence[0]?.line ?? null, text: f.message,
  evidence: f.evidence.map((e) => ({ path: e.path, line: e.line })),
});

/** Parses the bundle's state files, runs the checks, stores every N- id for summarize, returns one area's share. */
export async function runNodeChecks(store: BundleStore, ref: BundleRef, opts: { area: NodeArea }): Promise<NodeChecksResult> {
  const all = evaluateNodeState(await loadNodeState(store, ref));
  await saveResults(store, ref, 'network', all.findings.map(toCached));
  const inArea = (x: { area: NodeArea }) => x.area === opts.area;
  return {
    findings: all.findings.filter(inArea).map(({ area: _area, ...f }) => f),
    checked: all.checked.filter(inArea),
  };
}
