import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSampleStore, ingestVariant, type QueryBundles } from '../../test/fixtures/query-bundles.js';
import type { BundleRef } from './bundle-ref.js';
import { compareNodes } from './compare-nodes.js';
import { normalizeConfig, unifiedDiff } from './config-diff.js';
import { QueryInputError } from './query-error.js';

let b: QueryBundles;
let nodeB: BundleRef;
beforeAll(async () => {
  b = await ingestSampleStore();
  nodeB = await ingestVariant(b, 'node-b');
});
afterAll(async () => b.cleanup());

describe('compare_nodes on the sample node and a sibling without IPAMD errors', () => {
  it('finds the sysctl line diff against the first node', async () => {
    const r = await compareNodes(b.store, [b.ref, nodeB]);
    const sysctl = r.configs.find((c) => c.file === 'sysctls/sysctl_all.txt')!;
    expect(sysctl).toMatchObject({ presentOn: [b.ref.node, 'node-b'], missingOn: [], reference: b.ref.node, identical: false });
    expect(sysctl.diffs).toHaveLength(1);
    expect(sysctl.diffs[0]).toMatchObject({ node: 'node-b', added: 1, removed: 1, truncated: false });
    expect(sysctl.diffs[0]!.hunks).toEqual([
      '@@ -1,2 +1,2 @@',
      ' net.ipv4.ip_forward = 1',
      '-net.netfilter.nf_conntrack_max = 262144',
      '+net.netfilter.nf_conntrack_max = 524288',
    ]);
    const kubelet = r.configs.find((c) => c.file === 'kubelet/config.json')!;
    expect(kubelet.diffs[0]!.hunks).toContain('-  "maxPods": 29');
    expect(kubelet.diffs[0]!.hunks).toContain('+  "maxPods": 58');
    expect(r.configs.find((c) => c.file === 'containerd/containerd-config.txt')).toMatchObject({ identical: true, diffs: [] });
    expect(r.configs.find((c) => c.file === 'cni/10-aws.conflist')).toMatchObject({ identical: true, presentOn: [b.ref.node, 'node-b'] });
  });

  it('reports config files a bundle lacks as missing instead of skipping them', async () => {
    const r = await compareNodes(b.store, [b.ref, nodeB]);
    const env = r.configs.find((c) => c.file === 'ipamd/ipamd-env-settings.json')!;
    expect(env).toMatchObject({ presentOn: [], missingOn: [b.ref.node, 'node-b'], reference: null, note: 'in no bundle' });
    expect(r.configs.find((c) => c.file === 'kubelet/kubelet-config.json')!.missingOn).toEqual([b.ref.node, 'node-b']);
  });

  it('splits findings by signature into common and unique per node, with counts', async () => {
    const r = await compareNodes(b.store, [b.ref, nodeB]);
    const uniqueA = r.unique.find((u) => u.node === b.ref.node)!.findings.map((f) => f.code);
    expect(uniqueA.sort()).toEqual(['IPAMDNoIPs', 'IpamdDatastoreExhausted']);
    expect(r.unique.find((u) => u.node === 'node-b')!.findings).toEqual([]);
    const probe = r.common.find((c) => c.code === 'ReadinessProbeFailures')!;
    expect(probe.counts.map((c) => [c.node, c.count])).toEqual([[b.ref.node, 3], ['node-b', 3]]);
    expect(r.common.filter((c) => c.code === 'AwsCniIpAssignFailed')).toHaveLength(4);
    expect(r.partial).toEqual([]);
  });

  it('needs two to ten different bundles', async () => {
    await expect(compareNodes(b.store, [b.ref, b.ref])).rejects.toThrow(QueryInputError);
    await expect(compareNodes(b.store, Array.from({ length: 11 }, (_, i) => ({ ...b.ref, bundleId: `x${i}` })))).rejects.toThrow(/at most 10/);
  });
});

describe('config diff', () => {
  it('treats re-ordered or minified JSON as the same configuration', () => {
    expect(normalizeConfig('kubelet/config.json', '{"b":1,"a":{"d":2,"c":3}}')).toBe(normalizeConfig('kubelet/config.json', '{\n  "a": {"c": 3, "d": 2},\n  "b": 1\n}\n'));
  });

  it('caps a large diff at 200 lines and says so', () => {
    const a = Array.from({ length: 500 }, (_, i) => `k${i} = ${i}`).join('\n');
    const c = Array.from({ length: 500 }, (_, i) => `k${i} = ${i + 1}`).join('\n');
    const d = unifiedDiff(`${a}\n`, `${c}\n`);
    expect(d.hunks).toHaveLength(200);
    expect(d.truncated).toBe(true);
    expect([d.added, d.removed]).toEqual([500, 500]);
  });
});
