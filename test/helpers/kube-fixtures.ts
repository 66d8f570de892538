import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ControlPlane } from '../env/kube.js';

// the repository root, whether this runs from test/helpers or from dist/test/helpers
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = [join(here, '..', '..'), join(here, '..', '..', '..')].find((d) => existsSync(join(d, 'crds', 'nodelogcollections.eksnodelog.io.yaml')))!;
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/**
 * Installs both CRDs as a user does (`kubectl apply --server-side`) and waits until Established.
 * Not ApiextensionsV1Api.createCustomResourceDefinition with parsed YAML: client-node 2.0.1's
 * serializer drops `enum`, `default` and `x-kubernetes-validations` from such a body.
 */
export async function installCrds(cp: Pick<ControlPlane, 'binDir' | 'kubeconfigPath'>): Promise<void> {
  const kubectl = (...args: string[]) => promisify(execFile)(join(cp.binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args]);
  await kubectl('apply', '--server-side', '-f', join(repoRoot, 'crds', 'nodelogcollections.eksnodelog.io.yaml'), '-f', join(repoRoot, 'crds', 'packetcaptures.eksnodelog.io.yaml'));
  await kubectl('wait', '--for=condition=Established', '--timeout=30s', 'crd/nodelogcollections.eksnodelog.io', 'crd/packetcaptures.eksnodelog.io');
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

/**
 * A Role that may read NodeLogCollections in `namespace` (what the MCP read tools' SubjectAccessReview
 * asks), bound to `subjects`: the identities an auth test expects to be let through.
 */
export async function bindNlcReaders(kc: k8s.KubeConfig, namespace: string, subjects: k8s.RbacV1Subject[]): Promise<void> {
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name: 'nlc-reader' }, rules: [{ apiGroups: ['eksnodelog.io'], resources: ['nodelogcollections'], verbs: ['get', 'list', 'watch'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: { metadata: { name: 'nlc-readers' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'nlc-reader' }, subjects },
  });
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

export interface TestCluster {
  cp: ControlPlane;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
}

/** A real control plane with both CRDs installed and these namespaces created; the admin's clients. */
export async function startTestCluster(...namespaces: string[]): Promise<TestCluster> {
  const { startControlPlane } = await import('../env/kube.js');
  const cp = await startControlPlane();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await installCrds(cp);
  for (const ns of namespaces) await ensureNamespace(kc, ns);
  return { cp, kc, core: kc.makeApiClient(k8s.CoreV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}
