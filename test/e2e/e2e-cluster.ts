import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { GROUP, NLC_PLURAL, type NodeLogCollection, type PacketCapture, PCAP_PLURAL, VERSION } from '../../operator/resources.js';
import { freePort, stopChild, tailOf } from '../env/procs.js';
import { createReadyAgentPod, mergePatch, startTestCluster, waitFor } from '../helpers/kube-fixtures.js';

/**
 * The installation the end-to-end tests run against, everything real on this machine:
 * kube-apiserver + etcd, the Helm chart's own service accounts and RBAC applied to it, and the
 * product's three processes started from dist/ exactly as the chart starts them — hub (serve
 * --in-cluster), operator, and an agent acting as this host's DaemonSet pod — each authenticating
 * with a token of its chart service account. The operator has SSM on, against moto behind the
 * test-only SSM front (test/README.md), and ingests into the store the hub serves. Two Nodes: this
 * host (agent pod Ready, as a kubelet would report it) and one with no agent.
 */
const repo = [join(dirname(fileURLToPath(import.meta.url)), '..', '..')].find((d) => existsSync(join(d, 'charts')))!;
const exec = promisify(execFile);
export const NS = 'enlm-system';
const RELEASE = 'enlm';
export const NODE = 'enlm-e2e-node.ec2.internal';
const FULL = `${RELEASE}-eks-node-log-mcp`;
export const SA = { operator: `${FULL}-operator`, server: `${FULL}-server`, agent: `${FULL}-agent` };
const HUB_AUDIENCE = 'eks-node-log-mcp-hub';
/** a node with no agent pod: `auto` has to take SSM to reach it */
export const SSM_NODE = 'enlm-e2e-ssm-node.ec2.internal';
export const SSM_INSTANCE = 'i-0e2e0e2e0e2e0e2e5';
export const REGION = 'us-east-1';
export const AWS_TEST_ENV = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
const node = join(repo, 'node_modules', '.bin', 'node');
const cli = join(repo, 'dist', 'cli', 'main.js');

export type McpFindings = { bundle: { bundleId: string; node: string }; findings: Array<{ id: string }>; summary: Record<'critical' | 'high' | 'warning' | 'info', number>; total_matching: number };

export async function startE2eCluster(aws: { motoEndpoint: string; ssmEndpoint: string }) {
  // the platform team's install: CRDs and namespace, then the chart (its Deployments never run here: no controllers)
  const { cp, kc, core, custom } = await startTestCluster(NS);
  const work = await mkdtemp(join(tmpdir(), 'enlm-e2e-'));
  const procs: Array<{ name: string; child: ChildProcess; err: () => string }> = [];
  const kubectl = (...args: string[]) => exec(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args], { maxBuffer: 32 << 20 });
  /** A token of a service account in NS, and a kubeconfig that uses it. */
  const saToken = async (sa: string, audiences?: string[]): Promise<string> =>
    (await core.createNamespacedServiceAccountToken({ namespace: NS, name: sa, body: { spec: { audiences, expirationSeconds: 3600 } } })).status!.token!;
  const saKubeconfig = async (sa: string) => cp.kubeconfigFor(sa, await saToken(sa));
  const start = (name: string, args: string[], env: Record<string, string> = {}): ChildProcess => {
    const child = spawn(node, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, EKS_NLM_LOG_LEVEL: 'info', ...env } });
    procs.push({ name, child, err: tailOf(child.stderr, 16_384) });
    return child;
  };
  const logs = () => procs.map((p) => `--- ${p.name} (exit ${p.child.exitCode}) ---\n${p.err()}`).join('\n');
  const stop = async () => {
    for (const p of procs) await stopChild(p.child);
    await cp.stop();
    await rm(work, { recursive: true, force: true });
  };

  try {
    const { stdout } = await exec(join(cp.binDir, 'helm'), ['template', RELEASE, join(repo, 'charts', 'eks-node-log-mcp'), '--namespace', NS, '--kube-version', '1.36.3'], { maxBuffer: 32 << 20 });
    await writeFile(join(work, 'chart.yaml'), stdout);
    await kubectl('apply', '--server-side', '-n', NS, '-f', join(work, 'chart.yaml'));

    // this host as an EKS node, and its agent pod as the kubelet would report it
    await core.createNode({ body: { metadata: { name: NODE }, spec: { providerID: 'aws:///us-east-1a/i-0e2e0e2e0e2e0e2e0' } } });
    await core.patchNodeStatus({ name: NODE, body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] } } }, mergePatch);
    const agentPod = await createReadyAgentPod(kc, NS, NODE);
    await core.patchNamespacedPod({ name: agentPod, namespace: NS, body: { metadata: { labels: { 'app.kubernetes.io/instance': RELEASE } } } }, mergePatch);
    // a second EKS node whose kubelet runs no agent: only SSM reaches it
    await core.createNode({ body: { metadata: { name: SSM_NODE }, spec: { providerID: `aws:///${REGION}b/${SSM_INSTANCE}` } } });
    const bucket = `enlm-e2e-${randomUUID().slice(0, 8)}`;
    const s3 = new S3Client({ region: REGION, endpoint: aws.motoEndpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    const store = join(work, 'store');
    const [mcpPort, ingestPort, health, metrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const hubUrl = `http://127.0.0.1:${ingestPort}`;
    const mcpUrl = `http://127.0.0.1:${mcpPort}/mcp`;
    const hubArgs = ['serve', '--in-cluster', '--kubeconfig', await saKubeconfig(SA.server), '--host', '127.0.0.1', '--port', String(mcpPort), '--ingest-port', String(ingestPort),
      '--store', store, '--namespace', NS, '--collector-sa', `${NS}:${SA.agent}`];
    start('hub', hubArgs);
    // the operator ingests SSM uploads into the store the hub serves (one S3 prefix in a cluster)
    const operatorArgs = ['operator', '--kubeconfig', await saKubeconfig(SA.operator), '--namespace', NS, '--leader-elect', '--health-port', String(health), '--metrics-port', String(metrics),
      '--hub-url', hubUrl, '--collector-sa', SA.agent, '--poll', '1', '--store', store,
      '--region', REGION, '--ssm-bucket', bucket, '--aws-endpoint', aws.ssmEndpoint,
      '--agent-selector', `app.kubernetes.io/name=eks-node-log-mcp,app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=agent`];
    start('operator', operatorArgs, AWS_TEST_ENV);
    const hubToken = join(work, 'hub-token');
    await writeFile(hubToken, await saToken(SA.agent, [HUB_AUDIENCE]), { mode: 0o600 });
    start('agent', ['agent', '--kubeconfig', await saKubeconfig(SA.agent), '--node-name', NODE, '--hub-url', hubUrl, '--token-file', hubToken, '--host-root', '/']);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${ingestPort}/healthz`)).ok && (await fetch(`http://127.0.0.1:${health}/readyz`)).ok, 60_000, `hub and operator ready\n${logs()}`);

    const connect = async (token: string) => {
      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    };
    return {
      cp, kc, core, custom, work, store, bucket, s3, procs, hubArgs, operatorArgs, mcpUrl,
      kubectl, saToken, saKubeconfig, start, logs, stop, connect,
      getNlc: (name: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: NLC_PLURAL, namespace: NS, name }) as Promise<NodeLogCollection>,
      getPcap: (name: string) => custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: PCAP_PLURAL, namespace: NS, name }) as Promise<PacketCapture>,
      /** the SSM front's test hooks (test/README.md) */
      frontJson: async <T>(path: string, body?: unknown): Promise<T> =>
        (await fetch(`${aws.ssmEndpoint}${path}`, body ? { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {})).json() as Promise<T>,
      /** What the MCP `errors` tool answers about one bundle: every finding, no time window. */
      mcpFindings: async (client: Client, nodeName: string, bundleId: string): Promise<McpFindings> => {
        const r = await client.callTool({ name: 'errors', arguments: { node: nodeName, bundleId, whole_bundle: true, page_size: 200 } });
        expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
        return r.structuredContent as McpFindings;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export type E2eCluster = Awaited<ReturnType<typeof startE2eCluster>>;

/** A read-only MCP user: a service account allowed to get and list collections in NS. */
export async function createReader(e: E2eCluster, name: string): Promise<void> {
  await e.kubectl('create', 'serviceaccount', name, '-n', NS);
  await e.kubectl('create', 'role', `${name}-nlc`, '-n', NS, '--verb=get,list', '--resource=nodelogcollections.eksnodelog.io');
  await e.kubectl('create', 'rolebinding', name, '-n', NS, `--role=${name}-nlc`, `--serviceaccount=${NS}:${name}`);
}
