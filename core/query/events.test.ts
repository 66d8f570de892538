import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSampleStore, type QueryBundles } from '../../test/fixtures/query-bundles.js';
import { type BundleEvent, collectEvents, compareEvents, componentOf, EarliestEvents } from './events.js';
import { resolveWindow } from './time-window.js';

let b: QueryBundles;
beforeAll(async () => {
  b = await ingestSampleStore();
});
afterAll(async () => b.cleanup());

describe('event components', () => {
  it('derives the component from the bundle path, specific pod logs before generic ones', () => {
    expect(componentOf('kubelet/kubelet.log')).toBe('kubelet');
    expect(componentOf('var_log/aws-routed-eni/plugin.log')).toBe('ipamd/cni');
    expect(componentOf('var_log/containers/aws-node-x2x9k_kube-system_aws-node-0a1b.log')).toBe('ipamd/cni');
    expect(componentOf('var_log/containers/coredns-5d8c_kube-system_coredns-0a1b.log')).toBe('coredns');
    expect(componentOf('var_log/containers/kube-proxy-abcde_kube-system_kube-proxy-0a1b.log')).toBe('kube-proxy');
    expect(componentOf('var_log/containers/web-7d9c_shop_web-0a1b.log')).toBe('pods');
    expect(componentOf('kernel/dmesg.current')).toBe('kernel');
    expect(componentOf('var_log/messages')).toBe('system');
    expect(componentOf('something/else.txt')).toBe('other');
  });
});

describe('reading events', () => {
  it('filters by window, finding id, code and component, sorted by real time', async () => {
    const codeOf = new Map(b.sample.findings.findings.map((f) => [f.id, f.code]));
    const window = resolveWindow({ start_time: '2024-03-14T08:40:00Z', end_time: '2024-03-14T08:50:00Z' }, Date.parse(b.ref.manifest.collectedAt));
    const r = await collectEvents(b.store, b.ref, { window, codes: new Set(['AwsCniIpAssignFailed']), codeOf, components: new Set(['kubelet', 'containerd']) });
    expect(r.events.length).toBe(15); // bursts at 08:40, 42, 44, 46, 48 x (1 containerd + 2 kubelet lines)
    expect(r.events.every((e) => codeOf.get(e.finding) === 'AwsCniIpAssignFailed' && e.component !== 'ipamd/cni')).toBe(true);
    expect(r.excludedByWindow).toBeGreaterThan(0);
    expect(r.malformed).toBe(0);
    const byId = await collectEvents(b.store, b.ref, { findings: new Set(['F-001']) });
    expect(byId.events).toHaveLength(16);
    expect(byId.events.map((e) => e.line)).toEqual([...byId.events.map((e) => e.line)].sort((x, y) => x - y));
  });

  it('keeps the earliest events of an unbounded stream, untimed ones last, ties by path and line', () => {
    const ev = (ms: number | null, path: string, line: number): BundleEvent => ({ t: ms === null ? null : new Date(ms).toISOString(), ms, finding: 'F-001', path, line, offset: 0, text: '', component: 'other' });
    const keep = new EarliestEvents(3);
    const all = [ev(null, 'a', 1), ev(5, 'b', 2), ev(5, 'a', 9), ev(1, 'z', 1), ev(9, 'a', 1), ev(2, 'a', 1), ev(null, 'a', 0)];
    all.forEach((e) => keep.add(e));
    const { events, truncated } = keep.result();
    expect(events).toEqual([...all].sort(compareEvents).slice(0, 3));
    expect(events.map((e) => [e.ms, e.path])).toEqual([[1, 'z'], [2, 'a'], [5, 'a']]);
    expect(truncated).toBe(true);
    expect([...all].sort(compareEvents).slice(-2).map((e) => e.line)).toEqual([0, 1]);
  });
});
