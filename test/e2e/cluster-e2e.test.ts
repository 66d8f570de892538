import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import * as k8s from '@kubernetes/client-node';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { GROUP, NLC_PLURAL, type NodeLogCollection, type PacketCapture, PCAP_PLURAL, VERSION } from '../../operator/resources.js';
import type { ControlPlane } from '../env/kube.js';
import { freePort, stopChild, tailOf } from '../env/procs.js';
import { writeSampleBundle } from '../fixtures/sample-bundle.js';
import { createReadyAgentPod, mergePatch, startTestCluster, waitFor } from '../helpers/kube-fixtures.js';
import { createNetnsLab, type NetnsLab, TRAFFIC_SCRIPT } from '../helpers/netns-lab.js';

/**
 * Issue 6's end-to-end test, everything real on this machine: kube-apiserver + etcd, the Helm
 * chart's own service accounts and RBAC applied to it, and the product's three processes started
 * from dist/ exactly as the chart starts them — hub (serve --in-cluster), operator, and an agent
 * acting as this host's DaemonSet pod — each authenticating with a token of its chart service
 * account. No kubelet runs, so the test writes what a kubelet would: the agent pod's Ready status,
 * and a real (cgroup v1) kubepods cgroup for the capture target pod. The operator also has SSM on,
 * against moto behind the test-only SSM front (test/README.md); a second Node with no agent is
 * reached that way, and the test plays what the runbook would do on it: upload the archive.
 *   npm run test:e2e
 */
const repo = [join(dirname(fileURLToPath(import.meta.url)), '..', '..')].find((d) => existsSync(join(d, 'charts')))!;
const exec = promisify(execFile);
const NS = 'enlm-system';
const RELEASE = 'enlm';
const NODE = 'enlm-e2e-node.ec2.internal';
const FULL = `${RELEASE}-eks-node-log-mcp`;
const SA = { operator: `${FULL}-operator`, server: `${FULL}-server`, agent: `${FULL}-agent` };
const HUB_AUDIENCE = 'eks-node-log-mcp-hub';
/** a node with no agent pod: `auto` has to take SSM to reach it */
const SSM_NODE = 'enlm-e2e-ssm-node.ec2.internal';
const SSM_INSTANCE = 'i-0e2e0e2e0e2e0e2e5';
const REGION = 'us-east-1';
const AWS_TEST_ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
const node = join(repo, 'node_modules', '.bin', 'node');
const cli = join(repo, 'dist', 'cli', 'main.js');

describe('end to end on a real API server', () => {
  let cp: ControlPlane;
  let kc: k8s.KubeConfig;
  let custom: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  let work: string;
  let mcpUrl: string;
  let hubArgs: string[];
  let operatorArgs: string[];
  let bucket: string;
  let s3: S3Client;
  const procs: Array<{ name: string; child: ChildProcess; err: () => string }> = [];
  const kubectl = (...args: string[]) => exec(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args], { maxBuffer: 32 << 20 });

  /** A token of a chart service account, and a kubeconfig that uses it. */
  async function saToken(sa: string, audiences?: string[]): Promise<string> {
    const r = await core.createNamespacedServiceAccountToken({ namespace: NS, name: sa, body: { spec: { audiences, expirationSeconds: 3600 } } });
    return r.status!.token;
  }
  async function saKubeconfig(sa: string): Promise<string> {
    return cp.kubeconfigFor(sa, await saToken(sa));
  }
  function start(name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(node, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, EKS_NLM_LOG_LEVEL: 'info', ...env } });
    procs.push({ name, child, err: tailOf(child.stderr, 16_384) });
    return child;
  }
  const frontJson = async <T>(path: string, body?: unknown): Promise<T> =>
    (await fetch(`${inject('ssmEndpoint')}${path}`, body ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {})).json() as Promise<T>;
  const connect = async (token: string) => {
    const client = new Client({ name: 'e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    return client;
  };
  /** What the MCP `errors` tool answers about one bundle: every finding, no time window. */
  async function mcpFindings(client: Client, nodeName: string, bundleId: string) {
    const r = await client.callTool({ name: 'errors', arguments: { node: nodeName, bundleId, whole_bundle: true, page_size: 200 } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    return r.structuredContent as { bundle: { bundleId: string; node: string }; findings: Array<{ id: string }>; summary: Record<'critical' | 'high' | 'warning' | 'info', number>; total_matching: number };
  }
  const logs = () => procs.map((p) => `--- ${p.name} (exit ${p.child.exitCode}) ---\n${p.err()}`).join('\n');
  const getNlc = (name: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name }) as Promise<NodeLogCollection>;
  const getPcap = (name: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name }) as Promise<PacketCapture>;

  beforeAll(async () => {
    // the platform team's install: CRDs and namespace, then the chart (its Deployments never run here: no controllers)
    ({ cp, kc, core, custom } = await startTestCluster(NS));
    work = await mkdtemp(join(tmpdir(), 'enlm-e2e-'));
    const { stdout } = await exec(join(cp.binDir, 'helm'), ['template', RELEASE, join(repo, 'charts', 'eks-node-log-mcp'), '--namespace', NS, '--kube-version', '1.36.3'], { maxBuffer: 32 << 20 });
    await writeFile(join(work, 'chart.yaml'), stdout);
    await kubectl('apply', '--server-side', '-n', NS, '-f', join(work, 'chart.yaml'));

    // this host as an EKS node, and its agent pod as the kubelet would report it
    await core.createNode({ body: { metadata: { name: NODE }, spec: { providerID: 'aws:///us-east-1a/i-0e2e0e2e0e2e0e2e0' } } });
    await core.patchNodeStatus({ name: NODE, body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] } } }, mergePatch);
    const agentPod = await createReadyAgentPod(kc, NS, NODE);
    // a second EKS node whose kubelet runs no agent: only SSM reaches it
    await core.createNode({ body: { metadata: { name: SSM_NODE }, spec: { providerID: `aws:///${REGION}b/${SSM_INSTANCE}` } } });
    bucket = `enlm-e2e-${randomUUID().slice(0, 8)}`;
    s3 = new S3Client({ region: REGION, endpoint: inject('motoEndpoint'), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await core.patchNamespacedPod({ name: agentPod, namespace: NS, body: { metadata: { labels: { 'app.kubernetes.io/instance': RELEASE } } } }, mergePatch);

    const store = join(work, 'store');
    const [mcpPort, ingestPort, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const hubUrl = `http://127.0.0.1:${ingestPort}`;
    mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    hubArgs = ['serve', '--in-cluster', '--kubeconfig', await saKubeconfig(SA.server), '--host', '127.0.0.1', '--port', String(mcpPort), '--ingest-port', String(ingestPort),
      '--store', store, '--namespace', NS, '--collector-sa', `${NS}:${SA.agent}`];
    start('hub', hubArgs);
    // the operator ingests SSM uploads into the store the hub serves (one S3 prefix in a cluster)
    operatorArgs = ['operator', '--kubeconfig', await saKubeconfig(SA.operator), '--namespace', NS, '--leader-elect', '--health-port', String(health), '--metrics-port', String(metrics),
      '--hub-url', hubUrl, '--collector-sa', SA.agent, '--poll', '1', '--store', store,
      '--region', REGION, '--ssm-bucket', bucket, '--aws-endpoint', inject('ssmEndpoint'),
      '--agent-selector', `app.kubernetes.io/name=eks-node-log-mcp,app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=agent`];
    start('operator', operatorArgs, AWS_TEST_ENV);
    const hubToken = join(work, 'hub-token');
    await writeFile(hubToken, await saToken(SA.agent, [HUB_AUDIENCE]), { mode: 0o600 });
    start('agent', ['agent', '--kubeconfig', await saKubeconfig(SA.agent), '--node-name', NODE, '--hub-url', hubUrl, '--token-file', hubToken, '--host-root', '/']);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${ingestPort}/healthz`)).ok && (await fetch(`http://127.0.0.1:${health}/readyz`)).ok, 60_000, `hub and operator ready\n${logs()}`);
  }, 300_000);

  afterAll(async () => {
    for (const p of procs) await stopChild(p.child);
    await cp?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('kubectl apply of a NodeLogCollection ends Completed with finding counts, collected from this host by the agent', async () => {
    const manifest = join(work, 'nlc.yaml');
    await writeFile(manifest, [
      `apiVersion: ${GROUP}/${VERSION}`, 'kind: NodeLogCollection', 'metadata:', '  name: this-host', `  namespace: ${NS}`,
      'spec:', `  nodeName: ${NODE}`, '  categories: [Base, Networking, System]', '  since: 30m', '',
    ].join('\n'));
    // this host is no sick EKS node and its own logs may hold no finding at all: for counts known to
    // be > 0, it gets what the VPC CNI logs on a node whose subnet is out of addresses, only while collected
    const cniDir = '/var/log/aws-routed-eni';
    const madeDir = !existsSync(cniDir);
    const cniLog = join(cniDir, 'ipamd-enlm-e2e.log');
    await mkdir(cniDir, { recursive: true });
    await writeFile(cniLog, `${JSON.stringify({ level: 'error', ts: new Date().toISOString(), caller: 'ipamd/ipamd.go:1073', msg: 'Failed to increase pool size due to not able to allocate ENI AllocENI: failed to create ENI: failed to create network interface: InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free addresses to satisfy the request.' })}\n`);
    try {
      await kubectl('apply', '-f', manifest);
      await waitFor(async () => ['Completed', 'Failed'].includes((await getNlc('this-host')).status?.phase ?? ''), 240_000, `collection finished\n${logs()}`);
    } finally {
      await rm(cniLog, { force: true });
      if (madeDir) await rmdir(cniDir).catch(() => undefined);
    }
    const nlc = await getNlc('this-host');
    expect(nlc.status?.phase, `${nlc.status?.message}\n${logs()}`).toBe('Completed');
    expect(nlc.status).toMatchObject({ method: 'agent', nodeName: NODE, instanceId: 'i-0e2e0e2e0e2e0e2e0' });
    expect(nlc.status?.bundle?.files).toBeGreaterThan(10);
    expect(nlc.status?.findings?.total).toBeGreaterThan(0);
    expect(nlc.status?.findings?.top?.map((t) => t.code)).toContain('IPAMDNoIPs');
    expect(nlc.status?.conditions?.find((c) => c.type === 'Uploaded')).toMatchObject({ status: 'True' });
    const { stdout } = await kubectl('get', 'nlc', 'this-host', '-n', NS);
    expect(stdout).toMatch(/Completed/);
  }, 300_000);

  it('an MCP client with a service-account token bound to read collections gets the findings; one without RBAC gets 403', async () => {
    await kubectl('create', 'serviceaccount', 'sre-reader', '-n', NS);
    await kubectl('create', 'role', 'nlc-reader', '-n', NS, '--verb=get,list', '--resource=nodelogcollections.eksnodelog.io');
    await kubectl('create', 'rolebinding', 'sre-reader', '-n', NS, '--role=nlc-reader', `--serviceaccount=${NS}:sre-reader`);
    await kubectl('create', 'serviceaccount', 'nobody', '-n', NS);
    const reader = await connect(await saToken('sre-reader'));
    const r = await reader.callTool({ name: 'status', arguments: { node: NODE } });
    expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
    // the findings the hub serves are those of the bundle the collection's status names, count for count
    const nlc = await getNlc('this-host');
    const f = await mcpFindings(reader, NODE, nlc.status!.bundle!.id!);
    await reader.close();
    const { total, critical, high, warning, info, top } = nlc.status!.findings!;
    expect(f.bundle).toMatchObject({ node: NODE, bundleId: nlc.status!.bundle!.id });
    expect(f.total_matching).toBeGreaterThan(0);
    expect(f.total_matching).toBe(total);
    expect(f.summary).toEqual({ critical, high, warning, info });
    expect(f.findings.map((x) => x.id)).toEqual(expect.arrayContaining((top ?? []).map((t) => t.id)));

    const nobody = await connect(await saToken('nobody'));
    const denied = await nobody.callTool({ name: 'errors', arguments: { node: NODE } }).then(
      () => 'allowed',
      (e: Error) => e.message,
    );
    expect(denied).toMatch(/403|forbidden/i);
    await nobody.close().catch(() => undefined);
  }, 120_000);

  it('SSM path: auto picks SSM for a node without an agent; an operator crash mid-run starts no second automation; the upload the test plays is ingested and served over MCP', async () => {
    const before = await frontJson<{ executions: number }>('/__front/stats');
    const manifest = join(work, 'nlc-ssm.yaml');
    await writeFile(manifest, [
      `apiVersion: ${GROUP}/${VERSION}`, 'kind: NodeLogCollection', 'metadata:', '  name: by-ssm', `  namespace: ${NS}`,
      'spec:', `  nodeName: ${SSM_NODE}`, '  method: auto', '',
    ].join('\n'));
    await kubectl('apply', '-f', manifest);
    await waitFor(async () => Boolean((await getNlc('by-ssm')).status?.ssmExecutionId), 60_000, `automation started\n${logs()}`);
    const started = await getNlc('by-ssm');
    expect(started.status).toMatchObject({ phase: 'Collecting', method: 'ssm', nodeName: SSM_NODE, instanceId: SSM_INSTANCE, region: REGION });
    const executionId = started.status!.ssmExecutionId!;
    // the runbook is still running on the node until the test has played its upload
    await frontJson(`/__front/automation/${executionId}/status`, { status: 'InProgress' });
    const ours = async () => (await frontJson<Array<{ id: string; clientToken: string; documentName: string; parameters: Record<string, string[]> }>>('/__front/automation')).filter((e) => e.clientToken === started.metadata!.uid);
    expect(await ours()).toEqual([expect.objectContaining({ id: executionId, documentName: 'AWSSupport-CollectEKSInstanceLogs', parameters: expect.objectContaining({ EKSInstanceId: [SSM_INSTANCE], LogDestination: [bucket] }) })]);

    // a crash, not a clean stop: no lease release, so the replacement takes over once the lease expires
    const first = procs.find((p) => p.name === 'operator')!.child;
    const exited = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await exited;
    start('operator-restarted', operatorArgs, AWS_TEST_ENV);

    // the runbook's part: eks-log-collector.sh's archive lands in the bucket root, then the execution ends
    const { archive } = await writeSampleBundle(join(work, 'ssm-upload'));
    const now = new Date().toISOString();
    const key = `eks_${SSM_INSTANCE}_${now.slice(0, 10)}_${now.slice(11, 13)}${now.slice(14, 16)}-UTC_0.7.8.tar.gz`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(archive) }));
    await frontJson(`/__front/automation/${executionId}/status`, { status: 'Success' });
    await waitFor(async () => ['Completed', 'Failed'].includes((await getNlc('by-ssm')).status?.phase ?? ''), 120_000, `SSM collection finished\n${logs()}`);
    const done = await getNlc('by-ssm');
    expect(done.status?.phase, `${done.status?.message}\n${logs()}`).toBe('Completed');
    expect(done.status).toMatchObject({ method: 'ssm', ssmExecutionId: executionId });
    expect(done.status?.bundle?.files).toBeGreaterThan(5);
    expect(done.status?.findings?.total).toBeGreaterThan(0);
    expect(await ours()).toHaveLength(1);
    expect((await frontJson<{ executions: number }>('/__front/stats')).executions - before.executions).toBe(1);

    // the hub serves what the operator ingested: the same bundle, the same counts
    const reader = await connect(await saToken('sre-reader'));
    const f = await mcpFindings(reader, SSM_NODE, done.status!.bundle!.id!);
    await reader.close();
    const { total, critical, high, warning, info, top } = done.status!.findings!;
    expect(f.bundle).toMatchObject({ node: SSM_NODE, bundleId: done.status!.bundle!.id });
    expect(f.total_matching).toBe(total);
    expect(f.summary).toEqual({ critical, high, warning, info });
    expect(f.findings.map((x) => x.id)).toEqual(expect.arrayContaining((top ?? []).map((t) => t.id)));
  }, 240_000);

  it('job method: the one-shot pod the operator creates, its command run as the kubelet would run it (agent --once), completes the collection', async () => {
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: 'by-job' }, spec: { nodeName: NODE, method: 'job', categories: ['Base'], since: '10m' },
    } });
    let pod: k8s.V1Pod | undefined;
    await waitFor(async () => Boolean((pod = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'eksnodelog.io/collection=by-job' })).items[0])), 30_000, `collector pod created\n${logs()}`);
    const spec = pod!.spec!;
    const c = spec.containers[0]!;
    expect(spec).toMatchObject({ nodeName: NODE, serviceAccountName: SA.agent, hostPID: true });
    expect(c.args?.slice(0, 2)).toEqual(['agent', '--once']);

    // No kubelet runs here, so the test is the kubelet: the container's args verbatim (the image's
    // entrypoint is `node dist/cli/main.js`), its env with the hostPath mount mapped back to the host
    // path, its service account as the in-cluster credentials, and its projected hub token as a file.
    // (This sandbox refuses nsenter into PID 1, so --in-pod's host commands are recorded as failed
    // sources in the manifest; the host's files are read through HOST_ROOT.)
    const volume = (name: string) => spec.volumes!.find((v) => v.name === name)!;
    const hostMount = c.volumeMounts!.find((m) => volume(m.name).hostPath)!;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value === hostMount.mountPath ? volume(hostMount.name).hostPath!.path : e.value!]));
    const tokenMount = c.volumeMounts!.find((m) => volume(m.name).projected)!;
    const projected = volume(tokenMount.name).projected!.sources![0]!.serviceAccountToken!;
    const tokenFile = join(work, 'job-token');
    await writeFile(tokenFile, await saToken(spec.serviceAccountName!, [projected.audience!]), { mode: 0o600 });
    const child = start('job-pod', [...c.args!, '--kubeconfig', await saKubeconfig(spec.serviceAccountName!), '--token-file', tokenFile], env);
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (n) => resolve(n))));
    expect(code, logs()).toBe(0);

    await waitFor(async () => (await getNlc('by-job')).status?.phase === 'Completed', 30_000, `job collection completed\n${logs()}`);
    const nlc = await getNlc('by-job');
    expect(nlc.status).toMatchObject({ method: 'job', nodeName: NODE });
    const manifest = JSON.parse((await new FsBundleStore(join(work, 'store')).getBuffer(`bundles/${NODE}/${nlc.status!.bundle!.id}/manifest.json`)).toString()) as { method: string; files: Array<{ path: string }> };
    expect(manifest.method).toBe('job');
    expect(manifest.files.map((f) => f.path)).toEqual(expect.arrayContaining(['collector-manifest.json', 'system/os-release.txt']));
    expect(nlc.status?.conditions?.find((x) => x.type === 'Uploaded')).toMatchObject({ status: 'True', reason: 'HubAccepted' });
    // a finished job's pod is the operator's to remove (it stays Terminating: no kubelet confirms)
    await waitFor(async () => core.readNamespacedPod({ namespace: NS, name: pod!.metadata!.name! }).then((p) => Boolean(p.metadata?.deletionTimestamp), (e: { code?: number }) => e.code === 404), 15_000, 'collector pod deleted');
  }, 180_000);

  it('rides out a hub outage: the agent retries, the status says so, and the collection completes once the hub is back', async () => {
    const hub = procs.find((p) => p.name === 'hub')!;
    await stopChild(hub.child);
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'NodeLogCollection', metadata: { name: 'during-outage' }, spec: { nodeName: NODE, categories: ['Base'], since: '10m' },
    } });
    await waitFor(async () => {
      const c = (await getNlc('during-outage')).status?.conditions?.find((x) => x.type === 'Uploaded');
      return c?.status === 'False' && c.reason === 'HubUnavailable';
    }, 120_000, `agent reports the hub outage\n${logs()}`);
    expect((await getNlc('during-outage')).status?.phase).toBe('Collecting');
    start('hub-restarted', hubArgs);
    await waitFor(async () => (await getNlc('during-outage')).status?.phase === 'Completed', 120_000, `completed after the hub came back\n${logs()}`);
    // the hub writes phase Completed before it answers the agent; the agent's own Uploaded=True report follows that answer
    await waitFor(async () => (await getNlc('during-outage')).status?.conditions?.find((x) => x.type === 'Uploaded')?.status === 'True', 30_000, `agent reports the accepted upload\n${logs()}`);
    expect((await getNlc('during-outage')).status?.conditions?.find((x) => x.type === 'Uploaded')).toMatchObject({ status: 'True', reason: 'HubAccepted' });
  }, 300_000);

  it('deleting a running PacketCapture stops the capture on the node', async () => {
    const tcpdumps = async () => (await exec('ps', ['-eo', 'args']).then((r) => r.stdout)).split('\n').filter((l) => l.includes('tcpdump') && l.includes('udp port 9'));
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, body: {
      apiVersion: `${GROUP}/${VERSION}`, kind: 'PacketCapture', metadata: { name: 'long-capture' }, spec: { nodeName: NODE, durationSeconds: 600, filter: 'udp port 9' },
    } });
    await waitFor(async () => (await tcpdumps()).length > 0, 30_000, `tcpdump running\n${logs()}`);
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name: 'long-capture' });
    await waitFor(async () => (await tcpdumps()).length === 0, 15_000, `tcpdump stopped\n${logs()}`);
    await waitFor(async () => getPcap('long-capture').then(() => false, (e: { code?: number }) => e.code === 404), 15_000, 'capture gone');
  }, 120_000);

  describe('a PacketCapture of a pod', () => {
    let lab: NetnsLab;
    let cgroupDirs: string[] = [];
    beforeAll(async () => {
      lab = await createNetnsLab();
    });
    afterAll(async () => {
      for (const d of cgroupDirs.reverse()) await rmdir(d).catch(() => undefined);
      await lab?.destroy();
    });

    it('targets the pod network namespace through its kubepods cgroup and completes with the traffic analysed', async () => {
      // the pod as the API server knows it, and as the kubelet lays it out: a cgroupfs-driver
      // kubepods cgroup (v1, pids controller) holding a process that lives in the pod's netns
      const pod = await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'dns-client' }, spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] } } });
      const uid = pod.metadata!.uid!;
      const podDir = `/sys/fs/cgroup/pids/kubepods/besteffort/pod${uid}`;
      const ctrDir = join(podDir, 'c0ffee');
      for (const d of ['/sys/fs/cgroup/pids/kubepods', '/sys/fs/cgroup/pids/kubepods/besteffort', podDir, ctrDir]) {
        if (!existsSync(d)) {
          await mkdir(d);
          cgroupDirs.push(d);
        }
      }
      await writeFile(join(ctrDir, 'cgroup.procs'), String(lab.pid));

      await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, body: {
        apiVersion: `${GROUP}/${VERSION}`, kind: 'PacketCapture', metadata: { name: 'dns-client-capture' },
        spec: { podRef: { namespace: 'default', name: 'dns-client' }, durationSeconds: 8, filter: 'udp port 53 or tcp' },
      } });
      await waitFor(async () => Boolean((await getPcap('dns-client-capture')).status?.conditions?.some((c) => c.type === 'AgentCollecting')), 30_000, `agent started the capture\n${logs()}`);
      await new Promise((r) => setTimeout(r, 1500));
      const out = JSON.parse(await lab.runInNs(TRAFFIC_SCRIPT, [lab.hostIp, String(lab.tcpPort), String(lab.closedPort)])) as { nx: number; refused: string };
      expect(out).toMatchObject({ nx: 3, refused: 'ECONNREFUSED' });
      await waitFor(async () => ['Completed', 'Failed'].includes((await getPcap('dns-client-capture')).status?.phase ?? ''), 60_000, `capture finished\n${logs()}`);
      const pc = await getPcap('dns-client-capture');
      expect(pc.status?.phase, `${pc.status?.message}\n${logs()}`).toBe('Completed');
      expect(pc.status).toMatchObject({ method: 'agent', nodeName: NODE, podUid: uid });
      expect(pc.status?.packets).toBeGreaterThanOrEqual(6);
      expect(pc.status?.anomalies?.total).toBeGreaterThanOrEqual(1);
    }, 120_000);
  });
});
