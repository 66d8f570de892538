import { z } from 'zod';
import { listBundles, loadManifest } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { bundleKeys } from '../../core/store/bundle-store.js';
import type { ClusterNode, ClusterPort, SsmPingResult } from '../cluster/cluster-port.js';
import { defineTool, READ_ONLY, type ToolDeps } from '../tool-definition.js';
import { clusterCall } from './cluster-shared.js';

const MAX_NODES = 200;

const counts = z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int() });
type Counts = z.infer<typeof counts>;
const ZERO: Counts = { critical: 0, high: 0, warning: 0, info: 0 };

interface BundleRow {
  node: string;
  bundleId: string;
  instanceId: string | null;
  collectedAt: string;
  status: string;
  findings: Counts;
  top: { id: string; code: string; severity: string; count: number } | null;
}

/** The newest bundle of every node in the store, with its findings summary. */
async function newestBundles(deps: ToolDeps): Promise<BundleRow[]> {
  const newest = new Map<string, string>();
  for (const b of await listBundles(deps.store)) if (!newest.has(b.node)) newest.set(b.node, b.bundleId);
  return Promise.all([...newest].map(async ([node, bundleId]) => {
    const manifest = await loadManifest(deps.store, node, bundleId);
    const idx = await findingsCache.get(deps.store, { node, bundleId, keys: bundleKeys(node, bundleId), manifest }).catch(() => undefined);
    const top = idx?.findings[0];
    return {
      node, bundleId, instanceId: manifest.instanceId, collectedAt: manifest.collectedAt, status: manifest.status,
      findings: idx?.summary ?? ZERO,
      top: top ? { id: top.id, code: top.code, severity: top.severity, count: top.count } : null,
    };
  }));
}

const byFindings = (x: { findings: Counts; node: string }, y: { findings: Counts; node: string }): number =>
  y.findings.critical - x.findings.critical || y.findings.high - x.findings.high || y.findings.warning - x.findings.warning || x.node.localeCompare(y.node);

/** Pings every node with an instance id; SSM being unreachable or forbidden degrades to a note, never a failed call. */
async function pingAll(cluster: ClusterPort, nodes: ClusterNode[], deps: ToolDeps): Promise<{ ping?: Map<string, SsmPingResult>; note: string }> {
  if (!cluster.ssmPing) return { note: '; ssm_ping is null: SSM is not configured on this server' };
  const targets = nodes.flatMap((n) => (n.instanceId && n.region ? [{ instanceId: n.instanceId, region: n.region }] : []));
  try {
    return { ping: targets.length ? await cluster.ssmPing(targets) : new Map(), note: '; ssm_ping from SSM DescribeInstanceInformation' };
  } catch (err) {
    deps.log.warn({ err }, 'SSM ping failed');
    return { note: `; ssm_ping is null: SSM DescribeInstanceInformation failed (${(err as Error).name})` };
  }
}

export const clusterHealthTool = defineTool({
  name: 'cluster_health',
  title: 'Health of every node',
  description:
    "Ranks nodes by health: in a cluster every Node (NotReady and pressure conditions first, with kubelet version, taints and SSM reachability) merged with its newest bundle's findings; locally every node in the store by those findings. " +
    'Use it to see which nodes need attention before drilling into one with errors or quick_triage, or to pick nodes for batch_collect.',
  inputSchema: {
    limit: z.number().int().min(1).optional().describe(`nodes to return (default 50, at most ${MAX_NODES}; larger values are clamped)`),
  },
  outputSchema: {
    nodes: z.array(z.object({
      node: z.string(),
      bundleId: z.string().nullable().describe('newest bundle; null when the node has none (collect one)'),
      collectedAt: z.string().nullable(),
      status: z.string().nullable().describe('of the bundle: complete or partial'),
      findings: counts.describe('of the newest bundle (zeros without one)'),
      top: z.object({ id: z.string(), code: z.string(), severity: z.string(), count: z.number().int() }).nullable(),
      ready: z.boolean().nullable().optional().describe('in-cluster: the Node\'s Ready condition (null: Unknown, the kubelet stopped reporting)'),
      pressure: z.array(z.string()).optional().describe('in-cluster: True conditions among MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable'),
      kubelet_version: z.string().nullable().optional(),
      taints: z.array(z.object({ key: z.string(), value: z.string().optional(), effect: z.string() })).optional(),
      unschedulable: z.boolean().optional().describe('cordoned'),
      age_seconds: z.number().int().nullable().optional().describe('since the Node registered'),
      instance_id: z.string().nullable().optional(),
      ssm_ping: z.object({ status: z.string().describe('Online, ConnectionLost, Inactive or NotRegistered'), lastPingAt: z.string().nullable() })
        .nullable().optional().describe('in-cluster with SSM configured: whether SSM can reach the node (the way in when the kubelet is dead)'),
    })),
    total_nodes: z.number().int(),
    truncated: z.boolean(),
    note: z.string().describe('what this view covers'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    const limit = Math.min(a.limit ?? 50, MAX_NODES);
    const bundles = await newestBundles(deps);
    const cluster = deps.cluster;
    if (!cluster) {
      const rows = bundles.map(({ instanceId: _, ...r }) => r).sort(byFindings);
      return {
        nodes: rows.slice(0, limit), total_nodes: rows.length, truncated: rows.length > limit,
        note: 'from the newest bundle of each node in the store; a node without a bundle is not listed (collect one)',
      };
    }

    const nodes = await clusterCall(cluster.listNodes());
    const { ping, note } = await pingAll(cluster, nodes, deps);
    const byNode = new Map(bundles.map((b) => [b.node, b]));
    const byInstance = new Map(bundles.filter((b) => b.instanceId).map((b) => [b.instanceId!, b]));
    const now = deps.now();
    const rows = nodes.map((n) => {
      // a node's bundles may be filed under its name, or under its instance id when SSM collected it
      const candidates = [byNode.get(n.name), n.instanceId ? byNode.get(n.instanceId) : undefined, n.instanceId ? byInstance.get(n.instanceId) : undefined]
        .filter((b): b is BundleRow => b !== undefined)
        .sort((x, y) => y.bundleId.localeCompare(x.bundleId));
      const b = candidates[0];
      return {
        node: n.name, bundleId: b?.bundleId ?? null, collectedAt: b?.collectedAt ?? null, status: b?.status ?? null, findings: b?.findings ?? ZERO, top: b?.top ?? null,
        ready: n.ready, pressure: n.pressure, kubelet_version: n.kubeletVersion, taints: n.taints, unschedulable: n.unschedulable,
        age_seconds: n.createdAt ? Math.max(0, Math.floor((now - Date.parse(n.createdAt)) / 1000)) : null,
        instance_id: n.instanceId, ssm_ping: n.instanceId ? (ping?.get(n.instanceId) ?? null) : null,
      };
    });
    // NotReady (or Unknown) first, then nodes under pressure, then by findings
    rows.sort((x, y) => Number(x.ready === true) - Number(y.ready === true) || Number(y.pressure.length > 0) - Number(x.pressure.length > 0) || byFindings(x, y));
    return {
      nodes: rows.slice(0, limit), total_nodes: rows.length, truncated: rows.length > limit,
      note: `every Node in the cluster, NotReady and pressure first, with the findings of its newest bundle in the store (bundleId null: none yet, collect one)${note}`,
    };
  },
});
