import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFiles, withFiles } from '../../test/fixtures/node-state-files.js';
import { ingestBundle } from '../ingest/ingest-bundle.js';
import { resolveBundle } from '../query/bundle-ref.js';
import { CompiledCatalog } from '../rules/compiled-catalog.js';
import { FsBundleStore } from '../store/fs-store.js';
import { ipamdLogFiles, parseIpamdLog } from './ipamd-log.js';
import { textLines } from './lines.js';
import { loadNodeState, parseNodeState } from './load-state.js';
import { evaluateNodeState } from './run-checks.js';
import { loadThresholds } from './thresholds.js';

/** IPAMD log lines shaped as zap writes them; messages as the VPC CNI sources format them. */
const at = (s: number) => `2024-03-14T08:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.120Z`;
const z = (s: number, level: string, caller: string, msg: string) => JSON.stringify({ level, ts: at(s), caller, msg });
const L = {
  start: (s: number) => z(s, 'info', 'aws-k8s-agent/main.go:42', 'Starting L-IPAMD   ...'),
  usingWarm: (s: number, n: number) => z(s, 'debug', 'ipamd/ipamd.go:2037', `Using WARM_IP_TARGET ${n}`),
  manager: (s: number, warmIp: number, minIp: number) => z(s, 'info', 'ipamd/ipamd.go:782', `IP pool manager - max pods: 29, warm IP target: ${warmIp}, warm prefix target: 0, warm ENI target: 1, minimum IP target: ${minIp}`),
  pool: (s: number, total: number, assigned: number, cooldown = 0) => z(s, 'debug', 'ipamd/ipamd.go:1464', `IP pool stats for network card 0: Total IPs/Prefixes = ${total}/0, AssignedIPs/CooldownIPs: ${assigned}/${cooldown}, c.maxIPsPerENI = 14`),
  loop: (s: number, total: number, assigned: number) => z(s, 'debug', 'ipamd/ipamd.go:805', `IP stats for Network Card 0 - total IPs: ${total}, assigned IPs: ${assigned}, cooldown IPs: 0`),
  noIp: (s: number) => z(s, 'error', 'datastore/data_store.go:858', 'DataStore has no available IP/Prefix addresses'),
  noIpEchoes: (s: number) => [
    z(s, 'warn', 'ipamd/rpc_handler.go:233', 'Failed to assign IPs from network card 0: AssignPodIPAddress: no available IP/Prefix addresses'),
    z(s, 'error', 'ipamd/rpc_handler.go:256', 'Returning failure response for AddNetwork: AssignPodIPAddress: no available IP/Prefix addresses'),
  ],
  subnet: (s: number) => z(s, 'error', 'awsutils/awsutils.go:1359', 'Failed to CreateNetworkInterface operation error EC2: CreateNetworkInterface, https response error StatusCode: 400, RequestID: 5c1e0f3a-77d2-4c1b-9a0e-3f2e9c1d7a6b, api error InsufficientFreeAddressesInSubnet: The specified subnet does not have enough free addresses to satisfy the request. for subnet subnet-0a1b2c3d4e5f60718'),
  subnetWrapper: (s: number) => z(s, 'error', 'ipamd/ipamd.go:1073', 'Failed to increase pool size due to not able to allocate ENI AllocENI: failed to create ENI: failed to create network interface: InsufficientFreeAddressesInSubnet'),
  attach: (s: number) => z(s, 'error', 'awsutils/awsutils.go:1044', 'Failed to attach ENI eni-0f1e2d3c4b5a69788: operation error EC2: AttachNetworkInterface, https response error StatusCode: 400, RequestID: 9e8d, api error AttachmentLimitExceeded: Interface count 4 exceeds the limit for m5.large'),
  alloc: (s: number) => z(s, 'error', 'awsutils/awsutils.go:2082', 'Failed to allocate a private IP/Prefix addresses on ENI eni-0a1b: operation error EC2: AssignPrivateIpAddresses, https response error StatusCode: 400, RequestID: 1a2b, api error PrivateIpAddressLimitExceeded: Number of private addresses will exceed limit.'),
};
const LOG = 'var_log/aws-routed-eni/ipamd.log';
const log = (...lines: (string | string[])[]) => `${lines.flat().join('\n')}\n`;
const parse = (text: string, path = LOG) => parseIpamdLog(textLines(text), path);
const check = (r: Awaited<ReturnType<typeof checkFiles>>) => ({ status: r.checked.find((c) => c.check === 'ipamd-ip-exhaustion'), findings: r.findings.filter((f) => f.check === 'ipamd-ip-exhaustion') });
/** The healthy node without IPAMD introspection: only the log can judge the pool. */
const logOnly = (files: Record<string, string>) => checkFiles(withFiles({ 'ipamd/enis.json': null, ...files }));
const cutBy = (...outputs: string[]) => ({ 'collector-manifest.json': JSON.stringify({ schema: 'eks-node-log-mcp/collector-manifest/v1', sources: [{ id: 'aws-routed-eni-logs', status: 'truncated', outputs }] }) });

describe('IPAMD log parser', () => {
  it('reads the pool stats of every VPC CNI format and keeps the last line of each network card, with its time and line', async () => {
    const v17 = await parse(log(z(1, 'debug', 'ipamd/ipamd.go:844', 'IP pool stats: total = 28, used = 14, c.maxIPsPerENI = 14')));
    expect(v17.poolStats).toEqual([{ path: LOG, line: 1, ts: at(1), text: `${at(1)} IP pool stats: total = 28, used = 14, c.maxIPsPerENI = 14`, networkCard: 0, mode: 'ip', total: 28, assigned: 14, cooldown: null }]);
    const v110 = await parse(log(z(1, 'debug', 'ipamd/ipamd.go:1193', 'Prefix pool stats: total = 32, used = 20, IPs in Cooldown = 2, c.maxIPsPerENI = 14')));
    expect(v110.poolStats[0]).toMatchObject({ mode: 'prefix', total: 32, assigned: 20, cooldown: 2 });
    const v111 = await parse(log(z(1, 'debug', 'ipamd/ipamd.go:1265', 'IP pool stats: Total IPs/Prefixes = 28/0, AssignedIPs/CooldownIPs: 14/1, c.maxIPsPerENI = 14')));
    expect(v111.poolStats[0]).toMatchObject({ mode: 'ip', networkCard: 0, total: 28, assigned: 14, cooldown: 1 });
    const v116 = await parse(log(z(1, 'debug', 'ipamd/ipamd.go:660', 'IP stats - total IPs: 28, assigned IPs: 27, cooldown IPs: 1')));
    expect(v116.poolStats[0]).toMatchObject({ mode: null, total: 28, assigned: 27, cooldown: 1 });
    // v1.20+: one line per network card; the later line of a card replaces the earlier
    const cards = await parse(log(L.pool(1, 28, 10), z(2, 'debug', 'ipamd/ipamd.go:1464', 'Prefix pool stats for network card 1: Total IPs/Prefixes = 16/1, AssignedIPs/CooldownIPs: 3/0, c.maxIPsPerENI = 14'), L.start(3), L.loop(4, 28, 20)));
    expect(cards.poolStats.map((p) => [p.networkCard, p.total, p.assigned, p.line, p.ts])).toEqual([[0, 28, 20, 4, at(4)], [1, 16, 3, 2, at(2)]]);
  });

  it('counts each assignment failure once by kind, with first and last time; lines repeating its error are not counted', async () => {
    const r = await parse(log(L.start(0), L.noIp(10), L.noIpEchoes(10), L.subnet(20), L.subnetWrapper(20), L.noIp(30), L.noIpEchoes(30), L.attach(40), L.alloc(50), L.noIp(60)));
    expect(Object.fromEntries(Object.entries(r.failures).map(([k, f]) => [k, [f.count, f.first.ts, f.last.ts, f.first.line]]))).toEqual({
      'no-free-ip': [3, at(10), at(60), 2], 'subnet-exhausted': [1, at(20), at(20), 5], 'eni-attach-failed': [1, at(40), at(40), 10], 'ip-alloc-failed': [1, at(50), at(50), 11],
    });
    expect(r.failures['subnet-exhausted']!.first.text).toContain('InsufficientFreeAddressesInSubnet');
  });

  it('reads the warm-pool settings IPAMD logs at start ("Using WARM_IP_TARGET n", "IP pool manager - …"), the later one winning', async () => {
    const r = await parse(log(L.usingWarm(1, 5), z(2, 'debug', 'ipamd/ipamd.go:2052', 'Using MINIMUM_IP_TARGET 12')));
    expect([r.settings.WARM_IP_TARGET?.value, r.settings.MINIMUM_IP_TARGET?.value, r.settings.MINIMUM_IP_TARGET?.line]).toEqual([5, 12, 2]);
    const m = await parse(log(L.usingWarm(1, 5), L.manager(2, 8, 0)));
    expect(Object.fromEntries(Object.entries(m.settings).map(([k, v]) => [k, v.value]))).toEqual({ WARM_IP_TARGET: 8, WARM_PREFIX_TARGET: 0, WARM_ENI_TARGET: 1, MINIMUM_IP_TARGET: 0 });
  });

  it('counts and skips lines that are not zap JSON objects: text, a cut JSON line, an object without msg, binary noise', async () => {
    const r = await parse(log(
      'Starting L-IPAMD (plain text from an old version)',
      L.pool(1, 28, 14).slice(0, 60),
      JSON.stringify({ level: 'debug', ts: at(2), message: 'IP pool stats: total = 28, used = 28, c.maxIPsPerENI = 14' }),
      '\u0000\u0001\uFFFD{}pool stats',
      '',
      L.pool(3, 28, 7),
    ));
    expect([r.lines, r.nonJson]).toEqual([7, 4]);
    expect(r.poolStats.map((p) => [p.assigned, p.line])).toEqual([[7, 6]]);
  });

  it('orders rotations oldest first and ipamd.log last; a rotation also being compressed is read once, plain', () => {
    const dir = 'var_log/aws-routed-eni/';
    expect(ipamdLogFiles([`${dir}ipamd.log`, `${dir}plugin.log`, `${dir}ipamd-2024-03-14T09-00-00.000.log.gz`, `${dir}ipamd-2024-03-13T21-30-10.456.log.gz`, `${dir}ipamd-2024-03-14T09-00-00.000.log`, 'var_log/ipamd.log']))
      .toEqual([`${dir}ipamd-2024-03-13T21-30-10.456.log.gz`, `${dir}ipamd-2024-03-14T09-00-00.000.log`, `${dir}ipamd.log`]);
  });
});

describe('IPAMD exhaustion judged from the log', () => {
  it('no introspection, the last pool stats show every IP assigned: IPAMDNoIPs with the ipamd.log line and one line per failure kind as evidence', async () => {
    const { status, findings } = check(await logOnly({ [LOG]: log(L.start(0), L.pool(5, 28, 14), L.noIp(10), L.noIpEchoes(10), L.subnet(20), L.noIp(30), L.pool(40, 28, 28), L.loop(45, 28, 28)) }));
    expect(status).toMatchObject({ status: 'problem' });
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['IPAMDNoIPs', 'critical']]);
    expect(findings[0]!.evidence).toEqual([
      { path: LOG, line: 9, text: `${at(45)} IP stats for Network Card 0 - total IPs: 28, assigned IPs: 28, cooldown IPs: 0` },
      { path: LOG, line: 3, text: `${at(10)} DataStore has no available IP/Prefix addresses` },
      { path: LOG, line: 6, text: expect.stringContaining('InsufficientFreeAddressesInSubnet') },
    ]);
    expect(findings[0]!.message).toContain(`IPAMD holds 28 IPs, 28 assigned (the last pool-stats line of ${LOG} (${at(45)})): none is free`);
    expect(findings[0]!.message).toContain(`2 no-free-ip (first ${at(10)}, last ${at(30)}), 1 subnet-exhausted`);
  });

  it('IPs in cooldown are not free: assigned + cooldown = total is exhaustion', async () => {
    const { findings } = check(await logOnly({ [LOG]: log(L.pool(5, 28, 26, 2)) }));
    expect(findings.map((f) => f.code)).toEqual(['IPAMDNoIPs']);
    expect(findings[0]!.message).toContain('26 assigned and 2 in cooldown');
  });

  it('no introspection, the last pool stats leave IPs free: ok, even after earlier exhaustion', async () => {
    const { status, findings } = check(await logOnly({ [LOG]: log(L.pool(5, 28, 28), L.noIp(10), L.pool(40, 42, 30)) }));
    expect(findings).toEqual([]);
    expect(status).toMatchObject({ status: 'ok', reason: expect.stringMatching(/^12 of 42 IPs free \(the last pool-stats line of var_log\/aws-routed-eni\/ipamd\.log .*; ipamd\.log assignment failures: 1 no-free-ip/) });
  });

  it('a log without pool stats (failures only) leaves the check not-checked, never ok and no finding', async () => {
    const { status, findings } = check(await logOnly({ [LOG]: log(L.start(0), L.noIp(10), L.subnet(20)) }));
    expect(findings).toEqual([]);
    expect(status).toMatchObject({ status: 'not-checked', reason: `not checked: ipamd/enis.json missing and ${LOG} has no pool-stats line` });
    expect(check(await logOnly({})).status).toMatchObject({ status: 'not-checked', reason: `not checked: ipamd/enis.json missing and ${LOG} missing` });
  });

  it('the free-IP threshold is data (thresholds.yaml ipamd.free_ips_critical)', async () => {
    const files = withFiles({ 'ipamd/enis.json': null, 'ipamd/ipamd-env-settings.json': null, [LOG]: log(L.pool(5, 28, 26)) });
    const state = await parseNodeState(Object.keys(files), async (p) => textLines(files[p]!));
    expect(check(evaluateNodeState(state)).findings).toEqual([]);
    const strict = check(evaluateNodeState(state, { ...loadThresholds(), ipamd: { free_ips_critical: 2 } }));
    expect(strict.findings.map((f) => f.code)).toEqual(['IPAMDNoIPs']);
    expect(strict.findings[0]!.message).toContain('2 free, at or below 2');
  });

  it('WARM_IP_TARGET logged by IPAMD stands in for missing env settings', async () => {
    const r = check(await logOnly({ 'ipamd/ipamd-env-settings.json': null, [LOG]: log(L.usingWarm(1, 10), L.pool(5, 28, 21)) }));
    expect(r.findings.map((f) => f.code)).toEqual(['IpamdWarmPoolShort']);
    expect(r.findings[0]!.evidence[1]).toEqual({ path: LOG, line: 1, text: `${at(1)} Using WARM_IP_TARGET 10` });
  });

  it('rotations are read oldest first: the newest file\'s stats win, failures add up across files', async () => {
    const old = 'var_log/aws-routed-eni/ipamd-2024-03-14T07-59-59.999.log';
    const r = check(await logOnly({ [old]: log(L.noIp(1), L.pool(2, 28, 3)), [LOG]: log(L.noIp(3), L.pool(4, 28, 28)) }));
    expect(r.findings[0]!.evidence.map((e) => [e.path, e.line])).toEqual([[LOG, 2], [old, 1]]);
    expect(r.findings[0]!.message).toContain(`2 no-free-ip (first ${at(1)}, last ${at(3)})`);
    // stats only in the rotation: still the last known when ipamd.log was read whole
    expect(check(await logOnly({ [old]: log(L.pool(2, 28, 28)), [LOG]: log(L.start(3)) })).findings.map((f) => f.code)).toEqual(['IPAMDNoIPs']);
  });

  it('a cut file is no proof that the stats found are the last: not-checked; a cut ipamd.log keeps its newest lines and is judged', async () => {
    const old = 'var_log/aws-routed-eni/ipamd-2024-03-14T07-59-59.999.log.gz';
    const cut = check(await logOnly({ [old]: log(L.pool(2, 28, 28)), [LOG]: log(L.start(3)), ...cutBy(old, LOG) }));
    expect(cut.findings).toEqual([]);
    expect(cut.status).toMatchObject({ status: 'not-checked', reason: expect.stringContaining(`may not be the last: ${LOG} was not read whole`) });
    const tail = check(await logOnly({ [LOG]: log(L.noIp(1), L.pool(2, 28, 28)), ...cutBy(LOG) }));
    expect(tail.findings.map((f) => f.code)).toEqual(['IPAMDNoIPs']);
    expect(tail.findings[0]!.message).toContain('at least 1 no-free-ip');
  });
});

describe('IPAMD exhaustion with introspection and log', () => {
  it('introspection wins over the log\'s stats, and the log adds its assignment failures as evidence', async () => {
    const exhaustedLog = log(L.noIp(10), L.subnet(20), L.pool(30, 28, 28));
    const healthy = check(await checkFiles(withFiles({ [LOG]: exhaustedLog })));
    expect(healthy.findings).toEqual([]);
    expect(healthy.status).toMatchObject({ status: 'ok', reason: expect.stringMatching(/^24 of 29 IPs free \(ipamd\/enis\.json\); ipamd\.log assignment failures: 1 no-free-ip/) });
    const full = check(await checkFiles(withFiles({ 'ipamd/enis.json': JSON.stringify({ TotalIPs: 29, AssignedIPs: 29, ENIs: {} }), [LOG]: exhaustedLog })));
    expect(full.findings[0]!.evidence.map((e) => [e.path, e.line])).toEqual([['ipamd/enis.json', 1], [LOG, 1], [LOG, 2]]);
  });
});

describe('IPAMD log read from an ingested bundle', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipamd-log-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const ROTATION = 'var_log/aws-routed-eni/ipamd-2024-03-14T07-59-59.999.log.gz';
  /** Writes `files` as a bundle directory, ingests it and loads its node state from the store. */
  async function load(node: string, files: Record<string, string | Buffer>) {
    const root = join(dir, node);
    for (const [p, body] of Object.entries(files)) {
      await mkdir(dirname(join(root, p)), { recursive: true });
      await writeFile(join(root, p), body);
    }
    const store = new FsBundleStore(join(dir, 'store'));
    await ingestBundle({ store, catalog: CompiledCatalog.load(), source: { kind: 'directory', path: root }, node });
    return loadNodeState(store, await resolveBundle(store, node));
  }

  it('a gzip rotation is read through gunzip and before ipamd.log', async () => {
    const state = await load('ip-10-0-1-9.ec2.internal', { [ROTATION]: gzipSync(log(L.noIp(1), L.pool(2, 28, 28))), [LOG]: log(L.start(3), L.noIp(4)) });
    const v = state.ipamdLog!.value;
    expect(v.files).toEqual([ROTATION, LOG]);
    expect([v.failures['no-free-ip']?.count, v.poolStats[0]?.assigned, v.nonJson, v.errors]).toEqual([2, 28, 0, []]);
  });

  it('a gzip rotation broken part-way: its lines up to the break count, the break is recorded, its stats are not taken as the last', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => (i % 2 ? L.noIp(i) : L.pool(i, 28, 28)));
    const whole = gzipSync(log(...lines));
    const state = await load('ip-10-0-1-10.ec2.internal', { [ROTATION]: whole.subarray(0, whole.length - 40), [LOG]: log(L.start(500)) });
    const v = state.ipamdLog!.value;
    expect(v.errors).toEqual([{ path: ROTATION, error: expect.stringContaining('unexpected end of file') }]);
    expect(v.failures['no-free-ip']!.count).toBeGreaterThan(0);
    const r = check(evaluateNodeState(state));
    expect(r.findings).toEqual([]);
    expect(r.status).toMatchObject({ status: 'not-checked', reason: expect.stringContaining(`may not be the last: ${ROTATION} was not read whole`) });
  });
});
