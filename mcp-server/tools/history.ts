import { z } from 'zod';
import { listBundles, loadManifest } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { bundleKeys } from '../../core/store/bundle-store.js';
import { defineTool, READ_ONLY, ToolError } from '../tool-definition.js';
import { clusterCall, collectionOutput, collectionView } from './cluster-shared.js';

const MAX = 100;
/** collections listed beside the bundles (newest first): history is an index, batch_status the detail */
const MAX_COLLECTIONS = 20;

export const historyTool = defineTool({
  name: 'history',
  title: 'List bundles',
  description:
    'Lists the bundles in the store, newest first, for one node or for all nodes, with when they were collected and how, and in a cluster also the newest NodeLogCollections and their phases. ' +
    'Use it to find a node name and bundle id, or to pick an older bundle to compare with.',
  inputSchema: {
    node: z.string().min(1).max(253).optional().describe('only this node (node name as filed); default: every node'),
    limit: z.number().int().min(1).optional().describe(`bundles per page (default 20, at most ${MAX}; larger values are clamped)`),
    cursor: z.string().max(16).optional().describe('next_cursor from the previous page'),
  },
  outputSchema: {
    bundles: z.array(z.object({
      node: z.string(), bundleId: z.string(), instanceId: z.string().nullable(), collectedAt: z.string(), ingestedAt: z.string(),
      status: z.string(), method: z.string(), files: z.number().int(), findings: z.object({ critical: z.number(), high: z.number(), warning: z.number(), info: z.number() }).nullable(),
    })),
    total: z.number().int(),
    next_cursor: z.string().nullable(),
    truncated: z.boolean(),
    collections: z.array(collectionOutput).optional().describe(`in-cluster server: the node's (or all) NodeLogCollections, newest first, at most ${MAX_COLLECTIONS} (first page only)`),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    if (a.node !== undefined && !/^[A-Za-z0-9._-]+$/.test(a.node)) throw new ToolError('node must be a node name or instance id (letters, digits, . _ -)');
    const all = await listBundles(deps.store, a.node);
    const offset = a.cursor ? Number(a.cursor) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw new ToolError('cursor is not one this tool returned: start again without cursor');
    const size = Math.min(a.limit ?? 20, MAX);
    const page = all.slice(offset, offset + size);
    const bundles = await Promise.all(page.map(async (b) => {
      const m = await loadManifest(deps.store, b.node, b.bundleId);
      const findings = await findingsCache
        .get(deps.store, { node: b.node, bundleId: b.bundleId, keys: bundleKeys(b.node, b.bundleId), manifest: m })
        .then((idx) => idx.summary)
        .catch(() => null); // a bundle still being ingested has no findings yet
      return { node: b.node, bundleId: b.bundleId, instanceId: m.instanceId, collectedAt: m.collectedAt, ingestedAt: m.ingestedAt, status: m.status, method: m.method, files: m.files.length, findings };
    }));
    const next = offset + size < all.length ? String(offset + size) : null;
    const cluster = deps.cluster;
    const collections = cluster && offset === 0
      ? (await clusterCall(cluster.listCollections({ node: a.node, limit: MAX_COLLECTIONS }))).map((c) => collectionView(cluster, c))
      : undefined;
    return { bundles, total: all.length, next_cursor: next, truncated: next !== null, ...(collections ? { collections } : {}) };
  },
});
