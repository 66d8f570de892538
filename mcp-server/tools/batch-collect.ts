import { z } from 'zod';
import { defineTool } from '../tool-definition.js';
import { notAvailable } from './not-yet.js';

export const batchCollectTool = defineTool({
  name: 'batch_collect',
  title: 'Collect bundles from several nodes',
  description:
    'Starts collections on up to 50 nodes at once (all nodes of a node group, or those cluster_health flags). ' +
    'Use it before compare_nodes or to build a cluster baseline; follow it with batch_status.',
  inputSchema: {
    nodes: z.array(z.string().min(1).max(253)).min(1).max(50).describe('node names or instance ids (1 to 50)'),
    categories: z.array(z.enum(['Base', 'Device', 'Networking', 'Runtime', 'System', 'All'])).optional().describe('what to collect (default All)'),
    since: z.string().max(16).optional().describe('how far back journals go, e.g. 2h (default 24h)'),
  },
  outputSchema: {
    collections: z.array(z.object({ node: z.string(), collectionId: z.string(), phase: z.string() })),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async () =>
    notAvailable('batch collection', 'cluster collection needs the operator and node agent, which this local server does not run', 'import each node\'s eks-log-collector.sh archive with `eks-node-log-mcp import`, then call batch_status'),
});
