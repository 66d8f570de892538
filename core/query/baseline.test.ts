import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSampleStore, ingestVariant, type QueryBundles } from '../../test/fixtures/query-bundles.js';
import { baselineKey, buildBaseline, isBaseline, loadBaseline, signatureOf } from './baseline.js';
import type { BundleRef } from './bundle-ref.js';

let b: QueryBundles;
let nodeB: BundleRef;
let nodeC: BundleRef;
beforeAll(async () => {
  b = await ingestSampleStore();
  nodeB = await ingestVariant(b, 'node-b');
  nodeC = await ingestVariant(b, 'node-c');
});
afterAll(async () => b.cleanup());

const finding = (code: string) => b.sample.findings.findings.find((f) => f.code === code)!;

describe('cluster baseline', () => {
  it('rebuilt from the same bundles is byte-for-byte the same (no counts growing per call)', async () => {
    const first = await buildBaseline(b.store, 'prod', [b.ref, nodeB]);
    const stored1 = (await b.store.getBuffer(baselineKey('prod'))).toString();
    const second = await buildBaseline(b.store, 'prod', [nodeB, b.ref, b.ref]);
    const stored2 = (await b.store.getBuffer(baselineKey('prod'))).toString();
    expect(second).toEqual(first);
    expect(stored2).toBe(stored1);
    expect(await loadBaseline(b.store, 'prod')).toEqual(first);
    expect(first.nodeCount).toBe(2);
    expect(first.signatures[signatureOf(finding('ReadinessProbeFailures'))]).toMatchObject({ nodes: [b.ref.node, 'node-b'].sort(), bundles: 2 });
  });

  it('marks a finding seen on both nodes as baseline noise', async () => {
    const base = (await buildBaseline(b.store, 'prod', [b.ref, nodeB]))!;
    expect(isBaseline(base, finding('ReadinessProbeFailures'))).toBe(true);
    expect(isBaseline(base, finding('IPAMDNoIPs'))).toBe(false); // half the nodes, but only one: this node's own fault
    expect(isBaseline(base, { code: 'KernelOOMKill', template: 'never seen' })).toBe(false);
  });

  it('does not mark what only a minority of nodes shows', async () => {
    const base = await buildBaseline(b.store, 'three', [b.ref, nodeB, nodeC]);
    expect(base.nodeCount).toBe(3);
    expect(isBaseline(base, finding('IPAMDNoIPs'))).toBe(false); // 1 of 3 nodes
    expect(isBaseline(base, finding('DnsNxdomainSearchExpansion'))).toBe(true); // 3 of 3
    expect(isBaseline(base, finding('AwsCniIpAssignFailed'), 1)).toBe(true);
  });

  it('a one-node baseline marks nothing, and an unknown cluster has no baseline', async () => {
    const one = await buildBaseline(b.store, 'solo', [b.ref]);
    expect(isBaseline(one, finding('ReadinessProbeFailures'))).toBe(false);
    expect(await loadBaseline(b.store, 'nope')).toBeUndefined();
    expect(await loadBaseline(b.store, '../etc')).toBeUndefined();
    await expect(buildBaseline(b.store, 'bad/name', [b.ref])).rejects.toThrow(/not a valid cluster name/);
  });
});
