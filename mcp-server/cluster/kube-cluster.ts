import * as k8s from '@kubernetes/client-node';
import {
  API_VERSION, GROUP, NODE_LOG_COLLECTION, type NodeLogCollection, PACKET_CAPTURE, type PacketCapture, VERSION,
} from '../../crds/types.js';
import {
  BATCH_LABEL, ClusterRejectedError, type ClusterNode, type ClusterPort, type NewCapture, type NewCollection, type Requested,
  REQUESTED_BY_ANNOTATION, type SsmPingResult, TOOL_LABEL,
} from './cluster-port.js';
import { summarizeNode } from './node-summary.js';
import type { SsmPing } from './ssm-ping.js';

const PAGE = 500;
/** list pages read at most (5,000 objects): EKS's node limit, and a bound on one tool call's API load */
const MAX_PAGES = 10;
/** API answers the caller can act on (bad spec or selector, name taken, namespace missing, RBAC) */
const REJECTIONS = new Set([400, 403, 404, 409, 422]);

type Plural = typeof NODE_LOG_COLLECTION.plural | typeof PACKET_CAPTURE.plural;

/** The API server's Status message of a client-node ApiException; the exception text itself holds headers. */
function statusMessage(body: unknown): string | undefined {
  let b = body;
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return undefined;
    }
  }
  const m = (b as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? m.slice(0, 2000) : undefined;
}

/** A refusal the caller can fix becomes ClusterRejectedError; anything else (network, 5xx) stays a bug/outage. */
function rejected(err: unknown, what: string): never {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number' && REJECTIONS.has(code)) {
    throw new ClusterRejectedError(code, `the API server refused ${what} (HTTP ${code}): ${statusMessage((err as { body?: unknown }).body) ?? 'no reason given'}`);
  }
  throw err;
}

function metadata(name: string, r: Requested): k8s.V1ObjectMeta {
  return {
    name,
    labels: { [TOOL_LABEL]: r.tool, ...(r.batchId ? { [BATCH_LABEL]: r.batchId } : {}) },
    ...(r.username ? { annotations: { [REQUESTED_BY_ANNOTATION]: r.username } } : {}),
  };
}

const newestFirst = (a: { metadata: { creationTimestamp?: string; name?: string } }, b: typeof a): number =>
  (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');

/** ClusterPort over @kubernetes/client-node: the MCP server's only adapter to the custom resources and Nodes. */
export class KubeCluster implements ClusterPort {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;
  readonly ssmPing?: ClusterPort['ssmPing'];

  constructor(kc: k8s.KubeConfig, readonly namespace: string, ssm?: SsmPing) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    if (ssm) this.ssmPing = (targets) => ssm.ping(targets);
  }

  async createCollection(c: NewCollection): Promise<NodeLogCollection> {
    const body = { apiVersion: API_VERSION, kind: NODE_LOG_COLLECTION.kind, metadata: metadata(c.name, c.requested), spec: c.spec };
    return (await this.create(NODE_LOG_COLLECTION.plural, body, `NodeLogCollection ${c.name}`)) as NodeLogCollection;
  }

  async createCapture(c: NewCapture): Promise<PacketCapture> {
    const body = { apiVersion: API_VERSION, kind: PACKET_CAPTURE.kind, metadata: metadata(c.name, c.requested), spec: c.spec };
    return (await this.create(PACKET_CAPTURE.plural, body, `PacketCapture ${c.name}`)) as PacketCapture;
  }

  getCollection(name: string): Promise<NodeLogCollection | undefined> {
    return this.get(NODE_LOG_COLLECTION.plural, name) as Promise<NodeLogCollection | undefined>;
  }

  getCapture(name: string): Promise<PacketCapture | undefined> {
    return this.get(PACKET_CAPTURE.plural, name) as Promise<PacketCapture | undefined>;
  }

  async listCollections(q: { node?: string; batchId?: string; limit: number }): Promise<NodeLogCollection[]> {
    // spec.nodeName is not a selectable field of the CRD, so "by node" filters here; a label would
    // miss the collections people create with kubectl
    const labelSelector = q.batchId ? `${BATCH_LABEL}=${q.batchId}` : undefined;
    const items: NodeLogCollection[] = [];
    let cont: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = (await this.custom
        .listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: NODE_LOG_COLLECTION.plural, labelSelector, limit: PAGE, _continue: cont })
        .catch((err: unknown) => rejected(err, 'listing NodeLogCollections'))) as { items: NodeLogCollection[]; metadata?: { _continue?: string; continue?: string } };
      const n = q.node;
      items.push(...(n === undefined ? r.items : r.items.filter((c) => c.spec.nodeName === n || c.spec.instanceId === n || c.status?.nodeName === n || c.status?.instanceId === n)));
      cont = r.metadata?._continue ?? r.metadata?.continue;
      if (!cont) break;
    }
    return items.sort(newestFirst).slice(0, q.limit);
  }

  async listNodes(labelSelector?: string): Promise<ClusterNode[]> {
    const out: ClusterNode[] = [];
    let cont: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const r = await this.core.listNode({ labelSelector, limit: PAGE, _continue: cont }).catch((err: unknown) => rejected(err, 'listing Nodes'));
      out.push(...r.items.map(summarizeNode));
      cont = r.metadata?._continue;
      if (!cont) break;
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async create(plural: Plural, body: object, what: string): Promise<unknown> {
    return this.custom
      .createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural, body })
      .catch((err: unknown) => rejected(err, `creating ${what}`));
  }

  private async get(plural: Plural, name: string): Promise<unknown> {
    try {
      return await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural, name });
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return undefined;
      return rejected(err, `reading ${plural}/${name}`);
    }
  }
}

export type { SsmPingResult };
