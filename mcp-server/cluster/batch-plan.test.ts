import { describe, expect, it } from 'vitest';
import type { ClusterNode } from './cluster-port.js';
import { MAX_SKIPPED_LISTED, planBatch } from './batch-plan.js';

function node(name: string, o: Partial<ClusterNode> = {}, labels: Record<string, string> = {}): ClusterNode {
  return {
    name, labels, ready: true, pressure: [], kubeletVersion: 'v1.36.3', taints: [], unschedulable: false, createdAt: null,
    instanceId: null, region: null, ...o,
  };
}
const ng = (g: string) => ({ 'eks.amazonaws.com/nodegroup': g });

describe('planBatch', () => {
  const nodes = [
    node('a1', {}, ng('a')), node('a2', { ready: false }, ng('a')), node('a3', { pressure: ['DiskPressure'] }, ng('a')),
    node('b1', {}, ng('b')), node('b2', { ready: null }, ng('b')),
    node('c1', {}, { 'node.kubernetes.io/instance-type': 'm5.large' }),
  ];

  it('filter NotReady keeps nodes whose Ready is False or Unknown, and says why the others are skipped', () => {
    const p = planBatch({ nodes, filter: 'NotReady', maxNodes: 50 });
    expect(p.targets.map((t) => t.node)).toEqual(['a2', 'b2']);
    expect(p.skipped).toContainEqual({ node: 'a1', reason: 'Ready (filter NotReady)' });
    expect(p.skippedTotal).toBe(4);
  });

  it('filter pressure keeps nodes with a True pressure condition', () => {
    expect(planBatch({ nodes, filter: 'pressure', maxNodes: 50 }).targets.map((t) => t.node)).toEqual(['a3']);
  });

  it('samples per node group, falling back to the instance type, sick nodes first', () => {
    const p = planBatch({ nodes, filter: 'all', samplePerGroup: 1, maxNodes: 50 });
    expect(p.targets).toEqual([
      { node: 'a2', group: 'eks.amazonaws.com/nodegroup=a' },
      { node: 'b2', group: 'eks.amazonaws.com/nodegroup=b' },
      { node: 'c1', group: 'node.kubernetes.io/instance-type=m5.large' },
    ]);
    expect(p.skipped).toContainEqual({ node: 'a1', reason: 'sampled out: 1 already chosen from eks.amazonaws.com/nodegroup=a' });
  });

  it('max_nodes is a hard cap, applied after the filter and sampling', () => {
    const p = planBatch({ nodes, filter: 'all', maxNodes: 2 });
    expect(p.targets.map((t) => t.node)).toEqual(['a2', 'b2']);
    expect(p.skipped.filter((s) => s.reason === 'over max_nodes (2)')).toHaveLength(4);
  });

  it('explicit names: unknown names are skipped, duplicates once, an instance id without a Node is kept (SSM)', () => {
    const p = planBatch({ nodes, names: ['a1', 'nope', 'a1', 'i-0123456789abcdef0'], filter: 'all', maxNodes: 50 });
    expect(p.targets.map((t) => t.node)).toEqual(['a1', 'i-0123456789abcdef0']);
    expect(p.skipped).toEqual([{ node: 'nope', reason: 'no Node of that name in the cluster' }, { node: 'a1', reason: 'listed twice' }]);
  });

  it('an instance id names its Node for the filter', () => {
    const withId = [node('x', { ready: false, instanceId: 'i-0aaaaaaaaaaaaaaa1' })];
    expect(planBatch({ nodes: withId, names: ['i-0aaaaaaaaaaaaaaa1'], filter: 'NotReady', maxNodes: 5 }).targets).toEqual([{ node: 'i-0aaaaaaaaaaaaaaa1', group: null }]);
  });

  it('lists at most MAX_SKIPPED_LISTED skipped nodes but counts them all', () => {
    const many = Array.from({ length: 300 }, (_, i) => node(`n${String(i).padStart(3, '0')}`));
    const p = planBatch({ nodes: many, filter: 'NotReady', maxNodes: 50 });
    expect(p.skipped).toHaveLength(MAX_SKIPPED_LISTED);
    expect(p.skippedTotal).toBe(300);
  });

  it('the same nodes in any order give the same plan (dry run shows what the real run creates)', () => {
    const a = planBatch({ nodes, filter: 'all', samplePerGroup: 2, maxNodes: 4 });
    const b = planBatch({ nodes: [...nodes].reverse(), filter: 'all', samplePerGroup: 2, maxNodes: 4 });
    expect(b).toEqual(a);
  });
});
