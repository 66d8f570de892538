import { describe, expect, it } from 'vitest';
import { instanceOf, summarizeNode } from './node-summary.js';

describe('summarizeNode', () => {
  it('reads Ready, the True pressure conditions, kubelet version, taints, cordon and the instance from providerID', () => {
    const n = summarizeNode({
      metadata: { name: 'ip-10-0-1-5.ec2.internal', labels: { a: 'b' }, creationTimestamp: new Date('2024-03-01T00:00:00Z') },
      spec: { providerID: 'aws:///us-west-2-lax-1a/i-0abc12345678def00', unschedulable: true, taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] },
      status: {
        conditions: [
          { type: 'Ready', status: 'False' }, { type: 'DiskPressure', status: 'True' }, { type: 'MemoryPressure', status: 'False' },
          { type: 'NetworkUnavailable', status: 'True' },
        ],
        nodeInfo: { kubeletVersion: 'v1.36.3' } as never,
      },
    });
    expect(n).toEqual({
      name: 'ip-10-0-1-5.ec2.internal', labels: { a: 'b' }, ready: false, pressure: ['DiskPressure', 'NetworkUnavailable'], kubeletVersion: 'v1.36.3',
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }], unschedulable: true, createdAt: '2024-03-01T00:00:00.000Z',
      instanceId: 'i-0abc12345678def00', region: 'us-west-2',
    });
  });

  it('a node whose kubelet never posted Ready is neither ready nor not ready (null)', () => {
    expect(summarizeNode({ metadata: { name: 'x' } }).ready).toBeNull();
    expect(summarizeNode({ metadata: { name: 'x' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }).ready).toBeNull();
  });

  it('a providerID that is not AWS gives no instance or region', () => {
    expect(instanceOf('kind://docker/kind/kind-worker')).toBeUndefined();
    expect(instanceOf(undefined)).toBeUndefined();
    expect(instanceOf('aws:///us-east-1a/i-0123456789abcdef0')).toEqual({ instanceId: 'i-0123456789abcdef0', region: 'us-east-1' });
  });
});
