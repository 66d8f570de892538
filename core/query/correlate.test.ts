import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSampleStore, type QueryBundles } from '../../test/fixtures/query-bundles.js';
import { correlate } from './correlate.js';
import { QueryInputError } from './query-error.js';

let b: QueryBundles;
beforeAll(async () => {
  b = await ingestSampleStore();
});
afterAll(async () => b.cleanup());

const id = (code: string) => b.sample.findings.findings.find((f) => f.code === code)!.id;

describe('correlate on the sample IP-exhaustion bundle', () => {
  it('orders events by real time across log formats (IPAMD JSON, containerd logfmt, klog, CRI)', async () => {
    const r = await correlate(b.store, b.ref, { maxEvents: 2000 });
    const times = r.timeline.map((e) => e.t);
    expect(times.every((t) => t !== null)).toBe(true);
    expect([...times].sort()).toEqual(times);
    const paths = new Set(r.timeline.map((e) => e.path));
    for (const p of ['var_log/aws-routed-eni/ipamd.log', 'var_log/aws-routed-eni/plugin.log', 'containerd/containerd-log.txt', 'kubelet/kubelet.log']) expect(paths).toContain(p);
    // within the first incident burst the IPAMD error (08:40:02) precedes the containerd (08:40:05) and kubelet (08:40:06) lines
    const burst = r.timeline.filter((e) => e.t!.startsWith('2024-03-14T08:40'));
    expect(burst.map((e) => e.component)).toEqual(['ipamd/cni', 'ipamd/cni', 'containerd', 'ipamd/cni', 'kubelet', 'kubelet', 'coredns']);
    expect(r.matched).toBe(r.timeline.length);
    expect(r.truncated).toBe(false);
  });

  it('caps the timeline at max_events, keeps the earliest events and says it truncated', async () => {
    const all = await correlate(b.store, b.ref, { maxEvents: 2000 });
    const r = await correlate(b.store, b.ref, { maxEvents: 10 });
    expect(r.timeline).toHaveLength(10);
    expect(r.truncated).toBe(true);
    expect(r.timeline).toEqual(all.timeline.slice(0, 10));
    expect((await correlate(b.store, b.ref, { maxEvents: 50_000 })).maxEvents).toBe(2000);
  });

  it('gap_seconds changes how events split into clusters', async () => {
    const tight = await correlate(b.store, b.ref, { gapSeconds: 5 });
    const loose = await correlate(b.store, b.ref, { gapSeconds: 600 });
    expect(loose.clusters).toHaveLength(1);
    expect(tight.clusters.length).toBeGreaterThan(10);
    expect(tight.gapSeconds).toBe(5);
    const sum = (cs: typeof tight.clusters) => cs.reduce((n, c) => n + c.events, 0);
    expect(sum(tight.clusters)).toBe(sum(loose.clusters));
  });

  it('the component filter keeps only those components in the timeline and counts the rest as excluded', async () => {
    const all = await correlate(b.store, b.ref, { maxEvents: 2000 });
    const r = await correlate(b.store, b.ref, { components: ['kubelet'], maxEvents: 2000 });
    expect(r.timeline.length).toBeGreaterThan(0);
    expect(new Set(r.timeline.map((e) => e.component))).toEqual(new Set(['kubelet']));
    expect(r.excludedByComponent).toBe(all.matched - r.matched);
    // chains still see every component: the filter narrows the view, not the evidence
    expect(r.chains.find((c) => c.id === 'ip-exhaustion')?.complete).toBe(true);
  });

  it('pivot_finding centers the window on that finding and narrows the timeline', async () => {
    const probe = id('ReadinessProbeFailures'); // first at 08:15:44
    const r = await correlate(b.store, b.ref, { pivotFinding: probe, window: { window_minutes: 2 } });
    expect(r.resolution_reason).toBe('pivot_finding');
    expect(r.window_start_utc).toBe('2024-03-14T08:13:44.115Z');
    expect(r.window_end_utc).toBe('2024-03-14T08:17:44.115Z');
    expect(r.timeline.length).toBeGreaterThan(0);
    for (const e of r.timeline) expect(e.t! >= r.window_start_utc && e.t! <= r.window_end_utc).toBe(true);
    expect(r.excludedByWindow).toBeGreaterThan(100);
    expect(r.timeline.some((e) => e.finding === probe)).toBe(true);
  });

  it('detects the IP-exhaustion chain complete, in causal order, with high confidence', async () => {
    const r = await correlate(b.store, b.ref);
    const chain = r.chains.find((c) => c.id === 'ip-exhaustion')!;
    expect(chain.complete).toBe(true);
    expect(chain.ordered).toBe(true);
    expect(chain.confidence).toBe('high');
    expect(chain.gaps).toEqual([]);
    expect(chain.matchedSteps.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(chain.matchedSteps[0]!.codes).toEqual(['IPAMDNoIPs', 'IpamdDatastoreExhausted']);
    expect(chain.matchedSteps[0]!.firstSeen).toBe('2024-03-14T08:40:02.002Z');
    expect(chain.runbook).toBe('vpc-cni-ip-allocation');
    expect(r.chains[0]!.id).toBe('ip-exhaustion');
  });

  it('a window before the incident shows the chain as not observed, and the window fields say why', async () => {
    const r = await correlate(b.store, b.ref, { window: { start_time: '2024-03-14T08:00:00Z', end_time: '2024-03-14T08:30:00Z' } });
    expect(r.resolution_reason).toBe('explicit');
    expect(r.chains.find((c) => c.id === 'ip-exhaustion')).toBeUndefined();
    expect(r.excluded).toBeGreaterThan(0);
  });

  it('refuses what it cannot honour with a message that says what to do', async () => {
    await expect(correlate(b.store, b.ref, { pivotFinding: 'F-999' })).rejects.toThrow(/call errors/);
    await expect(correlate(b.store, b.ref, { pivotFinding: id('IPAMDNoIPs'), window: { incident_time: '2024-03-14T08:40:00Z' } })).rejects.toThrow(QueryInputError);
    await expect(correlate(b.store, b.ref, { components: ['kublet'] })).rejects.toThrow(/use any of .*kubelet/);
    await expect(correlate(b.store, b.ref, { gapSeconds: 0 })).rejects.toThrow(/gap_seconds/);
  });
});
