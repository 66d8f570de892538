import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { receiveBundle } from './bundle-upload.js';
import { completeCapture, receiveChunk } from './capture-upload.js';
import type { CollectorAuth } from './collector-auth.js';
import { HttpError } from './http-error.js';
import type { IngestContext } from './ingest-context.js';
import { parseIngestRoute } from './ingest-routes.js';

export interface IngestServerOptions {
  host: string;
  port: number;
  /** a client that sends no byte for this long is cut off (slowloris) */
  idleTimeoutMs?: number;
  /** headers must be complete within this */
  headersTimeoutMs?: number;
  /** a whole upload must finish within this (large bundles over slow links need minutes) */
  requestTimeoutMs?: number;
}

export const DEFAULT_MAX_BUNDLE_BYTES = 4 * 1024 ** 3;
export const DEFAULT_MAX_CHUNK_BYTES = 256 * 1024 ** 2;

/**
 * The hub's ingest endpoint (DESIGN.md §7), on its own port so a NetworkPolicy can admit only the
 * nodes to it. Plain node:http rather than express: bodies are streamed into the store, never parsed.
 */
export async function startIngestServer(ctx: IngestContext, auth: CollectorAuth, o: IngestServerOptions): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  const server = createServer({ requestTimeout: o.requestTimeoutMs ?? 30 * 60_000, headersTimeout: o.headersTimeoutMs ?? 15_000 }, (req, res) => {
    void handle(ctx, auth, req, res);
  });
  server.timeout = o.idleTimeoutMs ?? 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

async function handle(ctx: IngestContext, auth: CollectorAuth, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    if (req.method === 'GET' && req.url === '/healthz') return send(req, res, 200, { ok: true });
    const route = parseIngestRoute(req.method ?? '', req.url ?? '');
    if (!route) throw new HttpError(404, 'not an ingest endpoint: PUT /ingest/v1/bundles/{namespace}/{name}');
    const caller = await auth.check(req);
    switch (route.kind) {
      case 'bundle':
        return send(req, res, 201, await receiveBundle(ctx, req, caller, route.namespace, route.name));
      case 'chunk':
        return send(req, res, 201, await receiveChunk(ctx, req, caller, route.namespace, route.name, route.seq));
      case 'complete':
        return send(req, res, 200, await completeCapture(ctx, caller, route.namespace, route.name));
    }
  } catch (err) {
    if (err instanceof HttpError) {
      if (err.status >= 500) ctx.log.warn({ status: err.status, reason: err.message }, 'Ingest request refused');
      return send(req, res, err.status, { error: err.message }, err.headers);
    }
    // a bug or an API/store failure: logged with the stack, answered without internals; the collector retries
    ctx.log.error({ err, url: req.url?.slice(0, 300) }, 'Ingest request failed');
    return send(req, res, 500, { error: 'internal error (logged on the hub); retry later' }, { 'Retry-After': '30' });
  }
}

/**
 * Answers once. When the body was not read to its end (refused early, or cut at the cap) the
 * connection is closed after the answer rather than reading the rest of an unwanted upload.
 */
function send(req: IncomingMessage, res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const unread = !req.complete;
  res.writeHead(status, { 'content-type': 'application/json', ...headers, ...(unread ? { connection: 'close' } : {}) });
  res.end(JSON.stringify(body));
  if (unread) res.on('finish', () => req.destroy());
}
