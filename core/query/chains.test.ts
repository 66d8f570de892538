import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../rules/load-catalog.js';
import { evaluateChains, loadChains, type Occurrence } from './chains.js';

const chains = loadChains();
const ms = (hhmm: string) => Date.parse(`2024-03-14T${hhmm}:00Z`);
const occ = (finding: string, code: string, component: string, at: string | null): Occurrence => ({ finding, code, component, firstMs: at ? ms(at) : null, count: 1 });
const ALL = new Set(['kubelet', 'containerd', 'ipamd/cni', 'kernel', 'coredns', 'kube-proxy', 'bootstrap']);

describe('the root-cause chain catalog', () => {
  it('holds at least 8 chains, each naming real finding codes and a runbook of sops/catalog.yaml', () => {
    expect(chains.length).toBeGreaterThanOrEqual(8);
    const codes = new Set(loadCatalog().map((r) => r.code));
    const runbooks = new Set((parse(readFileSync(fileURLToPath(new URL('../../sops/catalog.yaml', import.meta.url)), 'utf8')) as { runbooks: { id: string }[] }).runbooks.map((r) => r.id));
    for (const c of chains) {
      expect(runbooks, `chain ${c.id}`).toContain(c.runbook);
      for (const s of c.steps) for (const code of s.codes) expect(codes, `chain ${c.id} step "${s.name}"`).toContain(code);
    }
  });
});

describe('chain evaluation', () => {
  const ip = chains.filter((c) => c.id === 'ip-exhaustion');

  it('steps seen in causal order with every log present give high confidence', () => {
    const [m] = evaluateChains(ip, [occ('F-1', 'IPAMDNoIPs', 'ipamd/cni', '08:40'), occ('F-2', 'AwsCniIpAssignFailed', 'ipamd/cni', '08:41'), occ('F-3', 'AwsCniIpAssignFailed', 'kubelet', '08:41')], ALL);
    expect(m).toMatchObject({ complete: true, ordered: true, confidence: 'high', gaps: [] });
  });

  it('an effect logged long before its cause is not ordered, and the gap says which step', () => {
    const [m] = evaluateChains(ip, [occ('F-1', 'IPAMDNoIPs', 'ipamd/cni', '09:00'), occ('F-2', 'AwsCniIpAssignFailed', 'ipamd/cni', '08:41'), occ('F-3', 'PodSandboxCreateFailed', 'containerd', '09:01')], ALL);
    expect(m!.ordered).toBe(false);
    expect(m!.confidence).toBe('medium');
    expect(m!.gaps.join('\n')).toMatch(/step 2 first seen .* before step 1/);
  });

  it('a code counts for a step only in the components the step names', () => {
    // the kubelet relaying the CNI error is the sandbox failure (step 3), not the CNI's own failure (step 2)
    const [m] = evaluateChains(ip, [occ('F-1', 'IPAMDNoIPs', 'ipamd/cni', '08:40'), occ('F-3', 'AwsCniIpAssignFailed', 'kubelet', '08:41')], ALL);
    expect(m!.matchedSteps.map((s) => s.step)).toEqual([1, 3]);
    expect(m!.complete).toBe(false);
    expect(m!.gaps[0]).toMatch(/step 2 \(CNI IP assignment fails\) not observed/);
  });

  it('a missing log lowers confidence and is reported as a gap, not as absence of the problem', () => {
    const [m] = evaluateChains(ip, [occ('F-1', 'IPAMDNoIPs', 'ipamd/cni', '08:40'), occ('F-2', 'AwsCniIpAssignFailed', 'ipamd/cni', '08:41'), occ('F-3', 'PodSandboxCreateFailed', 'containerd', '08:42')], new Set(['ipamd/cni', 'containerd']));
    expect(m!.complete && m!.ordered).toBe(true);
    expect(m!.confidence).toBe('medium');
    expect(m!.gaps).toContain('no kubelet log in bundle (e.g. kubelet/kubelet.log): steps logged there cannot be seen');
  });

  it('one untimed step is low confidence and chains with nothing observed are left out', () => {
    const out = evaluateChains(chains, [occ('F-9', 'ConntrackExceededKernel', 'kernel', null)], ALL);
    expect(out.map((c) => c.id)).toEqual(['conntrack-dns-timeouts']);
    expect(out[0]).toMatchObject({ confidence: 'low', ordered: false, complete: false });
  });
});
