import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { list } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBundleArchive } from '../../collector/bundle-writer.js';
import { collectNode } from '../../collector/collect.js';
import { freeBytes } from '../../collector/host/disk-guard.js';
import type { CollectorManifest } from '../../collector/manifest.js';
import { type Source, SourceSchema } from '../../collector/sources.js';

// Bad input "a full disk" (issue 5), for real: the staging directory is on a 4 MiB tmpfs and the
// fake host holds a log bigger than that. The free-space guard is set to 1 byte so it does not stop
// the collection first: the write itself must meet ENOSPC. (Root only, as capture-netns.test.ts.)
const log = pino({ level: 'silent' });
const BIG = 6 * 1024 * 1024;
let work: string;
let root: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'collect-full-disk-'));
  root = join(work, 'host');
  await mkdir(join(root, 'etc'), { recursive: true });
  await mkdir(join(root, 'var/log'), { recursive: true });
  await writeFile(join(root, 'etc/os-release'), 'NAME="Amazon Linux"\nID="amzn"\nVERSION_ID="2023"\n');
  // incompressible text lines: the copy is raw, so the staged file is as big as this one
  const line = () => `${randomBytes(48).toString('base64')}\n`;
  await writeFile(join(root, 'var/log/messages'), Array.from({ length: BIG / 65 }, line).join(''));
});
afterAll(() => rm(work, { recursive: true, force: true }));

/** A fresh 4 MiB tmpfs for one test, unmounted whatever happens. */
async function onSmallTmpfs<T>(name: string, fn: (mnt: string) => Promise<T>): Promise<T> {
  const mnt = join(work, name);
  await mkdir(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
  try {
    return await fn(mnt);
  } finally {
    execFileSync('umount', [mnt]);
  }
}

const table = (rows: unknown[]): Source[] => rows.map((r) => SourceSchema.parse(r));
const rec = (m: CollectorManifest, id: string) => m.sources.find((s) => s.id === id)!;
const collectInto = (stagingDir: string, sources: Source[]) =>
  collectNode({ hostRoot: root, stagingDir, node: 'full-disk-node', method: 'agent', sinceMs: Date.now() - 600_000, exec: { inPod: false }, log, minFreeBytes: 1, imdsBaseUrl: 'http://127.0.0.1:1', sources });

describe('a full disk while a source writes', () => {
  it('a file source that meets ENOSPC is recorded failed with why, the rest is skipped, and the bundle keeps its manifest', async () => {
    await onSmallTmpfs('tmpfs-file', async (mnt) => {
      const stage = join(mnt, 'stage');
      const m = await collectInto(stage, table([
        { id: 'os-release', category: 'Base', kind: 'file', paths: ['/etc/os-release'], output: 'system/os-release.txt' },
        { id: 'var-log-messages', category: 'Base', kind: 'file', from: '/var/log', match: 'messages*', outputDir: 'var_log' },
        { id: 'uname', category: 'Base', kind: 'command', output: 'kernel/uname.txt', argv: ['uname', '-a'] },
      ]));
      expect(rec(m, 'os-release').status).toBe('ok');
      expect(rec(m, 'var-log-messages')).toMatchObject({ status: 'failed', outputs: [], reason: expect.stringMatching(/staging disk is full \(ENOSPC\) while writing var_log\/messages.*partial copy was removed/) });
      expect(m.stoppedEarly).toEqual({ reason: 'disk-space', detail: expect.stringContaining('filled up while collecting var-log-messages') });
      expect(rec(m, 'uname')).toMatchObject({ status: 'skipped', reason: m.stoppedEarly!.detail });
      expect(m.summary).toMatchObject({ ok: 1, failed: 1, skipped: 1 });

      // the cut copy was removed (room for the manifest), the manifest on disk says the same
      await expect(stat(join(stage, 'var_log/messages'))).rejects.toMatchObject({ code: 'ENOENT' });
      const onDisk = JSON.parse(await readFile(join(stage, 'collector-manifest.json'), 'utf8')) as CollectorManifest;
      expect(onDisk.sources).toEqual(m.sources);
      expect(onDisk.stoppedEarly).toEqual(m.stoppedEarly);

      // and the partial bundle is still written
      const archive = join(work, 'full-disk.tar.gz');
      await writeBundleArchive(stage, archive, Date.now());
      const entries: string[] = [];
      await list({ file: archive, onReadEntry: (e) => void entries.push(e.path) });
      expect(entries[0]).toBe('collector-manifest.json');
      expect(entries).toContain('system/os-release.txt');
    });
  });

  it('a command whose output meets ENOSPC is stopped and recorded failed, its partial output removed, and the collection stops', async () => {
    await onSmallTmpfs('tmpfs-command', async (mnt) => {
      const stage = join(mnt, 'stage');
      const t0 = Date.now();
      const m = await collectInto(stage, table([
        { id: 'yes', category: 'System', kind: 'command', output: 'system/yes.txt', argv: ['yes', 'y'], maxBytes: 64 * 1024 * 1024, timeoutMs: 60_000 },
        { id: 'uptime', category: 'System', kind: 'command', output: 'system/uptime.txt', argv: ['uptime'] },
      ]));
      // stopped when the write failed, not at the 60 s command timeout
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(rec(m, 'yes')).toMatchObject({ status: 'failed', reason: expect.stringMatching(/staging disk is full \(ENOSPC\) while writing system\/yes\.txt.*\(output of yes\)/) });
      expect(rec(m, 'uptime').status).toBe('skipped');
      expect(m.stoppedEarly?.reason).toBe('disk-space');
      expect((await readdir(stage)).sort()).toEqual(['collector-manifest.json', 'system']);
      expect(await readdir(join(stage, 'system'))).toEqual([]);
      expect(await freeBytes(mnt)).toBeGreaterThan(3 * 1024 * 1024);
    });
  });
});
