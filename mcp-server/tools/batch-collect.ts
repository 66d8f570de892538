import { z } from 'zod';
import { MAX_SKIPPED_LISTED, planBatch } from '../cluster/batch-plan.js';
import { batchId as newBatchId } from '../cluster/resource-names.js';
import { defineTool, ToolError } from '../tool-definition.js';
import { clusterCall, collectionSpec, createCollectionFor, requestedBy } from './cluster-shared.js';
import { notAvailable } from './not-available.js';

const MAX_NODES = 50;
const MAX_CONCURRENCY = 10;

/** Runs `fn` over `items` with at most `limit` in flight: a batch must not flood the API server. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const batchCollectTool = defineTool({
  name: 'batch_collect',
  title: 'Collect bundles from several nodes',
  description:
    'Starts collections on up to 50 nodes at once: listed nodes, or the Nodes a label selector and a health filter pick, optionally sampled per node group, with a dry run to see the plan first. ' +
    'Use it before compare_nodes, to build a cluster baseline, or on the nodes cluster_health flags; follow it with batch_status and the returned batchId.',
  inputSchema: {
    nodes: z.array(z.string().min(1).max(253)).min(1).max(MAX_NODES).optional().describe('node names or instance ids (1 to 50); instead of selector'),
    selector: z.string().max(1024).optional().describe('Kubernetes label selector over Nodes, e.g. "eks.amazonaws.com/nodegroup=ng-a,topology.kubernetes.io/zone=us-east-1a"; instead of nodes'),
    filter: z.enum(['all', 'NotReady', 'pressure']).optional().describe('keep only nodes that are NotReady, or have a Memory/Disk/PID pressure or NetworkUnavailable condition (default all)'),
    sample_per_group: z.number().int().min(1).max(MAX_NODES).optional().describe('pick at most this many nodes per node group (label eks.amazonaws.com/nodegroup, else node.kubernetes.io/instance-type), sick nodes first'),
    max_nodes: z.number().int().min(1).max(MAX_NODES).optional().describe(`hard cap on collections created (default and at most ${MAX_NODES})`),
    dry_run: z.boolean().optional().describe('return the plan (which nodes, which skipped and why) and create nothing (default false)'),
    concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).optional().describe(`collections created in parallel (default 5, at most ${MAX_CONCURRENCY})`),
    categories: z.array(z.enum(['Base', 'Device', 'Networking', 'Runtime', 'System', 'All'])).optional().describe('what to collect (default All)'),
    since: z.string().max(16).optional().describe('how far back journals go, e.g. 2h (default 24h)'),
    method: z.enum(['auto', 'agent', 'job', 'ssm']).optional().describe('how to reach the nodes (default auto)'),
  },
  outputSchema: {
    batchId: z.string().nullable().describe('label eksnodelog.io/batch of every collection created; pass it to batch_status (null on a dry run)'),
    dry_run: z.boolean(),
    collections: z.array(z.object({
      node: z.string(),
      collectionId: z.string().nullable().describe('<namespace>/<name>; null on a dry run'),
      phase: z.string().describe('Planned on a dry run, else the new collection\'s phase (Pending)'),
      group: z.string().nullable().describe('the node group (or instance type) label it was sampled from'),
    })),
    skipped: z.array(z.object({ node: z.string(), reason: z.string() })).describe(`nodes left out and why (first ${MAX_SKIPPED_LISTED})`),
    skipped_total: z.number().int(),
    truncated: z.boolean().describe('skipped lists only part of the nodes left out'),
  },
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  handler: async (a, deps) => {
    const cluster = deps.cluster;
    if (!cluster) {
      return notAvailable('batch collection', 'cluster collection needs the operator and node agent, which this local server does not run', 'import each node\'s eks-log-collector.sh archive with `eks-node-log-mcp import`, then call batch_status');
    }
    if (a.nodes && a.selector !== undefined) throw new ToolError('give either nodes or selector, not both');
    if (!a.nodes && a.selector === undefined && a.filter === undefined) throw new ToolError('say which nodes: nodes, or a selector and/or filter (filter "all" with no selector means every node)');

    const nodes = await clusterCall(cluster.listNodes(a.nodes ? undefined : a.selector));
    const plan = planBatch({ nodes, names: a.nodes, filter: a.filter ?? 'all', samplePerGroup: a.sample_per_group, maxNodes: a.max_nodes ?? MAX_NODES });
    // every spec is checked before the first create: a bad since or category creates nothing
    const specs = new Map(plan.targets.map((t) => [t.node, collectionSpec(t.node, a)]));
    const skipped = [...plan.skipped];
    let skippedTotal = plan.skippedTotal;

    if (a.dry_run) {
      return {
        batchId: null, dry_run: true, collections: plan.targets.map((t) => ({ node: t.node, collectionId: null, phase: 'Planned', group: t.group })),
        skipped, skipped_total: skippedTotal, truncated: skippedTotal > skipped.length,
      };
    }
    const batchId = newBatchId(deps.now());
    const requested = requestedBy('batch_collect', deps, batchId);
    const results = await mapLimit(plan.targets, a.concurrency ?? 5, async (t) => {
      try {
        return { ...(await createCollectionFor(cluster, deps, t.node, specs.get(t.node)!, requested)), group: t.group };
      } catch (err) {
        // one refused node must not lose the record of the others already created
        const reason = err instanceof ToolError ? err.message : 'the API server did not answer; retry this node with collect';
        if (!(err instanceof ToolError)) deps.log.error({ err, node: t.node, batch: batchId }, 'Creating NodeLogCollection failed');
        return { node: t.node, reason };
      }
    });
    const collections = results.filter((r): r is Extract<typeof r, { collectionId: string }> => 'collectionId' in r);
    for (const r of results) {
      if ('collectionId' in r) continue;
      skippedTotal++;
      if (skipped.length < MAX_SKIPPED_LISTED) skipped.push(r);
    }
    deps.log.info({ batch: batchId, created: collections.length, skipped: skippedTotal }, 'Started batch collection');
    return { batchId, dry_run: false, collections, skipped, skipped_total: skippedTotal, truncated: skippedTotal > skipped.length };
  },
});
