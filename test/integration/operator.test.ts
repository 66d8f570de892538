import * as k8s from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { LeaderElector } from '../../operator/leader-election.js';
import { GROUP, NLC_PLURAL, type NodeLogCollection, type PacketCapture, PCAP_PLURAL, VERSION } from '../../operator/resources.js';
import { runOperator } from '../../operator/run-operator.js';
import type { ControlPlane } from '../env/kube.js';
import { createNode, createReadyAgentPod, mergePatch, startTestCluster, waitFor } from '../helpers/kube-fixtures.js';

// The operator against a real kube-apiserver: every status it writes is read back from the server.
const NS = 'enlm-system';
const log = pino({ level: process.env.ENLM_TEST_LOG ?? 'silent' });
/** long enough to see a collection whose node vanished still Collecting, short enough for a test */
const GRACE_S = 4;

describe('operator on a real API server', () => {
  let cp: ControlPlane;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let op: Awaited<ReturnType<typeof runOperator>>;
  let opStopped = false;
  let storeDir: string;

  const get = (name: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name }) as Promise<NodeLogCollection>;
  const create = (name: string, spec: NodeLogCollection['spec']) =>
    custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name }, spec } });
  const phaseOf = async (name: string) => (await get(name)).status?.phase;

  beforeAll(async () => {
    ({ cp, kc, core, custom } = await startTestCluster(NS));
    await createNode(kc, 'ip-10-0-1-10.ec2.internal', 'i-0aaaaaaaaaaaaaaa1');
    await createNode(kc, 'ip-10-0-1-11.ec2.internal', 'i-0aaaaaaaaaaaaaaa2');
    await createReadyAgentPod(kc, NS, 'ip-10-0-1-11.ec2.internal');
    storeDir = await mkdtemp(join(tmpdir(), 'enlm-op-store-'));
    op = await runOperator({
      kc, log, namespace: NS, image: 'eks-node-log-mcp:test', hubUrl: 'http://hub.enlm-system.svc:8090', hubAudience: 'eks-node-log-mcp-hub',
      collectorServiceAccount: 'eks-node-log-mcp-agent', agentSelector: 'app.kubernetes.io/name=eks-node-log-mcp,app.kubernetes.io/component=agent',
      leaderElect: true, identity: 'op-test-1', healthHost: '127.0.0.1', healthPort: 0, metricsPort: 0, qps: 50, burst: 100, concurrency: 2,
      collectTimeoutSeconds: 8, nodeGoneGraceSeconds: GRACE_S, pollSeconds: 1, store: new FsBundleStore(storeDir), storeUri: 'store://', catalog: CompiledCatalog.load(),
    });
  });
  afterAll(async () => {
    if (!opStopped) await op?.stop();
    await cp?.stop();
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });

  it('auto picks the Ready agent, records method, node and instance, and sets observedGeneration', async () => {
    await create('via-agent', { nodeName: 'ip-10-0-1-11.ec2.internal' });
    await waitFor(async () => (await phaseOf('via-agent')) === 'Collecting', 15_000, 'Collecting');
    const o = await get('via-agent');
    expect(o.status).toMatchObject({ method: 'agent', instanceId: 'i-0aaaaaaaaaaaaaaa2', region: 'us-east-1', observedGeneration: o.metadata?.generation });
    expect(o.status?.conditions?.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'MethodAgent' });
    expect(o.metadata?.finalizers).toContain('eksnodelog.io/cancel');
  });

  it('without an agent and without SSM, runs a one-shot privileged pod pinned to the node and owned by the collection', async () => {
    await create('via-job', { nodeName: 'ip-10-0-1-10.ec2.internal', categories: ['Networking'] });
    await waitFor(async () => (await get('via-job')).status?.method === 'job', 15_000, 'method job');
    let pod: k8s.V1Pod | undefined;
    await waitFor(async () => {
      const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: 'eksnodelog.io/collection=via-job' });
      pod = pods.items[0];
      return Boolean(pod);
    }, 15_000, 'collector pod');
    const nlc = await get('via-job');
    expect(pod!.spec?.nodeName).toBe('ip-10-0-1-10.ec2.internal');
    expect(pod!.spec?.containers[0]?.securityContext?.privileged).toBe(true);
    expect(pod!.spec?.containers[0]?.args).toEqual(expect.arrayContaining(['agent', '--once', '--collection', `${NS}/via-job`]));
    expect(pod!.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'NodeLogCollection', uid: nlc.metadata?.uid, controller: true });
  });

  it('deleting a running collection cancels its work: the pod goes, then the finalizer', async () => {
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name: 'via-job' });
    // no kubelet runs here, so a deleted pod stays Terminating (deletionTimestamp set) instead of vanishing
    await waitFor(async () => (await core.listNamespacedPod({ namespace: NS, labelSelector: 'eksnodelog.io/collection=via-job' })).items.every((p) => p.metadata?.deletionTimestamp), 15_000, 'pod deleted');
    await waitFor(async () => get('via-job').then(() => false, (e: { code?: number }) => e.code === 404), 15_000, 'collection gone');
  });

  it('fails a collection whose node does not exist, with the reason, after the grace period', async () => {
    await create('no-node', { nodeName: 'ip-10-9-9-9.ec2.internal' });
    await waitFor(async () => (await phaseOf('no-node')) === 'Failed', 15_000, 'Failed');
    const o = await get('no-node');
    expect(o.status?.message).toMatch(/node ip-10-9-9-9.ec2.internal does not exist/);
    expect(o.status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'False', reason: 'NodeNotFound' });
  });

  /** Deletes a node under running work; asserts the work stays Collecting while the grace runs and fails NodeGone after it. */
  async function vanishAndExpectGraceThenNodeGone(nodeName: string, read: () => Promise<NodeLogCollection | PacketCapture>): Promise<void> {
    await core.deleteNode({ name: nodeName });
    const missing = (o: NodeLogCollection | PacketCapture) => o.status?.conditions?.find((c) => c.type === 'NodePresent' && c.status === 'False');
    await waitFor(async () => {
      const o = await read();
      return Boolean(missing(o)) || o.status?.phase === 'Failed';
    }, 10_000, 'node recorded missing');
    const seen = await read();
    // the first poll that misses the node records when; it does not fail the work
    expect(seen.status?.phase, seen.status?.message).toBe('Collecting');
    expect(missing(seen)).toMatchObject({ reason: 'NodeMissing' });
    const since = Date.parse(missing(seen)!.lastTransitionTime!);
    await waitFor(async () => (await read()).status?.phase === 'Failed', 15_000, 'Failed');
    const failed = await read();
    expect(failed.status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ status: 'False', reason: 'NodeGone' });
    expect(failed.status?.message).toMatch(new RegExp(`node ${nodeName} disappeared .* still missing after ${GRACE_S} s`));
    expect(Date.parse(failed.status!.completionTime!) - since).toBeGreaterThanOrEqual(GRACE_S * 1000);
  }

  it('fails a collection whose node disappears mid-collection once the node has been missing for the grace period, not before', async () => {
    await createNode(kc, 'ip-10-0-1-12.ec2.internal', 'i-0aaaaaaaaaaaaaaa3');
    await create('node-vanishes', { nodeName: 'ip-10-0-1-12.ec2.internal', method: 'job' });
    await waitFor(async () => (await phaseOf('node-vanishes')) === 'Collecting', 15_000, 'Collecting');
    await vanishAndExpectGraceThenNodeGone('ip-10-0-1-12.ec2.internal', () => get('node-vanishes'));
  });

  it('fails a packet capture whose node disappears the same way: after the grace period, not before', async () => {
    await createNode(kc, 'ip-10-0-1-13.ec2.internal', 'i-0aaaaaaaaaaaaaaa4');
    const getPcap = () => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name: 'capture-vanishes' }) as Promise<PacketCapture>;
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, body: { apiVersion: `${GROUP}/${VERSION}`, kind: 'PacketCapture', metadata: { name: 'capture-vanishes' }, spec: { nodeName: 'ip-10-0-1-13.ec2.internal', method: 'job', durationSeconds: 60 } } });
    await waitFor(async () => (await getPcap()).status?.phase === 'Collecting', 15_000, 'Collecting');
    await vanishAndExpectGraceThenNodeGone('ip-10-0-1-13.ec2.internal', getPcap);
  });

  it('fails a collection that never receives its bundle, after the collect timeout', async () => {
    // via-agent is Collecting and no agent process uploads for it in this suite
    await waitFor(async () => (await phaseOf('via-agent')) === 'Failed', 20_000, 'timeout');
    expect((await get('via-agent')).status?.conditions?.find((c) => c.type === 'Complete')).toMatchObject({ reason: 'Timeout' });
  });

  it('deletes a finished collection after ttlSecondsAfterFinished', async () => {
    await create('ttl', { nodeName: 'ip-10-0-1-11.ec2.internal', ttlSecondsAfterFinished: 1 });
    await waitFor(async () => (await phaseOf('ttl')) === 'Collecting', 15_000, 'Collecting');
    // the hub marks it Completed when the bundle is ingested; play that write here
    await custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name: 'ttl', body: { status: { phase: 'Completed', completionTime: new Date().toISOString() } } }, mergePatch);
    await waitFor(async () => get('ttl').then(() => false, (e: { code?: number }) => e.code === 404), 15_000, 'deleted by TTL');
  });

  it('exposes Prometheus metrics and probes', async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${op.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/enlm_operator_reconciles_total\{kind="NodeLogCollection",result="ok"\} [1-9]/);
    expect(metrics).toMatch(/enlm_operator_api_requests_total\{verb="patch"\} [1-9]/);
    expect(metrics).toMatch(/enlm_operator_leader 1/);
    expect((await fetch(`http://127.0.0.1:${op.healthPort}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${op.healthPort}/healthz`)).status).toBe(200);
  });

  // last: it shuts the operator down
  it('holds the Lease: a second replica stays standby, takes over once the first shuts down, and a stopped standby stops trying', async () => {
    const leases = kc.makeApiClient(k8s.CoordinationV1Api);
    const readLease = () => leases.readNamespacedLease({ namespace: NS, name: 'eks-node-log-mcp-operator' });
    const before = await readLease();
    expect(before.spec?.holderIdentity).toBe('op-test-1');
    const elector = (identity: string) => new LeaderElector(leases, { namespace: NS, name: 'eks-node-log-mcp-operator', identity, leaseDurationSeconds: 15, renewEverySeconds: 1 }, log);
    const standby = elector('op-test-2');
    let led: boolean | undefined;
    void standby.run(() => undefined).then((r) => (led = r));
    await new Promise((r) => setTimeout(r, 2500));
    expect(led).toBeUndefined();
    expect(standby.isLeader).toBe(false);

    // the leader's clean shutdown releases the lease; the standby's next attempt takes it
    await op.stop();
    opStopped = true;
    await waitFor(async () => standby.isLeader, 5000, 'standby took over');
    await waitFor(async () => led === true, 1000, 'run() resolved true');
    const after = await readLease();
    expect(after.spec).toMatchObject({ holderIdentity: 'op-test-2', leaseTransitions: (before.spec?.leaseTransitions ?? 0) + 1 });

    // a standby told to stop ends its acquire loop at once (it used to poll the lease forever)
    const third = elector('op-test-3');
    let thirdResult: boolean | undefined;
    void third.run(() => undefined).then((r) => (thirdResult = r));
    await new Promise((r) => setTimeout(r, 1500));
    expect(thirdResult).toBeUndefined();
    third.stop();
    await waitFor(async () => thirdResult === false, 2000, 'stopped standby returns');
    expect(third.isLeader).toBe(false);
    await standby.release();
    expect((await readLease()).spec?.holderIdentity).toBeFalsy();
  });
});
