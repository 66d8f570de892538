import type { Manifest } from '../bundle/manifest.js';

/**
 * The files an eks-log-collector.sh bundle normally holds, by the analysis that needs them. Data,
 * so `validate` and correlate's "data gaps" agree on what a complete bundle is.
 */
export const EXPECTED_FILES: { path: string; needed_for: string; glob?: boolean }[] = [
  { path: 'kubelet/kubelet.log', needed_for: 'kubelet health, pod lifecycle, node status' },
  { path: 'containerd/containerd-log.txt', needed_for: 'container runtime, sandbox and image pull failures' },
  { path: 'kernel/dmesg.current', needed_for: 'OOM kills, lockups, driver and filesystem errors' },
  { path: 'var_log/aws-routed-eni/ipamd.log', needed_for: 'VPC CNI IP allocation' },
  { path: 'var_log/aws-routed-eni/plugin.log', needed_for: 'CNI ADD/DEL failures' },
  { path: 'ipamd/enis.json', needed_for: 'ENI and IP inventory' },
  { path: 'networking/iptables-save.txt', needed_for: 'kube-proxy rules, SNAT, DROP/REJECT rules' },
  { path: 'networking/iproute.txt', needed_for: 'routes and policy routing' },
  { path: 'networking/iprule.txt', needed_for: 'pod ip rules' },
  { path: 'networking/conntrack.txt', needed_for: 'conntrack pressure' },
  { path: 'networking/resolv.conf', needed_for: 'DNS configuration' },
  { path: 'cni/', needed_for: 'CNI configuration (conflist)', glob: true },
  { path: 'sysctls/sysctl_all.txt', needed_for: 'kernel network and memory settings' },
  { path: 'storage/mounts.txt', needed_for: 'mounts and disk usage' },
  { path: 'storage/inodes.txt', needed_for: 'inode usage' },
  { path: 'system/ps.txt', needed_for: 'processes' },
  { path: 'system/instance-id.txt', needed_for: 'node identity' },
];

export interface FileCheck {
  path: string;
  needed_for: string;
  state: 'present' | 'empty' | 'missing';
  size: number;
}

export function checkExpectedFiles(m: Manifest): FileCheck[] {
  return EXPECTED_FILES.map((e) => {
    const hits = m.files.filter((f) => (e.glob ? f.path.startsWith(e.path) : f.path === e.path));
    const size = hits.reduce((n, f) => n + f.size, 0);
    return { path: e.path, needed_for: e.needed_for, state: hits.length === 0 ? 'missing' : size === 0 ? 'empty' : 'present', size };
  });
}
