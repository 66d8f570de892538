import { execFile } from 'node:child_process';

/** Binaries the capture runner uses; names are looked up on PATH, paths are used as given. */
export interface CaptureTools {
  tcpdump: string;
  nsenter: string;
  ip: string;
}
export const DEFAULT_TOOLS: CaptureTools = { tcpdump: 'tcpdump', nsenter: 'nsenter', ip: 'ip' };

export interface ArgvResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one argv (never a shell); tests wrap it to record every command the runner started. */
export type ArgvRunner = (file: string, args: string[], opts?: { timeoutMs?: number }) => Promise<ArgvResult>;

/** A required binary is absent or not executable: said before anything starts. */
export class MissingToolError extends Error {
  constructor(readonly tool: string, detail: string) {
    super(`${tool} is not available (${detail}): install it (Debian/Ubuntu: apt-get install ${tool === 'nsenter' ? 'util-linux' : tool === 'ip' ? 'iproute2' : tool}; Amazon Linux: dnf install ${tool === 'nsenter' ? 'util-linux' : tool === 'ip' ? 'iproute' : tool}) or configure its path`);
    this.name = 'MissingToolError';
  }
}

const MAX_OUTPUT = 1 << 20;

export const execArgv: ArgvRunner = (file, args, opts = {}) =>
  new Promise((resolve, reject) => {
    execFile(file, args, { timeout: opts.timeoutMs ?? 10_000, maxBuffer: MAX_OUTPUT, encoding: 'utf8', shell: false }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean };
      if (e.code === 'ENOENT' || e.code === 'EACCES') return reject(new MissingToolError(file, e.code === 'ENOENT' ? `${file}: not found` : `${file}: permission denied`));
      if (e.killed) return reject(new Error(`${file} did not finish within ${opts.timeoutMs ?? 10_000} ms`));
      resolve({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr });
    });
  });

/** argv that runs `argv` inside the network namespace file, or as is when it is ours already. */
export const inNetns = (tools: CaptureTools, nsPath: string | undefined, argv: string[]): [string, string[]] =>
  nsPath ? [tools.nsenter, [`--net=${nsPath}`, '--', ...argv]] : [argv[0]!, argv.slice(1)];
