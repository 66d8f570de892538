import { createHash } from 'node:crypto';
import type { Finding } from '../findings/finding.js';
import { type BundleStore, NotFoundError } from '../store/bundle-store.js';
import type { BundleRef } from './bundle-ref.js';
import { findingsCache } from './findings-cache.js';
import { QueryInputError } from './query-error.js';

/**
 * What a cluster's nodes log all the time (DESIGN.md §3 `baselines/<cluster>/baseline.json`): for
 * each finding signature, which nodes show it. Built FROM bundles, never from call counts (the seed's
 * counts grew on every call): the same bundles always give the same file.
 */
export interface Baseline {
  schema: 'eks-node-log-mcp/baseline/v1';
  cluster: string;
  /** the newest collection time among the bundles: a pure function of the input, unlike "now" */
  builtAt: string;
  nodeCount: number;
  bundles: { node: string; bundleId: string }[];
  signatures: Record<string, { code: string; template: string; nodes: string[]; bundles: number }>;
}

const SEGMENT = /^[A-Za-z0-9._-]{1,253}$/;
const MAX_BASELINE_BUNDLES = 200;

export const baselineKey = (cluster: string) => `baselines/${cluster}/baseline.json`;

/**
 * The identity of "the same problem" across nodes: code + message template (host names, ids and
 * numbers are already placeholders in the template). Finding ids cannot serve, they are per bundle.
 */
export function signatureOf(f: Pick<Finding, 'code' | 'template'>): string {
  return `${f.code}:${createHash('sha256').update(`${f.code}\u0000${f.template}`).digest('hex').slice(0, 12)}`;
}

export async function buildBaseline(store: BundleStore, cluster: string, refs: readonly BundleRef[]): Promise<Baseline> {
  if (!SEGMENT.test(cluster)) throw new QueryInputError(`"${cluster.slice(0, 60)}" is not a valid cluster name (letters, digits, . _ -)`);
  const unique = [...new Map(refs.map((r) => [`${r.node}/${r.bundleId}`, r])).values()];
  if (unique.length === 0) throw new QueryInputError('a baseline needs at least one bundle: import or collect bundles of the cluster\'s nodes first');
  if (unique.length > MAX_BASELINE_BUNDLES) throw new QueryInputError(`at most ${MAX_BASELINE_BUNDLES} bundles per baseline: pick the newest bundle of each node`);
  const sigs = new Map<string, { code: string; template: string; nodes: Set<string>; bundles: number }>();
  for (const ref of unique) {
    const index = await findingsCache.get(store, ref);
    // one count per bundle even when a bundle holds several findings of one signature
    const inBundle = new Map<string, Finding>();
    for (const f of index.findings) inBundle.set(signatureOf(f), f);
    for (const [sig, f] of inBundle) {
      let e = sigs.get(sig);
      if (!e) sigs.set(sig, (e = { code: f.code, template: f.template.slice(0, 300), nodes: new Set(), bundles: 0 }));
      e.nodes.add(ref.node);
      e.bundles++;
    }
  }
  const signatures: Baseline['signatures'] = {};
  for (const sig of [...sigs.keys()].sort()) {
    const e = sigs.get(sig)!;
    signatures[sig] = { code: e.code, template: e.template, nodes: [...e.nodes].sort(), bundles: e.bundles };
  }
  const baseline: Baseline = {
    schema: 'eks-node-log-mcp/baseline/v1', cluster,
    builtAt: unique.map((r) => r.manifest.collectedAt).sort().at(-1)!,
    nodeCount: new Set(unique.map((r) => r.node)).size,
    bundles: unique.map((r) => ({ node: r.node, bundleId: r.bundleId })).sort((a, b) => a.node.localeCompare(b.node) || a.bundleId.localeCompare(b.bundleId)),
    signatures,
  };
  await store.put(baselineKey(cluster), `${JSON.stringify(baseline, null, 1)}\n`);
  return baseline;
}

/** The stored profile, or undefined when none was built (or the name cannot be a store key). */
export async function loadBaseline(store: BundleStore, cluster: string): Promise<Baseline | undefined> {
  if (!SEGMENT.test(cluster)) return undefined;
  try {
    return JSON.parse((await store.getBuffer(baselineKey(cluster))).toString('utf8')) as Baseline;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/**
 * Noise: the signature shows on at least `minNodeShare` of the baseline's nodes. What only one
 * node shows is never "what the cluster always logs": without that guard a two-node baseline would
 * mark one node's real fault (1 of 2 = half) as noise, and a one-node baseline everything.
 */
export function isBaseline(baseline: Baseline, finding: Pick<Finding, 'code' | 'template'>, minNodeShare = 0.5): boolean {
  const e = baseline.signatures[signatureOf(finding)];
  return e !== undefined && e.nodes.length >= 2 && e.nodes.length / baseline.nodeCount >= minNodeShare;
}
