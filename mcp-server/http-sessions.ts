import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Caller } from './auth/caller.js';

export interface SessionLimits {
  /** most sessions kept at once; initializing one more ends the least recently used (default 64) */
  maxSessions?: number;
  /** a session with no request in flight and no open stream for this long is ended (default 30 min) */
  idleTimeoutMs?: number;
}

export const DEFAULT_MAX_SESSIONS = 64;
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;

interface Session {
  /** set once initialize succeeded; the session is in the map from then on */
  id?: string;
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  /** who created it (in-cluster auth); undefined without auth */
  owner: string | undefined;
  /** requests being answered plus open streams (GET, POST SSE): idle only when zero */
  busy: number;
  idleTimer?: NodeJS.Timeout;
  closed: boolean;
}

const rpcError = (res: Response, status: number, code: number, message: string) => {
  res.status(status).json({ jsonrpc: '2.0', error: { code, message }, id: null });
};
/** Username and uid: a session stays with the identity that opened it, not with a token (tokens rotate). */
const ownerOf = (c: Caller | undefined) => (c ? `${c.username}\u0000${c.uid ?? ''}` : undefined);
const initializes = (body: unknown) => (Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body));

/**
 * Streamable HTTP in session mode: initialize gets an Mcp-Session-Id and its own McpServer and
 * transport, which every later POST, the GET stream and DELETE of that id reach. Because the
 * client's capabilities and its replies reach the instance that asked, server-to-client requests
 * (sampling, elicitation) and resource subscriptions work. The sessions live in this process's
 * memory: for local use and single-replica installs, not for replicas behind a Service without
 * affinity (that is what the stateless default is for).
 *
 * Sessions are bounded: a full map ends its least recently used session (a client that opens
 * sessions and never DELETEs them cannot lock others out), and a session idle for `idleTimeoutMs`
 * ends. An ended or unknown id is answered 404, as the spec asks, so the client re-initializes.
 * With in-cluster auth, a session belongs to the user who opened it: another user's token with
 * that id gets the same 404 (the id alone is no credential, and its existence is not confirmed).
 */
export function mountSessionRoutes(
  app: Express,
  gate: RequestHandler[],
  newServer: (caller: Caller | undefined) => McpServer,
  log: Logger,
  limits: SessionLimits = {},
): { close: () => Promise<void>; size: () => number } {
  const maxSessions = limits.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const idleTimeoutMs = limits.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  if (!(maxSessions >= 1) || !(idleTimeoutMs > 0)) throw new Error('session limits: maxSessions must be ≥ 1 and idleTimeoutMs > 0');
  // insertion order is recency order: a used session is moved to the end, the first one is the LRU
  const sessions = new Map<string, Session>();

  const end = async (s: Session, why: string) => {
    if (s.closed) return;
    s.closed = true;
    clearTimeout(s.idleTimer);
    if (s.id && sessions.get(s.id) === s) sessions.delete(s.id);
    if (s.id) log.debug({ why, sessions: sessions.size }, 'MCP session ended');
    await s.server.close().catch((err: unknown) => log.warn({ err }, 'closing an MCP session failed'));
  };

  /** Counts the response as activity until it closes (for a GET stream: until the client leaves). */
  const track = (s: Session, res: Response) => {
    s.busy += 1;
    clearTimeout(s.idleTimer);
    res.on('close', () => {
      s.busy -= 1;
      if (s.busy === 0 && !s.closed) {
        s.idleTimer = setTimeout(() => void end(s, 'idle'), idleTimeoutMs);
        s.idleTimer.unref();
      }
    });
  };

  const open = async (req: Request, res: Response, caller: Caller | undefined) => {
    const server = newServer(caller);
    const s: Session = { transport: undefined as unknown as StreamableHTTPServerTransport, server, owner: ownerOf(caller), busy: 0, closed: false };
    s.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      onsessioninitialized: (id) => {
        s.id = id;
        while (sessions.size >= maxSessions) {
          const lru = sessions.values().next().value as Session;
          log.info({ maxSessions }, 'MCP session limit reached: ending the least recently used session');
          void end(lru, 'evicted');
        }
        sessions.set(id, s);
        log.debug({ sessions: sessions.size }, 'MCP session opened');
      },
    });
    // DELETE and the transport's own close end the session; chained before connect, which wraps it
    s.transport.onclose = () => void end(s, 'closed');
    track(s, res);
    await server.connect(s.transport);
    await s.transport.handleRequest(req, res, req.body);
    // a refused initialize (bad version, malformed) never got an id: nothing to keep
    if (!s.id) await end(s, 'initialize failed');
  };

  const handle = async (req: Request, res: Response) => {
    const caller = res.locals.caller as Caller | undefined;
    const id = req.headers['mcp-session-id'];
    try {
      if (typeof id === 'string') {
        const s = sessions.get(id);
        if (!s || s.owner !== ownerOf(caller)) {
          if (s) log.info({ user: caller?.username }, 'MCP session id presented by a user other than its owner: refused as unknown');
          rpcError(res, 404, -32001, 'Session not found: it ended (DELETE, idle timeout, session limit, server restart) or is not yours; send initialize without Mcp-Session-Id to start a new one');
          return;
        }
        sessions.delete(id);
        sessions.set(id, s);
        track(s, res);
        await s.transport.handleRequest(req, res, req.body);
        return;
      }
      if (req.method !== 'POST' || !initializes(req.body)) {
        rpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required; send initialize (POST without the header) to start a session');
        return;
      }
      await open(req, res, caller);
    } catch (err) {
      log.error({ err }, 'MCP request failed');
      if (!res.headersSent) rpcError(res, 500, -32603, 'internal error');
    }
  };

  app.post('/mcp', ...gate, handle);
  app.get('/mcp', ...gate, handle);
  app.delete('/mcp', ...gate, handle);
  return {
    close: async () => void (await Promise.all([...sessions.values()].map((s) => end(s, 'server shutdown')))),
    size: () => sessions.size,
  };
}
