import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostPathError, openHostFile, resolveHostPath, walkHostDir } from './host-root.js';

let dir: string;
let root: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'host-root-'));
  root = join(dir, 'root');
  await mkdir(join(root, 'var/log/pods/ns_pod_uid/c'), { recursive: true });
  await mkdir(join(root, 'var/log/containers'), { recursive: true });
  await writeFile(join(root, 'var/log/pods/ns_pod_uid/c/0.log'), 'pod log\n');
  await writeFile(join(dir, 'outside.txt'), 'outside\n');
  // absolute link as the kubelet makes them: means the HOST's /var/log/pods, i.e. under the root
  await symlink('/var/log/pods/ns_pod_uid/c/0.log', join(root, 'var/log/containers/pod_ns_c-1.log'));
  await symlink('../../../../outside.txt', join(root, 'var/log/climb.log'));
  await symlink(join(dir, 'outside.txt'), join(root, 'var/log/abs-outside.log'));
  await symlink('loop-b', join(root, 'var/log/loop-a'));
  await symlink('loop-a', join(root, 'var/log/loop-b'));
  await symlink('/var/log', join(root, 'var/log/pods/ns_pod_uid/c/up'));
  execFileSync('mkfifo', [join(root, 'var/log/fifo.log')]);
  await mkdir(join(root, 'etc/kubelet-config.json'), { recursive: true });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('resolveHostPath', () => {
  it('resolves an absolute symlink against HOST_ROOT, not the collector root', async () => {
    expect(await resolveHostPath(root, '/var/log/containers/pod_ns_c-1.log')).toBe(join(root, 'var/log/pods/ns_pod_uid/c/0.log'));
  });
  it('when a symlink climbs above HOST_ROOT with "..", it refuses with kind escape', async () => {
    await expect(resolveHostPath(root, '/var/log/climb.log')).rejects.toMatchObject({ kind: 'escape' });
  });
  it('when a path climbs with "..", it refuses', async () => {
    await expect(resolveHostPath(root, '/../outside.txt')).rejects.toBeInstanceOf(HostPathError);
  });
  it('when a symlink points at an absolute path outside, it looks under HOST_ROOT instead (and finds nothing)', async () => {
    await expect(resolveHostPath(root, '/var/log/abs-outside.log')).rejects.toMatchObject({ kind: 'missing' });
  });
  it('when symlinks loop, it stops with an error instead of spinning', async () => {
    await expect(resolveHostPath(root, '/var/log/loop-a')).rejects.toMatchObject({ kind: 'escape' });
  });
});

describe('openHostFile', () => {
  it('when a FIFO sits where a log is expected, it refuses at once instead of blocking', async () => {
    const t0 = Date.now();
    await expect(openHostFile(root, '/var/log/fifo.log')).rejects.toMatchObject({ kind: 'not-a-file', message: expect.stringContaining('FIFO') });
    expect(Date.now() - t0).toBeLessThan(1000);
  });
  it('when a directory sits where a file is expected, it says so', async () => {
    await expect(openHostFile(root, '/etc/kubelet-config.json')).rejects.toMatchObject({ kind: 'not-a-file', message: expect.stringContaining('directory') });
  });
  it('opens a regular file and reports its size', async () => {
    const f = await openHostFile(root, '/var/log/pods/ns_pod_uid/c/0.log');
    expect(f.size).toBe(8);
    await f.fh.close();
  });
});

describe('walkHostDir', () => {
  it('lists files and file symlinks, but does not enter a symlinked directory', async () => {
    const { files } = await walkHostDir(root, '/var/log', { maxFiles: 100, maxDepth: 6 });
    const rels = files.map((f) => f.rel);
    expect(rels).toContain('pods/ns_pod_uid/c/0.log');
    expect(rels).toContain('containers/pod_ns_c-1.log');
    expect(rels.some((r) => r.includes('/up/'))).toBe(false);
  });
  it('stops at maxFiles and says so', async () => {
    const r = await walkHostDir(root, '/var/log', { maxFiles: 2, maxDepth: 6 });
    expect(r.files).toHaveLength(2);
    expect(r.capped).toBe(true);
  });
});
