import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestSampleStore, type QueryBundles } from '../../test/fixtures/query-bundles.js';
import type { Sop } from '../sops/sop-library.js';
import { quickTriage } from './triage.js';

let b: QueryBundles;
beforeAll(async () => {
  b = await ingestSampleStore();
});
afterAll(async () => b.cleanup());

describe('quick triage of the sample bundle', () => {
  it('puts IP exhaustion first, with evidence ids and sample path:line', async () => {
    const t = await quickTriage(b.store, b.ref);
    expect(t.top!.id).toBe('ip-exhaustion');
    expect(t.top!.kind).toBe('chain');
    expect(t.top!.chain).toMatchObject({ complete: true, ordered: true, confidence: 'high' });
    const codes = t.top!.evidence.map((e) => e.code);
    expect(codes[0]).toBe('IPAMDNoIPs');
    expect(codes).toContain('AwsCniIpAssignFailed');
    expect(t.top!.evidence[0]!.sample).toMatch(/^var_log\/aws-routed-eni\/ipamd\.log:\d+$/);
    expect(t.top!.firstSeen).toBe('2024-03-14T08:40:02.002Z');
  });

  it('lists competing hypotheses with why they rank lower, and never info-level noise', async () => {
    const t = await quickTriage(b.store, b.ref);
    expect(t.competing.length).toBeGreaterThan(0);
    expect(t.competing.length).toBeLessThanOrEqual(3);
    const probe = t.competing.find((h) => h.id === 'finding:ReadinessProbeFailures')!;
    expect(probe.whyLower).toMatch(/worst evidence is warning.*critical/);
    expect(probe.whyLower).toMatch(/not part of an observed root-cause chain/);
    expect(probe.score).toBeLessThan(t.top!.score);
    expect(t.competing.some((h) => h.id.includes('DnsNxdomainSearchExpansion'))).toBe(false);
  });

  it('recommends the chain runbook first, then the rules\' and the runbook library\'s', async () => {
    const sop = (id: string, title: string, codes: string[]): Sop => ({ id, title, severity: 'high', triggers: { codes, patterns: [] }, body: '', path: `${id}.md` });
    const sops = [sop('vpc-cni-ip-allocation', 'VPC CNI IP address allocation', ['IPAMDNoIPs']), sop('instance-limits', 'EC2 instance and ENI limits', ['IpamdDatastoreExhausted'])];
    const t = await quickTriage(b.store, b.ref, { sops });
    expect(t.runbooks[0]).toMatchObject({ id: 'vpc-cni-ip-allocation', title: 'VPC CNI IP address allocation' });
    expect(t.runbooks[0]!.reasons).toEqual(['root-cause chain ip-exhaustion', 'listed by rule IPAMDNoIPs, IpamdDatastoreExhausted, AwsCniIpAssignFailed', 'runbook triggers on IPAMDNoIPs']);
    const ids = t.runbooks.map((r) => r.id);
    expect(ids).toContain('max-pods'); // from the rules' sops
    expect(ids).toContain('instance-limits'); // from the runbook library's triggers only
  });
});
