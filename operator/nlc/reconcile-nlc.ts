import { collectionBundleId } from '../../core/bundle/bundle-id.js';
import type { SsmAutomationPort } from '../backends/ssm-automation.js';
import type { SsmBundleIngest } from '../backends/ssm-ingest.js';
import { jobPod, jobPodName } from '../backends/job-pod.js';
import { completedCollectionStatus } from '../../core/bundle/collection-status.js';
import { setCondition } from '../../core/bundle/conditions.js';
import type { ReconcileResult, Reconciler } from '../controller.js';
import type { ReconcilerOptions } from '../reconciler-options.js';
import { nodePresence } from '../node-presence.js';
import { parseProviderId } from '../provider-id.js';
import { NLC_PLURAL, type NodeLogCollection, splitKey, TERMINAL } from '../resources.js';
import { pickMethod } from './pick-method.js';

export const FINALIZER = 'eksnodelog.io/cancel';

export interface NlcReconcilerOptions extends ReconcilerOptions {
  /** region: the operator's SSM region (its bucket's), for an instance with no Node to name one */
  ssm?: { automation: SsmAutomationPort; ingest: SsmBundleIngest; uriBase: string; region: string };
}

type Status = NonNullable<NodeLogCollection['status']>;

/**
 * NodeLogCollection, level-based: each pass looks at the object as it is now and moves it one step
 * (resolve target → pick method → start the backend → watch it → terminal → TTL). Nothing depends on
 * which event woke it. Every status write carries observedGeneration.
 */
export class NlcReconciler implements Reconciler<NodeLogCollection> {
  readonly kind = 'NodeLogCollection';
  private readonly now: () => number;

  constructor(private readonly o: NlcReconcilerOptions) {
    this.now = o.now ?? Date.now;
  }

  async reconcile(key: string, nlc: NodeLogCollection | undefined): Promise<ReconcileResult> {
    if (!nlc) return {};
    const { namespace, name } = splitKey(key);
    const st: Status = nlc.status ?? {};
    const finalizers = nlc.metadata?.finalizers ?? [];

    if (nlc.metadata?.deletionTimestamp) {
      if (finalizers.includes(FINALIZER)) {
        await this.cancel(nlc);
        await this.o.client.patchMeta(NLC_PLURAL, namespace, name, { finalizers: finalizers.filter((f) => f !== FINALIZER), resourceVersion: nlc.metadata.resourceVersion });
      }
      return {};
    }

    if (st.phase && TERMINAL.has(st.phase)) return this.finished(nlc, namespace, name);

    if (!finalizers.includes(FINALIZER)) {
      // the finalizer lets a delete cancel the work (job pod, SSM) before the object goes away; the
      // same pass goes on to the first status, so a burst of new collections shows progress at once
      await this.o.client.patchMeta(NLC_PLURAL, namespace, name, { finalizers: [...finalizers, FINALIZER], resourceVersion: nlc.metadata?.resourceVersion });
    }

    if (!st.phase || st.phase === 'Pending') return this.start(nlc, namespace, name);
    return this.progress(nlc, namespace, name, st);
  }

  private patch(nlc: NodeLogCollection, status: Status): Promise<unknown> {
    const { namespace, name } = splitKey(`${nlc.metadata!.namespace}/${nlc.metadata!.name}`);
    if (status.phase && status.phase !== nlc.status?.phase) this.o.metrics?.phases.inc({ kind: this.kind, phase: status.phase });
    return this.o.client.patchStatus(NLC_PLURAL, namespace, name, { ...status, observedGeneration: nlc.metadata?.generation });
  }

  private fail(nlc: NodeLogCollection, reason: string, message: string): Promise<unknown> {
    const now = new Date(this.now());
    return this.patch(nlc, {
      phase: 'Failed',
      message,
      completionTime: now.toISOString(),
      conditions: setCondition(nlc.status?.conditions, { type: 'Complete', status: 'False', reason, message, observedGeneration: nlc.metadata?.generation }, now),
    });
  }

  /** Pending → Collecting: resolve the node and its instance, pick the method, record both. */
  private async start(nlc: NodeLogCollection, _ns: string, _name: string): Promise<ReconcileResult> {
    const spec = nlc.spec ?? {};
    const now = new Date(this.now());
    const node = spec.nodeName ? await this.o.client.getNode(spec.nodeName) : spec.instanceId ? await this.o.client.findNodeByInstanceId(spec.instanceId) : undefined;
    if (spec.nodeName && !node) {
      const age = this.now() - new Date(nlc.metadata?.creationTimestamp ?? now).getTime();
      if (age < this.o.nodeGoneGraceSeconds * 1000) {
        await this.patch(nlc, { phase: 'Pending', message: `waiting for node ${spec.nodeName} to exist` });
        return { requeueAfterMs: this.o.pollSeconds * 1000 };
      }
      await this.fail(nlc, 'NodeNotFound', `node ${spec.nodeName} does not exist`);
      return {};
    }
    const aws = parseProviderId(node?.spec?.providerID);
    const instanceId = spec.instanceId ?? aws?.instanceId;
    const nodeName = node?.metadata?.name;
    const agentReady = nodeName ? await this.agentReadyOn(nodeName) : false;
    const pick = pickMethod({ requested: spec.method ?? 'auto', agentReady, hasNode: Boolean(nodeName), instanceId, ssmConfigured: Boolean(this.o.ssm) });
    if ('error' in pick) {
      await this.fail(nlc, 'NoMethod', pick.error);
      return {};
    }
    // an instance that is not (or no longer) a Node has no providerID to name its region; SSM looks
    // for it in the region the operator's SSM is set up in, the one its bucket and grants cover
    const region = aws?.region ?? (pick.method === 'ssm' ? this.o.ssm?.region : undefined);
    await this.patch(nlc, {
      phase: 'Collecting',
      method: pick.method,
      nodeName,
      instanceId,
      region,
      startTime: now.toISOString(),
      attempts: (nlc.status?.attempts ?? 0) + 1,
      message: pick.why,
      conditions: setCondition(nlc.status?.conditions, { type: 'Accepted', status: 'True', reason: `Method${pick.method[0]!.toUpperCase()}${pick.method.slice(1)}`, message: pick.why, observedGeneration: nlc.metadata?.generation }, now),
    });
    return { requeueAfterMs: 0 };
  }

  private async agentReadyOn(nodeName: string): Promise<boolean> {
    const pods = await this.o.client.listPods(this.o.agentNamespace, this.o.agentSelector, `spec.nodeName=${nodeName}`);
    return pods.items.some((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  }

  /** Collecting: drive the chosen backend; fail on a missing node or past the deadline. */
  private async progress(nlc: NodeLogCollection, namespace: string, name: string, st: Status): Promise<ReconcileResult> {
    const poll = { requeueAfterMs: this.o.pollSeconds * 1000 };
    const started = new Date(st.startTime ?? nlc.metadata?.creationTimestamp ?? this.now()).getTime();
    if (this.now() - started > this.o.collectTimeoutSeconds * 1000) {
      await this.fail(nlc, 'Timeout', `no bundle arrived within ${this.o.collectTimeoutSeconds} s of the ${st.method} collection starting`);
      return {};
    }
    if (st.method !== 'ssm' && st.nodeName) {
      const node = nodePresence({ conditions: st.conditions, nodeName: st.nodeName, present: Boolean(await this.o.client.getNode(st.nodeName)), graceSeconds: this.o.nodeGoneGraceSeconds, generation: nlc.metadata?.generation }, new Date(this.now()));
      if (node.kind === 'gone') {
        await this.fail(nlc, 'NodeGone', node.message);
        return {};
      }
      if (node.conditions) await this.patch(nlc, { conditions: node.conditions, ...(node.kind === 'missing' ? { message: node.message } : {}) });
      if (node.kind === 'missing') return { requeueAfterMs: Math.min(poll.requeueAfterMs, node.retryInMs) };
    }
    if (st.method === 'job') {
      const podName = jobPodName('nlc', name, nlc.metadata!.uid!);
      const pod = await this.o.client.getPod(namespace, podName);
      if (!pod) await this.o.client.createPod(namespace, jobPod('NodeLogCollection', nlc, st.nodeName!, this.o.job));
      else if (pod.status?.phase === 'Failed') {
        await this.fail(nlc, 'JobFailed', `collector pod ${podName} failed: ${pod.status.message ?? pod.status.reason ?? 'no reason given'}`);
        return {};
      }
      return poll;
    }
    if (st.method === 'ssm') return this.progressSsm(nlc, st);
    // agent: the node's agent sees the Collecting status, collects and uploads to the hub, which completes it
    return poll;
  }

  private async progressSsm(nlc: NodeLogCollection, st: Status): Promise<ReconcileResult> {
    const ssm = this.o.ssm!;
    const poll = { requeueAfterMs: this.o.pollSeconds * 1000 };
    if (!st.instanceId || !st.region) {
      await this.fail(nlc, 'NoInstance', 'the SSM method needs an instance id (spec.instanceId or the node providerID) and its region');
      return {};
    }
    if (!st.ssmExecutionId) {
      const id = await ssm.automation.start(st.region, st.instanceId, nlc.metadata!.uid!);
      await this.patch(nlc, { ssmExecutionId: id, message: `SSM automation ${id} started` });
      return poll;
    }
    const r = await ssm.automation.poll(st.region, st.ssmExecutionId);
    if (r.state === 'running') return poll;
    if (r.state === 'failed') {
      await this.fail(nlc, 'SsmFailed', `SSM automation ${st.ssmExecutionId} ended ${r.detail}`);
      return {};
    }
    const key = await ssm.ingest.findArchive(st.instanceId, new Date(st.startTime ?? 0).getTime(), r.outputs);
    if (!key) {
      // the upload may lag the execution's Success a little; the deadline bounds the wait
      await this.patch(nlc, { message: `SSM automation succeeded; waiting for the archive of ${st.instanceId} in the bucket` });
      return poll;
    }
    await this.patch(nlc, { phase: 'Ingesting', message: `ingesting ${key}` });
    const node = st.nodeName ?? st.instanceId;
    const res = await ssm.ingest.ingest(key, node, collectionBundleId(nlc.metadata?.creationTimestamp, nlc.metadata!.uid!));
    const now = new Date(this.now());
    const bytes = res.manifest.files.reduce((n, f) => n + (f.size ?? 0), 0);
    await this.patch(nlc, {
      ...completedCollectionStatus(res, bytes, ssm.uriBase, now.getTime()),
      conditions: setCondition(nlc.status?.conditions, { type: 'Complete', status: 'True', reason: 'Ingested', message: `bundle ${res.bundleId}`, observedGeneration: nlc.metadata?.generation }, now),
    });
    return {};
  }

  /** Terminal: remove the one-shot pod, then honour ttlSecondsAfterFinished. */
  private async finished(nlc: NodeLogCollection, namespace: string, name: string): Promise<ReconcileResult> {
    if (nlc.status?.method === 'job') await this.o.client.deletePod(namespace, jobPodName('nlc', name, nlc.metadata!.uid!));
    const ttl = nlc.spec?.ttlSecondsAfterFinished;
    if (ttl === undefined || !nlc.status?.completionTime) return {};
    const left = new Date(nlc.status.completionTime).getTime() + ttl * 1000 - this.now();
    if (left > 0) return { requeueAfterMs: left };
    await this.o.client.deleteResource(NLC_PLURAL, namespace, name);
    return {};
  }

  /**
   * Deleting a collection stops its work before the finalizer goes: the one-shot pod is deleted and a
   * recorded SSM execution is stopped (a Completed one has nothing left to stop). A stop that fails
   * for a transient reason throws, so the finalizer stays and the pass is retried with backoff; one
   * that finds the execution ended or gone is done. What is not stopped, and runs out on its own: an
   * execution started in the moment before its id reached status (the id is only ever known from
   * status), one whose operator no longer has SSM configured, and one the operator's role may not
   * stop (logged: a missing grant must not hold deleted collections in Terminating for ever).
   */
  private async cancel(nlc: NodeLogCollection): Promise<void> {
    const st = nlc.status ?? {};
    const collection = `${nlc.metadata?.namespace}/${nlc.metadata?.name}`;
    await this.o.client.deletePod(nlc.metadata!.namespace!, jobPodName('nlc', nlc.metadata!.name!, nlc.metadata!.uid!));
    let ssm: string | undefined;
    if (st.ssmExecutionId && st.phase !== 'Completed') {
      if (!this.o.ssm) {
        ssm = 'not stopped: SSM is not configured in this operator';
        this.o.log.warn({ collection, execution: st.ssmExecutionId }, 'Collection deleted; its SSM execution cannot be stopped without SSM configured');
      } else {
        ssm = await this.o.ssm.automation.stop(st.region ?? this.o.ssm.region, st.ssmExecutionId);
        if (ssm === 'denied') this.o.log.warn({ collection, execution: st.ssmExecutionId }, 'Collection deleted; the operator role may not stop its SSM execution (ssm:StopAutomationExecution)');
      }
    }
    this.o.log.info({ collection, phase: st.phase, ...(ssm ? { execution: st.ssmExecutionId, ssm } : {}) }, 'Collection deleted; work cancelled');
  }
}
