import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { OperatorMetrics } from './metrics.js';
import { GROUP, keyOf, VERSION } from './resources.js';
import { WorkQueue } from './work-queue.js';

export interface ReconcileResult {
  /** level-based requeue: look again after this long even if nothing changes (deadlines, polling) */
  requeueAfterMs?: number;
}

export interface Reconciler<T extends k8s.KubernetesObject> {
  readonly kind: string;
  reconcile(key: string, obj: T | undefined): Promise<ReconcileResult>;
}

/**
 * One controller per kind: an informer keeps a cache of the resources; every add/update/delete only
 * enqueues the key (never branches on the event type: reconcilers are level-based, STYLE/DESIGN §7);
 * workers take keys and reconcile from the cache. Errors back off per key.
 */
export class Controller<T extends k8s.KubernetesObject> {
  readonly queue = new WorkQueue();
  private informer: (k8s.Informer<T> & k8s.ObjectCache<T>) | undefined;
  private synced = false;
  private stopped = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly plural: string,
    private readonly reconciler: Reconciler<T>,
    private readonly o: { concurrency: number; log: Logger; metrics?: OperatorMetrics; freshest?: (plural: string, obj: T) => T },
  ) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  /** The cached object of a key (what reconcilers see). */
  get(key: string): T | undefined {
    const i = key.indexOf('/');
    return this.informer?.get(key.slice(i + 1), key.slice(0, i));
  }

  list(): readonly T[] {
    return this.informer?.list() ?? [];
  }

  async start(): Promise<void> {
    const custom = this.kc.makeApiClient(k8s.CustomObjectsApi);
    const path = `/apis/${GROUP}/${VERSION}/${this.plural}`;
    const listFn = async () => (await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: this.plural })) as k8s.KubernetesListObject<T>;
    const inf = k8s.makeInformer<T>(this.kc, path, listFn);
    this.informer = inf;
    const enqueue = (o: T) => this.queue.add(keyOf(o));
    inf.on('add', enqueue);
    inf.on('update', enqueue);
    inf.on('delete', enqueue);
    inf.on('error', (err: unknown) => {
      // a broken watch stops the informer: restart it after a pause; the relist re-enqueues everything
      this.o.log.warn({ err: (err as Error)?.message, plural: this.plural }, 'Watch failed; restarting');
      const restart = (): void => {
        if (!this.stopped) setTimeout(() => void inf.start().catch(restart), 2000).unref();
      };
      restart();
    });
    await inf.start();
    this.synced = true;
    for (const o of inf.list()) enqueue(o);
    for (let i = 0; i < this.o.concurrency; i++) this.workers.push(this.work());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutdown();
    await this.informer?.stop();
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const kind = this.reconciler.kind;
      const end = this.o.metrics?.reconcileSeconds.startTimer({ kind });
      try {
        const cached = this.get(key);
        const r = await this.reconciler.reconcile(key, cached && this.o.freshest ? this.o.freshest(this.plural, cached) : cached);
        this.queue.forget(key);
        if (r.requeueAfterMs !== undefined) this.queue.addAfter(key, r.requeueAfterMs);
        this.o.metrics?.reconciles.inc({ kind, result: 'ok' });
      } catch (err) {
        const delay = this.queue.addRateLimited(key);
        this.o.metrics?.reconciles.inc({ kind, result: 'error' });
        this.o.log.warn({ key, kind, err: (err as Error).message, retryInMs: delay }, 'Reconcile failed');
      } finally {
        end?.();
        this.queue.done(key);
        this.o.metrics?.queueDepth.set({ kind }, this.queue.length);
      }
    }
  }
}
