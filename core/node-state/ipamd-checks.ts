import { ev, type NDraft, type NEvidence, type NodeCheck, ran } from './finding.js';
import { FAILURE_KINDS, type IpamdLog, type IpamdPoolStats, type WarmSetting } from './ipamd-log.js';
import type { NodeState } from './state.js';
import { STATE_PATHS } from './state.js';

const NAME = 'ipamd-ip-exhaustion';
const SOPS = ['vpc-cni-ip-allocation', 'instance-limits'];

/** What IPAMD held at one moment, from introspection (enis.json) or from its log's last pool-stats line. */
export interface Pool {
  total: number;
  assigned: number;
  cooldown: number;
  evidence: NEvidence;
  /** where the numbers come from, for messages */
  from: string;
}

/** A file we did not read whole: cut by the collector, or a gzip member broken part-way. */
export const incomplete = (s: NodeState, log: IpamdLog, path: string) => !!s.truncated?.has(path) || log.errors.some((e) => e.path === path);

/**
 * The last pool stats of network card 0 (where pods get their IP), but only when no later part of
 * the log is missing: a newer file cut or broken may have held later stats. The current ipamd.log
 * cut by our collector keeps its newest bytes, so its own last line stands; a cut rotation keeps its
 * oldest bytes, so its last stats do not.
 */
function lastStats(s: NodeState, log: IpamdLog): { stats?: IpamdPoolStats; why?: string } {
  const stats = log.poolStats.find((p) => p.networkCard === 0);
  if (!stats) {
    const cut = log.files.filter((f) => incomplete(s, log, f));
    return { why: `${s.ipamdLog!.path} has no pool-stats line${cut.length ? ` (${cut[0]} was not read whole)` : ''}` };
  }
  const i = log.files.indexOf(stats.path);
  const later = log.files.slice(i + 1).find((f) => incomplete(s, log, f));
  const own = (stats.path.endsWith('.gz') && incomplete(s, log, stats.path)) || log.errors.some((e) => e.path === stats.path);
  if (later || own) return { why: `the last pool-stats line found (${stats.path}:${stats.line}) may not be the last: ${later ?? stats.path} was not read whole` };
  return { stats };
}

/** One evidence line per kind of assignment failure the log holds (its first occurrence), and a summary. */
function failures(s: NodeState): { evidence: NEvidence[]; summary: string } {
  const log = s.ipamdLog?.value;
  if (!log) return { evidence: [], summary: '' };
  const atLeast = log.files.some((f) => incomplete(s, log, f)) ? 'at least ' : '';
  const parts: string[] = [];
  const evidence: NEvidence[] = [];
  for (const k of FAILURE_KINDS) {
    const f = log.failures[k];
    if (!f) continue;
    parts.push(`${atLeast}${f.count} ${k} (first ${f.first.ts ?? `line ${f.first.line}`}, last ${f.last.ts ?? `line ${f.last.line}`})`);
    evidence.push(ev(f.first.path, f.first.line, f.first.text));
  }
  return { evidence, summary: parts.length ? `ipamd.log assignment failures: ${parts.join(', ')}.` : '' };
}

/** A warm-pool setting: aws-node's environment (introspection) first, else what IPAMD logged at start (0 = unset). */
function setting(s: NodeState, k: WarmSetting): { value: number; evidence: NEvidence } | undefined {
  const e = s.env?.value.get(k);
  if (e) return { value: Number(e.value), evidence: ev(e.path, e.line, `${k}=${e.value}`) };
  const l = s.ipamdLog?.value.settings[k];
  return l && l.value > 0 ? { value: l.value, evidence: ev(l.path, l.line, l.text) } : undefined;
}

/** Introspection when it has the totals (it is the live view), else the log. */
export function pool(s: NodeState): { pool?: Pool; why?: string } {
  const e = s.enis?.value;
  if (s.enis && e && e.totalIPs !== null && e.assignedIPs !== null) {
    return { pool: { total: e.totalIPs, assigned: e.assignedIPs, cooldown: 0, evidence: ev(s.enis.path, e.line, `TotalIPs ${e.totalIPs}, AssignedIPs ${e.assignedIPs}`), from: s.enis.path } };
  }
  const enisWhy = s.enis ? `${s.enis.path} has no TotalIPs/AssignedIPs${e?.error ? ` (${e.error})` : ''}` : `${STATE_PATHS.enis} missing`;
  if (!s.ipamdLog) return { why: `${enisWhy} and ${STATE_PATHS.ipamdLog} missing` };
  const { stats, why } = lastStats(s, s.ipamdLog.value);
  if (!stats) return { why: `${enisWhy} and ${why}` };
  return { pool: { total: stats.total, assigned: stats.assigned, cooldown: stats.cooldown ?? 0, evidence: ev(stats.path, stats.line, stats.text), from: `the last pool-stats line of ${stats.path}${stats.ts ? ` (${stats.ts})` : ''}` } };
}

/** IPAMD with every IP assigned (or below its warm targets) cannot start another pod. */
export const ipamdExhaustion: NodeCheck = {
  name: NAME,
  area: 'network',
  run: (s, t) => {
    const { pool: p, why } = pool(s);
    if (!p) return { check: NAME, status: 'not-checked', reason: `not checked: ${why}`, findings: [] };
    const fail = failures(s);
    const free = p.total - p.assigned - p.cooldown;
    const f: NDraft[] = [];
    if (free <= t.ipamd.free_ips_critical) f.push({
      code: 'IPAMDNoIPs', title: 'IPAMD has no free pod IPs', severity: 'critical', category: 'networking',
      message: `IPAMD holds ${p.total} IPs, ${p.assigned} assigned${p.cooldown ? ` and ${p.cooldown} in cooldown (released moments ago, reusable after IP_COOLDOWN_PERIOD)` : ''} (${p.from}): ${free <= 0 ? 'none is free, new pods on this node cannot get an address' : `${free} free, at or below ${t.ipamd.free_ips_critical} (thresholds.yaml ipamd.free_ips_critical)`}.${fail.summary ? ` ${fail.summary}` : ''}`,
      evidence: [p.evidence, ...fail.evidence],
      remediation: 'Free subnet addresses or add subnets (custom networking), enable prefix delegation, or lower maxPods to what the ENIs can hold.', sops: SOPS,
    });
    // IPAMD's own measure of its warm pool counts cooldown IPs as available (datastoreTargetState)
    const available = p.total - p.assigned;
    const warm = setting(s, 'WARM_IP_TARGET');
    if (!f.length && warm && warm.value > available) f.push({
      code: 'IpamdWarmPoolShort', title: 'IPAMD warm pool below WARM_IP_TARGET', severity: 'warning', category: 'networking',
      message: `${available} free IPs against WARM_IP_TARGET=${warm.value} (${p.from}): IPAMD could not refill its warm pool (subnet or ENI limit), the next pods wait for attachments.${fail.summary ? ` ${fail.summary}` : ''}`,
      evidence: [p.evidence, warm.evidence, ...fail.evidence],
      remediation: 'Check ipamd.log for attach/assign failures and the subnet\'s free addresses; raise WARM_IP_TARGET only if the subnet has room.', sops: SOPS,
    });
    const min = setting(s, 'MINIMUM_IP_TARGET');
    if (min && min.value > p.total) f.push({
      code: 'IpamdBelowMinimumTarget', title: 'IPAMD holds fewer IPs than MINIMUM_IP_TARGET', severity: 'warning', category: 'networking',
      message: `IPAMD holds ${p.total} IPs (${p.from}), below MINIMUM_IP_TARGET=${min.value}: it cannot reach its minimum (subnet exhausted or ENI limit).${fail.summary ? ` ${fail.summary}` : ''}`,
      evidence: [min.evidence, ...fail.evidence],
      remediation: 'Check the subnet\'s free addresses and the instance type\'s ENI/IP limits; lower MINIMUM_IP_TARGET to what the node can hold.', sops: SOPS,
    });
    return ran(NAME, f, `${free} of ${p.total} IPs free (${p.from})${fail.summary ? `; ${fail.summary}` : ''}`);
  },
};
