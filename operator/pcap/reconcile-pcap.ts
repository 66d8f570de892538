import { collectionBundleId } from '../../core/bundle/bundle-id.js';
import { completedCaptureStatus, storeUri } from '../../core/bundle/collection-status.js';
import { CaptureInputError } from '../../core/capture/capture-input.js';
import type { SsmCapturePort } from '../backends/ssm-capture.js';
import { NotACaptureError, type SsmCaptureIngest } from '../backends/ssm-capture-ingest.js';
import { jobPod, jobPodName } from '../backends/job-pod.js';
import { setCondition } from '../../core/bundle/conditions.js';
import type { ReconcileResult, Reconciler } from '../controller.js';
import type { ReconcilerOptions } from '../reconciler-options.js';
import { pickMethod } from '../nlc/pick-method.js';
import { FINALIZER } from '../nlc/reconcile-nlc.js';
import { nodePresence } from '../node-presence.js';
import { parseProviderId } from '../provider-id.js';
import { type PacketCapture, PCAP_PLURAL, splitKey, TERMINAL } from '../resources.js';

export interface PcapReconcilerOptions extends ReconcilerOptions {
  /** SSM captures (SendCommand), when the installation enables SSM */
  ssm?: { capture: SsmCapturePort; ingest: SsmCaptureIngest; uriBase: string };
}

type Status = NonNullable<PacketCapture['status']> & { podUid?: string };

/**
 * PacketCapture, level-based like NodeLogCollection: resolve the node (a pod's node and UID for
 * podRef, which the agent turns into the pod's network namespace without crictl), pick agent or
 * one-shot pod, wait for the hub to mark it complete, clean up, honour the TTL. The deadline is the
 * capture's own duration plus the collection timeout. SSM (host namespace only: the CRD refuses it
 * with podRef) sends the fixed capture script and ingests the pcap the node uploads.
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
        await this.cancelSsm(pc, st);
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
    if (st.method === 'ssm') return this.progressSsm(pc, st);
    if (st.nodeName) {
      const node = nodePresence({ conditions: st.conditions, nodeName: st.nodeName, present: Boolean(await this.o.client.getNode(st.nodeName)), graceSeconds: this.o.nodeGoneGraceSeconds, generation: pc.metadata?.generation }, new Date(this.now()));
      if (node.kind === 'gone') {
        await this.fail(pc, 'NodeGone', node.message);
        return {};
      }
      if (node.conditions) await this.patch(pc, { conditions: node.conditions, ...(node.kind === 'missing' ? { message: node.message } : {}) });
      if (node.kind === 'missing') return { requeueAfterMs: Math.min(poll.requeueAfterMs, node.retryInMs) };
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

  /**
   * Deleting a capture that runs over SSM cancels its command before the finalizer goes (a Completed
   * one has nothing left to stop). A command sent by a pass that crashed before recording its id is
   * found by its comment, as progressSsm does. A transient failure throws: the finalizer stays and
   * the pass is retried with backoff; an unknown command is done; a role that may not cancel, or an
   * operator without SSM, is logged and lets the object go (the script stops at its own duration).
   */
  private async cancelSsm(pc: PacketCapture, st: Status): Promise<void> {
    if (st.method !== 'ssm' || st.phase === 'Completed' || !st.region) return;
    const capture = `${pc.metadata?.namespace}/${pc.metadata?.name}`;
    if (!this.o.ssm) {
      if (st.ssmCommandId) this.o.log.warn({ capture, command: st.ssmCommandId }, 'Capture deleted; its SSM command cannot be cancelled without SSM configured');
      return;
    }
    const id = st.ssmCommandId ?? (st.instanceId && st.captureId ? await this.o.ssm.capture.find(st.region, st.instanceId, st.captureId) : undefined);
    if (!id) return;
    const outcome = await this.o.ssm.capture.cancel(st.region, id);
    if (outcome === 'denied') this.o.log.warn({ capture, command: id }, 'Capture deleted; the operator role may not cancel its SSM command (ssm:CancelCommand)');
    else this.o.log.info({ capture, command: id, ssm: outcome }, 'Capture deleted; work cancelled');
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
    const node = nodeName ? await this.o.client.getNode(nodeName) : undefined;
    if (!nodeName || !node) {
      await this.fail(pc, 'NodeNotFound', `node ${nodeName ?? '(none)'} does not exist`);
      return {};
    }
    const pods = await this.o.client.listPods(this.o.agentNamespace, this.o.agentSelector, `spec.nodeName=${nodeName}`);
    const agentReady = pods.items.some((p) => p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    const requested = spec.method ?? 'auto';
    if (requested === 'ssm' && spec.podRef) {
      await this.fail(pc, 'NoMethod', "method ssm captures on the node's host network only; a pod's network namespace needs the agent or a job");
      return {};
    }
    const aws = parseProviderId(node.spec?.providerID);
    // a pod's namespace is out of SSM's reach, so auto never picks SSM for podRef
    const pick = pickMethod({ requested, agentReady, hasNode: true, instanceId: aws?.instanceId, ssmConfigured: Boolean(this.o.ssm) && !spec.podRef });
    if ('error' in pick) {
      await this.fail(pc, 'NoMethod', pick.error);
      return {};
    }
    const method = pick.method;
    const ssm = method === 'ssm' ? { instanceId: aws?.instanceId, region: aws?.region, captureId: collectionBundleId(pc.metadata?.creationTimestamp, pc.metadata!.uid!) } : {};
    const now = new Date(this.now());
    await this.patch(pc, {
      phase: 'Collecting', method, nodeName, podUid, ...ssm, startTime: now.toISOString(), attempts: (pc.status?.attempts ?? 0) + 1,
      message: `capturing on ${nodeName}${spec.podRef ? ` in pod ${spec.podRef.namespace}/${spec.podRef.name}` : ''} via ${method}: ${pick.why}`,
      conditions: setCondition(pc.status?.conditions, { type: 'Accepted', status: 'True', reason: `Method${method[0]!.toUpperCase()}${method.slice(1)}`, message: pick.why, observedGeneration: pc.metadata?.generation }, now),
    });
    return { requeueAfterMs: method === 'ssm' ? 0 : this.o.pollSeconds * 1000 };
  }

  /**
   * SSM: send the capture command once (its id goes into status before anything polls it; a command
   * an earlier pass sent but did not record is found again by its comment), poll it, then copy the
   * pcap the node uploaded into the hub and analyse it. moto and AWS both report Success before the
   * upload is visible at times: the deadline bounds the wait for the object.
   */
  private async progressSsm(pc: PacketCapture, st: Status): Promise<ReconcileResult> {
    const ssm = this.o.ssm;
    const poll = { requeueAfterMs: this.o.pollSeconds * 1000 };
    if (!ssm) {
      await this.fail(pc, 'NoMethod', 'this capture uses SSM but SSM is no longer enabled in this installation (operator --ssm-bucket)');
      return {};
    }
    if (!st.instanceId || !st.region || !st.nodeName) {
      await this.fail(pc, 'NoInstance', "the SSM method needs the node's instance id and region (from its aws:/// providerID)");
      return {};
    }
    const captureId = st.captureId ?? collectionBundleId(pc.metadata?.creationTimestamp, pc.metadata!.uid!);
    if (!st.ssmCommandId) {
      const spec = pc.spec ?? {};
      let id = await ssm.capture.find(st.region, st.instanceId, captureId);
      const found = Boolean(id);
      try {
        id ??= await ssm.capture.send({
          instanceId: st.instanceId, region: st.region, captureId, filter: spec.filter, interface: spec.interface ?? 'any',
          durationSeconds: spec.durationSeconds ?? 60, maxPackets: spec.maxPackets ?? 1_000_000, maxBytes: spec.maxBytes ?? 104_857_600, snapLength: spec.snapLength ?? 262_144,
        });
      } catch (err) {
        if (!(err instanceof CaptureInputError)) throw err;
        await this.fail(pc, 'InvalidSpec', err.message);
        return {};
      }
      await this.patch(pc, { ssmCommandId: id, captureId, message: found ? `SSM command ${id} of this capture found again (sent before an operator restart)` : `SSM command ${id} sent to ${st.instanceId}` });
      return poll;
    }
    const r = await ssm.capture.poll(st.region, st.ssmCommandId, st.instanceId);
    if (r.state === 'running') return poll;
    if (r.state === 'failed') {
      await this.fail(pc, 'SsmFailed', `SSM command ${st.ssmCommandId} ended ${r.detail}`);
      return {};
    }
    const { namespace, name } = splitKey(`${pc.metadata!.namespace}/${pc.metadata!.name}`);
    let res;
    try {
      res = await ssm.ingest.ingest(st.instanceId, captureId, st.nodeName, { namespace, name, commandId: st.ssmCommandId });
    } catch (err) {
      if (!(err instanceof NotACaptureError)) throw err;
      await this.fail(pc, 'CaptureInvalid', err.message);
      return {};
    }
    if (!res) {
      if (st.message?.startsWith('SSM command succeeded')) return poll;
      await this.patch(pc, { message: `SSM command succeeded; waiting for the node's upload of ${captureId}` });
      return poll;
    }
    const now = new Date(this.now());
    await this.patch(pc, {
      ...completedCaptureStatus(res.analysis, captureId, res.bytes, storeUri(ssm.uriBase, `${res.key}/`), now.getTime()),
      conditions: setCondition(pc.status?.conditions, { type: 'Complete', status: 'True', reason: 'Ingested', message: `capture ${captureId}`, observedGeneration: pc.metadata?.generation }, now),
    });
    return {};
  }
}
