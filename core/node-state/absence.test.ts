import { describe, expect, it } from 'vitest';
import { checkFiles, HEALTHY, withFiles } from '../../test/fixtures/node-state-files.js';

/**
 * DESIGN.md §11: never conclude that something is missing from a capped prefix. A file the collector
 * cut at its size cap (collector-manifest.json) yields not-checked where the check would report an
 * absence, and an absence found in a whole file points at that file (line 0), not at nothing.
 */
const run = async (over: Record<string, string | null>) => checkFiles(withFiles(over));
const cutBy = (...outputs: string[]) => ({ 'collector-manifest.json': JSON.stringify({ schema: 'eks-node-log-mcp/collector-manifest/v1', sources: [{ id: 'x', status: 'truncated', outputs }] }) });
const checkOf = (r: Awaited<ReturnType<typeof run>>, check: string) => r.checked.find((c) => c.check === check);
const ROUTES = 'networking/iproute.txt';
const noDefault = HEALTHY[ROUTES]!.replace(/^default via 10.0.32.1 dev eth0\n/, '');

describe('absence judged only on whole files', () => {
  it('no default route in a whole listing: NoDefaultRoute with the file as evidence', async () => {
    const r = await run({ [ROUTES]: noDefault });
    expect(r.findings.map((f) => f.code)).toEqual(['NoDefaultRoute']);
    expect(r.findings[0]!.evidence).toEqual([{ path: ROUTES, line: 0, text: 'no default route of the main table among 5 routes' }]);
  });

  it('no default route in a listing cut at the size cap: not-checked, no finding', async () => {
    const r = await run({ [ROUTES]: noDefault, ...cutBy(ROUTES) });
    expect(r.findings).toEqual([]);
    expect(checkOf(r, 'default-route')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('cut at the collector size cap') });
    // a default route found in a cut listing is found
    expect(checkOf(await run(cutBy(ROUTES)), 'default-route')).toMatchObject({ status: 'ok' });
  });

  it('a pod IP without its rule in a cut ip rule listing: not-checked; with its rule and route found: ok', async () => {
    const noRule = { 'networking/iprule.txt': '0:\tfrom all lookup local\n32766:\tfrom all lookup main\n' };
    expect((await run(noRule)).findings.map((f) => f.code)).toEqual(['PodRouteMissing']);
    const cut = await run({ ...noRule, ...cutBy('networking/iprule.txt') });
    expect(cut.findings).toEqual([]);
    expect(checkOf(cut, 'pod-ip-rules-routes')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('networking/iprule.txt was cut at the collector size cap') });
    expect(checkOf(await run(cutBy(ROUTES)), 'pod-ip-rules-routes')).toMatchObject({ status: 'ok' });
  });

  it('resolv.conf without nameserver: a finding on the whole file; cut: not-checked, its other findings kept', async () => {
    const RC = 'networking/resolv.conf';
    const r = await run({ [RC]: 'search ec2.internal\n' });
    expect(r.findings.map((f) => f.code)).toEqual(['ResolvConfNoNameserver']);
    expect(r.findings[0]!.evidence).toEqual([{ path: RC, line: 0, text: 'no nameserver line' }]);
    const cut = await run({ [RC]: 'search ec2.internal\n', ...cutBy(RC) });
    expect(cut.findings).toEqual([]);
    expect(checkOf(cut, 'resolv-conf')).toMatchObject({ status: 'not-checked', reason: `not checked: nameserver absence not judged: ${RC} was cut at the collector size cap` });
    const many = await run({ [RC]: 'search a b c d e f g\n', ...cutBy(RC) });
    expect(many.findings.map((f) => f.code)).toEqual(['ResolvConfTooManySearchDomains']);
    expect(checkOf(many, 'resolv-conf')).toMatchObject({ status: 'problem', reason: expect.stringContaining('nameserver absence not judged') });
  });

  it('no KUBE-SERVICES chain: the iptables-save file read to its COMMIT is the evidence', async () => {
    const save = HEALTHY['networking/iptables-save.txt']!.split('\n').filter((l) => !l.includes('KUBE-SERVICES')).join('\n');
    const r = await run({ 'networking/iptables-save.txt': save });
    expect(r.findings.map((f) => f.code)).toEqual(['KubeProxyNoServicesChain']);
    expect(r.findings[0]!.evidence).toEqual([{ path: 'networking/iptables-save.txt', line: 0, text: 'no KUBE-SERVICES chain in the nat table (read whole)' }]);
  });

  it('a daemon absent from a whole host ps listing: the listing is the evidence', async () => {
    const ps = HEALTHY['system/ps.txt']!.split('\n').filter((l) => !l.includes('/usr/bin/kubelet')).join('\n');
    const r = await run({ 'system/ps.txt': ps });
    expect(r.findings.map((f) => f.code)).toEqual(['KubeletNotRunning']);
    expect(r.findings[0]!.evidence).toEqual([{ path: 'system/ps.txt', line: 0, text: 'no kubelet process among 6 rows' }]);
  });
});
