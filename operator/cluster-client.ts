import * as k8s from '@kubernetes/client-node';
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
  ) {
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  private async call<T>(verb: string, fn: () => Promise<T>): Promise<T> {
    await this.limiter.take();
    this.metrics?.apiRequests.inc({ verb });
    return fn();
  }

  patchStatus(plural: string, namespace: string, name: string, status: object): Promise<unknown> {
    return this.call('patch', () => this.custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural, namespace, name, body: { status } }, MERGE));
  }

  patchMeta(plural: string, namespace: string, name: string, metadata: object): Promise<unknown> {
    return this.call('patch', () => this.custom.patchNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name, body: { metadata } }, MERGE));
  }

  deleteResource(plural: string, namespace: string, name: string): Promise<unknown> {
    return this.call('delete', () => this.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace, name }));
  }

  getNode(name: string): Promise<k8s.V1Node | undefined> {
    return this.call('get', () => this.core.readNode({ name })).catch((err: { code?: number }) => {
      if (err.code === 404) return undefined;
      throw err;
    });
  }

  async findNodeByInstanceId(instanceId: string): Promise<k8s.V1Node | undefined> {
    const nodes = await this.call('list', () => this.core.listNode());
    return nodes.items.find((n) => n.spec?.providerID?.endsWith(`/${instanceId}`));
  }

  listPods(namespace: string, labelSelector: string, fieldSelector?: string): Promise<k8s.V1PodList> {
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
