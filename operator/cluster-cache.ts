import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';

/**
 * Watch-backed caches of what every reconcile reads — Nodes and the agent DaemonSet's pods — so a
 * burst of collections costs the API server nothing per collection for these reads (client-go's
 * shared informers). Until both caches have synced, callers fall back to the API.
 */
export class ClusterCache {
  private nodes: (k8s.Informer<k8s.V1Node> & k8s.ObjectCache<k8s.V1Node>) | undefined;
  private pods: (k8s.Informer<k8s.V1Pod> & k8s.ObjectCache<k8s.V1Pod>) | undefined;
  private synced = false;
  private stopped = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    readonly agentNamespace: string,
    readonly agentSelector: string,
    private readonly log: Logger,
  ) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    const core = this.kc.makeApiClient(k8s.CoreV1Api);
    this.nodes = k8s.makeInformer<k8s.V1Node>(this.kc, '/api/v1/nodes', () => core.listNode());
    this.pods = k8s.makeInformer<k8s.V1Pod>(this.kc, `/api/v1/namespaces/${this.agentNamespace}/pods`, () => core.listNamespacedPod({ namespace: this.agentNamespace, labelSelector: this.agentSelector }), this.agentSelector);
    for (const inf of [this.nodes, this.pods] as Array<k8s.Informer<k8s.KubernetesObject>>) {
      inf.on('error', (err: unknown) => {
        this.log.warn({ err: (err as Error)?.message }, 'Cache watch failed; restarting');
        const restart = (): void => {
          if (!this.stopped) setTimeout(() => void inf.start().catch(restart), 2000).unref();
        };
        restart();
      });
    }
    await Promise.all([this.nodes.start(), this.pods.start()]);
    this.synced = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([this.nodes?.stop(), this.pods?.stop()]);
  }

  node(name: string): k8s.V1Node | undefined {
    return this.nodes?.get(name);
  }

  nodeByInstanceId(instanceId: string): k8s.V1Node | undefined {
    return this.nodes?.list().find((n) => n.spec?.providerID?.endsWith(`/${instanceId}`));
  }

  agentPodsOn(nodeName: string): k8s.V1Pod[] {
    return (this.pods?.list() ?? []).filter((p) => p.spec?.nodeName === nodeName);
  }
}
