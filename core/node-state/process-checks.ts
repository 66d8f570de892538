import { ev, type NDraft, type NodeCheck, notChecked, ran, wholeFile } from './finding.js';
import { DAEMONS, type Daemon } from './ps.js';
import type { NodeState } from './state.js';
import { STATE_PATHS } from './state.js';

/** A ps listing the process checks can use, or why not. */
function listing(s: NodeState, check: string) {
  if (!s.ps) return { no: notChecked(check, STATE_PATHS.ps) };
  if (s.ps.value.error || s.ps.value.rows === 0) return { no: { check, status: 'not-checked' as const, reason: `not checked: ${s.ps.path} unreadable (${s.ps.value.error ?? 'no process rows'})`, findings: [] } };
  return { ps: s.ps };
}

const RUNNING: Record<Daemon, { code: string; severity: 'critical' | 'high'; why: string; fix: string; sops: string[] }> = {
  kubelet: { code: 'KubeletNotRunning', severity: 'critical', why: 'the node cannot run or report pods and goes NotReady', fix: 'systemctl status kubelet; journalctl -u kubelet for why it exited (config, certificates, container runtime).', sops: ['systemd-unit-failures', 'node-notready-kubelet-oom'] },
  containerd: { code: 'ContainerdNotRunning', severity: 'critical', why: 'no container can start and kubelet reports the runtime down', fix: 'systemctl status containerd; journalctl -u containerd (config.toml errors, disk full on /var/lib/containerd).', sops: ['containerd-failures'] },
  'aws-k8s-agent': { code: 'AwsNodeAgentNotRunning', severity: 'high', why: 'IPAMD is down: new pods get no IP address (CNI ADD fails) and the VPC CNI does not reconcile', fix: 'kubectl -n kube-system get pod -l k8s-app=aws-node -o wide for this node; read its logs and ipamd.log.', sops: ['vpc-cni-ip-allocation'] },
};

/** Whether this node runs the VPC CNI (so aws-k8s-agent, IPAMD, must be running). */
const usesVpcCni = (s: NodeState) => !!s.enis || !!s.env || !!s.conflist?.value.plugins.includes('aws-cni');

/**
 * kubelet, containerd and (with the VPC CNI) aws-k8s-agent must be running; their resident memory is
 * compared with thresholds. "Not running" needs a whole listing of the host's processes: a listing cut
 * at the size cap, or one made inside a container's PID namespace, only lets the memory part run.
 */
const daemons: NodeCheck = {
  name: 'node-daemons',
  area: 'storage',
  run: (s, t) => {
    const l = listing(s, 'node-daemons');
    if (!l.ps) return l.no!;
    const { path, value: ps } = l.ps;
    const f: NDraft[] = [];
    const whole = ps.hostView && !s.truncated?.has(path);
    for (const d of DAEMONS) {
      const p = ps.daemons[d];
      if (!p) {
        if (!whole || (d === 'aws-k8s-agent' && !usesVpcCni(s))) continue;
        const r = RUNNING[d];
        f.push({
          code: r.code, title: `${d} is not running`, severity: r.severity, category: d === 'aws-k8s-agent' ? 'networking' : 'storage',
          message: `No ${d} process among the ${ps.rows} rows of ${path} (a full host listing): ${r.why}.`,
          evidence: [wholeFile(path, `no ${d} process among ${ps.rows} rows`)], remediation: r.fix, sops: r.sops,
        });
        continue;
      }
      const limit = t.processes.rss_warning_mib[d];
      if (p.rssKiB !== null && p.rssKiB / 1024 > limit) f.push({
        code: 'DaemonMemoryHigh', title: `${d} uses ${Math.round(p.rssKiB / 1024)} MiB resident`, severity: 'warning', category: 'storage',
        message: `${d} (pid ${p.pid}) has ${Math.round(p.rssKiB / 1024)} MiB resident, above ${limit} MiB: a leak or a very large node; it competes with pods for memory and risks the OOM killer.`,
        evidence: [ev(path, p.line, p.text)], remediation: `Compare with the node's pod count and ${d}'s version; restart it in a maintenance window and raise system-reserved/kube-reserved memory if the size is legitimate.`, sops: ['oom-memory-pressure'],
      });
    }
    const seen = DAEMONS.filter((d) => ps.daemons[d]).join(', ') || 'none';
    return ran('node-daemons', f, whole ? `running: ${seen}` : `running: ${seen} (absence not judged: ${ps.hostView ? 'listing cut at the size cap' : 'listing does not show the host PID namespace'})`);
  },
};

/** Zombies pile up when a parent never reaps its children; each holds a PID until pids run out. */
const zombies: NodeCheck = {
  name: 'zombie-processes',
  area: 'storage',
  run: (s, t) => {
    const l = listing(s, 'zombie-processes');
    if (!l.ps) return l.no!;
    const { path, value: ps } = l.ps;
    if (!ps.hasState) return { check: 'zombie-processes', status: 'not-checked', reason: `not checked: ${path} has no STAT column`, findings: [] };
    return ran('zombie-processes', ps.zombieCount >= t.processes.zombie_warning ? [{
      code: 'ZombieProcesses', title: `${ps.zombieCount} zombie processes`, severity: 'warning', category: 'storage',
      message: `${ps.zombieCount} processes are zombies (state Z, threshold ${t.processes.zombie_warning}): their parents do not reap them, and each holds a PID; enough of them exhaust pid_max or a pod's pids.max.`,
      evidence: ps.zombies.slice(0, 5).map((p) => ev(path, p.line, p.text)),
      remediation: 'Find the parent (ps -o ppid= -p <pid>) and fix or restart it; containers that fork should run an init (tini, shareProcessNamespace or a proper PID 1).', sops: ['pid-pressure'],
    }] : [], `${ps.zombieCount} zombies`);
  },
};

/** Processes stuck in uninterruptible sleep are waiting on I/O that does not complete. */
const dState: NodeCheck = {
  name: 'uninterruptible-processes',
  area: 'storage',
  run: (s, t) => {
    const l = listing(s, 'uninterruptible-processes');
    if (!l.ps) return l.no!;
    const { path, value: ps } = l.ps;
    if (!ps.hasState) return { check: 'uninterruptible-processes', status: 'not-checked', reason: `not checked: ${path} has no STAT column`, findings: [] };
    return ran('uninterruptible-processes', ps.dStateCount >= t.processes.d_state_warning ? [{
      code: 'ProcessesInDState', title: `${ps.dStateCount} processes in uninterruptible sleep (D)`, severity: 'high', category: 'storage',
      message: `${ps.dStateCount} processes are in state D (threshold ${t.processes.d_state_warning}) when ps ran: they wait on I/O that does not finish (a stalled EBS volume, an unreachable NFS/EFS server, a hung device) and cannot be killed.`,
      evidence: ps.dState.slice(0, 5).map((p) => ev(path, p.line, p.text)),
      remediation: 'Look at dmesg for "blocked for more than 120 seconds" and I/O errors, at the volumes these processes use, and at EBS/EFS health; a node stuck this way usually needs replacing.', sops: ['storage-io-errors'],
    }] : [], `${ps.dStateCount} in state D`);
  },
};

export const PROCESS_CHECKS: NodeCheck[] = [daemons, zombies, dState];
