import { z } from 'zod';
import { resolveBundle, UnknownBundleError } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { defineTool, READ_ONLY } from '../tool-definition.js';

export const batchStatusTool = defineTool({
  name: 'batch_status',
  title: 'Status of several nodes',
  description:
    'Reports, for each of up to 50 nodes, its newest bundle: collected when, complete or partial, and findings by severity; nodes without a bundle are listed as such. ' +
    'Use it after batch_collect, or to check a set of nodes at once.',
  inputSchema: {
    nodes: z.array(z.string().min(1).max(253)).min(1).max(50).describe('node names or instance ids (1 to 50)'),
  },
  outputSchema: {
    nodes: z.array(z.object({
      node: z.string(),
      state: z.enum(['ready', 'partial', 'no_bundle', 'invalid']),
      bundleId: z.string().nullable(),
      collectedAt: z.string().nullable(),
      findings: z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int() }).nullable(),
      message: z.string().nullable(),
    })),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => ({
    nodes: await Promise.all(a.nodes.map(async (node) => {
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
    })),
  }),
});
