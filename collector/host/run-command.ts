import { spawn } from 'node:child_process';
import type { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { capStream } from '../output.js';

/** How commands reach the host: directly (local mode), or through PID 1's namespaces (in a pod). */
export interface ExecMode {
  /** prefix every command with `nsenter -t 1 -m -u -i -n -p --` */
  inPod: boolean;
}

export const NSENTER_PREFIX = ['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--'] as const;

/** The argv actually run: never a shell, the host's namespaces when in a pod. */
export function hostArgv(argv: readonly string[], mode: ExecMode): string[] {
  return mode.inPod ? [...NSENTER_PREFIX, ...argv] : [...argv];
}

export interface CommandResult {
  status: 'ok' | 'missing' | 'failed' | 'timeout' | 'truncated';
  /** bytes of stdout passed on (before redaction) */
  bytes: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** the end of stderr, for the manifest's reason (the caller redacts it) */
  stderrTail: string;
  reason?: string;
  /** set when writing our side failed (ENOSPC: the staging disk is full); the caller decides what that stops */
  sinkError?: string;
}

// The same PATH on every host we support, so a command is found whatever the caller's env holds.
const HOST_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0' };

export interface RunOptions extends ExecMode {
  timeoutMs: number;
  maxBytes: number;
  through?: Transform[];
  /**
   * Directories searched before the host PATH: how tests run the table's rows against stub tools.
   * Handed in by the caller (collectNode's `toolPath`), never read from the environment, so a
   * production process cannot be pointed at other binaries by its env.
   */
  toolPath?: readonly string[];
}

function commandEnv(toolPath: readonly string[] | undefined): NodeJS.ProcessEnv {
  if (!toolPath?.length) return HOST_ENV;
  // a relative or ':'-holding entry would search the collector's cwd or split into several: a caller's bug
  for (const d of toolPath) if (!d.startsWith('/') || d.includes(':')) throw new TypeError(`toolPath entry must be an absolute directory without ':': ${d}`);
  return { ...HOST_ENV, PATH: [...toolPath, HOST_ENV.PATH].join(':') };
}

/**
 * Runs one argv with its stdout streamed through `through` into `sink` (with back-pressure), at most `maxBytes` of it,
 * for at most `timeoutMs`. The child leads its own process group so a timeout or the cap kills it
 * and everything it forked. Never throws, for a failing command nor for a failing sink: the result
 * says what happened, and `sinkError` tells the caller its own disk or file broke.
 */
export async function runCommand(argv: readonly string[], sink: Writable, o: RunOptions): Promise<CommandResult> {
  const full = hostArgv(argv, o);
  const child = spawn(full[0]!, full.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: commandEnv(o.toolPath) });
  let timedOut = false;
  let spawnError: NodeJS.ErrnoException | undefined;
  let stderr = '';
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    // a grandchild that left the group could hold the pipe open: stop reading soon regardless
    setTimeout(() => child.stdout.destroy(), 2000).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, o.timeoutMs);
  const cap = capStream(o.maxBytes, killGroup);
  child.stderr.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-2048);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err;
      res({ code: null, signal: null });
    });
    child.once('close', (code, signal) => res({ code, signal }));
  });
  let streamError: NodeJS.ErrnoException | undefined;
  try {
    await pipeline([child.stdout, cap, ...(o.through ?? []), sink]);
  } catch (err) {
    streamError = err as NodeJS.ErrnoException;
  }
  // a failing sink (disk full, closed file) is ours to report; a stdout cut by the kill is not.
  // The command then has nowhere to write: stop it rather than wait for its timeout.
  const ours = streamError && !timedOut && !cap.capped && streamError.code !== 'ERR_STREAM_PREMATURE_CLOSE' ? streamError : undefined;
  if (ours) killGroup();
  // the timer runs until the process is gone: one that closes stdout and lingers is killed too
  const { code, signal } = await exited;
  clearTimeout(timer);
  const sinkFailed = spawnError ? undefined : ours;
  const base = { bytes: cap.bytes, exitCode: code, signal, stderrTail: stderr.trim() };
  if (sinkFailed) {
    const why = sinkFailed.code ?? sinkFailed.message;
    return { ...base, status: 'failed', reason: `writing the output of ${argv[0]} failed: ${why}`, sinkError: why };
  }
  if (spawnError) {
    return spawnError.code === 'ENOENT'
      ? { ...base, status: 'missing', reason: `command not found: ${full[0]}` }
      : { ...base, status: 'failed', reason: `cannot run ${full[0]}: ${spawnError.code ?? spawnError.message}` };
  }
  if (timedOut) return { ...base, status: 'timeout', reason: `killed after ${o.timeoutMs} ms` };
  if (cap.capped) return { ...base, status: 'truncated', reason: `output cut at ${o.maxBytes} bytes` };
  // nsenter reports a missing program as its own failure (exit 127 or 1 with this message)
  if (code === 127 || /failed to execute .*: No such file or directory/.test(stderr)) {
    return { ...base, status: 'missing', reason: `command not found on the host: ${argv[0]}` };
  }
  if (o.inPod && /^nsenter: (cannot open|reassociate to namespace|setns)/m.test(stderr)) {
    return { ...base, status: 'failed', reason: `cannot enter the host namespaces (the pod needs hostPID and privileges): ${lastLine(stderr)}` };
  }
  if (code !== 0) return { ...base, status: 'failed', reason: `exit ${code ?? signal}${stderr.trim() ? `: ${lastLine(stderr)}` : ''}` };
  return { ...base, status: 'ok' };
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n');
  return lines[lines.length - 1]!.slice(0, 300);
}
