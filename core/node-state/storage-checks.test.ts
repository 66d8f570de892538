import { describe, expect, it } from 'vitest';
import { KUBELET_YAML } from '../../test/fixtures/kubelet-config-yaml.js';
import { checkFiles, HEALTHY, withFiles } from '../../test/fixtures/node-state-files.js';
import { parseKubeletConfig } from './kubelet-config.js';
import { textLines } from './lines.js';

const run = async (over: Record<string, string | null>) => (await checkFiles(withFiles(over))).findings;
const codes = async (over: Record<string, string | null>) => (await run(over)).map((f) => `${f.code}:${f.severity}`);
const mounts = HEALTHY['storage/mounts.txt']!;
const inodes = HEALTHY['storage/inodes.txt']!;

describe('storage checks', () => {
  it('disk use >= 85 % is a warning, >= 95 % critical (overlay and tmpfs rows are not counted twice)', async () => {
    expect(await codes({ 'storage/mounts.txt': mounts.replace('80G   31G   50G  39% /\n', '80G   69G   11G  87% /\n') })).toEqual(['DiskUsageHigh:warning']);
    const full = mounts.replace('80G   31G   50G  39% /\n', '80G   77G  3.0G  97% /\n').replace('80G   31G   50G  39% /run', '80G   77G  3.0G  97% /run');
    const f = await run({ 'storage/mounts.txt': full });
    expect(f.map((x) => `${x.code}:${x.severity}`)).toEqual(['DiskUsageCritical:critical', 'NodefsEvictionThreshold:critical']);
    expect(f[0]!.evidence[0]).toMatchObject({ path: 'storage/mounts.txt', line: 10 });
  });

  it('inode use >= 85 %', async () => {
    expect(await codes({ 'storage/inodes.txt': inodes.replace('41942512 612345 41330167    2% /\n', '41942512 36000000 5942512   86% /\n') })).toEqual(['InodeUsageHigh:warning']);
  });

  it('overlay inode exhaustion is reported once for all overlay rows', async () => {
    const rows = inodes.replace('41942512 612345 41330167    2% /run', '41942512 41942000    512  100% /run') + 'overlay        41942512 41942000    512  100% /run/containerd/x/rootfs\n';
    expect(await codes({ 'storage/inodes.txt': rows })).toEqual(['OverlayInodeExhaustion:critical']);
  });

  it('read-only remounts of xfs/ext4 and of CSI volumes (sysfs ro is expected)', async () => {
    const ro = mounts.replace('on / type xfs (rw,', 'on / type xfs (ro,').replace('pvc-1/mount type ext4 (rw,', 'pvc-1/mount type ext4 (ro,');
    const f = await run({ 'storage/mounts.txt': ro });
    expect(f.map((x) => x.code)).toEqual(['ReadOnlyFilesystem', 'CsiVolumeReadOnly']);
    expect(f[1]!.sops).toContain('ebs-csi-attach-mount');
    expect(await codes({ 'storage/mounts.txt': `/dev/dm-0 on / type ext4 (ro,relatime)\n${mounts}` })).toEqual([]);
  });

  it('root filesystem below kubelet evictionHard nodefs.available', async () => {
    const f = await run({ 'kubelet/config.json': JSON.stringify({ evictionHard: { 'nodefs.available': '65%' } }) });
    expect(f.map((x) => x.code)).toEqual(['NodefsEvictionThreshold']);
  });

  it('when kubelet/config.json holds the YAML KubeletConfiguration (the collector copied config.yaml), the eviction check judges it and points at its line', async () => {
    const f = await run({ 'kubelet/config.json': KUBELET_YAML.replace('nodefs.available: "10%"', 'nodefs.available: "65%"') });
    expect(f.map((x) => x.code)).toEqual(['NodefsEvictionThreshold']);
    expect(f[0]!.evidence[1]).toEqual({ path: 'kubelet/config.json', line: 35, text: 'nodefs.available: 65%' });
    const ok = await checkFiles(withFiles({ 'kubelet/config.json': KUBELET_YAML }));
    expect(ok.checked.find((c) => c.check === 'kubelet-nodefs-eviction')).toMatchObject({ status: 'ok' });
  });

  it('a kubelet config that is neither JSON nor YAML, or a YAML alias bomb, is not checked and says why', async () => {
    for (const bad of ['{"evictionHard": {"nodefs.available": "65%"', 'evictionHard: [unclosed', `a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\nevictionHard: {nodefs.available: "65%"}\n`]) {
      const r = await checkFiles(withFiles({ 'kubelet/config.json': bad }));
      expect(r.findings.filter((x) => x.check === 'kubelet-nodefs-eviction')).toEqual([]);
      expect(r.checked.find((c) => c.check === 'kubelet-nodefs-eviction')).toMatchObject({ status: 'not-checked' });
    }
    expect((await parseKubeletConfig(textLines('evictionHard: [unclosed'))).error).toMatch(/^YAML: /);
  });

  it('missing storage files are not checked, never ok', async () => {
    const r = await checkFiles(withFiles({ 'storage/mounts.txt': null, 'storage/inodes.txt': null, 'system/ps.txt': null }));
    expect(r.checked.filter((c) => c.area === 'storage').map((c) => `${c.check}:${c.status}`))
      .toEqual(['disk-usage:not-checked', 'inode-usage:not-checked', 'overlay-inodes:not-checked', 'readonly-mounts:not-checked', 'kubelet-nodefs-eviction:not-checked',
        'node-daemons:not-checked', 'zombie-processes:not-checked', 'uninterruptible-processes:not-checked']);
  });
});
