import { describe, expect, it } from 'vitest';
import { checkFiles, HEALTHY, SANDBOX, withFiles } from '../../test/fixtures/node-state-files.js';

const run = async (over: Record<string, string | null>) => checkFiles(withFiles(over));
const status = async (over: Record<string, string | null>, check: string) => (await run(over)).checked.find((c) => c.check === check);

/** What current VPC CNI introspection answers for /v1/pods: its command list, no pod in it. */
const NO_PODS_ENDPOINT = JSON.stringify({ AvailableCommands: ['/v1/enis', '/v1/eni-configs', '/v1/networkutils-env-settings', '/v1/ipamd-env-settings'] }, null, 2);
const WEB2 = 'aaaabbbbccccdddd'.repeat(4);

/** enis.json of the healthy node with a second address assigned to shop/web-2 (sandbox WEB2). */
function enisWithWeb2(): string {
  const e = JSON.parse(HEALTHY['ipamd/enis.json']!);
  e.AssignedIPs = 6;
  e.ENIs['eni-0a1b'].AvailableIPv4Cidrs['10.0.37.60/32'] = { Cidr: { IP: '10.0.37.60', Mask: '/////w==' }, IsPrefix: false, AddressFamily: '4', IPAddresses: { '10.0.37.60': {
    Address: '10.0.37.60', IPAMKey: { networkName: 'aws-cni', containerID: WEB2, ifName: 'eth0' }, IPAMMetadata: { k8sPodNamespace: 'shop', k8sPodName: 'web-2' },
    AssignedTime: '2024-03-14T08:05:00Z', UnassignedTime: '0001-01-01T00:00:00Z' } } };
  return JSON.stringify(e, null, 2);
}
const alloc = (containerID: string, ip: string, pod: string) => ({ networkName: 'aws-cni', containerID, ifName: 'eth0', ipv4: ip, allocationTimestamp: 1710403262500000000, metadata: { k8sPodNamespace: 'shop', k8sPodName: pod } });
const checkpoint = (...a: object[]) => `${JSON.stringify({ version: 'vpc-cni-ipam/1', allocations: a })}\n`;
/** An introspection version whose addresses carry no IPAMKey: it names no pod. */
const OLD_ENIS = JSON.stringify({ TotalIPs: 29, AssignedIPs: 5, ENIs: { 'eni-0a1b': { ID: 'eni-0a1b', IsPrimary: true, IPv4Addresses: { '10.0.37.41': { Assigned: true } } } } });

describe('pod IPs without their ip rule or host route', () => {
  it('when pods.json is only the command list, the pod IPs assigned in enis.json are checked', async () => {
    const enis = enisWithWeb2();
    const r = await run({ 'ipamd/pods.json': NO_PODS_ENDPOINT, 'ipamd/enis.json': enis, 'ipamd/ipam.json': checkpoint(alloc(SANDBOX, '10.0.37.41', 'web-1'), alloc(WEB2, '10.0.37.60', 'web-2')) });
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['PodRouteMissing', 'high']]);
    expect(r.findings[0]!.message).toContain('1 of 2 pod IPs known to IPAMD (ipamd/enis.json)');
    expect(r.findings[0]!.message).toContain('shop/web-2 10.0.37.60 (no rule, no route)');
    const line = enis.split('\n').findIndex((l) => l.includes('"10.0.37.60": {')) + 1;
    expect(r.findings[0]!.evidence).toEqual([{ path: 'ipamd/enis.json', line, text: 'shop/web-2 10.0.37.60' }]);
  });

  it('when neither pods.json nor enis.json names a pod, the ipam.json checkpoint allocations are checked', async () => {
    const r = await run({ 'ipamd/pods.json': NO_PODS_ENDPOINT, 'ipamd/enis.json': OLD_ENIS, 'ipamd/ipam.json': checkpoint(alloc(SANDBOX, '10.0.37.41', 'web-1'), alloc(WEB2, '10.0.37.60', 'web-2')) });
    expect(r.findings.map((f) => f.code)).toEqual(['PodRouteMissing']);
    expect(r.findings[0]!.message).toContain('1 of 2 pod IPs known to IPAMD (ipamd/ipam.json)');
    expect(r.findings[0]!.evidence).toEqual([{ path: 'ipamd/ipam.json', line: 1, text: 'shop/web-2 10.0.37.60' }]);
  });

  it('a checkpoint allocation the live view lacks is a leaked IP, not a pod missing its route', async () => {
    const r = await run({ 'ipamd/ipam.json': checkpoint(alloc(SANDBOX, '10.0.37.41', 'web-1'), alloc(WEB2, '10.0.37.60', 'web-0')) });
    expect(r.findings.map((f) => f.code)).toEqual(['IpamLeakedIps']);
    expect(r.checked.find((c) => c.check === 'pod-ip-rules-routes')).toMatchObject({ status: 'ok', reason: '1 pod IPs (ipamd/pods.json, ipamd/enis.json) have their rule and route' });
  });

  it('when no file names a pod IP the check is not-checked, never "ok, 0 pod IPs"', async () => {
    const over = { 'ipamd/pods.json': NO_PODS_ENDPOINT, 'ipamd/enis.json': OLD_ENIS, 'ipamd/ipam.json': null };
    expect(await status(over, 'pod-ip-rules-routes')).toEqual({
      check: 'pod-ip-rules-routes', area: 'network', status: 'not-checked',
      reason: 'not checked: no pod IP in ipamd/pods.json (IPAMD has no /v1/pods endpoint (it answered with its command list)), the address assignments of ipamd/enis.json or ipamd/ipam.json (or networking/aws-node-run/ipam.json)',
    });
    expect(await status({ 'ipamd/pods.json': null, 'ipamd/enis.json': null, 'ipamd/ipam.json': null }, 'pod-ip-rules-routes')).toMatchObject({ status: 'not-checked' });
  });
});

describe('rp_filter on secondary ENIs', () => {
  /** sysctl --all of an AL2023 / Bottlerocket node: ENIs are ens5 (primary), ens6… */
  const al2023 = (...ifs: string[]) => ({ 'sysctls/sysctl_all.txt': ['net.ipv4.conf.all.rp_filter = 0', ...ifs, 'net.ipv4.conf.lo.rp_filter = 1', 'net.ipv4.ip_forward = 1', ''].join('\n') });

  it('strict rp_filter on ens6 is flagged when ens5 is the primary', async () => {
    const r = await run(al2023('net.ipv4.conf.ens5.rp_filter = 1', 'net.ipv4.conf.ens6.rp_filter = 1'));
    expect(r.findings.map((f) => [f.code, f.title])).toEqual([['RpFilterStrict', 'Strict reverse-path filtering on ens6']]);
    expect(r.findings[0]!.evidence).toEqual([{ path: 'sysctls/sysctl_all.txt', line: 3, text: 'net.ipv4.conf.ens6.rp_filter = 1' }]);
    expect(r.findings[0]!.message).toContain('primary ens5');
  });

  it('ens5 alone is the primary ENI: strict there is not flagged', async () => {
    const r = await run(al2023('net.ipv4.conf.ens5.rp_filter = 1'));
    expect(r.findings).toEqual([]);
    expect(r.checked.find((c) => c.check === 'rp-filter-secondary-enis')).toMatchObject({ status: 'ok', reason: 'no secondary ENI in sysctls' });
  });

  it('ens6 loose (2) is not flagged', async () => {
    expect((await run(al2023('net.ipv4.conf.ens5.rp_filter = 1', 'net.ipv4.conf.ens6.rp_filter = 2'))).findings).toEqual([]);
  });
});
