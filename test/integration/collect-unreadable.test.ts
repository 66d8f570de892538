import { spawnSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorManifest } from '../../collector/manifest.js';

// Root reads a mode-000 file and lists a mode-000 directory, so "unreadable" needs a collector that
// is not root: the built collector (dist/, which scripts/test.sh builds first) runs in a child
// dropped to nobody with setpriv, as the non-root CLI test in collect-local.test.ts does.
const root = resolve(import.meta.dirname, '../..');
let dir: string;
let m: CollectorManifest;
const rec = (id: string) => m.sources.find((s) => s.id === id)!;

const CHILD = `
import pino from 'pino';
import { collectNode } from './dist/collector/collect.js';
import { loadSources } from './dist/collector/sources.js';
const [hostRoot, stagingDir, ids] = JSON.parse(process.argv[1]);
const m = await collectNode({ hostRoot, stagingDir, node: 'n', method: 'local', sinceMs: Date.now() - 60000, exec: { inPod: false },
  log: pino({ level: 'silent' }), minFreeBytes: 1, sources: loadSources().filter((s) => ids.includes(s.id)) });
process.stdout.write(JSON.stringify(m));
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'collect-unreadable-'));
  await chmod(dir, 0o755);
  const host = join(dir, 'host');
  const put = async (rel: string, body: string, mode = 0o644) => {
    await mkdir(dirname(join(host, rel)), { recursive: true });
    await writeFile(join(host, rel), body);
    await chmod(join(host, rel), mode);
  };
  await put('etc/os-release', 'NAME="Amazon Linux"\nID="amzn"\nVERSION_ID="2023"\n');
  await put('etc/resolv.conf', 'nameserver 10.0.0.2\n');
  await put('var/log/messages', 'Mar 14 08:00:01 host systemd[1]: Started kubelet.service.\n', 0o000);
  await put('var/log/pods/kube-system_aws-node-x7k2p_0123/aws-node/0.log', '2024-03-14T08:00:12Z stdout F starting aws-node\n');
  await put('var/log/pods/kube-system_coredns-5d8f_4567/coredns/0.log', '2024-03-14T08:00:13Z stdout F [INFO] plugin/reload\n');
  await chmod(join(host, 'var/log/pods/kube-system_coredns-5d8f_4567'), 0o000);
  const stage = join(dir, 'stage');
  await mkdir(stage);
  await chown(stage, 65534, 65534);
  const args = JSON.stringify([host, stage, ['var-log-messages', 'os-release', 'resolv-conf', 'kube-system-pod-logs']]);
  const c = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', CHILD, args],
    { encoding: 'utf8', cwd: root, timeout: 60_000 });
  expect(c.status, c.stderr).toBe(0);
  m = JSON.parse(c.stdout) as CollectorManifest;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('unreadable host files, collected by a non-root collector', () => {
  it('runs unprivileged: the manifest says so', () => {
    expect(m.privileged).toBe(false);
  });

  it('a file refused with EACCES is recorded failed with its reason, and the collection goes on', () => {
    expect(rec('var-log-messages')).toMatchObject({ status: 'failed', reason: '/var/log/messages: permission denied', outputs: [], bytes: 0 });
    expect(rec('os-release')).toMatchObject({ status: 'ok', outputs: ['system/os-release.txt'] });
    expect(rec('resolv-conf')).toMatchObject({ status: 'ok', outputs: ['networking/resolv.conf'] });
    expect(m.stoppedEarly).toBeNull();
  });

  it('a subdirectory the walk cannot list is recorded on its source, and the readable ones are still collected', () => {
    expect(rec('kube-system-pod-logs')).toMatchObject({
      status: 'failed',
      reason: '/var/log/pods/kube-system_coredns-5d8f_4567: permission denied (directory not listed)',
      outputs: ['var_log/pods/kube-system_aws-node-x7k2p_0123/aws-node/0.log'],
    });
  });
});
