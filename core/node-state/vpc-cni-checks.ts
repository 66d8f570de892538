import { ev, type NDraft, type NodeCheck, notChecked, ran } from './finding.js';
import type { NodeState } from './state.js';
import { STATE_PATHS } from './state.js';

const SNAT_SOPS = ['vpc-cni-ip-allocation', 'pod-to-pod-connectivity'];

/** An IPv4 address as an unsigned number; null for anything else. */
export function ipv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  return o.some((x) => x > 255) ? null : ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/** Whether `ip` is inside `cidr` ("10.0.0.0/16", or a bare address as -nvL prints a /32). */
export function inCidr(ip: string, cidr: string): boolean {
  const [net = '', bits = '32'] = cidr.split('/');
  const a = ipv4(ip);
  const n = ipv4(net);
  const b = Number(bits);
  if (a === null || n === null || !Number.isInteger(b) || b < 0 || b > 32) return false;
  const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  return ((a & mask) >>> 0) === ((n & mask) >>> 0);
}

const env = (s: NodeState, k: string) => s.env?.value.get(k);
const evPath = (s: NodeState, r: { path?: string }) => r.path ?? s.iptables!.path;

/**
 * VPC CNI SNAT (AWS_VPC_K8S_CNI_EXTERNALSNAT=false, the default): nat POSTROUTING jumps to
 * AWS-SNAT-CHAIN-0, which RETURNs for the VPC CIDR(s) and SNATs the rest to the node's primary IP.
 * Without it pods on secondary ENIs lose the internet; without the VPC exclusion pod-to-pod traffic
 * is SNATed. Only a nat table read whole can say the chain is missing.
 */
const snat: NodeCheck = {
  name: 'vpc-cni-snat',
  area: 'network',
  run: (s) => {
    const name = 'vpc-cni-snat';
    if (!s.iptables) return notChecked(name, STATE_PATHS.iptables);
    const ext = env(s, 'AWS_VPC_K8S_CNI_EXTERNALSNAT');
    if (!ext) return { check: name, status: 'not-checked', reason: 'not checked: AWS_VPC_K8S_CNI_EXTERNALSNAT unknown (ipamd/networkutils-env-settings.json missing or without it)', findings: [] };
    if (ext.value.toLowerCase() === 'true') return { check: name, status: 'ok', reason: 'AWS_VPC_K8S_CNI_EXTERNALSNAT=true: SNAT is left to a NAT gateway, no SNAT chain expected', findings: [] };
    if (env(s, 'ENABLE_IPv6')?.value.toLowerCase() === 'true') return { check: name, status: 'ok', reason: 'IPv6 cluster: the VPC CNI does not SNAT IPv4 pod traffic', findings: [] };
    const m = s.iptables.value;
    const nat = m.tables.get('nat');
    if (!nat) return { check: name, status: 'not-checked', reason: `not checked: no nat table in ${s.iptables.path}`, findings: [] };
    const files = new Set([s.iptables.path, ...[...nat.values()].flatMap((c) => (c.path ? [c.path] : []))]);
    const cut = [...files].filter((f) => s.truncated?.has(f));
    if (cut.length || !m.complete.includes('nat')) {
      return { check: name, status: 'not-checked', reason: `not checked: the nat table in ${cut[0] ?? s.iptables.path} was not read whole (${cut.length ? 'cut at the collector size cap' : m.source === 'iptables-save' ? 'no COMMIT' : 'chains it jumps to are not listed'})`, findings: [] };
    }
    const extEv = ev(ext.path, ext.line, `AWS_VPC_K8S_CNI_EXTERNALSNAT=${ext.value}`);
    const chain0 = nat.get('AWS-SNAT-CHAIN-0');
    const rules = m.snatRules.filter((r) => r.chain.startsWith('AWS-SNAT-CHAIN-'));
    const f: NDraft[] = [];
    if (!chain0 || chain0.rules === 0) {
      f.push({
        code: chain0 ? 'VpcCniSnatChainEmpty' : 'VpcCniSnatChainMissing', title: chain0 ? 'AWS-SNAT-CHAIN-0 has no rules' : 'No AWS-SNAT-CHAIN-0 in the nat table', severity: 'high', category: 'networking',
        message: `External SNAT is off (AWS_VPC_K8S_CNI_EXTERNALSNAT=${ext.value}) but the nat table (${m.rules} rules, read whole) ${chain0 ? 'has an empty AWS-SNAT-CHAIN-0' : 'has no AWS-SNAT-CHAIN-0'}: pod traffic leaving the VPC is not translated to the node IP, so pods on secondary ENIs cannot reach the internet.`,
        evidence: [...(chain0 ? [ev(chain0.path ?? s.iptables.path, chain0.line, ':AWS-SNAT-CHAIN-0')] : []), extEv],
        remediation: 'Restart aws-node on this node (it re-creates the chain at start) and read ipamd.log for iptables errors; check nothing flushes the nat table (a firewall service, a hardening script).', sops: SNAT_SOPS,
      });
      return ran(name, f);
    }
    const jump = m.snatRules.find((r) => r.chain === 'POSTROUTING' && r.target === 'AWS-SNAT-CHAIN-0');
    if (!jump) f.push({
      code: 'VpcCniSnatNotHooked', title: 'nat POSTROUTING does not jump to AWS-SNAT-CHAIN-0', severity: 'high', category: 'networking',
      message: 'AWS-SNAT-CHAIN-0 exists but no nat POSTROUTING rule jumps to it: its SNAT never applies, pod traffic leaving the VPC keeps the pod IP.',
      evidence: [ev(chain0.path ?? s.iptables.path, chain0.line, ':AWS-SNAT-CHAIN-0'), extEv],
      remediation: 'Restart aws-node so it re-adds the POSTROUTING rule; find what rewrote POSTROUTING.', sops: SNAT_SOPS,
    });
    const rule = rules.find((r) => r.target === 'SNAT');
    if (!rule) f.push({
      code: 'VpcCniSnatRuleMissing', title: 'No SNAT rule in the AWS-SNAT chains', severity: 'high', category: 'networking',
      message: `The AWS-SNAT chains hold ${rules.length} rules and none is an SNAT --to-source rule: pod traffic leaving the VPC is not translated.`,
      evidence: rules.slice(0, 5).map((r) => ev(evPath(s, r), r.line, r.text)), remediation: 'Restart aws-node so it rewrites its SNAT chain; read ipamd.log for iptables errors.', sops: SNAT_SOPS,
    });
    // CIDRs exempt from SNAT: RETURN for a destination, or the SNAT/next-chain rule negating one
    const any = (d: string | null) => !d || d === '0.0.0.0/0';
    const exempt = rules.filter((r) => !any(r.dst) && ((r.target === 'RETURN' && !r.dstNegated) || (r.dstNegated && (r.target === 'SNAT' || r.target.startsWith('AWS-SNAT-CHAIN-')))));
    const cidrs = exempt.map((r) => r.dst!);
    if (rule && cidrs.length === 0) f.push({
      code: 'VpcCniSnatNoVpcExclusion', title: 'The SNAT chain does not exempt the VPC CIDR', severity: 'high', category: 'networking',
      message: 'The AWS-SNAT chains have no rule exempting a destination CIDR (the VPC\'s) from SNAT: traffic from pods to other pods and nodes in the VPC is translated to the node IP, breaking NetworkPolicies and source-IP checks.',
      evidence: [ev(evPath(s, rule), rule.line, rule.text)], remediation: 'Restart aws-node (it writes one RETURN rule per VPC CIDR); check AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS.', sops: SNAT_SOPS,
    });
    if (cidrs.length) {
      // the node's own address (the SNAT source) and the pods' must all be inside an exempt CIDR
      const addrs = [...(rule?.toSource ? [{ ip: rule.toSource, what: 'node IP (SNAT --to-source)' }] : []), ...(s.pods?.value.pods ?? []).slice(0, 500).map((p) => ({ ip: p.ip, what: `pod ${p.name}` }))];
      const outside = addrs.filter((a) => ipv4(a.ip) !== null && !cidrs.some((c) => inCidr(a.ip, c)));
      if (outside.length) f.push({
        code: 'VpcCniSnatVpcCidrNotExcluded', title: 'Node or pod addresses outside every SNAT-exempt CIDR', severity: 'warning', category: 'networking',
        message: `${outside.length} address(es) of this node lie outside the CIDRs the SNAT chain exempts (${cidrs.slice(0, 5).join(', ')}): ${outside.slice(0, 5).map((a) => `${a.what} ${a.ip}`).join(', ')}. Traffic to such addresses (a secondary VPC CIDR) is SNATed to the node IP.`,
        evidence: exempt.slice(0, 5).map((r) => ev(evPath(s, r), r.line, r.text)),
        remediation: 'Restart aws-node after adding the VPC CIDR (it reads the VPC\'s CIDRs at start), or list the CIDR in AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS.', sops: SNAT_SOPS,
      });
    }
    return ran(name, f, `AWS-SNAT-CHAIN-0 hooked, SNAT to ${rule?.toSource ?? '?'}, exempt ${cidrs.join(', ')}`);
  },
};

/**
 * IPAMD's checkpoint (ipam.json) against its live view (enis.json address assignments, pods.json):
 * an allocation for a sandbox IPAMD no longer knows is an IP held for a container that is gone;
 * an IP IPAMD assigned that the checkpoint lacks is lost if aws-node restarts (then handed out twice).
 */
const checkpoint: NodeCheck = {
  name: 'ipam-checkpoint',
  area: 'network',
  run: (s) => {
    const name = 'ipam-checkpoint';
    if (!s.ipamCheckpoint) return notChecked(name, STATE_PATHS.ipamCheckpoint);
    const cp = s.ipamCheckpoint;
    if (cp.value.error) return { check: name, status: 'not-checked', reason: `not checked: ${cp.path} unreadable (${cp.value.error})`, findings: [] };
    if (s.truncated?.has(cp.path)) return { check: name, status: 'not-checked', reason: `not checked: ${cp.path} was cut at the collector size cap`, findings: [] };
    // the live view: enis.json assignments when that introspection version carries IPAMKeys
    const e = s.enis?.value;
    const enisUsable = !!e && !e.error && (e.assigned.length > 0 || e.assignedIPs === 0);
    const podIds = (s.pods?.value.pods ?? []).flatMap((p) => (p.containerID ? [p.containerID] : []));
    if (!enisUsable && podIds.length === 0) {
      return { check: name, status: 'not-checked', reason: `not checked: neither ${STATE_PATHS.enis} (with address assignments) nor ${STATE_PATHS.pods} (with container ids) to compare ${cp.path} with`, findings: [] };
    }
    const live = new Set([...(enisUsable ? e!.assigned.map((a) => a.containerID) : []), ...podIds]);
    const f: NDraft[] = [];
    // IPv6 allocations live in IPv6Cidrs, which the assignments above do not read
    const allocs = cp.value.allocations.filter((a) => ipv4(a.ip) !== null);
    const leaked = allocs.filter((a) => !live.has(a.containerID));
    if (leaked.length) f.push({
      code: 'IpamLeakedIps', title: 'IPs held in the IPAMD checkpoint for containers that no longer exist', severity: 'warning', category: 'networking',
      message: `${leaked.length} of ${allocs.length} checkpoint allocations belong to sandboxes IPAMD's live state does not know: ${leaked.slice(0, 5).map((a) => `${a.ip} (${a.pod ?? a.containerID.slice(0, 12)})`).join(', ')}. They stay unavailable to new pods (a pod created or deleted between the two reads can also show here once).`,
      evidence: leaked.slice(0, 5).map((a) => ev(cp.path, a.line, `${a.ip} ${a.containerID.slice(0, 12)} ${a.pod ?? ''}`.trim())),
      remediation: 'Check ipamd.log and plugin.log for failed CNI DELs; restarting aws-node reconciles the checkpoint with the running sandboxes.', sops: ['vpc-cni-ip-allocation'],
    });
    if (enisUsable) {
      const inCp = new Set(allocs.map((a) => `${a.ip}|${a.containerID}`));
      const unsaved = e!.assigned.filter((a) => !inCp.has(`${a.ip}|${a.containerID}`));
      if (unsaved.length) f.push({
        code: 'IpamCheckpointStale', title: 'IPAMD assignments missing from its checkpoint', severity: 'warning', category: 'networking',
        message: `${unsaved.length} IPs IPAMD has assigned are not in ${cp.path} (e.g. ${unsaved.slice(0, 5).map((a) => a.ip).join(', ')}): if aws-node restarts it forgets them and can give them to a second pod.`,
        evidence: [ev(s.enis!.path, e!.line, `AssignedIPs ${e!.assignedIPs ?? '?'}, checkpoint allocations ${allocs.length}`)],
        remediation: 'Check /var/run/aws-node is writable (disk full, read-only remount) and ipamd.log for checkpoint write errors.', sops: ['vpc-cni-ip-allocation'],
      });
    }
    return ran(name, f, `${allocs.length} checkpoint allocations match IPAMD's live state`);
  },
};

export const VPC_CNI_CHECKS: NodeCheck[] = [snat, checkpoint];
