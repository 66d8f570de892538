import type { ClusterNode } from './cluster-port.js';

export type NodeFilter = 'all' | 'NotReady' | 'pressure';

/** Node groups first (managed node groups), else instance types: what "one of each kind" means on EKS. */
export const GROUP_LABELS = ['eks.amazonaws.com/nodegroup', 'node.kubernetes.io/instance-type'] as const;
/** skipped entries listed at most (a selector over a big cluster skips thousands) */
export const MAX_SKIPPED_LISTED = 100;

export interface BatchPlanInput {
  /** the Nodes the selector matched (all Nodes when `names` is given, to look them up) */
  nodes: ClusterNode[];
  /** explicit targets: node names or instance ids (instead of the selector) */
  names?: string[];
  filter: NodeFilter;
  samplePerGroup?: number;
  maxNodes: number;
}

export interface PlannedTarget {
  node: string;
  group: string | null;
}

export interface BatchPlan {
  targets: PlannedTarget[];
  skipped: Array<{ node: string; reason: string }>;
  skippedTotal: number;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

export const groupOf = (n: ClusterNode): string | null => {
  for (const l of GROUP_LABELS) if (n.labels[l]) return `${l}=${n.labels[l]}`;
  return null;
};

function filterMiss(n: ClusterNode, f: NodeFilter): string | undefined {
  if (f === 'NotReady' && n.ready === true) return 'Ready (filter NotReady)';
  if (f === 'pressure' && n.pressure.length === 0) return 'no pressure condition (filter pressure)';
  return undefined;
}

/** Sick nodes first, so sampling and the cap keep the ones worth collecting from. */
const badness = (n: ClusterNode | undefined): number => (n === undefined ? 0 : (n.ready !== true ? 2 : 0) + (n.pressure.length > 0 ? 1 : 0));

/**
 * Which nodes a batch collects from, and why each other node is left out: filter, then per-group
 * sampling, then the hard cap — in that order, sick nodes first and by name, so the same cluster
 * state gives the same plan (dry_run shows exactly what the real run creates).
 */
export function planBatch(p: BatchPlanInput): BatchPlan {
  const skipped: BatchPlan['skipped'] = [];
  const byName = new Map(p.nodes.map((n) => [n.name, n]));
  const byInstance = new Map(p.nodes.filter((n) => n.instanceId).map((n) => [n.instanceId!, n]));
  let candidates: Array<{ node: string; info?: ClusterNode }> = [];

  if (p.names) {
    const seen = new Set<string>();
    for (const name of p.names) {
      if (seen.has(name)) {
        skipped.push({ node: name, reason: 'listed twice' });
        continue;
      }
      seen.add(name);
      const info = byName.get(name) ?? byInstance.get(name);
      // an instance id with no Node is still collectable over SSM (a node whose kubelet never registered)
      if (!info && !INSTANCE_ID.test(name)) skipped.push({ node: name, reason: 'no Node of that name in the cluster' });
      else candidates.push({ node: name, info });
    }
  } else {
    candidates = p.nodes.map((n) => ({ node: n.name, info: n }));
  }

  candidates = candidates.filter((c) => {
    if (p.filter === 'all') return true;
    const miss = c.info ? filterMiss(c.info, p.filter) : `not a Node, so filter ${p.filter} cannot be checked`;
    if (miss) skipped.push({ node: c.node, reason: miss });
    return !miss;
  });
  candidates.sort((a, b) => badness(b.info) - badness(a.info) || a.node.localeCompare(b.node));

  const perGroup = new Map<string, number>();
  const targets: PlannedTarget[] = [];
  for (const c of candidates) {
    const group = c.info ? groupOf(c.info) : null;
    if (p.samplePerGroup !== undefined) {
      const key = group ?? '(no group label)';
      const n = perGroup.get(key) ?? 0;
      if (n >= p.samplePerGroup) {
        skipped.push({ node: c.node, reason: `sampled out: ${p.samplePerGroup} already chosen from ${key}` });
        continue;
      }
      perGroup.set(key, n + 1);
    }
    if (targets.length >= p.maxNodes) {
      skipped.push({ node: c.node, reason: `over max_nodes (${p.maxNodes})` });
      continue;
    }
    targets.push({ node: c.node, group });
  }
  return { targets, skipped: skipped.slice(0, MAX_SKIPPED_LISTED), skippedTotal: skipped.length };
}
