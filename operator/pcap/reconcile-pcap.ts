import type { Logger } from 'pino';
import { jobPod, type JobPodOptions, jobPodName } from '../backends/job-pod.js';
import type { ClusterClient } from '../cluster-client.js';
import { setCondition } from '../conditions.js';
import type { ReconcileResult, Reconciler } from '../controller.js';
import type { OperatorMetrics } from '../metrics.js';
import { FINALIZER } from '../nlc/reconcile-nlc.js';
import { type PacketCapture, PCAP_PLURAL, splitKey, TERMINAL } from '../resources.js';

export interface PcapReconcilerOptions {
  client: ClusterClient;
  log: Logger;
  metrics?: OperatorMetrics;
  agentNamespace: string;
  agentSelector: string;
  job: JobPodOptions;
  collectTimeoutSeconds: number;
  nodeGoneGraceSeconds: number;
  pollSeconds: number;
  now?: () => number;
}

type Status = NonNullable<PacketCapture['status']> & { podUid?: string };

/**
 * PacketCapture, level-based like NodeLogCollection: resolve the node (a pod's node and UID for
 * podRef, which the agent turns into the pod's network namespace without crictl), pick agent or
 * one-shot pod, wait for the hub to mark it complete, clean up, honour the TTL. The deadline is the
 * capture's own duration plus the collection timeout.
 */
export class PcapReconciler implements Reconciler<PacketCapture> {
  readonly kind = 'PacketCapture';
  private readonly now: () => number;

  constructor(private readonly o: PcapReconcilerOptions) {
    this.now = o.now ?? Date.now;
  }

  async reconcile(key: string, pc: PacketCapture | undefined): Promise<ReconcileResult> {
    if (!pc) return {};
    const { namespace, name } = splitKey(key);
    const st: Status = pc.status ?? {};
    const finalizers = pc.metadata?.finalizers ?? [];
    const pod = jobPodName('pcap', name, pc.metadata!.uid!);
    if (pc.metadata?.deletionTimestamp) {
      if (finalizers.includes(FINALIZER)) {
        await this.o.client.deletePod(namespace, pod);
        await this.o.client.patchMeta(PCAP_PLURAL, namespace, name, { finalizers: finalizers.filter((f) => f !== FINALIZER), resourceVersion: pc.metadata.resourceVersion });
      }
      return {};
    }
    if (st.phase && TERMINAL.has(st.phase)) {
      if (st.method === 'job') await this.o.client.deletePod(namespace, pod);
      const ttl = pc.spec?.ttlSecondsAfterFinished;
      if (ttl === undefined || !st.completionTime) return {};
      const left = new Date(st.completionTime).getTime() + ttl * 1000 - this.now();
      if (left > 0) return { requeueAfterMs: left };
      await this.o.client.deleteResource(PCAP_PLURAL, namespace, name);
      return {};
    }
    if (!finalizers.includes(FINALIZER)) {
      await this.o.client.patchMeta(PCAP_PLURAL, namespace, name, { finalizers: [...finalizers, FINALIZER], resourceVersion: pc.metadata?.resourceVersion });
      return {};
    }
    if (!st.phase || st.phase === 'Pending') return this.start(pc);

    const poll = { requeueAfterMs: this.o.pollSeconds * 1000 };
    const started = new Date(st.startTime ?? this.now()).getTime();
    const deadline = ((pc.spec?.durationSeconds ?? 60) + this.o.collectTimeoutSeconds) * 1000;
    if (this.now() - started > deadline) {
      await this.fail(pc, 'Timeout', `no capture arrived within ${Math.round(deadline / 1000)} s`);
      return {};
    }
    if (st.nodeName && !(await this.o.client.getNode(st.nodeName))) {
      await this.fail(pc, 'NodeGone', `node ${st.nodeName} disappeared during the capture`);
      return {};
    }
    if (st.method === 'job') {
      const existing = await this.o.client.getPod(namespace, pod);
      if (!existing) await this.o.client.createPod(namespace, jobPod('PacketCapture', pc, st.nodeName!, this.o.job));
      else if (existing.status?.phase === 'Failed') {
        await this.fail(pc, 'JobFailed', `capture pod ${pod} failed: ${existing.status.message ?? existing.status.reason ?? 'no reason given'}`);
        return {};
      }
    }
    return poll;
  }

  private patch(pc: PacketCapture, status: Status): Promise<unknown> {
    if (status.phase && status.phase !== pc.status?.phase) this.o.metrics?.phases.inc({ kind: this.kind, phase: status.phase });
    return this.o.client.patchStatus(PCAP_PLURAL, pc.metadata!.namespace!, pc.metadata!.name!, { ...status, observedGeneration: pc.metadata?.generation });
  }

  private fail(pc: PacketCapture, reason: string, message: string): Promise<unknown> {
    const now = new Date(this.now());
    return this.patch(pc, { phase: 'Failed', message, completionTime: now.toISOString(), conditions: setCondition(pc.status?.conditions, { type: 'Complete', status: 'False', reason, message, observedGeneration: pc.metadata?.generation }, now) });
  }

  private async start(pc: PacketCapture): Promise<ReconcileResult> {
    const spec = pc.spec ?? {};
    let nodeName = spec.nodeName;
    let podUid: string | undefined;
    if (spec.podRef) {
      const target = await this.o.client.getPod(spec.podRef.namespace, spec.podRef.name);
      if (!target?.spec?.nodeName) {
        await this.fail(pc, 'PodNotFound', `pod ${spec.podRef.namespace}/${spec.podRef.name} does not exist or is not scheduled`);
        return {};
      }
      nodeName = target.spec.nodeName;
      podUid = target.metadata?.uid;
    }
    if (!nodeName || !(await this.o.client.getNode(nodeName))) {
      await this.fail(pc, 'NodeNotFound', `node ${nodeName ?? '(none)'} does not exist`);
      return {};
    }
    const pods = await this.o.client.listPods(this.o.agentNamespace, this.o.agentSelector, `spec.nodeName=${nodeName}`);
    const agentReady = pods.items.some((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const requested = spec.method ?? 'auto';
    if (requested === 'ssm') {
      await this.fail(pc, 'NoMethod', 'captures over SSM are not supported by this operator version: use method agent or job');
      return {};
    }
    if (requested === 'agent' && !agentReady) {
      await this.fail(pc, 'NoMethod', 'method agent requested but no agent pod is Ready on the node');
      return {};
    }
    const method = requested === 'job' || (requested === 'auto' && !agentReady) ? 'job' : 'agent';
    const now = new Date(this.now());
    await this.patch(pc, {
      phase: 'Collecting', method, nodeName, podUid, startTime: now.toISOString(), attempts: (pc.status?.attempts ?? 0) + 1,
      message: `capturing on ${nodeName}${spec.podRef ? ` in pod ${spec.podRef.namespace}/${spec.podRef.name}` : ''} via ${method}`,
      conditions: setCondition(pc.status?.conditions, { type: 'Accepted', status: 'True', reason: method === 'agent' ? 'MethodAgent' : 'MethodJob', message: `via ${method}`, observedGeneration: pc.metadata?.generation }, now),
    });
    return { requeueAfterMs: this.o.pollSeconds * 1000 };
  }
}
