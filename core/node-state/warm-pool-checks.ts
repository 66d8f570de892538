import { ev, type NDraft, type NEvidence, type NodeCheck, ran } from './finding.js';
import { incomplete, pool } from './ipamd-checks.js';
import type { WarmSetting } from './ipamd-log.js';
import { intOf } from './lines.js';
import type { NodeState } from './state.js';
import { STATE_PATHS } from './state.js';

const NAME = 'ipamd-warm-settings';
const SOPS = ['vpc-cni-ip-allocation', 'instance-limits'];

/** A warm-pool setting whose value is known; 0 = unset (IPAMD's own reading of an absent variable). */
interface Known {
  value: number;
  evidence: NEvidence;
}

/**
 * The setting as IPAMD runs with it: aws-node's introspected environment when it has the key (it
 * only ever holds WARM_IP_TARGET and WARM_ENI_TARGET), else the value IPAMD logged at start,
 * 0 included. undefined: neither says, and no conclusion may rest on it.
 */
function known(s: NodeState, k: WarmSetting): Known | undefined {
  const e = s.env?.value.get(k);
  const n = e ? intOf(e.value) : null;
  if (e && n !== null) return { value: Math.max(n, 0), evidence: ev(e.path, e.line, `${k}=${e.value}`) };
  const l = s.ipamdLog?.value.settings[k];
  return l ? { value: Math.max(l.value, 0), evidence: ev(l.path, l.line, l.text) } : undefined;
}

/** Prefix delegation on or off: the env if it says, else IPAMD's start line, else the kind of its last pool stats. */
function prefixMode(s: NodeState): { on: boolean; evidence: NEvidence } | undefined {
  const e = s.env?.value.get('ENABLE_PREFIX_DELEGATION');
  if (e) return { on: e.value === 'true', evidence: ev(e.path, e.line, `ENABLE_PREFIX_DELEGATION=${e.value}`) };
  const log = s.ipamdLog?.value;
  if (log?.prefixDelegation) return { on: log.prefixDelegation.value, evidence: ev(log.prefixDelegation.path, log.prefixDelegation.line, log.prefixDelegation.text) };
  const stats = log?.poolStats.find((p) => p.networkCard === 0 && p.mode !== null);
  return stats ? { on: stats.mode === 'prefix', evidence: ev(stats.path, stats.line, stats.text) } : undefined;
}

/**
 * Whether IPAMD could attach no further ENI. It logs "max ENI limit … already reached" at debug
 * level on every pool loop that wanted one; a log read whole that holds debug pool stats and no such
 * line says the limit was not what stopped it. Anything less leaves it unknown.
 */
function eniLimit(s: NodeState): { atLimit: boolean; evidence?: NEvidence; why?: string } {
  const log = s.ipamdLog?.value;
  if (!log) return { atLimit: false, why: `${STATE_PATHS.ipamdLog} missing` };
  if (log.eniLimit) return { atLimit: true, evidence: ev(log.eniLimit.path, log.eniLimit.line, log.eniLimit.text) };
  const attach = log.failures['eni-attach-failed'];
  if (attach && /AttachmentLimitExceeded/.test(attach.last.text)) return { atLimit: true, evidence: ev(attach.last.path, attach.last.line, attach.last.text) };
  const cut = log.files.find((f) => incomplete(s, log, f));
  if (cut) return { atLimit: false, why: `${cut} was not read whole` };
  if (!log.poolStats.length) return { atLimit: false, why: `${s.ipamdLog!.path} holds no debug-level pool stats` };
  return { atLimit: false };
}

const notJudged = (why: string) => ({ check: NAME, status: 'not-checked' as const, reason: `not checked: ${why}`, findings: [] });

/**
 * The warm-pool settings the ipamd-ip-exhaustion check does not judge: WARM_PREFIX_TARGET with
 * ENABLE_PREFIX_DELEGATION, and WARM_ENI_TARGET. IPAMD (isDatastorePoolTooLow) keeps
 * `unit x target` free addresses, the unit being one prefix's IPs or one ENI's (c.maxIPsPerENI);
 * WARM_IP_TARGET or MINIMUM_IP_TARGET, when set, replace both.
 */
export const ipamdWarmSettings: NodeCheck = {
  name: NAME,
  area: 'network',
  run: (s, t) => {
    if (!s.env && !s.ipamdLog) return notJudged(`${STATE_PATHS.env} and ${STATE_PATHS.ipamdLog} missing`);
    const cfg = t.ipamd_warm;
    // WARM_IP_TARGET or MINIMUM_IP_TARGET set: they rule in both modes, and the combination is valid
    const ipTargets = (['WARM_IP_TARGET', 'MINIMUM_IP_TARGET'] as const).map((k) => [k, known(s, k)] as const);
    const governing = ipTargets.find(([, v]) => v && v.value > 0);
    if (governing) return ran(NAME, [], `${governing[0]}=${governing[1]!.value} governs the warm pool (judged by ipamd-ip-exhaustion)`);
    const pd = prefixMode(s);
    if (!pd) return notJudged('neither the IPAMD environment nor ipamd.log says whether prefix delegation is on');
    const needed = cfg.prefix_mode_needs_one_of.map((k) => [k, known(s, k)] as const);
    if (pd.on && needed.every(([, v]) => v?.value === 0)) {
      return ran(NAME, [{
        code: 'IpamdPrefixTargetsInvalid', title: 'Prefix delegation on with no warm target set', severity: 'critical', category: 'networking',
        message: `ENABLE_PREFIX_DELEGATION is on and ${needed.map(([k]) => k).join(', ')} are all 0 or unset: current VPC CNI versions refuse to start aws-node with this combination (the node's CNI never becomes ready), and a version that starts keeps no prefix warm, so pods wait for each allocation.`,
        evidence: [pd.evidence, ...needed.map(([, v]) => v!.evidence)].filter((e, i, a) => a.findIndex((x) => x.path === e.path && x.line === e.line) === i),
        remediation: 'Set WARM_PREFIX_TARGET=1 on the aws-node DaemonSet (or WARM_IP_TARGET with MINIMUM_IP_TARGET for small subnets) and let it restart.', sops: SOPS,
      }]);
    }
    // an unknown WARM_IP_TARGET could be the one in charge: only a known 0 lets the ENI or prefix target rule
    const unknownIp = ipTargets.find(([, v]) => !v);
    if (unknownIp) return notJudged(`${unknownIp[0]} unknown (not in the IPAMD environment nor in ipamd.log)`);
    const setting: WarmSetting = pd.on ? 'WARM_PREFIX_TARGET' : 'WARM_ENI_TARGET';
    const target = known(s, setting);
    if (!target) return notJudged(`${setting} unknown`);
    const per = s.ipamdLog?.value.maxIpsPerEni;
    const unit = pd.on ? cfg.prefix_ips : per?.value;
    if (unit === undefined) return notJudged(`${setting}=${target.value} but the IPs per ENI (c.maxIPsPerENI in ipamd.log pool stats) are unknown`);
    const { pool: p, why } = pool(s);
    if (!p) return notJudged(why!);
    const available = p.total - p.assigned;
    const promised = unit * target.value;
    const what = `${setting}=${target.value} (${promised} free IPs: ${target.value} x ${unit} per ${pd.on ? 'prefix' : 'ENI'})`;
    if (available + cfg.short_tolerance_ips >= promised) return ran(NAME, [], `${available} free IPs, ${what} (${p.from})`);
    // IPAMD stops growing the pool once it holds max pods addresses (v1.16+ logs max pods at start)
    const maxPods = s.ipamdLog?.value.maxPods?.value ?? s.kubelet?.value.maxPods ?? null;
    if (maxPods !== null && p.total >= maxPods) return ran(NAME, [], `${available} free IPs, below ${what}, but IPAMD holds ${p.total} IPs, at max pods ${maxPods}`);
    const limit = eniLimit(s);
    if (limit.atLimit) return ran(NAME, [], `${available} free IPs, below ${what}: the node is at its ENI limit (${limit.evidence!.path}:${limit.evidence!.line})`);
    if (limit.why) return notJudged(`${available} free IPs, below ${what}, but whether the node is at its ENI limit is unknown: ${limit.why}`);
    const f: NDraft = {
      code: pd.on ? 'IpamdWarmPrefixShort' : 'IpamdWarmEniShort', title: `IPAMD warm pool below ${setting}`, severity: 'warning', category: 'networking',
      message: `${available} free IPs against ${what} (${p.from}), and the node is not at its ENI limit: IPAMD could not refill its warm pool (subnet out of ${pd.on ? 'free /28 blocks' : 'addresses'}, EC2 errors or throttling), so new pods wait for allocations.`,
      evidence: [p.evidence, target.evidence, ...(pd.on ? [pd.evidence] : per ? [ev(per.path, per.line, per.text)] : [])],
      remediation: `Read ipamd.log for the allocation errors and check the subnet's free ${pd.on ? 'contiguous /28 blocks (or use a subnet CIDR reservation for prefixes)' : 'addresses'}; lower ${setting} if the subnet cannot sustain it.`, sops: SOPS,
    };
    return ran(NAME, [f]);
  },
};
