import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureCommandOptions, runCaptureCommand } from './capture-command.js';

// `capture` refusals: exit 2 with a message that says what to fix, and nothing filed in the store.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'capture-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = async (o: Partial<CaptureCommandOptions>) => {
  let err = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await runCaptureCommand({ interface: 'lo', duration: 1, store: join(dir, 'store'), node: 'local', hostRoot: '/', ...o }, pino({ level: 'silent' }));
    return { code, err };
  } finally {
    spy.mockRestore();
  }
};

describe('eks-node-log-mcp capture: bad input', () => {
  it('a filter with a shell command is refused by the BPF compiler, exit 2', async () => {
    const r = await run({ filter: 'port 53; rm -rf /' });
    expect(r).toMatchObject({ code: 2 });
    expect(r.err).toMatch(/^error: BPF filter refused by the compiler \(tcpdump -d\)/);
  });
  it('an interface name with a slash is refused, exit 2', async () => {
    expect((await run({ interface: 'eth0/1' })).err).toMatch(/contains '\/', ':' or whitespace/);
  });
  it('two targets at once is refused', async () => {
    expect(await run({ pid: 1, netns: '/run/netns/x' })).toMatchObject({ code: 2, err: expect.stringMatching(/at most one of/) });
  });
  it('--pod without namespace/name is refused', async () => {
    expect(await run({ pod: 'web' })).toMatchObject({ code: 2, err: expect.stringMatching(/--pod takes namespace\/name/) });
  });
  it('a duration over 3600 s is refused', async () => {
    expect(await run({ duration: 3601 })).toMatchObject({ code: 2, err: expect.stringMatching(/durationSeconds/) });
  });
  it('nothing was filed in the store by any refusal', async () => {
    expect(await readdir(join(dir, 'store')).catch(() => [])).toEqual([]);
  });
});
