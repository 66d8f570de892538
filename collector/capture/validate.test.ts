import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ArgvRunner, execArgv, MissingToolError } from './exec.js';
import { prepareCapture, runCapture } from './run-capture.js';
import { CaptureInputError, checkFilterText, checkInterfaceName, validateLimits } from './validate.js';

/** The real argv runner, recording every command it starts: proof of what ran and what did not. */
const recorder = () => {
  const calls: string[][] = [];
  const run: ArgvRunner = (file, args, opts) => {
    calls.push([file, ...args]);
    return execArgv(file, args, opts);
  };
  return { calls, run };
};
/** a capture is any tcpdump run that is not a compile (-d) or a version check */
const captures = (calls: string[][]) => calls.filter((c) => c.includes('-w') || (c.some((a) => a.endsWith('tcpdump')) && !c.includes('-d') && !c.includes('--version')));
const noChunk = async () => {
  throw new Error('no chunk may be produced');
};

describe('BPF filter validation: compiled by tcpdump -d, refused before any capture', () => {
  const marker = join(tmpdir(), `capture-injection-${process.pid}`);
  const injections: [string, string][] = [
    ['semicolon + command', `port 53; touch ${marker}`],
    ['$(…) command substitution', `port 53 and $(touch ${marker})`],
    ['bare $(…)', '$(reboot)'],
    ['backticks', `port 53 \`touch ${marker}\``],
    ['pipe to a command', `port 53 | touch ${marker}`],
    ['&& command', `port 53 && touch ${marker}`],
    ['& background', `port 53 & touch ${marker} &`],
    ['shell redirection', `port 53 > ${marker}`],
  ];
  for (const [name, filter] of injections) {
    it(`bad input (${name}): "${filter.slice(0, 40)}" is refused with the compiler's message and tcpdump never captures`, async () => {
      await rm(marker, { force: true });
      const { calls, run } = recorder();
      const err = await runCapture({ target: { kind: 'host' }, iface: 'lo', filter, onChunk: noChunk }, { run }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(CaptureInputError);
      expect((err as Error).message).toMatch(/BPF filter refused by the compiler \(tcpdump -d\): .*(syntax error|illegal|parse|unknown)/);
      expect(calls.some((c) => c.includes('-d'))).toBe(true); // the compiler did see it, as one argv element
      expect(calls.find((c) => c.includes('-d'))!.at(-1)).toBe(filter);
      expect(captures(calls)).toEqual([]);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it('bad input (newline): refused before tcpdump runs at all', async () => {
    const { calls, run } = recorder();
    await expect(runCapture({ target: { kind: 'host' }, iface: 'lo', filter: 'port 53\nhost 10.0.0.1', onChunk: noChunk }, { run })).rejects.toThrow(/control character \(U\+000a\)/);
    expect(calls).toEqual([]);
    expect(() => checkFilterText('udp\r')).toThrow(CaptureInputError);
    expect(() => checkFilterText('udp\u0000')).toThrow(CaptureInputError);
  });

  it('bad input (too long): over 1024 characters is refused before tcpdump runs', () => {
    expect(() => checkFilterText(`host 10.0.0.1${' or host 10.0.0.1'.repeat(70)}`)).toThrow(/at most 1024/);
  });

  it('real BPF with parentheses, & and != compiles (no character blacklist)', async () => {
    const { calls, run } = recorder();
    const p = await prepareCapture({ target: { kind: 'host' }, iface: 'lo', filter: '(udp port 53) or (tcp[tcpflags] & tcp-rst != 0)' }, { run });
    expect(p.filter).toContain('tcp-rst');
    expect(calls.find((c) => c.includes('-d'))).toEqual(['tcpdump', '-d', '-y', 'EN10MB', '--', '(udp port 53) or (tcp[tcpflags] & tcp-rst != 0)']);
  });

  it('on `any` the filter is compiled for Linux cooked captures, so Ethernet-only filters are refused', async () => {
    await expect(prepareCapture({ target: { kind: 'host' }, iface: 'any', filter: 'ether host 00:11:22:33:44:55' })).rejects.toThrow(/ethernet addresses supported only/);
  });
});

describe('interface names (Linux dev_valid_name, and must exist in the target namespace)', () => {
  for (const [what, name] of [['a slash', 'eth0/1'], ['a space', 'eth 0'], ['a newline', 'eth0\n'], ['a tab', 'eth\t0'], ['a colon (alias)', 'eth0:1'], ['16 characters', 'abcdefghijklmnop'], ['empty', ''], ['"."', '.'], ['"..', '..'], ['a leading dash', '-i'], ['only digits (tcpdump reads an index)', '1'], ['non-ASCII', 'éth0']] as const) {
    it(`bad input: a name with ${what} is refused`, () => {
      expect(() => checkInterfaceName(name)).toThrow(CaptureInputError);
    });
  }
  it('accepts any, 15-character names and the usual suspects', () => {
    for (const n of ['any', 'eth0', 'ens5', 'eni1a2b3c4d5e6', 'vethabcdefghijk', 'lo', 'br-1a2b.100']) expect(() => checkInterfaceName(n)).not.toThrow();
  });
  it('bad input: an interface the target namespace does not have is refused with the list it has', async () => {
    const { calls, run } = recorder();
    await expect(prepareCapture({ target: { kind: 'host' }, iface: 'nlm-nope0' }, { run })).rejects.toThrow(/no interface "nlm-nope0" in the target network namespace; it has: any, .*\blo\b/);
    expect(captures(calls)).toEqual([]);
  });
});

describe('limits', () => {
  it('bad input: duration 0 and 3601 are refused; 1 and 3600 are fine', () => {
    expect(() => validateLimits({ durationSeconds: 0 })).toThrow(/durationSeconds/);
    expect(() => validateLimits({ durationSeconds: 3601 })).toThrow(/durationSeconds/);
    expect(() => validateLimits({ durationSeconds: 1.5 })).toThrow(CaptureInputError);
    expect(validateLimits({ durationSeconds: 1 }).durationSeconds).toBe(1);
    expect(validateLimits({ durationSeconds: 3600 }).durationSeconds).toBe(3600);
  });
  it('bad input: zero or absurd packet, size and chunk caps are refused', () => {
    expect(() => validateLimits({ maxPackets: 0 })).toThrow(/maxPackets/);
    expect(() => validateLimits({ maxBytes: 10 })).toThrow(/maxBytes/);
    expect(() => validateLimits({ chunkBytes: 2 * 1024 ** 3 })).toThrow(/chunkBytes/);
  });
  it('bad input: a duration of 3601 s is refused before tcpdump runs', async () => {
    const { calls, run } = recorder();
    await expect(runCapture({ target: { kind: 'host' }, iface: 'lo', limits: { durationSeconds: 3601 }, onChunk: noChunk }, { run })).rejects.toThrow(CaptureInputError);
    expect(calls).toEqual([]);
  });
  it('a full disk: less free space than the floor refuses to start, with nothing captured', async () => {
    const { calls, run } = recorder();
    await expect(runCapture({ target: { kind: 'host' }, iface: 'lo', limits: { durationSeconds: 5, minFreeBytes: Number.MAX_SAFE_INTEGER }, onChunk: noChunk }, { run }))
      .rejects.toThrow(/not enough free space/);
    expect(captures(calls)).toEqual([]);
  });
});

describe('absent tools', () => {
  it('bad input: tcpdump configured at a path that does not exist is a clear error before anything starts', async () => {
    const { calls, run } = recorder();
    const err = await runCapture({ target: { kind: 'host' }, iface: 'lo', onChunk: noChunk }, { run, tools: { tcpdump: '/nonexistent/sbin/tcpdump' } }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(MissingToolError);
    expect((err as Error).message).toMatch(/^\/nonexistent\/sbin\/tcpdump is not available \(.*not found\): install it/);
    expect(calls).toEqual([['/nonexistent/sbin/tcpdump', '--version']]);
  });
  it('bad input: a tcpdump name that is not on PATH is the same clear error', async () => {
    await expect(runCapture({ target: { kind: 'host' }, onChunk: noChunk }, { tools: { tcpdump: 'tcpdump-not-installed-here' } })).rejects.toThrow(MissingToolError);
  });
});
