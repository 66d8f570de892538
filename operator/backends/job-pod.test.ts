import { describe, expect, it } from 'vitest';
import type { NodeLogCollection } from '../resources.js';
import { jobPod } from './job-pod.js';

const nlc = { apiVersion: 'eksnodelog.io/v1alpha1', kind: 'NodeLogCollection', metadata: { name: 'n1', namespace: 'obs', uid: 'u-1' }, spec: { nodeName: 'node-a' } } as NodeLogCollection;
const opts = { image: 'repo/enlm:1', hubUrl: 'http://hub:8090', serviceAccountName: 'enlm-agent', hubAudience: 'enlm-hub' };

describe('one-shot collector pod', () => {
  it('runs its container as root as well as privileged, whatever USER the image declares (nsenter and root-only host reads need it)', () => {
    const c = jobPod('NodeLogCollection', nlc, 'node-a', opts).spec!.containers[0]!;
    expect(c.securityContext).toMatchObject({ privileged: true, runAsUser: 0, runAsNonRoot: false });
  });

  it('is created in the resource namespace, pinned to the node, in the host PID and network namespaces', () => {
    const pod = jobPod('NodeLogCollection', nlc, 'node-a', opts);
    expect(pod.metadata?.namespace).toBe('obs');
    expect(pod.spec).toMatchObject({ nodeName: 'node-a', hostPID: true, hostNetwork: true, serviceAccountName: 'enlm-agent' });
  });
});
