import * as k8s from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** Creates both CRDs from crds/*.yaml and waits until the API server serves them. */
export async function installCrds(kc: k8s.KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  for (const f of ['nodelogcollections.eksnodelog.io.yaml', 'packetcaptures.eksnodelog.io.yaml']) {
    const body = parse(await readFile(join(repoRoot, 'crds', f), 'utf8')) as k8s.V1CustomResourceDefinition;
    await ext.createCustomResourceDefinition({ body }).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
    await waitFor(async () => {
      const crd = await ext.readCustomResourceDefinition({ name: body.metadata!.name! });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    }, 30_000, `CRD ${body.metadata!.name} Established`);
  }
}

export async function ensureNamespace(kc: k8s.KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name } } }).catch((err: { code?: number }) => {
    if (err.code !== 409) throw err;
  });
}

/** A Node object as an EKS node registers it: providerID with zone and instance id, Ready. */
export async function createNode(kc: k8s.KubeConfig, name: string, instanceId: string, zone = 'us-east-1a'): Promise<void> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNode({ body: { metadata: { name, labels: { 'kubernetes.io/hostname': name } }, spec: { providerID: `aws:///${zone}/${instanceId}` } } });
  await core.patchNodeStatus({ name, body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }], nodeInfo: { kubeletVersion: 'v1.36.3', architecture: 'amd64', bootID: '', containerRuntimeVersion: 'containerd://2.1.0', kernelVersion: '6.12.0', kubeProxyVersion: '', machineID: '', operatingSystem: 'linux', osImage: 'Amazon Linux 2023', systemUUID: '' } } } }, MERGE);
}

/**
 * An agent DaemonSet pod as the kubelet would report it: no kubelet runs here, so the test writes
 * the pod's status (Running, Ready) itself, exactly as the kubelet's status manager would.
 */
export async function createReadyAgentPod(kc: k8s.KubeConfig, namespace: string, nodeName: string): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const name = `agent-${nodeName.replace(/[^a-z0-9-]/g, '-')}`.slice(0, 60);
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { 'app.kubernetes.io/name': 'eks-node-log-mcp', 'app.kubernetes.io/component': 'agent' } },
      spec: { nodeName, containers: [{ name: 'agent', image: 'eks-node-log-mcp:test' }] },
    },
  });
  await core.patchNamespacedPodStatus({ name, namespace, body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } }, MERGE);
  return name;
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const mergePatch = MERGE;
