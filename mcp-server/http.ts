import type { Server } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { NextFunction, Request, Response } from 'express';
import { createMcpServer } from './server.js';
import type { ToolDeps } from './tool-definition.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** extra Origin values allowed besides loopback ones (browser-based MCP clients) */
  allowedOrigins?: string[];
  /** test only: register the conformance suite's fixtures next to the real tools (conformance-fixtures.ts) */
  conformanceFixtures?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Streamable HTTP in stateless mode: a new McpServer and transport per POST. Stateless because the
 * same server runs as a Deployment behind a Service with several replicas: no session affinity is
 * needed and a restarted pod loses nothing. The cost is that server-initiated streams (GET /mcp)
 * are not offered; every tool answers within its request.
 */
export async function startHttp(deps: ToolDeps, o: HttpOptions): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  if (!LOOPBACK.has(o.host)) {
    throw new Error(`refusing to listen on ${o.host}: without authentication the MCP endpoint stays on loopback (authentication comes with the in-cluster service)`);
  }
  // the SDK's app validates the Host header against loopback names (DNS rebinding protection)
  const app = createMcpExpressApp({ host: o.host });
  app.use(originCheck(o.allowedOrigins ?? []));
  app.post('/mcp', async (req: Request, res: Response) => {
    const server = createMcpServer(deps, undefined, { conformanceFixtures: o.conformanceFixtures });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      deps.log.error({ err }, 'MCP request failed');
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null });
    }
  });
  const notAllowed = (_req: Request, res: Response) => {
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'stateless server: use POST /mcp' }, id: null });
  };
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ ok: true });
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(o.port, o.host, () => resolve(s));
    s.on('error', reject);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    server,
    url: `http://${host}:${port}/mcp`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** Browsers send Origin: only loopback pages (and configured ones) may call a local MCP server. */
function originCheck(extra: string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!origin) return next();
    try {
      const u = new URL(origin);
      if (LOOPBACK.has(u.hostname.replace(/^\[|\]$/g, '')) || extra.includes(origin)) return next();
    } catch {
      /* fall through: a malformed Origin is refused */
    }
    res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message: 'origin not allowed' }, id: null });
  };
}
