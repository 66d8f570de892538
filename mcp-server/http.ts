import type { Server } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Caller } from './auth/caller.js';
import { type McpAuth, mcpAuthMiddleware } from './auth/mcp-auth.js';
import { mountSessionRoutes, type SessionLimits } from './http-sessions.js';
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
  /**
   * Session mode (http-sessions.ts) instead of stateless: Mcp-Session-Id, GET stream, DELETE,
   * server-to-client requests and resource subscriptions. Sessions live in this process: local use
   * and single-replica installs only. `true` takes the default limits.
   */
  sessions?: boolean | SessionLimits;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Streamable HTTP, stateless by default: a new McpServer and transport per POST. Stateless because
 * the same server runs as a Deployment behind a Service with several replicas: no session affinity
 * is needed and a restarted pod loses nothing. The cost is that server-initiated streams (GET /mcp)
 * are not offered; every tool answers within its request. `sessions` switches to session mode
 * (http-sessions.ts) for local use and single-replica installs.
 */
export async function startHttp(deps: ToolDeps, o: HttpOptions): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  if (!o.auth && !LOOPBACK.has(o.host)) {
    throw new Error(`refusing to listen on ${o.host}: without authentication the MCP endpoint stays on loopback (authentication comes with the in-cluster service)`);
  }
  // the SDK's app validates the Host header against loopback names (DNS rebinding protection)
  const app = o.auth ? authenticatedApp(o.allowedHosts) : createMcpExpressApp({ host: o.host });
  app.use(originCheck(o.allowedOrigins ?? []));
  const gate = o.auth ? [mcpAuthMiddleware(o.auth, deps.log)] : [];
  // the authenticated caller reaches the tool handlers (labels on created resources)
  const newServer = (caller: Caller | undefined, session: boolean) =>
    createMcpServer(caller ? { ...deps, caller } : deps, undefined, { conformanceFixtures: o.conformanceFixtures, session });
  let sessions: ReturnType<typeof mountSessionRoutes> | undefined;
  if (o.sessions) sessions = mountSessionRoutes(app, gate, (caller) => newServer(caller, true), deps.log, o.sessions === true ? {} : o.sessions);
  else mountStateless(app, gate, (caller) => newServer(caller, false), deps.log);
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
    close: async () => {
      // sessions first: their open GET streams would keep server.close() waiting
      await sessions?.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function mountStateless(app: express.Express, gate: express.RequestHandler[], newServer: (caller: Caller | undefined) => McpServer, log: ToolDeps['log']): void {
  app.post('/mcp', ...gate, async (req: Request, res: Response) => {
    const server = newServer(res.locals.caller as Caller | undefined);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      log.error({ err }, 'MCP request failed');
      if (!res.headersSent) res.status(500).json({ jsonrpc: '2.0', error: { code: -32603, message: 'internal error' }, id: null });
    }
  });
  const notAllowed = (_req: Request, res: Response) => {
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'stateless server: use POST /mcp (or start it with sessions)' }, id: null });
  };
  app.get('/mcp', notAllowed);
  app.delete('/mcp', notAllowed);
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
