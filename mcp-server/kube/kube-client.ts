import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';

/** Where the hub talks to Kubernetes from: its own pod (in-cluster) or a kubeconfig file (tests, dev). */
export type KubeSource = { kind: 'in-cluster' } | { kind: 'kubeconfig'; path: string };

/** The API groups the hub uses; built once per process, injected into the auth checks and the ingest server. */
export interface KubeClients {
  authn: k8s.AuthenticationV1Api;
  authz: k8s.AuthorizationV1Api;
  custom: k8s.CustomObjectsApi;
}

const SA_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The one place a KubeConfig is built (STYLE.md 3: handlers get clients, they never build them). */
export function loadKubeConfig(src: KubeSource): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (src.kind === 'in-cluster') kc.loadFromCluster();
  else kc.loadFromFile(src.path);
  return kc;
}

export function kubeClients(kc: k8s.KubeConfig): KubeClients {
  return {
    authn: kc.makeApiClient(k8s.AuthenticationV1Api),
    authz: kc.makeApiClient(k8s.AuthorizationV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
  };
}

/** The pod's own namespace, as the kubelet mounts it; undefined outside a pod. */
export function podNamespaceFromMount(): string | undefined {
  try {
    return readFileSync(SA_NAMESPACE_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The HTTP status of a client-node ApiException (or undefined for a network error). */
export function apiStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
