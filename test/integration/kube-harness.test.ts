import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as k8s from '@kubernetes/client-node';
import { type ControlPlane, STATIC_USERS, startControlPlane } from '../env/kube.js';

// The harness itself: a real apiserver that authenticates static and service-account tokens and
// enforces RBAC — the properties the operator, hub and MCP auth tests rely on.
describe('real control plane', () => {
  let cp: ControlPlane;
  let kc: k8s.KubeConfig;
  beforeAll(async () => {
    cp = await startControlPlane();
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfigPath);
  });
  afterAll(async () => cp?.stop());

  it('reports the pinned version and serves the core API to the admin', async () => {
    const v = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(v.gitVersion).toBe('v1.36.3');
    const ns = await kc.makeApiClient(k8s.CoreV1Api).listNamespace();
    expect(ns.items.map((n) => n.metadata?.name)).toContain('default');
  });

  it('enforces RBAC for a user without bindings', async () => {
    const p = await cp.kubeconfigFor('mallory', STATIC_USERS.mallory.token);
    const m = new k8s.KubeConfig();
    m.loadFromFile(p);
    await expect(m.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
  });

  it('issues service-account tokens that TokenReview accepts for their audience only', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'probe' } } });
    const tr = await core.createNamespacedServiceAccountToken({
      namespace: 'default', name: 'probe',
      body: { spec: { audiences: ['enlm-test-aud'], expirationSeconds: 600 } },
    });
    const token = tr.status?.token ?? '';
    const authn = kc.makeApiClient(k8s.AuthenticationV1Api);
    const ok = await authn.createTokenReview({ body: { spec: { token, audiences: ['enlm-test-aud'] } } });
    expect(ok.status?.authenticated).toBe(true);
    expect(ok.status?.user?.username).toBe('system:serviceaccount:default:probe');
    const wrong = await authn.createTokenReview({ body: { spec: { token, audiences: ['another-aud'] } } });
    expect(wrong.status?.authenticated).not.toBe(true);
  });
});
