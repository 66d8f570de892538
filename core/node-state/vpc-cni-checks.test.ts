import { describe, expect, it } from 'vitest';
import { checkFiles, HEALTHY, SANDBOX, withFiles } from '../../test/fixtures/node-state-files.js';
import { parseIpamCheckpoint } from './ipam-checkpoint.js';
import { textLines } from './lines.js';
import { inCidr } from './vpc-cni-checks.js';

const SAVE = HEALTHY['networking/iptables-save.txt']!;
const ENV = 'ipamd/networkutils-env-settings.json';
const run = async (over: Record<string, string | null>) => checkFiles(withFiles(over));
const codes = async (over: Record<string, string | null>) => (await run(over)).findings.map((f) => f.code);
const status = async (over: Record<string, string | null>, check: string) => (await run(over)).checked.find((c) => c.check === check);
const envWith = (extra: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(HEALTHY[ENV]!), ...extra });
/** The current VPC CNI layout: RETURN per VPC CIDR, then SNAT to the primary IP. */
const modern = SAVE.replace('-A AWS-SNAT-CHAIN-0 ! -d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j SNAT --to-source 10.0.37.112',
  '-A AWS-SNAT-CHAIN-0 -d 10.0.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN\n-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 10.0.37.112 --random-fully');

describe('VPC CNI SNAT chain', () => {
  it('healthy in both the old (! -d VPC -j SNAT) and the current (RETURN VPC; SNAT) layout', async () => {
    expect(await status({}, 'vpc-cni-snat')).toMatchObject({ status: 'ok', reason: 'AWS-SNAT-CHAIN-0 hooked, SNAT to 10.0.37.112, exempt 10.0.0.0/16' });
    expect(await codes({ 'networking/iptables-save.txt': modern })).toEqual([]);
  });

  it('chain missing, or empty, with external SNAT off', async () => {
    const gone = SAVE.split('\n').filter((l) => !l.includes('AWS-SNAT-CHAIN-0')).join('\n');
    const r = await run({ 'networking/iptables-save.txt': gone });
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['VpcCniSnatChainMissing', 'high']]);
    expect(r.findings[0]!.evidence).toEqual([{ path: ENV, line: 1, text: 'AWS_VPC_K8S_CNI_EXTERNALSNAT=false' }]);
    const empty = SAVE.split('\n').filter((l) => !l.startsWith('-A AWS-SNAT-CHAIN-0')).join('\n');
    expect(await codes({ 'networking/iptables-save.txt': empty })).toEqual(['VpcCniSnatChainEmpty']);
  });

  it('no finding when external SNAT is on, or in an IPv6 cluster', async () => {
    const gone = SAVE.split('\n').filter((l) => !l.includes('AWS-SNAT-CHAIN-0')).join('\n');
    expect(await status({ 'networking/iptables-save.txt': gone, [ENV]: envWith({ AWS_VPC_K8S_CNI_EXTERNALSNAT: true }) }, 'vpc-cni-snat')).toMatchObject({ status: 'ok' });
    expect(await codes({ 'networking/iptables-save.txt': gone, 'ipamd/ipamd-env-settings.json': JSON.stringify({ ENABLE_IPv6: 'true' }) })).toEqual([]);
  });

  it('not hooked into POSTROUTING; no SNAT rule; no VPC exemption', async () => {
    expect(await codes({ 'networking/iptables-save.txt': modern.replace(/^-A POSTROUTING .*AWS-SNAT-CHAIN-0\n/m, '') })).toEqual(['VpcCniSnatNotHooked']);
    expect(await codes({ 'networking/iptables-save.txt': modern.replace(/^-A AWS-SNAT-CHAIN-0 ! -o vlan.*\n/m, '') })).toEqual(['VpcCniSnatRuleMissing']);
    expect(await codes({ 'networking/iptables-save.txt': modern.replace(/^-A AWS-SNAT-CHAIN-0 -d 10.0.0.0\/16 .*\n/m, '') })).toEqual(['VpcCniSnatNoVpcExclusion']);
  });

  it('node or pod addresses outside the exempt CIDR (a secondary VPC CIDR added later)', async () => {
    const r = await run({ 'networking/iptables-save.txt': modern.replace('-d 10.0.0.0/16', '-d 10.0.0.0/24') });
    expect(r.findings.map((f) => f.code)).toEqual(['VpcCniSnatVpcCidrNotExcluded']);
    expect(r.findings[0]!.message).toContain('node IP (SNAT --to-source) 10.0.37.112, pod shop/web-1 10.0.37.41');
  });

  it('not checked without the env setting, or when the nat table was not read whole (no COMMIT, or cut by the collector)', async () => {
    expect(await status({ [ENV]: null }, 'vpc-cni-snat')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('AWS_VPC_K8S_CNI_EXTERNALSNAT unknown') });
    const noCommit = SAVE.slice(0, SAVE.indexOf(':AWS-SNAT-CHAIN-0'));
    const r = await run({ 'networking/iptables-save.txt': noCommit });
    expect(r.findings.filter((f) => f.check === 'vpc-cni-snat')).toEqual([]);
    expect(r.checked.find((c) => c.check === 'vpc-cni-snat')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('no COMMIT') });
    const manifest = JSON.stringify({ schema: 'eks-node-log-mcp/collector-manifest/v1', sources: [{ id: 'iptables-save', status: 'truncated', outputs: ['networking/iptables-save.txt'] }] });
    const gone = SAVE.split('\n').filter((l) => !l.includes('AWS-SNAT-CHAIN-0')).join('\n');
    const cut = await run({ 'networking/iptables-save.txt': gone, 'collector-manifest.json': manifest });
    expect(cut.findings).toEqual([]);
    expect(cut.checked.find((c) => c.check === 'vpc-cni-snat')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('cut at the collector size cap') });
  });

  it('inCidr', () => {
    expect([inCidr('10.0.37.41', '10.0.0.0/16'), inCidr('10.1.0.1', '10.0.0.0/16'), inCidr('10.0.0.5', '10.0.0.5'), inCidr('x', '10.0.0.0/8'), inCidr('1.2.3.4', '0.0.0.0/0'), inCidr('1.2.3.4', '1.2.3.0/33')])
      .toEqual([true, false, true, false, true, false]);
  });
});

describe('IPAMD checkpoint (ipam.json)', () => {
  const CP = 'ipamd/ipam.json';
  const cp = (allocs: object[]) => `${JSON.stringify({ version: 'vpc-cni-ipam/1', allocations: allocs })}\n`;
  const web1 = { networkName: 'aws-cni', containerID: SANDBOX, ifName: 'eth0', ipv4: '10.0.37.41', allocationTimestamp: 1710403262500000000, metadata: { k8sPodNamespace: 'shop', k8sPodName: 'web-1' } };
  const gone = { networkName: 'aws-cni', containerID: 'deadbeef'.repeat(8), ifName: 'eth0', ipv4: '10.0.37.50', allocationTimestamp: 1710400000000000000, metadata: { k8sPodNamespace: 'shop', k8sPodName: 'web-0' } };

  it('parses the checkpoint format', async () => {
    const r = await parseIpamCheckpoint(textLines(HEALTHY[CP]!));
    expect(r).toEqual({ version: 'vpc-cni-ipam/1', allocations: [{ containerID: SANDBOX, ifName: 'eth0', ip: '10.0.37.41', pod: 'shop/web-1', line: 1 }] });
  });

  it('an allocation for a sandbox IPAMD no longer knows is a leaked IP', async () => {
    const r = await run({ [CP]: cp([web1, gone]) });
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['IpamLeakedIps', 'warning']]);
    expect(r.findings[0]!.message).toContain('1 of 2 checkpoint allocations');
    expect(r.findings[0]!.message).toContain('10.0.37.50 (shop/web-0)');
    expect(r.findings[0]!.evidence[0]).toMatchObject({ path: CP, text: '10.0.37.50 deadbeefdead shop/web-0' });
  });

  it('an assignment missing from the checkpoint is reported (lost on an aws-node restart)', async () => {
    expect(await codes({ [CP]: cp([]) })).toEqual(['IpamCheckpointStale']);
  });

  it('our collector\'s copy of /var/run/aws-node is read too', async () => {
    expect(await codes({ [CP]: null, 'networking/aws-node-run/ipam.json': cp([web1, gone]) })).toEqual(['IpamLeakedIps']);
  });

  it('bad input: a cut copy, another version, no live view to compare with → not checked', async () => {
    const cut = cp([web1, gone]).slice(0, 120);
    expect(await status({ [CP]: cut }, 'ipam-checkpoint')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('unreadable') });
    expect(await codes({ [CP]: cut })).toEqual([]);
    expect(await status({ [CP]: JSON.stringify({ version: 'vpc-cni-ipam/2', allocations: [gone] }) }, 'ipam-checkpoint')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('unknown checkpoint version') });
    // an old introspection without IPAMKeys and a pods.json that is only the command list
    const old = { 'ipamd/enis.json': JSON.stringify({ TotalIPs: 29, AssignedIPs: 5, ENIs: { 'eni-0a1b': { ID: 'eni-0a1b', IPv4Addresses: { '10.0.37.41': { Assigned: true } } } } }), 'ipamd/pods.json': JSON.stringify({ AvailableCommands: ['/v1/enis', '/v1/eni-configs'] }) };
    expect(await status({ ...old, [CP]: cp([gone]) }, 'ipam-checkpoint')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('neither') });
  });
});
