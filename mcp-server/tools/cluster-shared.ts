import { z, ZodError } from 'zod';
import {
  type NodeLogCollection, type NodeLogCollectionSpecInput, type PacketCapture, parseNodeLogCollectionSpec,
} from '../../crds/types.js';
import { ClusterRejectedError, type ClusterPort, type Requested } from '../cluster/cluster-port.js';
import { resourceName } from '../cluster/resource-names.js';
import { type ToolDeps, ToolError } from '../tool-definition.js';

/**
 * What the cluster-mode tools share: turning the API server's refusals and spec violations into
 * tool errors (STYLE.md 7), `<namespace>/<name>` ids, and one view of a NodeLogCollection.
 */

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A refusal by the API server is the caller's to fix; anything else stays a bug (logged by run-tool). */
export async function clusterCall<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ClusterRejectedError) {
      // 403 here is the server's own service account (the caller passed SubjectAccessReview already)
      const next = err.status === 403 ? "this server's service account lacks that permission: ask the cluster admin to apply the chart's RBAC" : 'fix the input and call again';
      throw new ToolError(`${err.message}. Next: ${next}.`);
    }
    throw err;
  }
}

/** A spec that would not pass admission, refused before anything is sent: names each broken rule. */
export function specError(err: unknown, what: string): never {
  if (err instanceof ZodError) {
    const issues = err.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
    throw new ToolError(`${what} is invalid: ${issues}. Nothing was created; fix the input and call again.`);
  }
  throw err;
}

export const requestedBy = (tool: string, deps: ToolDeps, batchId?: string): Requested => ({
  tool, ...(batchId ? { batchId } : {}), ...(deps.caller ? { username: deps.caller.username } : {}),
});

/** `i-…` targets SSM by instance id; anything else is a Node name. */
export const targetOf = (node: string): { nodeName: string } | { instanceId: string } =>
  INSTANCE_ID.test(node) ? { instanceId: node } : { nodeName: node };

/** The collection spec for one node, checked against the CRD schema (the same rules as admission). */
export function collectionSpec(node: string, o: { categories?: NodeLogCollectionSpecInput['categories']; since?: string; method?: NodeLogCollectionSpecInput['method'] }): NodeLogCollectionSpecInput {
  const spec: NodeLogCollectionSpecInput = {
    ...targetOf(node),
    ...(o.categories ? { categories: o.categories } : {}),
    ...(o.since ? { since: o.since } : {}),
    ...(o.method ? { method: o.method } : {}),
  };
  try {
    parseNodeLogCollectionSpec(spec);
  } catch (err) {
    specError(err, `a collection of node "${node.slice(0, 80)}"`);
  }
  return spec;
}

export const qualifiedId = (cluster: ClusterPort, name: string | undefined): string => `${cluster.namespace}/${name ?? ''}`;

/**
 * `<namespace>/<name>` or a bare name → the name. Only this server's namespace: the caller's
 * permissions were checked there (DESIGN.md §6), so another namespace is refused, not read.
 */
export function nameFromId(cluster: ClusterPort, id: string, kind: string): string {
  const parts = id.split('/');
  if (parts.length > 2) throw new ToolError(`"${id.slice(0, 120)}" is not a ${kind} id (<namespace>/<name>, as collect returned it)`);
  const [ns, name] = parts.length === 2 ? parts as [string, string] : [cluster.namespace, id];
  if (ns !== cluster.namespace) throw new ToolError(`${kind} "${id.slice(0, 120)}" is not in namespace ${cluster.namespace}, the only one this server reads; pass an id this server returned`);
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) throw new ToolError(`"${id.slice(0, 120)}" is not a ${kind} id (<namespace>/<name>, as collect returned it)`);
  return name;
}

export function requireCluster(deps: ToolDeps, what: string): ClusterPort {
  if (!deps.cluster) throw new ToolError(`${what} needs the in-cluster server (serve --in-cluster); this server has no cluster. Use node names instead`);
  return deps.cluster;
}

/** The node a collection is about: as the operator resolved it, else as the spec named it. */
export const collectionNode = (c: NodeLogCollection | PacketCapture): string =>
  c.status?.nodeName ?? c.spec.nodeName ?? c.status?.instanceId ?? ('instanceId' in c.spec ? c.spec.instanceId : undefined) ?? '';

export const severityCounts = z.object({ critical: z.number().int(), high: z.number().int(), warning: z.number().int(), info: z.number().int(), total: z.number().int() });

export const collectionOutput = z.object({
  collectionId: z.string().describe('<namespace>/<name> of the NodeLogCollection; pass it to status'),
  node: z.string(),
  phase: z.string().describe('Pending, Collecting, Ingesting, Completed or Failed (Pending until the operator picks it up)'),
  method: z.string().nullable().describe('agent, job or ssm, once the operator chose'),
  message: z.string().nullable(),
  createdAt: z.string().nullable(),
  bundleId: z.string().nullable().describe('the bundle it produced, once Completed'),
  findings: severityCounts.nullable().describe('finding counts of that bundle, once Completed'),
  top: z.object({ id: z.string(), code: z.string(), severity: z.string() }).nullable().describe('its most severe finding'),
});

export function collectionView(cluster: ClusterPort, c: NodeLogCollection): z.infer<typeof collectionOutput> {
  const f = c.status?.findings;
  const top = f?.top?.[0];
  return {
    collectionId: qualifiedId(cluster, c.metadata.name),
    node: collectionNode(c),
    phase: c.status?.phase ?? 'Pending',
    method: c.status?.method ?? null,
    message: c.status?.message ?? null,
    createdAt: c.metadata.creationTimestamp ?? null,
    bundleId: c.status?.bundle?.id ?? null,
    findings: f ? { critical: f.critical ?? 0, high: f.high ?? 0, warning: f.warning ?? 0, info: f.info ?? 0, total: f.total ?? 0 } : null,
    top: top ? { id: top.id, code: top.code, severity: top.severity } : null,
  };
}

/** Creates one NodeLogCollection for `node` (collect, batch_collect); the spec was checked by collectionSpec. */
export async function createCollectionFor(
  cluster: ClusterPort, deps: ToolDeps, node: string, spec: NodeLogCollectionSpecInput, requested: Requested,
): Promise<{ node: string; collectionId: string; phase: string }> {
  const created = await clusterCall(cluster.createCollection({ name: resourceName(node, deps.now()), spec, requested }));
  const collectionId = qualifiedId(cluster, created.metadata.name);
  deps.log.info({ collection: collectionId, node, tool: requested.tool, batch: requested.batchId }, 'Created NodeLogCollection');
  return { node, collectionId, phase: created.status?.phase ?? 'Pending' };
}

/** collect's cluster branch: one NodeLogCollection for a node name or instance id. */
export function collectOnCluster(
  a: { node: string; categories?: NodeLogCollectionSpecInput['categories']; since?: string; method?: NodeLogCollectionSpecInput['method'] },
  cluster: ClusterPort, deps: ToolDeps,
): Promise<{ node: string; collectionId: string; phase: string }> {
  return createCollectionFor(cluster, deps, a.node, collectionSpec(a.node, a), requestedBy('collect', deps));
}
