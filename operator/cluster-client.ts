import * as k8s from '@kubernetes/client-node';
import type { ClusterCache } from './cluster-cache.js';
import type { OperatorMetrics } from './metrics.js';
import type { TokenBucket } from './rate-limiter.js';
import { GROUP, VERSION } from './resources.js';

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/**
 * Every API write and read the reconcilers make, through one rate limiter (the operator's QPS/Burst)
 * and one request counter — so the request rate the benchmark reports is the rate the operator
 * really sends. Watches and the informers' lists are not limited (they are long-lived streams).
 */
export class ClusterClient {
  readonly core: k8s.CoreV1Api;
  readonly custom: k8s.CustomObjectsApi;

  constructor(
    readonly kc: k8s.KubeConfig,
    private readonly limiter: TokenBucket,
    private readonly metrics?: OperatorMetrics,
    /** when synced, node and agent-pod reads come from it instead of the API */
    private readonly cache?: ClusterCache,
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  /** the objects our own writes returned: read-your-writes over a watch cache that may lag behind */
  private readonly written = new Map<string, k8s.KubernetesObject>();

  /**
   * The newer of a cached object and what our last write of it returned. Without this, a reconcile
   * right after a status write can read the informer's older copy and redo the step it just did.
   * resourceVersions are opaque in general, but etcd's are integers: when either is not, the cache wins.
   */
  freshest<T extends k8s.KubernetesObject>(plural: string, obj: T): T {
    const key = `${plural}/${obj.metadata?.namespace}/${obj.metadata?.name}`;
    const mine = this.written.get(key);
    if (!mine) return obj;
    const a = Number(mine.metadata?.resourceVersion);
    const b = Number(obj.metadata?.resourceVersion);
    if (Number.isInteger(a) && Number.isInteger(b) && a > b && mine.metadata?.uid === obj.metadata?.uid) return mine as T;
    this.written.delete(key);
    return obj;
  }

  private remember(plural: string, namespace: string, name: string, r: unknown): unknown {
    if (r && typeof r === 'object' && (r as k8s.KubernetesObject).metadata) {
      const key = `${plural}/${namespace}/${name}`;
      this.written.delete(key);
      this.written.set(key, r as k8s.KubernetesObject);
      // entries go when the cache catches up; deleted resources never come back to claim theirs
      if (this.written.size > 5000) this.written.delete(this.written.keys().next().value!);
    }
    return r;
  }

  private async call<T>(verb: string, fn: () => Promise<T>): Promise<T> {
    await this.limiter.take();
    this.metrics?.apiRequests.inc({ verb });
    return fn();
  }

  async patchStatus(plural: string, namespace: string, name: string, status: object): Promise<unknown> {
    const r = await this.call('patch', () => this.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural, namespace, name, body: { status } }, MERGE));
    return this.remember(plural, namespace, name, r);
  }

  async patchMeta(plural: string, namespace: string, name: string, metadata: object): Promise<unknown> {
    const r = await this.call('patch', () => this.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name, body: { metadata } }, MERGE));
    return this.remember(plural, namespace, name, r);
  }

  deleteResource(plural: string, namespace: string, name: string): Promise<unknown> {
    return this.call('delete', () => this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name }));
  }

  getNode(name: string): Promise<k8s.V1Node | undefined> {
    if (this.cache?.hasSynced) return Promise.resolve(this.cache.node(name));
    return this.call('get', () => this.core.readNode({ name })).catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
  }

  async findNodeByInstanceId(instanceId: string): Promise<k8s.V1Node | undefined> {
    if (this.cache?.hasSynced) return this.cache.nodeByInstanceId(instanceId);
    const nodes = await this.call('list', () => this.core.listNode());
    return nodes.items.find((n) => n.spec?.providerID?.endsWith(`/${instanceId}`));
  }

  listPods(namespace: string, labelSelector: string, fieldSelector?: string): Promise<k8s.V1PodList> {
    const onNode = /^spec\.nodeName=(.+)$/.exec(fieldSelector ?? '');
    if (this.cache?.hasSynced && onNode && namespace === this.cache.agentNamespace && labelSelector === this.cache.agentSelector) {
      return Promise.resolve({ items: this.cache.agentPodsOn(onNode[1]!) });
    }
    return this.call('list', () => this.core.listNamespacedPod({ namespace, labelSelector, fieldSelector }));
  }

  getPod(namespace: string, name: string): Promise<k8s.V1Pod | undefined> {
    return this.call('get', () => this.core.readNamespacedPod({ namespace, name })).catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
  }

  createPod(namespace: string, body: k8s.V1Pod): Promise<k8s.V1Pod> {
    return this.call('create', () => this.core.createNamespacedPod({ namespace, body }));
  }

  deletePod(namespace: string, name: string): Promise<unknown> {
    return this.call('delete', () => this.core.deleteNamespacedPod({ namespace, name })).catch((err: { code?: number }) => {
      if (err.code !== 404) throw err;
    });
  }
}
