// Raw HTTP helpers for the session-mode tests: what a client sends, without the SDK client's
// retries and re-initialisation, so status codes and headers can be asserted as they are.

export const PROTOCOL = '2025-11-25';
export const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

export interface RpcReply {
  status: number;
  sessionId: string | null;
  /** JSON-RPC messages of the reply (SSE events or one JSON body) */
  messages: Array<{ id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string }; method?: string; params?: unknown }>;
}

export function headers(sessionId?: string | null, token?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': PROTOCOL,
    ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };
}

/** Parses the data lines of an SSE text, or a plain JSON body. */
export function parseMessages(text: string): RpcReply['messages'] {
  const t = text.trim();
  if (!t) return [];
  if (t.startsWith('{') || t.startsWith('[')) return [JSON.parse(t)].flat();
  return t.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
}

export async function rpc(url: string, body: object, sessionId?: string | null, token?: string, method = 'POST'): Promise<RpcReply> {
  const res = await fetch(url, { method, headers: headers(sessionId, token), body: method === 'POST' ? JSON.stringify(body) : undefined });
  return { status: res.status, sessionId: res.headers.get('mcp-session-id'), messages: parseMessages(await res.text()) };
}

/** initialize + notifications/initialized: a ready session id. */
export async function openSession(url: string, token?: string, capabilities: object = {}): Promise<string> {
  const r = await rpc(url, { ...INIT, params: { ...INIT.params, capabilities } }, undefined, token);
  if (r.status !== 200 || !r.sessionId) throw new Error(`initialize failed: ${r.status} ${JSON.stringify(r.messages)}`);
  const n = await fetch(url, { method: 'POST', headers: headers(r.sessionId, token), body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await n.text();
  if (n.status !== 202) throw new Error(`notifications/initialized: ${n.status}`);
  return r.sessionId;
}

/** An open GET /mcp stream: waits for the message a predicate picks, or times out. */
export async function openStream(url: string, sessionId: string, token?: string): Promise<{
  status: number;
  contentType: string | null;
  next: (pick: (m: RpcReply['messages'][number]) => boolean, timeoutMs: number) => Promise<RpcReply['messages'][number]>;
  ended: () => Promise<boolean>;
  close: () => Promise<void>;
}> {
  const ac = new AbortController();
  const res = await fetch(url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL, ...(token ? { authorization: `Bearer ${token}` } : {}) }, signal: ac.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let done = false;
  const seen: RpcReply['messages'] = [];
  const pump = (async () => {
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        buf += r.value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          seen.push(...parseMessages(buf.slice(0, i)));
          buf = buf.slice(i + 2);
        }
      }
    } catch {
      /* aborted by close() */
    }
    done = true;
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next(pick, timeoutMs) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const m = seen.find(pick);
        if (m) return m;
        if (done || Date.now() > until) throw new Error(`no such message on the stream within ${timeoutMs} ms (ended: ${done}); seen ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async ended() {
      await Promise.race([pump, new Promise((r) => setTimeout(r, 2000))]);
      return done;
    },
    async close() {
      ac.abort();
      await pump;
    },
  };
}
