import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podUidFromLogDirs, resolveTarget, TargetError } from './netns.js';

// A fake HOST_ROOT with the kubelet's cgroup layouts (systemd driver on cgroup v2, cgroupfs driver
// on cgroup v1), /proc/<pid>/ns/net entries and /var/log/pods directories for several pods.
const UID_V2 = '3f1b2c4d-1111-4a5b-9c8d-0123456789ab';
const UID_V2_GUARANTEED = '5a5a5a5a-2222-4b4b-8c8c-abcdefabcdef';
const UID_V1 = '7e7e7e7e-3333-4c4c-9d9d-111122223333';
const UID_TERMINATING = '9f9f9f9f-4444-4d4d-8e8e-444455556666';
const UID_OTHER = 'aaaaaaaa-5555-4e4e-9f9f-777788889999';
const us = (u: string) => u.replace(/-/g, '_');

let v2: string;
let v1: string;
const file = async (root: string, p: string, text = '') => {
  await mkdir(join(root, p, '..'), { recursive: true });
  await writeFile(join(root, p), text);
};

beforeAll(async () => {
  v2 = await mkdtemp(join(tmpdir(), 'hostroot-v2-'));
  v1 = await mkdtemp(join(tmpdir(), 'hostroot-v1-'));
  // cgroup v2, systemd driver: burstable pod (pause + app), guaranteed pod, terminating pod (no pids)
  const burst = `sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${us(UID_V2)}.slice`;
  await file(v2, `${burst}/cri-containerd-aaaa1111.scope/cgroup.procs`, '');
  await file(v2, `${burst}/cri-containerd-bbbb2222.scope/cgroup.procs`, '4242\n4243\n');
  await file(v2, `sys/fs/cgroup/kubepods.slice/kubepods-pod${us(UID_V2_GUARANTEED)}.slice/cri-containerd-cccc3333.scope/cgroup.procs`, '5151\n');
  await file(v2, `sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${us(UID_TERMINATING)}.slice/cri-containerd-dddd4444.scope/cgroup.procs`, '');
  await file(v2, `sys/fs/cgroup/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${us(UID_OTHER)}.slice/cri-containerd-eeee5555.scope/cgroup.procs`, '6161\n');
  for (const pid of [1, 4242, 5151, 6161]) await file(v2, `proc/${pid}/ns/net`);
  await file(v2, 'sys/fs/cgroup/system.slice/containerd.service/cgroup.procs', '900\n');
  // /var/log/pods: web-7f9c once, two pods whose names contain it, and a recreated pod kept twice
  for (const d of [`default_web-7f9c_${UID_V2}`, `default_web-7f9c-abcde_${UID_OTHER}`, `default_web-7f9c-fghij_${UID_V2_GUARANTEED}`,
    `kube-system_coredns-1_${UID_TERMINATING}`, `kube-system_coredns-1_${UID_V1}`, `other_web-7f9c_${UID_V1}`]) await mkdir(join(v2, 'var/log/pods', d), { recursive: true });

  // cgroup v1, cgroupfs driver: one hierarchy per controller, pod<uid> with plain dashes
  await file(v1, `sys/fs/cgroup/memory/kubepods/burstable/pod${UID_V1}/0123abcd/cgroup.procs`, '7373\n');
  await file(v1, `sys/fs/cgroup/pids/kubepods/burstable/pod${UID_V1}/0123abcd/cgroup.procs`, '7373\n');
  await file(v1, `sys/fs/cgroup/pids/kubepods/pod${UID_V2_GUARANTEED}/4567ef/cgroup.procs`, '8484\n');
  for (const pid of [7373, 8484]) await file(v1, `proc/${pid}/ns/net`);
});
afterAll(async () => {
  await rm(v2, { recursive: true, force: true });
  await rm(v1, { recursive: true, force: true });
});

describe('pod UID → kubepods cgroup → pid → /proc/<pid>/ns/net', () => {
  it('cgroup v2, systemd driver, burstable pod: the first live pid of any container', async () => {
    const r = await resolveTarget({ kind: 'pod', uid: UID_V2 }, v2);
    expect(r).toMatchObject({ nsPath: join(v2, 'proc/4242/ns/net'), pid: 4242, podUid: UID_V2 });
  });
  it('cgroup v2, guaranteed pod (no QoS level in the slice path)', async () => {
    expect((await resolveTarget({ kind: 'pod', uid: UID_V2_GUARANTEED }, v2)).pid).toBe(5151);
  });
  it('accepts the UID in its systemd underscore form too', async () => {
    expect((await resolveTarget({ kind: 'pod', uid: us(UID_V2) }, v2)).pid).toBe(4242);
  });
  it('cgroup v1, cgroupfs driver: kubepods/<qos>/pod<uid>/<container>/cgroup.procs under a controller', async () => {
    expect((await resolveTarget({ kind: 'pod', uid: UID_V1 }, v1)).nsPath).toBe(join(v1, 'proc/7373/ns/net'));
    expect((await resolveTarget({ kind: 'pod', uid: UID_V2_GUARANTEED }, v1)).pid).toBe(8484);
  });
  it('a pod not on this node is an error that says so', async () => {
    await expect(resolveTarget({ kind: 'pod', uid: UID_V1 }, v2)).rejects.toThrow(/no kubepods cgroup for pod UID/);
  });
  it('a terminating pod (cgroups but no pids) is an error, not a wrong namespace', async () => {
    await expect(resolveTarget({ kind: 'pod', uid: UID_TERMINATING }, v2)).rejects.toThrow(/no live process/);
  });
  it('bad input: a UID with path characters never becomes a path', async () => {
    for (const uid of ['../../etc', `${UID_V2}/..`, '*', `${UID_V2}\n`]) await expect(resolveTarget({ kind: 'pod', uid }, v2)).rejects.toThrow(/is not a pod UID/);
  });
});

describe('pod namespace/name → UID from /var/log/pods (exact match only)', () => {
  it('an exact name resolves even when other pods contain it', async () => {
    expect(await podUidFromLogDirs(v2, 'default', 'web-7f9c')).toBe(UID_V2);
    const r = await resolveTarget({ kind: 'podName', namespace: 'default', name: 'web-7f9c' }, v2);
    expect(r.pid).toBe(4242);
    expect(r.description).toContain('default/web-7f9c');
  });
  it('bad input: a name that matches several pods by substring is an error listing them', async () => {
    const err = await podUidFromLogDirs(v2, 'default', 'web').catch((e: Error) => e);
    expect(err).toBeInstanceOf(TargetError);
    expect((err as Error).message).toMatch(/no pod named exactly default\/web/);
    for (const n of ['default/web-7f9c ', 'default/web-7f9c-abcde', 'default/web-7f9c-fghij']) expect((err as Error).message).toContain(n);
    expect((err as Error).message).not.toContain('other/web-7f9c'); // other namespaces are not candidates
  });
  it('two log directories for one name (a recreated pod) is ambiguous and lists both UIDs', async () => {
    await expect(podUidFromLogDirs(v2, 'kube-system', 'coredns-1')).rejects.toThrow(new RegExp(`matches 2 pods.*${UID_V1}.*${UID_TERMINATING}`));
  });
  it('an unknown pod is an error', async () => {
    await expect(podUidFromLogDirs(v2, 'default', 'nothing')).rejects.toThrow(/no pod default\/nothing/);
  });
  it('bad input: names that are not Kubernetes names are refused', async () => {
    await expect(podUidFromLogDirs(v2, 'default', '../x')).rejects.toThrow(/not a Kubernetes pod name/);
    await expect(podUidFromLogDirs(v2, 'a_b', 'web')).rejects.toThrow(/not a Kubernetes namespace name/);
  });
});

describe('other targets', () => {
  it('host: PID 1 under HOST_ROOT', async () => {
    expect((await resolveTarget({ kind: 'host' }, v2)).nsPath).toBe(join(v2, 'proc/1/ns/net'));
  });
  it('a host root without PID 1 (not the host /proc) is an error', async () => {
    await expect(resolveTarget({ kind: 'host' }, v1)).rejects.toThrow(TargetError);
  });
  it('pid: /proc/<pid>/ns/net under HOST_ROOT, a missing process is an error', async () => {
    expect((await resolveTarget({ kind: 'pid', pid: 6161 }, v2)).nsPath).toBe(join(v2, 'proc/6161/ns/net'));
    await expect(resolveTarget({ kind: 'pid', pid: 999999 }, v2)).rejects.toThrow(/process gone/);
    await expect(resolveTarget({ kind: 'pid', pid: -1 }, v2)).rejects.toThrow(/not a process id/);
  });
  it('netns path: must exist', async () => {
    await expect(resolveTarget({ kind: 'netns', path: join(v2, 'run/netns/missing') })).rejects.toThrow(/no network namespace file/);
  });
});
