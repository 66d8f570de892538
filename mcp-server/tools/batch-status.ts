import { z } from 'zod';
import { resolveBundle, UnknownBundleError } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { defineTool, READ_ONLY, type ToolDeps, ToolError } from '../tool-definition.js';
import { clusterCall, collectionOutput, collectionView, nameFromId, requireCluster } from './cluster-shared.js';

const MAX = 50;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

export const batchStatusTool = defineTool({
  name: 'batch_status',
  title: 'Status of several nodes',
  description:
    'Reports, for each of up to 50 nodes, its newest bundle (collected when, complete or partial, findings by severity), or in a cluster the phase and findings of each collection of a batch. ' +
    'Use it after batch_collect with its batchId, or to check a set of nodes at once.',
  inputSchema: {
    nodes: z.array(z.string().min(1).max(253)).min(1).max(MAX).optional().describe('node names or instance ids (1 to 50): their newest bundles'),
    batchId: z.string().max(63).optional().describe('batch_collect\'s batchId: every collection of that batch (in-cluster server)'),
    collectionIds: z.array(z.string().min(1).max(317)).min(1).max(MAX).optional().describe('collection ids (<namespace>/<name>) as collect returned them (in-cluster server)'),
  },
  outputSchema: {
    nodes: z.array(z.object({
      node: z.string(),
      state: z.enum(['ready', 'partial', 'no_bundle', 'invalid']),
      bundleId: z.string().nullable(),
      collectedAt: z.string().nullable(),
      findings: z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int() }).nullable(),
      message: z.string().nullable(),
    })).optional().describe('with nodes: one entry per node'),
    collections: z.array(collectionOutput).optional().describe('with batchId or collectionIds: one entry per collection'),
    missing: z.array(z.string()).optional().describe('collectionIds that do not exist (deleted, or TTL expired)'),
    summary: z.object({
      total: z.number().int(), completed: z.number().int(), failed: z.number().int(), running: z.number().int().describe('Pending, Collecting or Ingesting'),
    }).optional().describe('with batchId or collectionIds'),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    const given = [a.nodes, a.batchId, a.collectionIds].filter((x) => x !== undefined).length;
    if (given !== 1) throw new ToolError('give exactly one of nodes, batchId or collectionIds');
    if (a.nodes) return { nodes: await nodeStates(a.nodes, deps) };
    const cluster = requireCluster(deps, 'batch_status by batchId or collectionIds');
    let found;
    const missing: string[] = [];
    if (a.batchId !== undefined) {
      if (!LABEL_VALUE.test(a.batchId)) throw new ToolError(`"${a.batchId}" is not a batchId (batch_collect returns one like batch-20240314100000-ab12)`);
      found = await clusterCall(cluster.listCollections({ batchId: a.batchId, limit: MAX }));
      if (found.length === 0) throw new ToolError(`no collections carry batch ${a.batchId} in namespace ${cluster.namespace}: check the id, or they were deleted (ttlSecondsAfterFinished)`);
    } else {
      const names = a.collectionIds!.map((id) => nameFromId(cluster, id, 'collection'));
      const got = await Promise.all(names.map((n) => clusterCall(cluster.getCollection(n))));
      found = got.filter((c, i) => {
        if (!c) missing.push(a.collectionIds![i]!);
        return c !== undefined;
      }) as NonNullable<(typeof got)[number]>[];
    }
    const collections = found.map((c) => collectionView(cluster, c)).sort((x, y) => x.node.localeCompare(y.node));
    const count = (p: string) => collections.filter((c) => c.phase === p).length;
    const completed = count('Completed');
    const failed = count('Failed');
    return {
      collections, ...(missing.length ? { missing } : {}),
      summary: { total: collections.length, completed, failed, running: collections.length - completed - failed },
    };
  },
});

/** Local mode, and batch_status by nodes: each node's newest bundle in the store. */
function nodeStates(nodes: string[], deps: ToolDeps) {
  return Promise.all(nodes.map(async (node) => {
    try {
      const ref = await resolveBundle(deps.store, node);
      const idx = await findingsCache.get(deps.store, ref);
      return {
        node, state: ref.manifest.status === 'complete' ? ('ready' as const) : ('partial' as const), bundleId: ref.bundleId,
        collectedAt: ref.manifest.collectedAt, findings: idx.summary, message: ref.manifest.error ?? null,
      };
    } catch (err) {
      if (!(err instanceof UnknownBundleError)) throw err;
      const invalid = err.message.includes('not a valid');
      return { node, state: invalid ? ('invalid' as const) : ('no_bundle' as const), bundleId: null, collectedAt: null, findings: null, message: err.message };
    }
  }));
}
