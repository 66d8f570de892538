import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * Probes and metrics on plain HTTP (no MCP here): `/healthz` answers while the process runs,
 * `/readyz` once the caches are synced (or while waiting for leadership: a standby replica is ready),
 * `/metrics` the Prometheus text format.
 */
export async function startHealthServer(o: { host: string; port: number; registry?: Registry; ready: () => boolean }): Promise<{ port: number; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ok = o.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'caches not synced');
    } else if (path === '/metrics' && o.registry) {
      o.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': o.registry!.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : o.port,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
