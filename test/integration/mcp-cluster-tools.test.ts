import * as k8s from '@kubernetes/client-node';
import { DescribeImagesCommand, EC2Client, RunInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { Client as McpClient, type Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startInCluster } from '../../cli/commands/serve-in-cluster.js';
import type { NodeLogCollection, PacketCapture } from '../../crds/types.js';
import { ClusterRejectedError } from '../../mcp-server/cluster/cluster-port.js';
import { KubeCluster } from '../../mcp-server/cluster/kube-cluster.js';
import { SsmPing } from '../../mcp-server/cluster/ssm-ping.js';
import type { ToolDeps } from '../../mcp-server/tool-definition.js';
import { SAMPLE } from '../fixtures/sample-bundle.js';
import type { ControlPlane } from '../env/kube.js';
import { mergePatch, startTestCluster } from '../helpers/kube-fixtures.js';
import { inMemoryClient, sampleStore } from '../mcp/mcp-fixture.js';

// The in-cluster MCP tools against a real kube-apiserver (no mocks): every resource a tool creates is
// read back from the API server, and cluster_health's SSM ping goes through the real SDK to moto
// behind the SSM front. No operator runs here: the test writes statuses as the operator would.

const NS = 'enlm-tools';
const GROUP = 'eksnodelog.io';
const VERSION = 'v1alpha1';
const region = 'us-east-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

type Tool = { isError?: boolean; content: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> };

describe('MCP tools on a real API server', () => {
  let cp: ControlPlane;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let env: Awaited<ReturnType<typeof sampleStore>>;
  let client: Client;
  let cluster: KubeCluster;
  let ssm: SsmPing;
  let ec2: EC2Client;
  const launched: string[] = [];
  let online = '';
  let lost = '';

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as Tool;
  const out = async <T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T> => {
    const r = await call(name, args);
    if (r.isError) throw new Error(`${name} failed: ${r.content[0]?.text}`);
    return r.structuredContent as T;
  };
  const errorText = async (name: string, args: Record<string, unknown>): Promise<string> => {
    const r = await call(name, args);
    expect(r.isError, JSON.stringify(r.structuredContent)).toBe(true);
    return r.content[0]?.text ?? '';
  };
  const list = async (plural: string, labelSelector?: string) =>
    ((await custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural, labelSelector })) as { items: Array<NodeLogCollection & PacketCapture> }).items;
  const nameOf = (id: string) => id.split('/')[1]!;
  const getNlc = (id: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: 'nodelogcollections', name: nameOf(id) }) as Promise<NodeLogCollection>;
  const setStatus = (id: string, status: object) =>
    custom.patchNamespacedCustomObjectStatus({ group: GROUP, version: VERSION, namespace: NS, plural: 'nodelogcollections', name: nameOf(id), body: { status } }, mergePatch);

  /** A Node as an EKS kubelet registers it, with the conditions the test wants (no kubelet runs here). */
  async function addNode(name: string, o: { instanceId?: string; labels?: Record<string, string>; ready: 'True' | 'False' | 'Unknown'; pressure?: string[]; taints?: k8s.V1Taint[]; unschedulable?: boolean }) {
    await core.createNode({
      body: {
        metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
        spec: { ...(o.instanceId ? { providerID: `aws:///${region}a/${o.instanceId}` } : {}), taints: o.taints, unschedulable: o.unschedulable },
      },
    });
    const now = new Date();
    const conditions = [
      { type: 'Ready', status: o.ready, reason: 'KubeletReady', message: 'test', lastHeartbeatTime: now, lastTransitionTime: now },
      ...['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((t) => ({ type: t, status: o.pressure?.includes(t) ? 'True' : 'False', reason: 'Test', message: 'test', lastHeartbeatTime: now, lastTransitionTime: now })),
    ];
    await core.patchNodeStatus({ name, body: { status: { conditions, nodeInfo: { kubeletVersion: 'v1.36.3', architecture: 'amd64', bootID: '', containerRuntimeVersion: 'containerd://2.1.0', kernelVersion: '6.12.0', kubeProxyVersion: '', machineID: '', operatingSystem: 'linux', osImage: 'Amazon Linux 2023', systemUUID: '' } } } }, mergePatch);
  }

  beforeAll(async () => {
    ({ cp, kc, core, custom } = await startTestCluster(NS));

    // two EC2 instances in moto: one running (SSM Online), one stopped (ConnectionLost)
    ec2 = new EC2Client({ region, endpoint: inject('ssmEndpoint'), credentials });
    const imageId = (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images?.[0]?.ImageId ?? 'ami-12c6146b';
    const r = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 2, MaxCount: 2, InstanceType: 't3.medium' }));
    [online, lost] = (r.Instances ?? []).map((i) => i.InstanceId!) as [string, string];
    launched.push(online, lost);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [lost] }));

    const ngA = { 'eks.amazonaws.com/nodegroup': 'ng-a', tier: 'web' };
    const ngB = { 'eks.amazonaws.com/nodegroup': 'ng-b', tier: 'web' };
    await addNode('ip-10-0-1-1.ec2.internal', { instanceId: online, labels: ngA, ready: 'True' });
    await addNode('ip-10-0-1-2.ec2.internal', { instanceId: lost, labels: ngA, ready: 'False', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] });
    await addNode('ip-10-0-1-3.ec2.internal', { labels: ngA, ready: 'Unknown', unschedulable: true });
    await addNode('ip-10-0-2-1.ec2.internal', { labels: ngB, ready: 'False' });
    await addNode('ip-10-0-2-2.ec2.internal', { labels: ngB, ready: 'True', pressure: ['DiskPressure'] });
    await addNode('ip-10-0-3-1.ec2.internal', { labels: { 'node.kubernetes.io/instance-type': 'm5.large', tier: 'batch' }, ready: 'False' });
    // the node of the sample bundle (filed in the store under its instance id, as eks-log-collector.sh names it)
    await addNode(SAMPLE.host, { instanceId: SAMPLE.instanceId, labels: { tier: 'batch' }, ready: 'True' });

    env = await sampleStore();
    ssm = new SsmPing({ endpoint: inject('ssmEndpoint'), credentials });
    cluster = new KubeCluster(kc, NS, ssm);
    const deps: ToolDeps = { ...env.deps, now: Date.now, cluster, caller: { username: 'alice', groups: ['enlm:sre'] } };
    client = await inMemoryClient(deps);
  });

  afterAll(async () => {
    await client?.close();
    ssm?.close();
    if (launched.length) await ec2.send(new TerminateInstancesCommand({ InstanceIds: launched })).catch(() => undefined);
    ec2?.destroy();
    await env?.cleanup();
    await cp?.stop();
  });

  describe('collect', () => {
    it('creates a NodeLogCollection the API server accepts, labelled with the tool and annotated with the caller', async () => {
      const r = await out<{ node: string; collectionId: string; phase: string }>('collect', { node: 'ip-10-0-1-1.ec2.internal', categories: ['Networking', 'System'], since: '2h', method: 'agent' });
      expect(r).toMatchObject({ node: 'ip-10-0-1-1.ec2.internal', phase: 'Pending' });
      expect(r.collectionId).toMatch(new RegExp(`^${NS}/ip-10-0-1-1-ec2-internal-\\d{14}-[a-z0-9]{4}$`));
      const nlc = await getNlc(r.collectionId);
      expect(nlc.spec).toEqual({ nodeName: 'ip-10-0-1-1.ec2.internal', categories: ['Networking', 'System'], since: '2h', method: 'agent' });
      expect(nlc.metadata.labels).toEqual({ 'eksnodelog.io/requested-by-tool': 'collect' });
      expect(nlc.metadata.annotations).toEqual({ 'eksnodelog.io/requested-by': 'alice' });
    });

    it('an instance id becomes spec.instanceId, with the API server\'s defaults applied', async () => {
      const r = await out<{ collectionId: string }>('collect', { node: 'i-0123456789abcdef0' });
      expect((await getNlc(r.collectionId)).spec).toEqual({ instanceId: 'i-0123456789abcdef0', method: 'auto', categories: ['All'] });
    });

    it('when the node name is not a DNS name, collect says which rule it breaks and creates nothing', async () => {
      const before = (await list('nodelogcollections')).length;
      const msg = await errorText('collect', { node: 'Bad_Node!' });
      expect(msg).toMatch(/nodeName: must match .*Nothing was created/);
      expect(await list('nodelogcollections')).toHaveLength(before);
    });

    it('when since is out of range, collect refuses before sending anything', async () => {
      const before = (await list('nodelogcollections')).length;
      expect(await errorText('collect', { node: 'ip-10-0-1-1.ec2.internal', since: '400h' })).toMatch(/since must be between 1m and 168h/);
      expect(await list('nodelogcollections')).toHaveLength(before);
    });
  });

  describe('the KubeCluster adapter', () => {
    it('when the API server rejects a spec (admission), the refusal carries its message and nothing exists', async () => {
      const err = await cluster
        .createCollection({ name: 'bad-spec', spec: { nodeName: 'UPPER_case' }, requested: { tool: 'collect' } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterRejectedError);
      expect((err as ClusterRejectedError).status).toBe(422);
      expect((err as Error).message).toMatch(/spec\.nodeName/);
      expect((err as Error).message).not.toMatch(/Authorization|Bearer|enlm-admin-token/);
      expect(await cluster.getCollection('bad-spec')).toBeUndefined();
    });

    it('when the API server rejects a resource name, the refusal says so', async () => {
      const err = await cluster.createCollection({ name: 'Bad_Name', spec: { nodeName: 'ip-10-0-1-1.ec2.internal' }, requested: { tool: 'collect' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClusterRejectedError);
      expect((err as Error).message).toMatch(/metadata\.name/);
    });
  });

  describe('batch_collect', () => {
    const selected = ['ip-10-0-1-2.ec2.internal', 'ip-10-0-1-3.ec2.internal', 'ip-10-0-2-1.ec2.internal'];

    it('dry run: selector + NotReady + one per node group + max_nodes gives the plan, with reasons, and creates nothing', async () => {
      const before = (await list('nodelogcollections')).length;
      type Plan = { batchId: string | null; dry_run: boolean; collections: Array<{ node: string; collectionId: string | null; phase: string; group: string | null }>; skipped: Array<{ node: string; reason: string }>; skipped_total: number };
      const p = await out<Plan>('batch_collect', { selector: 'tier=web', filter: 'NotReady', sample_per_group: 2, max_nodes: 3, dry_run: true });
      expect(p.dry_run).toBe(true);
      expect(p.batchId).toBeNull();
      expect(p.collections).toEqual(selected.map((node) => ({
        node, collectionId: null, phase: 'Planned', group: `eks.amazonaws.com/nodegroup=${node.startsWith('ip-10-0-1') ? 'ng-a' : 'ng-b'}`,
      })));
      expect(p.skipped).toEqual(expect.arrayContaining([
        { node: 'ip-10-0-1-1.ec2.internal', reason: 'Ready (filter NotReady)' },
        { node: 'ip-10-0-2-2.ec2.internal', reason: 'Ready (filter NotReady)' },
      ]));
      // tier=batch nodes are not matched by the selector at all
      expect(p.skipped.map((s) => s.node)).not.toContain('ip-10-0-3-1.ec2.internal');
      expect(await list('nodelogcollections')).toHaveLength(before);

      const capped = await out<Plan>('batch_collect', { selector: 'tier=web', filter: 'NotReady', sample_per_group: 1, max_nodes: 1, dry_run: true });
      expect(capped.collections.map((c) => c.node)).toEqual(['ip-10-0-1-2.ec2.internal']);
      expect(capped.skipped).toEqual(expect.arrayContaining([
        { node: 'ip-10-0-1-3.ec2.internal', reason: 'sampled out: 1 already chosen from eks.amazonaws.com/nodegroup=ng-a' },
        { node: 'ip-10-0-2-1.ec2.internal', reason: 'over max_nodes (1)' },
      ]));
    });

    let batchId = '';
    let ids: string[] = [];
    it('for real: creates the planned collections, all sharing one batch label and the caller', async () => {
      type Res = { batchId: string; dry_run: boolean; collections: Array<{ node: string; collectionId: string; phase: string }> };
      const r = await out<Res>('batch_collect', { selector: 'tier=web', filter: 'NotReady', sample_per_group: 2, max_nodes: 3, concurrency: 2, categories: ['Networking'] });
      expect(r.dry_run).toBe(false);
      expect(r.batchId).toMatch(/^batch-\d{14}-[a-z0-9]{4}$/);
      expect(r.collections.map((c) => c.node)).toEqual(selected);
      batchId = r.batchId;
      ids = r.collections.map((c) => c.collectionId);
      const labelled = await list('nodelogcollections', `eksnodelog.io/batch=${batchId}`);
      expect(labelled.map((c) => c.spec.nodeName).sort()).toEqual(selected);
      for (const c of labelled) {
        expect(c.metadata.labels).toEqual({ 'eksnodelog.io/requested-by-tool': 'batch_collect', 'eksnodelog.io/batch': batchId });
        expect(c.metadata.annotations?.['eksnodelog.io/requested-by']).toBe('alice');
        expect(c.spec.categories).toEqual(['Networking']);
      }
    });

    it('batch_status summarises the phases the operator wrote, with findings per node', async () => {
      await setStatus(ids[0]!, {
        phase: 'Completed', method: 'agent', bundle: { id: '20240314T091200Z-abc', files: 12 },
        findings: { critical: 1, high: 0, warning: 2, info: 0, total: 3, top: [{ id: 'F-001', code: 'IPAMDNoIPs', severity: 'critical' }] },
      });
      await setStatus(ids[1]!, { phase: 'Failed', method: 'job', message: 'node ip-10-0-1-3.ec2.internal is gone' });
      await setStatus(ids[2]!, { phase: 'Collecting', method: 'ssm' });
      type St = { collections: Array<{ node: string; phase: string; method: string | null; findings: { critical: number; total: number } | null; top: { code: string } | null; message: string | null }>; summary: Record<string, number> };
      const s = await out<St>('batch_status', { batchId });
      expect(s.summary).toEqual({ total: 3, completed: 1, failed: 1, running: 1 });
      expect(s.collections[0]).toMatchObject({ node: selected[0], phase: 'Completed', method: 'agent', findings: { critical: 1, total: 3 }, top: { code: 'IPAMDNoIPs' } });
      expect(s.collections[1]).toMatchObject({ node: selected[1], phase: 'Failed', message: 'node ip-10-0-1-3.ec2.internal is gone', findings: null });

      const byIds = await out<St & { missing?: string[] }>('batch_status', { collectionIds: [ids[2]!, `${NS}/no-such-collection`] });
      expect(byIds.summary).toEqual({ total: 1, completed: 0, failed: 0, running: 1 });
      expect(byIds.missing).toEqual([`${NS}/no-such-collection`]);
    });

    it('a collection id of another namespace is refused instead of read, and a malformed one is named', async () => {
      expect(await errorText('batch_status', { collectionIds: ['kube-system/x'] })).toMatch(/not in namespace enlm-tools/);
      expect(await errorText('status', { collectionId: `${NS}/a/b` })).toMatch(/is not a collection id/);
    });

    it('an invalid label selector comes back from the API server as a tool error, nothing created', async () => {
      const before = (await list('nodelogcollections')).length;
      expect(await errorText('batch_collect', { selector: 'tier in (web', dry_run: false })).toMatch(/refused listing Nodes \(HTTP 400\)/);
      expect(await list('nodelogcollections')).toHaveLength(before);
    });

    it('nodes and selector together are refused', async () => {
      expect(await errorText('batch_collect', { nodes: ['ip-10-0-1-1.ec2.internal'], selector: 'tier=web' })).toMatch(/either nodes or selector/);
    });
  });

  describe('status and history', () => {
    it('status by collectionId reports progress, then the bundle as for any bundle once Completed', async () => {
      const { collectionId } = await out<{ collectionId: string }>('collect', { node: SAMPLE.instanceId });
      const pending = await out<{ collection: { phase: string }; bundle?: unknown }>('status', { collectionId });
      expect(pending.collection.phase).toBe('Pending');
      expect(pending.bundle).toBeUndefined();

      await setStatus(collectionId, { phase: 'Completed', method: 'ssm', nodeName: SAMPLE.host, bundle: { id: env.bundle.bundleId } });
      type Done = { collection: { phase: string; node: string; bundleId: string }; bundle: { bundleId: string }; phase: string; findings: Record<string, number> };
      const done = await out<Done>('status', { collectionId });
      expect(done.collection).toMatchObject({ phase: 'Completed', node: SAMPLE.host, bundleId: env.bundle.bundleId });
      expect(done.bundle.bundleId).toBe(env.bundle.bundleId);
      expect(done.findings).toEqual(env.bundle.findings.summary);
    });

    it('status of a collection that does not exist tells the caller where to look', async () => {
      expect(await errorText('status', { collectionId: `${NS}/gone-20240101000000-abcd` })).toMatch(/does not exist.*call history/);
    });

    it('history lists the node\'s collections newest first beside its bundles', async () => {
      await out('collect', { node: 'ip-10-0-2-2.ec2.internal' });
      await out('collect', { node: 'ip-10-0-2-2.ec2.internal', categories: ['Runtime'] });
      type H = { bundles: unknown[]; collections: Array<{ node: string; createdAt: string }> };
      const h = await out<H>('history', { node: 'ip-10-0-2-2.ec2.internal' });
      expect(h.bundles).toEqual([]);
      expect(h.collections).toHaveLength(2);
      expect(h.collections.every((c) => c.node === 'ip-10-0-2-2.ec2.internal')).toBe(true);
      const times = h.collections.map((c) => Date.parse(c.createdAt));
      expect(times).toEqual([...times].sort((x, y) => y - x));
    });
  });

  describe('tcpdump_capture', () => {
    it('with a pod ref creates a PacketCapture for the pod\'s network namespace', async () => {
      const r = await out<{ captureId: string; phase: string }>('tcpdump_capture', {
        node: 'ip-10-0-1-1.ec2.internal', pod: { namespace: 'kube-system', name: 'coredns-6f8b9d5c7-abcde' }, filter: 'udp port 53', duration_seconds: 30, max_packets: 5000,
      });
      expect(r.phase).toBe('Pending');
      const pcap = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: 'packetcaptures', name: nameOf(r.captureId) })) as PacketCapture;
      expect(pcap.spec).toMatchObject({ podRef: { namespace: 'kube-system', name: 'coredns-6f8b9d5c7-abcde' }, filter: 'udp port 53', durationSeconds: 30, maxPackets: 5000, interface: 'any' });
      expect(pcap.spec.nodeName).toBeUndefined();
      expect(pcap.metadata.labels).toEqual({ 'eksnodelog.io/requested-by-tool': 'tcpdump_capture' });
      expect(await cluster.getCapture(nameOf(r.captureId))).toMatchObject({ metadata: { name: nameOf(r.captureId) } });
    });

    it('a filter with ; is refused as a tool error and no PacketCapture is created', async () => {
      const before = (await list('packetcaptures')).length;
      const msg = await errorText('tcpdump_capture', { node: 'ip-10-0-1-1.ec2.internal', filter: 'port 53; rm -rf /' });
      expect(msg).toMatch(/filter must not contain ;/);
      expect(await list('packetcaptures')).toHaveLength(before);
    });
  });

  describe('cluster_health', () => {
    type Row = { node: string; ready: boolean | null; pressure: string[]; kubelet_version: string | null; taints: unknown[]; unschedulable: boolean; bundleId: string | null; top: { code: string } | null; ssm_ping: { status: string } | null };
    it('lists NotReady nodes first, then pressure, with kubelet version, taints, SSM ping and the newest bundle\'s findings', async () => {
      const h = await out<{ nodes: Row[]; total_nodes: number; note: string }>('cluster_health', {});
      expect(h.total_nodes).toBe(7);
      const order = h.nodes.map((n) => n.node);
      // NotReady/Unknown (by name, no findings), then the pressure node, then Ready ones by findings
      expect(order.slice(0, 4).sort()).toEqual(['ip-10-0-1-2.ec2.internal', 'ip-10-0-1-3.ec2.internal', 'ip-10-0-2-1.ec2.internal', 'ip-10-0-3-1.ec2.internal']);
      expect(order[4]).toBe('ip-10-0-2-2.ec2.internal');
      expect(order[5]).toBe(SAMPLE.host); // its bundle's critical findings rank it above the clean Ready node
      expect(order[6]).toBe('ip-10-0-1-1.ec2.internal');
      const row = (n: string) => h.nodes.find((x) => x.node === n)!;
      expect(row('ip-10-0-1-2.ec2.internal')).toMatchObject({ ready: false, kubelet_version: 'v1.36.3', taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }], ssm_ping: { status: 'ConnectionLost' } });
      expect(row('ip-10-0-1-3.ec2.internal')).toMatchObject({ ready: null, unschedulable: true, ssm_ping: null });
      expect(row('ip-10-0-2-2.ec2.internal')).toMatchObject({ ready: true, pressure: ['DiskPressure'] });
      expect(row('ip-10-0-1-1.ec2.internal')).toMatchObject({ ready: true, pressure: [], bundleId: null, ssm_ping: { status: 'Online' } });
      // the sample bundle is filed under the instance id; the Node is merged with it through providerID
      expect(row(SAMPLE.host)).toMatchObject({ bundleId: env.bundle.bundleId, top: { code: 'IPAMDNoIPs' }, ssm_ping: { status: 'NotRegistered' } });
      expect(h.note).toMatch(/ssm_ping from SSM/);
    });

    it('without SSM configured, ssm_ping is null and the note says why', async () => {
      const noSsm = await inMemoryClient({ ...env.deps, now: Date.now, cluster: new KubeCluster(kc, NS) });
      const h = (await noSsm.callTool({ name: 'cluster_health', arguments: { limit: 2 } })).structuredContent as { nodes: Row[]; truncated: boolean; note: string };
      expect(h.nodes).toHaveLength(2);
      expect(h.truncated).toBe(true);
      expect(h.nodes.every((n) => n.ssm_ping === null)).toBe(true);
      expect(h.note).toMatch(/SSM is not configured/);
      await noSsm.close();
    });

    it('when SSM cannot be reached, cluster_health still answers, with ssm_ping null and the failure in the note', async () => {
      const deadSsm = new SsmPing({ endpoint: 'http://127.0.0.1:9', credentials });
      const c = await inMemoryClient({ ...env.deps, now: Date.now, cluster: new KubeCluster(kc, NS, deadSsm) });
      const r = await c.callTool({ name: 'cluster_health', arguments: {} });
      expect(r.isError).toBeFalsy();
      const h = r.structuredContent as { nodes: Row[]; note: string };
      expect(h.nodes).toHaveLength(7);
      expect(h.nodes.every((n) => n.ssm_ping === null)).toBe(true);
      expect(h.note).toMatch(/SSM DescribeInstanceInformation failed/);
      await c.close();
      deadSsm.close();
    });

    it('serve --in-cluster (startInCluster) wires the SSM ping only when asked (what --ssm-ping passes): over HTTP with a bearer token, ssm_ping is filled, without it null', async () => {
      const serve = (ssmPing?: { endpoint: string; credentials: typeof credentials }) =>
        startInCluster({ store: env.storeDir, host: '127.0.0.1', port: 0, ingestPort: 0, sopsDir: env.deps.sopsDir, kubeconfig: cp.kubeconfigPath, namespace: NS, collectorSa: [`${NS}:agent`], audience: [], ssmPing }, pino({ level: 'silent' }));
      const health = async (mcpUrl: string) => {
        const c = new McpClient({ name: 'ssm-ping-test', version: '1.0.0' });
        await c.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${cp.adminToken}` } } }));
        try {
          const r = await c.callTool({ name: 'cluster_health', arguments: {} });
          expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
          return r.structuredContent as { nodes: Row[]; note: string };
        } finally {
          await c.close();
        }
      };
      const withPing = await serve({ endpoint: inject('ssmEndpoint'), credentials });
      try {
        const h = await health(withPing.mcpUrl);
        const row = (n: string) => h.nodes.find((x) => x.node === n)!;
        expect(row('ip-10-0-1-1.ec2.internal').ssm_ping).toMatchObject({ status: 'Online' });
        expect(row('ip-10-0-1-2.ec2.internal').ssm_ping).toMatchObject({ status: 'ConnectionLost' });
        expect(h.note).toMatch(/ssm_ping from SSM/);
      } finally {
        await withPing.close();
      }
      const without = await serve();
      try {
        const h = await health(without.mcpUrl);
        expect(h.nodes.every((n) => n.ssm_ping === null)).toBe(true);
        expect(h.note).toMatch(/SSM is not configured/);
      } finally {
        await without.close();
      }
    });
  });
});
