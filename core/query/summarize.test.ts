import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSampleStore, type QueryBundles } from '../../test/fixtures/query-bundles.js';
import { QueryInputError } from './query-error.js';
import { loadResults, saveResults } from './result-cache.js';
import { summarize } from './summarize.js';

let b: QueryBundles;
beforeAll(async () => {
  b = await ingestSampleStore();
});
afterAll(async () => b.cleanup());

describe('summarize', () => {
  it('resolves F- ids against every finding and lists unknown ids in unresolved, with a reason', async () => {
    const all = b.sample.findings.findings.map((f) => f.id);
    const s = await summarize(b.store, b.ref, [...all, 'F-404', 'S-missing', 'bogus', 'F-001']);
    expect(s.resolved.map((r) => r.id)).toEqual(all);
    expect(s.unresolved.map((u) => u.id)).toEqual(['F-404', 'S-missing', 'bogus']);
    expect(s.unresolved[0]!.reason).toMatch(/no finding F-404/);
    expect(s.unresolved[1]!.reason).toMatch(/no stored search result/);
    expect(s.requested).toBe(all.length + 3);
  });

  it('builds counts, components, time span, evidence and text from resolved items only', async () => {
    const ipamd = b.sample.findings.findings.filter((f) => f.code === 'IPAMDNoIPs' || f.code === 'IpamdDatastoreExhausted');
    const s = await summarize(b.store, b.ref, [...ipamd.map((f) => f.id), 'F-999']);
    expect(s.severityCounts).toEqual({ critical: 1, high: 1, warning: 0, info: 0, unrated: 0 });
    expect(s.components).toEqual([{ component: 'ipamd/cni', items: 2 }]);
    expect(s.timeSpan).toEqual({ first: '2024-03-14T08:40:02.002Z', last: '2024-03-14T09:10:04.004Z' });
    expect(s.evidence.every((e) => e.path === 'var_log/aws-routed-eni/ipamd.log' && e.line > 0)).toBe(true);
    expect(s.summary).toMatch(/2 item\(s\).*1 critical, 1 high/);
    expect(s.summary).toMatch(/IPAMDNoIPs.*at var_log\/aws-routed-eni\/ipamd\.log:\d+/);
    expect(s.summary).not.toMatch(/F-999|kubelet|ReadinessProbe/);
  });

  it('resolves S-/N- ids that a tool stored for this bundle', async () => {
    await saveResults(b.store, b.ref, 'search', [{ id: 'S-1a', summary: 'search "InsufficientFree" hit', path: 'var_log/aws-routed-eni/ipamd.log', line: 80, t: '2024-03-14T08:40:02.002Z', text: 'Failed to increase pool size' }]);
    await saveResults(b.store, b.ref, 'network', [{ id: 'N-3', summary: 'conntrack table 91% full', severity: 'warning', path: 'networking/conntrack.txt', line: 1 }]);
    await saveResults(b.store, b.ref, 'search', [{ id: 'S-1a', summary: 'search "InsufficientFree" hit', path: 'var_log/aws-routed-eni/ipamd.log', line: 80, t: '2024-03-14T08:40:02.002Z' }]);
    expect((await loadResults(b.store, b.ref, 'search')).size).toBe(1);
    const s = await summarize(b.store, b.ref, ['S-1a', 'N-3', 'P-7']);
    expect(s.resolved.map((r) => [r.id, r.kind])).toEqual([['S-1a', 'search'], ['N-3', 'network']]);
    expect(s.unresolved).toEqual([{ id: 'P-7', reason: expect.stringMatching(/tcpdump_analyze/) }]);
    expect(s.severityCounts.unrated).toBe(1);
    expect(s.components.map((c) => c.component).sort()).toEqual(['ipamd/cni', 'networking']);
  });

  it('an absence finding (evidence on the whole file, line 0) is located by its path alone, never path:0', async () => {
    // the shape runNodeChecks stores for a check whose evidence is wholeFile(): the file read to its end, line 0
    await saveResults(b.store, b.ref, 'network', [
      { id: 'N-1', summary: 'kubelet is not running (node-daemons)', severity: 'critical', code: 'KubeletNotRunning', path: 'system/ps.txt', line: 0, text: 'no kubelet process', evidence: [{ path: 'system/ps.txt', line: 0 }] },
      { id: 'N-2', summary: 'conntrack drop = 3 (conntrack)', severity: 'high', code: 'ConntrackDrops', path: 'networking/conntrack.txt', line: 2, text: 'drops', evidence: [{ path: 'networking/conntrack.txt', line: 2 }] },
    ]);
    const s = await summarize(b.store, b.ref, ['N-1', 'N-2']);
    expect(s.summary).toContain('- N-1 [critical] KubeletNotRunning: kubelet is not running (node-daemons) at system/ps.txt\n');
    expect(s.summary).toContain('at networking/conntrack.txt:2');
    expect(s.summary).not.toMatch(/:0\b/);
  });

  it('refuses when nothing resolves, telling the caller to call errors or search first', async () => {
    await expect(summarize(b.store, b.ref, ['F-900', 'S-x'])).rejects.toThrow(QueryInputError);
    await expect(summarize(b.store, b.ref, ['F-900'])).rejects.toThrow(/call errors \(F- ids\) or search \(S- ids\)/);
    await expect(summarize(b.store, b.ref, [])).rejects.toThrow(/at least one id/);
  });
});
