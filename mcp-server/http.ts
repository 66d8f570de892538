import type { Server } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Caller } from './auth/caller.js';
import { type McpAuth, mcpAuthMiddleware } from './auth/mcp-auth.js';
import { createMcpServer } from './server.js';
import type { ToolDeps } from './tool-definition.js';

export interface HttpOptions {
  host: string;
  port: number;
  /** extra Origin values allowed besides loopback ones (browser-based MCP clients) */
  allowedOrigins?: string[];
  /** test only: register the conformance suite's fixtures next to the real tools (conformance-fixtures.ts) */
  conformanceFixtures?: boolean;
  /**
   * In-cluster mode: Kubernetes bearer tokens are required on /mcp (TokenReview) and each tool call
   * is authorised (SubjectAccessReview), so the server may bind a non-loopback address.
   */
  auth?: McpAuth;
  /** with `auth`: Host header values accepted (DNS rebinding); unset accepts any, the token being the guard */
  allowedHosts?: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Streamable HTTP in stateless mode: a new McpServer and transport per POST. Stateless because the
 * same server runs as a Deployment behind a Service with several replicas: no session affinity is
 * needed and a restarted pod loses nothing. The cost is that server-initiated streams (GET /mcp)
 * are not offered; every tool answers within its request.
 */
export async function startHttp(deps: ToolDeps, o: HttpOptions): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  if (!o.auth && !LOOPBACK.has(o.host)) {
    throw new Error(`refusing to listen on ${o.host}: without authentication the MCP endpoint stays on loopback (authentication comes with the in-cluster service)`);
  }
  // the SDK's app validates the Host header against loopback names (DNS rebinding protection)
  const app = o.auth ? authenticatedApp(o.allowedHosts) : createMcpExpressApp({ host: o.host });
  app.use(originCheck(o.allowedOrigins ?? []));
  const gate = o.auth ? [mcpAuthMiddleware(o.auth, deps.log)] : [];
  app.post('/mcp', ...gate, async (req: Request, res: Response) => {
    // per request: the authenticated caller reaches the tool handlers (labels on created resources)
    const caller = res.locals.caller as Caller | undefined;
    const server = createMcpServer(caller ? { ...deps, caller } : deps, undefined, { conformanceFixtures: o.conformanceFixtures });
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

/**
 * The in-cluster app: the SDK's factory would warn on a wildcard bind without a Host allow-list; here
 * the bearer token is the guard against DNS rebinding (a browser page cannot attach the token).
 */
function authenticatedApp(allowedHosts: string[] | undefined): express.Express {
  if (allowedHosts?.length) return createMcpExpressApp({ host: '0.0.0.0', allowedHosts });
  const app = express();
  app.use(express.json());
  return app;
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
