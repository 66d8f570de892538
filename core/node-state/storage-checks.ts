import type { DfRow } from './df.js';
import { ev, type NDraft, type NodeCheck, notChecked, ran } from './finding.js';
import { STATE_PATHS } from './state.js';

const sev = (pct: number, warn: number, crit: number) => (pct >= crit ? 'critical' : pct >= warn ? 'warning' : null);

/** df -h Use% per filesystem (overlay/tmpfs rows excluded: they repeat or are memory). */
const disk: NodeCheck = {
  name: 'disk-usage',
  area: 'storage',
  run: (s, t) => {
    if (!s.mounts) return notChecked('disk-usage', STATE_PATHS.mounts);
    const rows = s.mounts.value.df.filter((r) => !t.disk.ignore_filesystems.includes(r.filesystem));
    if (rows.length === 0) return { check: 'disk-usage', status: 'not-checked', reason: `not checked: no df output in ${s.mounts.path}`, findings: [] };
    const f: NDraft[] = [];
    for (const r of rows) {
      const level = r.usePct === null ? null : sev(r.usePct, t.disk.warning_pct, t.disk.critical_pct);
      if (level) f.push({
        code: level === 'critical' ? 'DiskUsageCritical' : 'DiskUsageHigh', title: `${r.mount} is ${r.usePct}% full`, severity: level, category: 'storage',
        message: `${r.filesystem} mounted on ${r.mount} is ${r.usePct}% used (size ${r.cols[0]}, available ${r.cols[2]}); kubelet evicts pods and garbage-collects images under disk pressure.`,
        evidence: [ev(s.mounts.path, r.line, r.text)], remediation: 'Free space (crictl rmi --prune, old logs, emptyDir hogs) or grow the volume; check kubelet image GC thresholds.', sops: ['disk-pressure'],
      });
    }
    return ran('disk-usage', f, `${rows.length} filesystems below ${t.disk.warning_pct}%`);
  },
};

/** The most-used overlay row stands for all of them: they share one backing filesystem. */
function worst(rows: DfRow[]): DfRow | undefined {
  return rows.reduce<DfRow | undefined>((w, r) => (r.usePct !== null && (w === undefined || r.usePct > (w.usePct ?? -1)) ? r : w), undefined);
}

/** df -i IUse% per filesystem, overlay rows excluded (the overlay check reports them once). */
const inodes: NodeCheck = {
  name: 'inode-usage',
  area: 'storage',
  run: (s, t) => {
    if (!s.inodes) return notChecked('inode-usage', STATE_PATHS.inodes);
    const f: NDraft[] = [];
    const rows = s.inodes.value.filter((r) => !t.disk.ignore_filesystems.includes(r.filesystem));
    for (const r of rows) {
      const level = r.usePct === null ? null : sev(r.usePct, t.inodes.warning_pct, t.inodes.critical_pct);
      if (level) f.push({
        code: 'InodeUsageHigh', title: `${r.mount} inodes ${r.usePct}% used`, severity: level, category: 'storage',
        message: `${r.filesystem} on ${r.mount} has used ${r.usePct}% of its inodes (${r.cols[1]} of ${r.cols[0]}): file creation fails with "no space left on device" while df -h shows free space.`,
        evidence: [ev(s.inodes.path, r.line, r.text)], remediation: 'Find the directories with the most files (container layers, logs, small cache files) and clean them.', sops: ['disk-pressure', 'overlayfs-inode-exhaustion'],
      });
    }
    return ran('inode-usage', f, `${rows.length} filesystems below ${t.inodes.warning_pct}%`);
  },
};

const overlay: NodeCheck = {
  name: 'overlay-inodes',
  area: 'storage',
  run: (s, t) => {
    if (!s.inodes) return notChecked('overlay-inodes', STATE_PATHS.inodes);
    const rows = s.inodes.value.filter((r) => r.filesystem === 'overlay');
    const w = worst(rows);
    if (!w || w.usePct === null) return { check: 'overlay-inodes', status: 'ok', reason: 'no overlay mount in df -i', findings: [] };
    const level = sev(w.usePct, t.inodes.warning_pct, t.inodes.critical_pct);
    return ran('overlay-inodes', level ? [{
      code: 'OverlayInodeExhaustion', title: `Overlay filesystems ${w.usePct}% of inodes used`, severity: level, category: 'storage',
      message: `${rows.length} overlay mounts report inode use up to ${w.usePct}%: containers fail to start or write ("no space left on device") once the backing filesystem runs out of inodes.`,
      evidence: [ev(s.inodes.path, w.line, w.text)], remediation: 'Prune unused images and stopped containers (crictl rmi --prune), find pods writing many small files, or use a filesystem with more inodes.', sops: ['overlayfs-inode-exhaustion', 'disk-pressure'],
    }] : [], `overlay inode use at most ${w.usePct}%`);
  },
};

/** A writable filesystem mounted ro is the kernel's answer to I/O errors, or a CSI volume gone wrong. */
const readOnly: NodeCheck = {
  name: 'readonly-mounts',
  area: 'storage',
  run: (s, t) => {
    if (!s.mounts) return notChecked('readonly-mounts', STATE_PATHS.mounts);
    const cfg = t.readonly_mounts;
    const ignoreSource = new RegExp(cfg.ignore_source_pattern);
    const bad = s.mounts.value.mounts.filter((m) => m.options.includes('ro') && cfg.types.includes(m.type) && !ignoreSource.test(m.source)
      && !cfg.ignore_mount_prefixes.some((p) => m.mount === p || m.mount.startsWith(`${p}/`)));
    const f: NDraft[] = bad.map((m) => {
      const csi = /kubernetes\.io[~/]csi/.test(m.mount);
      return {
        code: csi ? 'CsiVolumeReadOnly' : 'ReadOnlyFilesystem', title: `${m.mount} is mounted read-only`, severity: 'high' as const, category: 'storage' as const,
        message: `${m.source} (${m.type}) is mounted read-only on ${m.mount}${csi ? ': a CSI volume a pod expects to write' : ': usually a remount after I/O or filesystem errors'}.`,
        evidence: [ev(s.mounts!.path, m.line, m.text)],
        remediation: csi ? 'Check the CSI node plugin log and the volume attachment; restart the pod to re-stage, fsck the volume if it was remounted after errors.' : 'Read dmesg for the I/O or filesystem error that forced the remount; replace the node or repair the volume.',
        sops: csi ? ['ebs-csi-attach-mount', 'csi-node-plugin-failures'] : ['storage-io-errors'],
      };
    });
    return ran('readonly-mounts', f, `${s.mounts.value.mounts.length} mounts, none unexpectedly read-only`);
  },
};

/** kubelet's own eviction line: root filesystem available below evictionHard nodefs.available (%). */
const eviction: NodeCheck = {
  name: 'kubelet-nodefs-eviction',
  area: 'storage',
  run: (s) => {
    if (!s.kubelet) return notChecked('kubelet-nodefs-eviction', STATE_PATHS.kubelet);
    if (!s.mounts) return notChecked('kubelet-nodefs-eviction', STATE_PATHS.mounts);
    const th = s.kubelet.value.evictionHard.get('nodefs.available');
    const m = th ? /^(\d+(?:\.\d+)?)%$/.exec(th.value) : null;
    const root = s.mounts.value.df.find((r) => r.mount === '/');
    if (!m || !root || root.usePct === null) return { check: 'kubelet-nodefs-eviction', status: 'not-checked', reason: 'not checked: no percentage nodefs.available in kubelet evictionHard, or no df row for /', findings: [] };
    const avail = 100 - root.usePct;
    return ran('kubelet-nodefs-eviction', avail < Number(m[1]) ? [{
      code: 'NodefsEvictionThreshold', title: 'Root filesystem below kubelet nodefs.available', severity: 'critical', category: 'storage',
      message: `/ has about ${avail}% available, below kubelet's evictionHard nodefs.available=${th!.value}: the node reports DiskPressure and evicts pods.`,
      evidence: [ev(s.mounts.path, root.line, root.text), ev(s.kubelet.path, th!.line, `nodefs.available: ${th!.value}`)],
      remediation: 'Free space on / (images, logs) or grow the root volume.', sops: ['disk-pressure', 'eviction-manager'],
    }] : []);
  },
};

export const STORAGE_CHECKS: NodeCheck[] = [disk, inodes, overlay, readOnly, eviction];
