import * as k8s from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_INCIDENT_PADDING, DEFAULT_SINCE, durationSeconds, GROUP, NODE_LOG_COLLECTION, PACKET_CAPTURE, VERSION } from '../../crds/types.js';
import type { NodeLogCollection, PacketCapture } from '../../operator/resources.js';
import { writeBundleArchive } from '../bundle-writer.js';
import { runCapture } from '../capture/run-capture.js';
import type { CaptureTarget } from '../capture/netns.js';
import { collectNode } from '../collect.js';
import type { HubClient } from './hub-client.js';

const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export interface AgentOptions {
  kc: k8s.KubeConfig;
  nodeName: string;
  hub: HubClient;
  /** where the host's filesystem is mounted (`/host` in the DaemonSet) */
  hostRoot: string;
  /** run host commands through nsenter into PID 1's namespaces */
  inPod: boolean;
  log: Logger;
  tmpDir?: string;
  /** job mode: do exactly this one resource, then return */
  once?: { kind: 'nlc' | 'pcap'; namespace: string; name: string };
  now?: () => number;
}

type Work = { kind: 'nlc'; obj: NodeLogCollection } | { kind: 'pcap'; obj: PacketCapture };

/**
 * The node agent (DESIGN.md §7–8): watches NodeLogCollections and PacketCaptures the operator has
 * put in Collecting for THIS node with method agent, collects or captures, and streams the result
 * to the hub, which ingests it and completes the resource. Phase changes stay the operator's and
 * the hub's; the agent reports its own progress as conditions (AgentCollecting, Uploaded), so a
 * hub outage is visible in `kubectl describe` while it retries. A restarted agent simply does the
 * work again: the hub's ingest of a collection is idempotent.
 */
export class NodeAgent {
  /** work in progress by resource UID; aborted when the resource is deleted */
  private readonly inFlight = new Map<string, AbortController>();
  private readonly custom: k8s.CustomObjectsApi;
  private informers: Array<k8s.Informer<k8s.KubernetesObject>> = [];
  private readonly now: () => number;

  constructor(private readonly o: AgentOptions) {
    this.custom = o.kc.makeApiClient(k8s.CustomObjectsApi);
    this.now = o.now ?? Date.now;
  }

  /** Job mode: fetch the one resource and do it. Returns the process exit code. */
  async runOnce(): Promise<number> {
    const t = this.o.once!;
    const plural = t.kind === 'nlc' ? NODE_LOG_COLLECTION.plural : PACKET_CAPTURE.plural;
    const obj = (await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace: t.namespace, name: t.name })) as NodeLogCollection & PacketCapture;
    if (obj.status?.phase !== 'Collecting') {
      this.o.log.warn({ resource: `${t.namespace}/${t.name}`, phase: obj.status?.phase }, 'Nothing to do: the resource is not Collecting');
      return 0;
    }
    const ok = await this.handle(t.kind === 'nlc' ? { kind: 'nlc', obj } : { kind: 'pcap', obj });
    return ok ? 0 : 1;
  }

  /** DaemonSet mode: watch both kinds until stop(). */
  async start(): Promise<void> {
    for (const [kind, plural] of [['nlc', NODE_LOG_COLLECTION.plural], ['pcap', PACKET_CAPTURE.plural]] as const) {
      const path = `/apis/${GROUP}/${VERSION}/${plural}`;
      const inf = k8s.makeInformer<k8s.KubernetesObject>(this.o.kc, path, async () => (await this.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as k8s.KubernetesListObject<k8s.KubernetesObject>);
      const consider = (obj: k8s.KubernetesObject) => {
        const w = (kind === 'nlc' ? { kind, obj } : { kind, obj }) as Work;
        if (this.mine(w)) void this.handle(w);
      };
      inf.on('add', consider);
      inf.on('update', consider);
      // deleting a collection cancels its work here too: the capture stops, nothing is uploaded
      inf.on('delete', (obj: k8s.KubernetesObject) => this.inFlight.get(obj.metadata?.uid ?? '')?.abort());
      inf.on('error', (err: unknown) => {
        this.o.log.warn({ err: (err as Error)?.message, plural }, 'Watch failed; restarting');
        // not unref'd: a broken watch must be restarted, not let the process exit; and again until it works
        const restart = () => setTimeout(() => void inf.start().catch(restart), 2000);
        restart();
      });
      await inf.start();
      this.informers.push(inf);
    }
    this.o.log.info({ node: this.o.nodeName }, 'Agent watching for work on this node');
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
    this.informers = [];
  }

  private mine(w: Work): boolean {
    const st = w.obj.status;
    return st?.phase === 'Collecting' && st.method === 'agent' && st.nodeName === this.o.nodeName && !w.obj.metadata?.deletionTimestamp;
  }

  private async condition(w: Work, type: string, status: 'True' | 'False', reason: string, message: string): Promise<void> {
    const plural = w.kind === 'nlc' ? NODE_LOG_COLLECTION.plural : PACKET_CAPTURE.plural;
    const current = (w.obj.status?.conditions ?? []).filter((c) => c.type !== type);
    const prev = w.obj.status?.conditions?.find((c) => c.type === type);
    const cond = { type, status, reason, message: message.slice(0, 1024), observedGeneration: w.obj.metadata?.generation, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : new Date(this.now()).toISOString() };
    const conditions = [...current, cond];
    w.obj.status = { ...w.obj.status, conditions } as typeof w.obj.status;
    await this.custom
      .patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural, namespace: w.obj.metadata!.namespace!, name: w.obj.metadata!.name!, body: { status: { conditions } } }, MERGE)
      .catch((err: Error) => this.o.log.warn({ err: err.message }, 'Could not report progress'));
  }

  /** Does one resource; true when the hub accepted the result. Never throws. */
  private async handle(w: Work): Promise<boolean> {
    const uid = w.obj.metadata?.uid ?? '';
    if (this.inFlight.has(uid)) return false;
    const cancel = new AbortController();
    this.inFlight.set(uid, cancel);
    const tmp = await mkdtemp(join(this.o.tmpDir ?? tmpdir(), 'enlm-agent-'));
    const ref = `${w.obj.metadata?.namespace}/${w.obj.metadata?.name}`;
    try {
      await this.condition(w, 'AgentCollecting', 'True', 'Started', `${w.kind === 'nlc' ? 'collecting' : 'capturing'} on ${this.o.nodeName}`);
      if (w.kind === 'nlc') await this.collect(w.obj, tmp, cancel.signal);
      else await this.capture(w.obj, tmp, cancel.signal);
      await this.condition(w, 'Uploaded', 'True', 'HubAccepted', 'the hub accepted the upload');
      return true;
    } catch (err) {
      if (cancel.signal.aborted) {
        this.o.log.info({ resource: ref }, 'Resource deleted: work cancelled');
        return false;
      }
      const message = (err as Error).message;
      this.o.log.error({ resource: ref, err: message }, 'Agent work failed');
      await this.condition(w, 'Uploaded', 'False', 'Failed', message);
      return false;
    } finally {
      this.inFlight.delete(uid);
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async collect(nlc: NodeLogCollection, tmp: string, signal: AbortSignal): Promise<void> {
    const spec = nlc.spec ?? {};
    const started = this.now();
    // the CRD validated both durations at admission; the defaults are applied here (DEFAULT_SINCE: a
    // schema default would collide with incidentTime's mutual-exclusion rule)
    const seconds = (d: string, fallback: string) => durationSeconds(d) ?? durationSeconds(fallback)!;
    const sinceMs = spec.incidentTime
      ? new Date(spec.incidentTime).getTime() - seconds(spec.incidentPadding ?? DEFAULT_INCIDENT_PADDING, DEFAULT_INCIDENT_PADDING) * 1000
      : started - seconds(spec.since ?? DEFAULT_SINCE, DEFAULT_SINCE) * 1000;
    const stage = join(tmp, 'bundle');
    const method = this.o.once ? 'job' : 'agent';
    await collectNode({ hostRoot: this.o.hostRoot, stagingDir: stage, node: this.o.nodeName, method, categories: spec.categories, sinceMs, exec: { inPod: this.o.inPod }, log: this.o.log, now: this.now });
    const archive = join(tmp, 'bundle.tar.gz');
    signal.throwIfAborted();
    await writeBundleArchive(stage, archive, started);
    await rm(stage, { recursive: true, force: true });
    signal.throwIfAborted();
    const w: Work = { kind: 'nlc', obj: nlc };
    await this.o.hub.uploadBundle(nlc.metadata!.namespace!, nlc.metadata!.name!, archive, (attempt, reason) =>
      this.condition(w, 'Uploaded', 'False', 'HubUnavailable', `upload attempt ${attempt} failed (${reason}); retrying`),
    );
  }

  private async capture(pc: PacketCapture, tmp: string, signal: AbortSignal): Promise<void> {
    const spec = pc.spec ?? {};
    const target: CaptureTarget = pc.status?.podUid ? { kind: 'pod', uid: pc.status.podUid } : { kind: 'host' };
    const w: Work = { kind: 'pcap', obj: pc };
    const ns = pc.metadata!.namespace!;
    const name = pc.metadata!.name!;
    const result = await runCapture(
      {
        target, iface: spec.interface, filter: spec.filter, signal,
        limits: { durationSeconds: spec.durationSeconds, maxPackets: spec.maxPackets, maxBytes: spec.maxBytes, snaplen: spec.snapLength },
        onChunk: (c) => this.o.hub.uploadCaptureChunk(ns, name, c.index, c.path, (attempt, reason) => this.condition(w, 'Uploaded', 'False', 'HubUnavailable', `chunk ${c.index} attempt ${attempt} failed (${reason}); retrying`)),
      },
      { hostRoot: this.o.hostRoot, tmpDir: tmp, log: this.o.log },
    );
    signal.throwIfAborted();
    await this.o.hub.completeCapture(ns, name, { packets: result.packets, bytes: result.bytes, chunks: result.chunks, stoppedBy: result.stoppedBy });
  }
}
