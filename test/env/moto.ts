import { execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, stopChild } from './procs.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const READY_TIMEOUT_MS = 60_000;
const STDERR_TAIL = 4096;

let setupOnce: Promise<string> | undefined;

/** Runs scripts/setup-moto.sh once per process; it prints the moto_server path as its last line. */
function ensureMotoInstalled(): Promise<string> {
  setupOnce ??= (async () => {
    const script = join(repoRoot, 'scripts', 'setup-moto.sh');
    try {
      // A cold install downloads moto and its dependencies from PyPI: minutes, not seconds.
      const { stdout } = await promisify(execFile)('bash', [script], {
        cwd: repoRoot,
        timeout: 15 * 60_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      const bin = stdout.trim().split('\n').pop();
      if (!bin) throw new Error('setup-moto.sh printed no moto_server path');
      return bin;
    } catch (err) {
      setupOnce = undefined;
      const e = err as { stderr?: string; message: string };
      throw new Error(`moto setup failed: ${e.message}\n${(e.stderr ?? '').slice(-STDERR_TAIL)}`);
    }
  })();
  return setupOnce;
}

/** Installs (if needed) and starts a real moto server on a free loopback port. */
export async function startMoto(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const bin = await ensureMotoInstalled();
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  // moto logs every request to stderr; keep only the tail so a long run does not grow memory.
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_TAIL);
  });
  let exited: string | undefined;
  child.once('exit', (code, sig) => {
    exited = `moto_server exited (code ${code}, signal ${sig})`;
  });
  child.once('error', (err) => {
    exited = `moto_server could not start: ${err.message}`;
  });

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) throw new Error(`${exited}\n--- moto stderr (tail) ---\n${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(
        `moto_server did not answer GET ${endpoint}/moto-api/ within ${READY_TIMEOUT_MS / 1000} s` +
          `\n--- moto stderr (tail) ---\n${stderr}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, stop: () => stopChild(child) };
}
