import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { hostArgv, runCommand } from './run-command.js';

function sink(): Writable & { data: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c: Buffer, _e, cb) { chunks.push(c); cb(); } }) as Writable & { data: () => string };
  w.data = () => Buffer.concat(chunks).toString('utf8');
  return w;
}
const local = { inPod: false, timeoutMs: 10_000, maxBytes: 1 << 20 };

describe('runCommand', () => {
  it('streams stdout of an argv and reports ok', async () => {
    const s = sink();
    const r = await runCommand(['echo', 'hello; $(rm -rf /)'], s, local);
    expect(r.status).toBe('ok');
    // argv, not a shell: the metacharacters arrive as text
    expect(s.data()).toBe('hello; $(rm -rf /)\n');
  });

  it('when a command hangs, the timeout kills it and its whole process group', async () => {
    const t0 = Date.now();
    const s = sink();
    // the grandchild sleep would keep the pipe open if only the direct child were killed
    const r = await runCommand(['sh', '-c', 'echo started; sleep 30 & sleep 30'], s, { ...local, timeoutMs: 300 });
    expect(r.status).toBe('timeout');
    expect(s.data()).toBe('started\n');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('when a command closes its output but keeps running, the timeout still ends it', async () => {
    const t0 = Date.now();
    const r = await runCommand(['sh', '-c', 'echo bye; exec >&- 2>&-; sleep 30'], sink(), { ...local, timeoutMs: 300 });
    expect(r.status).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('when our sink fails (a full disk), it returns failed with sinkError instead of throwing, and stops the command', async () => {
    const t0 = Date.now();
    const full = new Writable({ write(_c, _e, cb) { cb(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })); } });
    const r = await runCommand(['sh', '-c', 'echo x; sleep 30'], full, { ...local, timeoutMs: 20_000 });
    expect(r).toMatchObject({ status: 'failed', sinkError: 'ENOSPC', reason: 'writing the output of sh failed: ENOSPC' });
    // killed when the write failed, not left to its 20 s timeout
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('when output exceeds the cap, it keeps exactly the cap, stops the command and says truncated', async () => {
    const s = sink();
    const t0 = Date.now();
    const r = await runCommand(['yes'], s, { ...local, maxBytes: 10_000 });
    expect(r.status).toBe('truncated');
    expect(r.bytes).toBe(10_000);
    expect(s.data().length).toBe(10_000);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('when the program does not exist, it is recorded missing, not thrown', async () => {
    const r = await runCommand(['no-such-tool-xyz', '-S'], sink(), local);
    expect(r).toMatchObject({ status: 'missing', reason: expect.stringContaining('no-such-tool-xyz') });
  });

  it('when the command fails, the exit code and the last stderr line make the reason', async () => {
    const r = await runCommand(['ls', '/no/such/dir'], sink(), local);
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/exit 2: .*No such file/);
  });

  it('in a pod, prefixes nsenter into PID 1 namespaces and keeps the argv intact', () => {
    expect(hostArgv(['iptables-save'], { inPod: true })).toEqual(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'iptables-save']);
    expect(hostArgv(['ip', 'route'], { inPod: false })).toEqual(['ip', 'route']);
  });

  it('through nsenter, a program missing on the host is recorded missing, or an nsenter refusal is named as such', async () => {
    const r = await runCommand(['no-such-tool-xyz'], sink(), { ...local, inPod: true });
    // which one depends on whether this sandbox lets us into PID 1's namespaces; both are records, not throws
    if (r.status === 'missing') expect(r.reason).toContain('no-such-tool-xyz');
    else expect(r).toMatchObject({ status: 'failed', reason: expect.stringContaining('cannot enter the host namespaces') });
  });

  it('toolPath directories are searched before the host PATH, and the caller env never reaches the command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tool-path-'));
    try {
      // a stub named like a real tool of this machine: found first only through toolPath
      await writeFile(join(dir, 'uname'), '#!/bin/sh\necho "stub uname $*; PATH=$PATH"\n');
      await chmod(join(dir, 'uname'), 0o755);
      const s = sink();
      expect((await runCommand(['uname', '-a'], s, { ...local, toolPath: [dir] })).status).toBe('ok');
      expect(s.data()).toBe(`stub uname -a; PATH=${dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n`);
      const real = sink();
      await runCommand(['uname', '-s'], real, local);
      expect(real.data()).toBe('Linux\n');
      await expect(runCommand(['uname'], sink(), { ...local, toolPath: ['relative/bin'] })).rejects.toThrow(/absolute directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
