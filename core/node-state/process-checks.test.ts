import { describe, expect, it } from 'vitest';
import { checkFiles, HEALTHY, withFiles } from '../../test/fixtures/node-state-files.js';
import { textLines } from './lines.js';
import { parsePs } from './ps.js';

const PS = HEALTHY['system/ps.txt']!;
const run = async (over: Record<string, string | null>) => checkFiles(withFiles(over));
const codes = async (over: Record<string, string | null>) => (await run(over)).findings.map((f) => f.code);
const status = async (over: Record<string, string | null>, check: string) => (await run(over)).checked.find((c) => c.check === check);
const without = (exe: string) => PS.split('\n').filter((l) => !l.includes(exe)).join('\n');

/** eks-log-collector.sh's `ps fauxwww --headers`: forest art in COMMAND, the header repeated per page. */
const FOREST = [
  'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
  'root           2  0.0  0.0      0     0 ?        S    Mar14   0:00 [kthreadd]',
  'root           1  0.0  0.1 171820 14860 ?        Ss   Mar14   0:04 /usr/lib/systemd/systemd --switched-root --system --deserialize 21',
  'root        2712  0.4  0.6 1915540 52140 ?       Ssl  Mar14   1:12 /usr/bin/containerd',
  'root        3301  0.0  0.1 1238004 12044 ?       Sl   Mar14   0:02 /usr/bin/containerd-shim-runc-v2 -namespace k8s.io -id 3f2e9c1d7a6b -address /run/containerd/containerd.sock',
  'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND',
  '65535       3320  0.0  0.0    972     4 ?        Ss   Mar14   0:00  \\_ /pause',
  'root        3490  0.2  0.6 1331356 49876 ?       Ssl  Mar14   0:31  \\_ ./aws-k8s-agent',
  'root        4100  0.0  0.0      0     0 ?        D    Mar14   0:00  |   \\_ [nfs-writer]',
  'root        2950  1.2 31.3 1902488 3204312 ?     Ssl  Mar14   3:41 /usr/bin/kubelet --config /etc/kubernetes/kubelet/config.json',
  '',
].join('\n');

/** The collector's `ps -eLo pid,tid,ppid,stat,pcpu,pmem,comm`: one row per thread, no RSS. */
const THREADS = [
  '    PID     TID    PPID STAT %CPU %MEM COMMAND',
  '      1       1       0 Ss    0.0  0.1 systemd',
  '      2       2       0 S     0.0  0.0 kthreadd',
  '   2712    2712       1 Ssl   0.4  0.6 containerd',
  '   2712    2713       1 Dsl   0.0  0.6 containerd',
  '   2950    2950       1 Ssl   1.2  1.3 kubelet',
  '   2950    2951       1 Ssl   1.2  1.3 kubelet',
  '   3490    3490    3301 Ssl   0.2  0.6 aws-k8s-agent',
  '',
].join('\n');

describe('ps parser', () => {
  it('ps auxww: daemons with RSS, zombies, host view', async () => {
    const p = await parsePs(textLines(PS));
    expect(p.rows).toBe(7);
    expect(p.hostView).toBe(true);
    expect(p.daemons.kubelet).toMatchObject({ pid: 2950, rssKiB: 104312, line: 5 });
    expect(p.daemons['aws-k8s-agent']).toMatchObject({ pid: 3490 });
    expect(p.daemons.containerd).toMatchObject({ pid: 2712 }); // not containerd-shim-runc-v2
    expect([p.zombieCount, p.dStateCount]).toEqual([1, 0]);
  });

  it('ps fauxwww --headers: forest art stripped, repeated header skipped', async () => {
    const p = await parsePs(textLines(FOREST));
    expect(p.rows).toBe(8);
    expect(p.daemons['aws-k8s-agent']).toMatchObject({ pid: 3490, rssKiB: 49876 });
    expect(p.dState.map((x) => x.pid)).toEqual([4100]);
  });

  it('ps -eLo … comm (threads): a daemon counted once, D-state threads counted, RSS unknown', async () => {
    const p = await parsePs(textLines(THREADS));
    expect(p.daemons.kubelet).toMatchObject({ pid: 2950, rssKiB: null, line: 6 });
    expect(p.dStateCount).toBe(1);
  });

  it('bad input: no header, garbage rows, a cut last line', async () => {
    expect((await parsePs(textLines('hello\nworld\n'))).error).toMatch(/no ps header/);
    const cut = await parsePs(textLines(`${PS.trimEnd()}\nroot        99  0.0`));
    expect([cut.rows, cut.badRows]).toEqual([7, 1]);
  });
});

describe('process checks', () => {
  it('kubelet, containerd, aws-k8s-agent not running', async () => {
    const r = await run({ 'system/ps.txt': without('kubelet --config') });
    expect(r.findings.map((f) => [f.code, f.severity])).toEqual([['KubeletNotRunning', 'critical']]);
    expect(await codes({ 'system/ps.txt': without('/usr/bin/containerd\n').replace(/.*\/usr\/bin\/containerd$/m, '') })).toEqual(['ContainerdNotRunning']);
    expect(await codes({ 'system/ps.txt': without('aws-k8s-agent') })).toEqual(['AwsNodeAgentNotRunning']);
  });

  it('aws-k8s-agent absence is not a problem without the VPC CNI', async () => {
    const noCni = { 'system/ps.txt': without('aws-k8s-agent'), 'ipamd/enis.json': null, 'ipamd/pods.json': null, 'ipamd/ipamd-env-settings.json': null, 'ipamd/networkutils-env-settings.json': null, 'ipamd/ipam.json': null, 'cni/10-aws.conflist': JSON.stringify({ name: 'cilium', plugins: [{ type: 'cilium-cni' }] }) };
    expect((await run(noCni)).findings.filter((f) => f.check === 'node-daemons')).toEqual([]);
  });

  it('absence is not judged from a container\'s PID namespace or a listing cut at the size cap', async () => {
    const inPod = without('kubelet --config').replace(/^root +2 .*kthreadd.*\n/m, '');
    expect(await status({ 'system/ps.txt': inPod }, 'node-daemons')).toMatchObject({ status: 'ok', reason: expect.stringContaining('does not show the host PID namespace') });
    const manifest = JSON.stringify({ sources: [{ id: 'ps', status: 'truncated', outputs: ['system/ps.txt'] }] });
    expect(await codes({ 'system/ps.txt': without('kubelet --config'), 'collector-manifest.json': manifest })).toEqual([]);
  });

  it('daemon RSS over its threshold', async () => {
    const r = await run({ 'system/ps.txt': FOREST });
    expect(r.findings.map((f) => [f.code, f.title])).toEqual([['DaemonMemoryHigh', 'kubelet uses 3129 MiB resident']]);
    expect(r.findings[0]!.evidence[0]!.line).toBe(10);
  });

  it('zombies and D-state processes over their thresholds', async () => {
    const z = Array.from({ length: 50 }, (_, i) => `root     ${5000 + i}  0.0  0.0      0     0 ?        Z    08:01   0:00 [sh] <defunct>`).join('\n');
    const d = Array.from({ length: 5 }, (_, i) => `root     ${6000 + i}  0.0  0.0   4000   800 ?        D    08:01   0:00 cp /data/a /mnt/efs/b`).join('\n');
    expect(await codes({ 'system/ps.txt': `${PS}${z}\n` })).toEqual(['ZombieProcesses']);
    const r = await run({ 'system/ps.txt': `${PS}${d}\n` });
    expect(r.findings.map((f) => [f.code, f.severity, f.evidence.length])).toEqual([['ProcessesInDState', 'high', 5]]);
  });

  it('falls back to ps-threads.txt; unreadable listing → not checked', async () => {
    expect(await status({ 'system/ps.txt': null, 'system/ps-threads.txt': THREADS }, 'node-daemons')).toMatchObject({ status: 'ok', reason: 'running: kubelet, containerd, aws-k8s-agent' });
    expect(await status({ 'system/ps.txt': '\u0000\u0001garbage' }, 'zombie-processes')).toMatchObject({ status: 'not-checked', reason: expect.stringContaining('unreadable') });
  });
});
