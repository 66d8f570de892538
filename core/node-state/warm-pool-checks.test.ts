import { describe, expect, it } from 'vitest';
import { checkFiles, withFiles } from '../../test/fixtures/node-state-files.js';
import { parseIpamdLog } from './ipamd-log.js';
import { textLines } from './lines.js';
import { parseNodeState } from './load-state.js';
import { evaluateNodeState } from './run-checks.js';
import { loadThresholds } from './thresholds.js';

/** IPAMD log lines as zap writes them, messages as the VPC CNI formats them (ipamd.go, awsutils.go). */
const at = (s: number) => `2024-03-14T08:00:${String(s).padStart(2, '0')}.120Z`;
const z = (s: number, level: string, caller: string, msg: string) => JSON.stringify({ level, ts: at(s), caller, msg });
const L = {
  pd: (s: number, on: boolean) => z(s, 'info', 'awsutils/awsutils.go:471', `Prefix Delegation enabled ${on}`),
  manager: (s: number, o: { maxPods?: number; warmIp?: number; warmPrefix?: number; warmEni?: number; minIp?: number }) =>
    z(s, 'info', 'ipamd/ipamd.go:782', `IP pool manager - max pods: ${o.maxPods ?? 110}, warm IP target: ${o.warmIp ?? 0}, warm prefix target: ${o.warmPrefix ?? 0}, warm ENI target: ${o.warmEni ?? 1}, minimum IP target: ${o.minIp ?? 0}`),
  prefixPool: (s: number, total: number, prefixes: number, assigned: number) => z(s, 'debug', 'ipamd/ipamd.go:1464', `Prefix pool stats for network card 0: Total IPs/Prefixes = ${total}/${prefixes}, AssignedIPs/CooldownIPs: ${assigned}/0, c.maxIPsPerENI = 144`),
  ipPool: (s: number, total: number, assigned: number) => z(s, 'debug', 'ipamd/ipamd.go:1464', `IP pool stats for network card 0: Total IPs/Prefixes = ${total}/0, AssignedIPs/CooldownIPs: ${assigned}/0, c.maxIPsPerENI = 9`),
  limit: (s: number) => z(s, 'debug', 'ipamd/ipamd.go:1017', 'Skipping ENI allocation as the max ENI limit of 3 is already reached (accounting for 0 unmanaged ENIs and 0 trunk ENIs)'),
};
const LOG = 'var_log/aws-routed-eni/ipamd.log';
const ENV = 'ipamd/ipamd-env-settings.json';
const log = (...lines: string[]) => `${lines.join('\n')}\n`;
/** ipamd.GetConfigForDebug(): the only warm settings IPAMD's introspection reports, as typed values. */
const env = (warmIp: number, warmEni: number) => JSON.stringify({ WARM_IP_TARGET: warmIp, WARM_ENI_TARGET: warmEni, AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: false });
/** Without introspection totals, the pool comes from the log's last stats. */
const run = (files: Record<string, string | null>) => checkFiles(withFiles({ 'ipamd/enis.json': null, ...files }));
const result = (r: Awaited<ReturnType<typeof checkFiles>>) => ({ status: r.checked.find((c) => c.check === 'ipamd-warm-settings'), findings: r.findings.filter((f) => f.check === 'ipamd-warm-settings') });

describe('IPAMD log: what the warm-settings check reads', () => {
  it('reads the prefix-delegation mode, max pods, IPs per ENI and the ENI-limit line, the later file winning', async () => {
    const r = await parseIpamdLog(textLines(log(L.pd(1, true), L.manager(2, { maxPods: 58, warmPrefix: 1 }), L.prefixPool(3, 32, 2, 20), L.limit(4))), LOG);
    expect([r.prefixDelegation?.value, r.maxPods?.value, r.maxIpsPerEni?.value, r.eniLimit?.max, r.eniLimit?.line]).toEqual([true, 58, 144, 3, 4]);
    expect(r.settings.WARM_PREFIX_TARGET?.value).toBe(1);
  });
});

describe('IPAMD warm-pool settings (WARM_PREFIX_TARGET, WARM_ENI_TARGET)', () => {
  it('prefix delegation on with WARM_PREFIX_TARGET, WARM_IP_TARGET and MINIMUM_IP_TARGET all 0: IpamdPrefixTargetsInvalid', async () => {
    const { findings } = result(await run({ [ENV]: env(0, 1), [LOG]: log(L.pd(1, true), L.manager(2, { warmPrefix: 0 })) }));
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['IpamdPrefixTargetsInvalid', 'critical']]);
    expect(findings[0]!.evidence).toEqual([
      { path: LOG, line: 1, text: `${at(1)} Prefix Delegation enabled true` },
      { path: LOG, line: 2, text: expect.stringContaining('warm prefix target: 0') },
      { path: ENV, line: 1, text: 'WARM_IP_TARGET=0' },
    ]);
  });

  it('the same settings with prefix delegation off are valid (WARM_ENI_TARGET rules)', async () => {
    const { findings, status } = result(await run({ [ENV]: env(0, 1), [LOG]: log(L.pd(1, false), L.manager(2, {}), L.ipPool(3, 18, 5)) }));
    expect(findings).toEqual([]);
    expect(status).toMatchObject({ status: 'ok', reason: expect.stringContaining('13 free IPs, WARM_ENI_TARGET=1 (9 free IPs: 1 x 9 per ENI)') });
  });

  it('prefix mode: fewer free IPs than WARM_PREFIX_TARGET prefixes hold, not at the ENI limit: IpamdWarmPrefixShort', async () => {
    const { findings } = result(await run({ [ENV]: env(0, 1), [LOG]: log(L.pd(1, true), L.manager(2, { warmPrefix: 1 }), L.prefixPool(3, 32, 2, 25)) }));
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['IpamdWarmPrefixShort', 'warning']]);
    expect(findings[0]!.message).toContain('7 free IPs against WARM_PREFIX_TARGET=1 (16 free IPs: 1 x 16 per prefix)');
    expect(findings[0]!.evidence.map((e) => e.line)).toEqual([3, 2, 1]);
  });

  it('ENI mode: fewer free IPs than WARM_ENI_TARGET ENIs hold, not at the ENI limit: IpamdWarmEniShort', async () => {
    const { findings } = result(await run({ [ENV]: env(0, 2), [LOG]: log(L.pd(1, false), L.manager(2, { warmEni: 2 }), L.ipPool(3, 27, 20)) }));
    expect(findings.map((f) => f.code)).toEqual(['IpamdWarmEniShort']);
    expect(findings[0]!.message).toContain('7 free IPs against WARM_ENI_TARGET=2 (18 free IPs: 2 x 9 per ENI)');
    expect(findings[0]!.evidence[1]).toEqual({ path: ENV, line: 1, text: 'WARM_ENI_TARGET=2' });
  });

  it('a short pool at the ENI limit, or at max pods, is what IPAMD can do: ok, saying why', async () => {
    const atLimit = result(await run({ [ENV]: env(0, 1), [LOG]: log(L.pd(1, true), L.manager(2, { warmPrefix: 1 }), L.prefixPool(3, 32, 2, 25), L.limit(4)) }));
    expect(atLimit.findings).toEqual([]);
    expect(atLimit.status).toMatchObject({ status: 'ok', reason: expect.stringContaining(`at its ENI limit (${LOG}:4)`) });
    const atMaxPods = result(await run({ [ENV]: env(0, 1), [LOG]: log(L.pd(1, true), L.manager(2, { warmPrefix: 1, maxPods: 32 }), L.prefixPool(3, 32, 2, 25)) }));
    expect(atMaxPods.findings).toEqual([]);
    expect(atMaxPods.status).toMatchObject({ status: 'ok', reason: expect.stringContaining('at max pods 32') });
  });

  it('WARM_IP_TARGET set: it governs in either mode and this check defers to ipamd-ip-exhaustion', async () => {
    const { findings, status } = result(await run({ [ENV]: env(5, 1), [LOG]: log(L.pd(1, true), L.manager(2, { warmIp: 5, warmPrefix: 0 }), L.prefixPool(3, 32, 2, 25)) }));
    expect(findings).toEqual([]);
    expect(status).toMatchObject({ status: 'ok', reason: 'WARM_IP_TARGET=5 governs the warm pool (judged by ipamd-ip-exhaustion)' });
  });

  it('what the bundle does not show is not judged: mode unknown, a target unknown, ENI limit unknown (log cut)', async () => {
    // introspection env only (no log): WARM_IP_TARGET 0 but nothing says whether prefixes are on
    expect(result(await run({ [ENV]: env(0, 1) })).status).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('prefix delegation is on') });
    // MINIMUM_IP_TARGET never comes from introspection: without IPAMD's start line it is unknown
    expect(result(await run({ [ENV]: env(0, 1), [LOG]: log(L.pd(1, true), L.prefixPool(3, 32, 2, 25)) })).status).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('MINIMUM_IP_TARGET unknown') });
    const manifest = JSON.stringify({ sources: [{ id: 'aws-routed-eni-logs', status: 'truncated', outputs: [LOG] }] });
    const cut = result(await run({ [ENV]: env(0, 1), [LOG]: log(L.pd(1, true), L.manager(2, { warmPrefix: 1 }), L.prefixPool(3, 32, 2, 25)), 'collector-manifest.json': manifest }));
    expect(cut.findings).toEqual([]);
    expect(cut.status).toMatchObject({ status: 'not-checked', reason: expect.stringContaining(`whether the node is at its ENI limit is unknown: ${LOG} was not read whole`) });
  });

  it('the prefix size and the shortfall tolerance are data (thresholds.yaml ipamd_warm)', async () => {
    const files = withFiles({ 'ipamd/enis.json': null, [ENV]: env(0, 1), [LOG]: log(L.pd(1, true), L.manager(2, { warmPrefix: 1 }), L.prefixPool(3, 32, 2, 25)) });
    const state = await parseNodeState(Object.keys(files), async (p) => textLines(files[p]!));
    const t = loadThresholds();
    expect(result(evaluateNodeState(state, { ...t, ipamd_warm: { ...t.ipamd_warm, short_tolerance_ips: 9 } })).findings).toEqual([]);
    expect(result(evaluateNodeState(state, { ...t, ipamd_warm: { ...t.ipamd_warm, prefix_ips: 8 } })).status).toMatchObject({ status: 'problem' });
    expect(result(evaluateNodeState(state, { ...t, ipamd_warm: { ...t.ipamd_warm, prefix_ips: 7 } })).findings).toEqual([]);
  });
});
