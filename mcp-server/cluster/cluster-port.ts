import type {
  CollectionCategory, Method, NodeLogCollection, NodeLogCollectionSpecInput, PacketCapture, PacketCaptureSpecInput,
} from '../../crds/types.js';

/** Labels and annotations the MCP tools put on what they create, so `kubectl get -l` finds it. */
export const TOOL_LABEL = 'eksnodelog.io/requested-by-tool';
export const BATCH_LABEL = 'eksnodelog.io/batch';
export const REQUESTED_BY_ANNOTATION = 'eksnodelog.io/requested-by';

/** Who and what asked for a resource: the labels and annotations it is created with. */
export interface Requested {
  tool: string;
  /** batch_collect's id, shared by every collection of the batch */
  batchId?: string;
  /** the authenticated caller's user name (in-cluster HTTP) */
  username?: string;
}

export interface NewCollection {
  /** metadata.name; DNS-1123 (see resource-names.ts) */
  name: string;
  spec: NodeLogCollectionSpecInput;
  requested: Requested;
}

export interface NewCapture {
  name: string;
  spec: PacketCaptureSpecInput;
  requested: Requested;
}

/** A Node as the tools see it: health signals only (DESIGN.md §6 cluster_health). */
export interface ClusterNode {
  name: string;
  labels: Record<string, string>;
  /** Ready condition: true, false, or null when the kubelet never reported it (Unknown) */
  ready: boolean | null;
  /** the pressure/unavailable conditions that are True: MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable */
  pressure: string[];
  kubeletVersion: string | null;
  taints: Array<{ key: string; value?: string; effect: string }>;
  unschedulable: boolean;
  createdAt: string | null;
  /** from spec.providerID (aws:///<zone>/<instance-id>) */
  instanceId: string | null;
  region: string | null;
}

export type SsmPingStatus = 'Online' | 'ConnectionLost' | 'Inactive' | 'NotRegistered';

export interface SsmPingResult {
  status: SsmPingStatus;
  lastPingAt: string | null;
}

/**
 * The API server refused what the tool asked for (invalid spec, name taken, forbidden): the caller can
 * fix it. `message` is the API server's own Status message — it names the field and rule, never a token.
 */
export class ClusterRejectedError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ClusterRejectedError';
  }
}

/**
 * What the MCP tools need of a cluster (STYLE.md 2: shaped by the tools, not by the SDK). One
 * namespace: the one the server's RBAC and the callers' SubjectAccessReviews are checked against.
 * The only adapter is kube-cluster.ts; unit tests can use a small in-memory one.
 */
export interface ClusterPort {
  /** the namespace the custom resources are created and read in */
  readonly namespace: string;
  createCollection(c: NewCollection): Promise<NodeLogCollection>;
  /** undefined when it does not exist */
  getCollection(name: string): Promise<NodeLogCollection | undefined>;
  /** newest first, at most `limit`; by node (spec.nodeName, spec.instanceId or status.nodeName) or by batch label */
  listCollections(q: { node?: string; batchId?: string; limit: number }): Promise<NodeLogCollection[]>;
  createCapture(c: NewCapture): Promise<PacketCapture>;
  getCapture(name: string): Promise<PacketCapture | undefined>;
  /** every Node matching the label selector (all when unset), by name */
  listNodes(labelSelector?: string): Promise<ClusterNode[]>;
  /** SSM agent ping status per instance id; absent when SSM is not configured */
  ssmPing?(targets: Array<{ instanceId: string; region: string }>): Promise<Map<string, SsmPingResult>>;
}

export type { CollectionCategory, Method };
