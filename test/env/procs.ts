import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port; the tiny race until the server binds it is acceptable in tests. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Keeps the last `max` characters a child writes to a stream, for error messages. */
export function tailOf(stream: NodeJS.ReadableStream | null, max = 8192): () => string {
  let tail = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (s: string) => {
    tail = (tail + s).slice(-max);
  });
  return () => tail;
}
