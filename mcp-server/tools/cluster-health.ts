import { z } from 'zod';
import { listBundles, loadManifest } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { bundleKeys } from '../../core/store/bundle-store.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';

const MAX_NODES = 200;

export const clusterHealthTool = defineTool({
  name: 'cluster_health',
  title: 'Health of every node',
  description:
    "Ranks every node in the store by the findings of its newest bundle (critical first), with each node's top finding. " +
    'Use it to see which nodes need attention before drilling into one with errors or quick_triage.',
  inputSchema: {
    limit: z.number().int().min(1).optional().describe(`nodes to return (default 50, at most ${MAX_NODES}; larger values are clamped)`),
  },
  outputSchema: {
    nodes: z.array(z.object({
      node: z.string(), bundleId: z.string(), collectedAt: z.string(), status: z.string(),
      findings: z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int() }),
      top: z.object({ id: z.string(), code: z.string(), severity: z.string(), count: z.number().int() }).nullable(),
    })),
    total_nodes: z.number().int(),
    truncated: z.boolean(),
    note: z.string().describe('what this view covers'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    const newest = new Map<string, string>();
    for (const b of await listBundles(deps.store)) if (!newest.has(b.node)) newest.set(b.node, b.bundleId);
    const rows = await Promise.all([...newest].map(async ([node, bundleId]) => {
      const manifest = await loadManifest(deps.store, node, bundleId);
      const idx = await findingsCache.get(deps.store, { node, bundleId, keys: bundleKeys(node, bundleId), manifest }).catch(() => undefined);
      const top = idx?.findings[0];
      return {
        node, bundleId, collectedAt: manifest.collectedAt, status: manifest.status,
        findings: idx?.summary ?? { critical: 0, high: 0, warning: 0, info: 0 },
        top: top ? { id: top.id, code: top.code, severity: top.severity, count: top.count } : null,
      };
    }));
    rows.sort((x, y) => y.findings.critical - x.findings.critical || y.findings.high - x.findings.high || y.findings.warning - x.findings.warning || x.node.localeCompare(y.node));
    const limit = Math.min(a.limit ?? 50, MAX_NODES);
    return {
      nodes: rows.slice(0, limit), total_nodes: rows.length, truncated: rows.length > limit,
      note: 'from the newest bundle of each node in the store; a node without a bundle is not listed (collect one)',
    };
  },
});
