import { z } from 'zod';
import { type BundleRef, resolveBundle, UnknownBundleError } from '../../core/query/bundle-ref.js';
import { findingsCache } from '../../core/query/findings-cache.js';
import { defineTool, READ_ONLY, type ToolDeps, ToolError } from '../tool-definition.js';
import { clusterCall, collectionOutput, collectionView, nameFromId, requireCluster } from './cluster-shared.js';
import { bundleIdField, bundleInfo, bundleOutput, nodeField } from './common-fields.js';

export const statusTool = defineTool({
  name: 'status',
  title: 'Bundle status',
  description:
    "Reports where a node's bundle stands: collected and ingested when, complete or partial, how many files, findings by severity and scan coverage. " +
    'Use it after collect (with its collectionId) or import to know whether the findings are ready, and to check a bundle before analysing it.',
  inputSchema: {
    node: nodeField.optional().describe('Kubernetes node name or EC2 instance id; give node or collectionId'),
    bundleId: bundleIdField,
    collectionId: z.string().min(1).max(317).optional().describe('collect\'s collectionId (<namespace>/<name>, in-cluster server): the collection\'s progress, and its bundle once Completed'),
  },
  outputSchema: {
    collection: collectionOutput.optional().describe('with collectionId: the NodeLogCollection; the bundle fields below appear once it is Completed'),
    bundle: bundleOutput.optional(),
    phase: z.enum(['Completed', 'Partial']).optional().describe('of the bundle: Completed, or Partial when the archive was cut short (its error says why)'),
    ingestedAt: z.string().optional(),
    method: z.string().optional().describe('how the bundle was made: import, agent, job, ssm, local'),
    collector: z.object({ name: z.string(), version: z.string().nullable() }).optional(),
    files: z.number().int().optional(),
    findings: z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int() }).optional(),
    coverage_ratio: z.number().optional(),
    rules_version: z.string().optional(),
    error: z.string().nullable().optional(),
  },
  annotations: READ_ONLY,
  handler: async (a, deps) => {
    if (a.collectionId !== undefined) return collectionStatus(a.collectionId, deps);
    if (a.node === undefined) throw new ToolError('give node (its newest bundle, or bundleId) or collectionId (as collect returned it)');
    return bundleStatus(await resolveBundle(deps.store, a.node, a.bundleId), deps);
  },
});

/** The collection's progress; once Completed, its bundle as bundleStatus reports any bundle. */
async function collectionStatus(id: string, deps: ToolDeps) {
  const cluster = requireCluster(deps, 'status by collectionId');
  const c = await clusterCall(cluster.getCollection(nameFromId(cluster, id, 'collection')));
  if (!c) throw new ToolError(`collection ${id} does not exist in namespace ${cluster.namespace} (deleted, or removed after its TTL); call history with the node to list its collections`);
  const collection = collectionView(cluster, c);
  if (collection.phase !== 'Completed' || !collection.bundleId) return { collection };
  // the hub files a bundle under the spec's target (node name, or instance id for SSM-only targets)
  const storeNode = c.spec.nodeName ?? c.spec.instanceId ?? collection.node;
  try {
    return { collection, ...(await bundleStatus(await resolveBundle(deps.store, storeNode, collection.bundleId), deps)) };
  } catch (err) {
    if (!(err instanceof UnknownBundleError)) throw err;
    // the resource says Completed but this server's store lacks the bundle: say so, keep the progress
    return { collection, error: `the collection completed but its bundle is not in this server's store: ${err.message}` };
  }
}

async function bundleStatus(ref: BundleRef, deps: ToolDeps) {
  const idx = await findingsCache.get(deps.store, ref);
  const m = ref.manifest;
  return {
    bundle: bundleInfo(ref),
    phase: m.status === 'complete' ? ('Completed' as const) : ('Partial' as const),
    ingestedAt: m.ingestedAt,
    method: m.method,
    collector: m.collector,
    files: m.files.length,
    findings: idx.summary,
    coverage_ratio: m.coverage.bytesTotal === 0 ? 1 : m.coverage.bytesScanned / m.coverage.bytesTotal,
    rules_version: m.rulesVersion,
    error: m.error ?? null,
  };
}
