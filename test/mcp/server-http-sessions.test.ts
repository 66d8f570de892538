import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WATCHED_PERIOD_MS, WATCHED_RESOURCE } from '../../mcp-server/conformance-fixtures.js';
import { startHttp } from '../../mcp-server/http.js';
import { MAX_SUBSCRIPTIONS } from '../../mcp-server/resource-subscriptions.js';
import { sampleStore } from './mcp-fixture.js';
import { headers, INIT, openSession, openStream, rpc } from './session-http.js';

// Session mode of the HTTP server (mcp-server/http-sessions.ts) over real HTTP: the session's
// lifecycle, its bounds, and what only a session can do (GET stream, subscriptions, requests to the
// client). The stateless default is covered by server-http.test.ts.
type Http = Awaited<ReturnType<typeof startHttp>>;
let env: Awaited<ReturnType<typeof sampleStore>>;
let http: Http;
const extra: Http[] = [];
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  env = await sampleStore();
  http = await startHttp(env.deps, { host: '127.0.0.1', port: 0, sessions: true, conformanceFixtures: true });
});
afterEach(async () => {
  for (const c of closers.splice(0)) await c().catch(() => undefined);
});
afterAll(async () => {
  for (const h of extra) await h.close();
  await http?.close();
  await env?.cleanup();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const toolsList = (id = 1) => ({ jsonrpc: '2.0', id, method: 'tools/list', params: {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function another(o: Parameters<typeof startHttp>[1]): Promise<Http> {
  const h = await startHttp(env.deps, o);
  extra.push(h);
  return h;
}

describe('session mode: lifecycle', () => {
  it('initialize answers with a UUID Mcp-Session-Id and advertises resources.subscribe; later requests with the id work', async () => {
    const init = await rpc(http.url, INIT);
    expect(init.status).toBe(200);
    expect(init.sessionId).toMatch(UUID);
    const result = init.messages[0]!.result as { capabilities: { resources?: { subscribe?: boolean } } };
    expect(result.capabilities.resources?.subscribe).toBe(true);
    const list = await rpc(http.url, toolsList(), init.sessionId);
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.messages)).toContain('"errors"');
  });

  it('the stateless default does not advertise resources.subscribe and answers resources/subscribe with Method not found', async () => {
    const stateless = await another({ host: '127.0.0.1', port: 0, conformanceFixtures: true });
    const init = await rpc(stateless.url, INIT);
    expect(init.sessionId).toBeNull();
    expect((init.messages[0]!.result as { capabilities: { resources?: { subscribe?: boolean } } }).capabilities.resources?.subscribe).toBeUndefined();
    const sub = await rpc(stateless.url, { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: WATCHED_RESOURCE } });
    expect(sub.messages[0]!.error?.code).toBe(-32601);
  });

  it('each initialize opens its own session', async () => {
    const [a, b] = await Promise.all([openSession(http.url), openSession(http.url)]);
    expect(a).not.toBe(b);
  });

  it('a non-initialize POST without Mcp-Session-Id is 400, and so is GET or DELETE without one', async () => {
    const r = await rpc(http.url, toolsList());
    expect(r.status).toBe(400);
    expect(r.messages[0]!.error?.message).toMatch(/Mcp-Session-Id header is required/);
    expect((await fetch(http.url, { method: 'GET', headers: { accept: 'text/event-stream' } })).status).toBe(400);
    expect((await fetch(http.url, { method: 'DELETE' })).status).toBe(400);
  });

  it('an unknown session id is 404 Session not found for POST, GET and DELETE', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const r = await rpc(http.url, toolsList(), unknown);
    expect(r.status).toBe(404);
    expect(r.messages[0]!.error).toMatchObject({ code: -32001, message: expect.stringMatching(/^Session not found/) });
    expect((await fetch(http.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': unknown } })).status).toBe(404);
    expect((await fetch(http.url, { method: 'DELETE', headers: { 'mcp-session-id': unknown } })).status).toBe(404);
    // initialize carrying an unknown id is not a new session either
    expect((await rpc(http.url, INIT, unknown)).status).toBe(404);
  });

  it('DELETE ends the session: its open GET stream closes and the id is 404 afterwards', async () => {
    const sid = await openSession(http.url);
    const stream = await openStream(http.url, sid);
    closers.push(stream.close);
    const del = await fetch(http.url, { method: 'DELETE', headers: headers(sid) });
    expect(del.status).toBe(200);
    expect(await stream.ended()).toBe(true);
    expect((await rpc(http.url, toolsList(), sid)).status).toBe(404);
  });

  it('the server still refuses a foreign Origin and a foreign Host in session mode', async () => {
    const o = await fetch(http.url, { method: 'POST', headers: { ...headers(), origin: 'https://evil.example.com' }, body: JSON.stringify(INIT) });
    expect(o.status).toBe(403);
    // fetch cannot set Host: node:http can (a DNS-rebinding page's requests carry the attacker's name)
    const u = new URL(http.url);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...headers(), host: 'evil.example.com' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end(JSON.stringify(INIT));
    });
    expect(status).toBe(403);
  });

  it('refuses to start with limits that would keep no session', async () => {
    await expect(startHttp(env.deps, { host: '127.0.0.1', port: 0, sessions: { maxSessions: 0 } })).rejects.toThrow(/maxSessions/);
    await expect(startHttp(env.deps, { host: '127.0.0.1', port: 0, sessions: { idleTimeoutMs: 0 } })).rejects.toThrow(/idleTimeoutMs/);
  });
});

describe('session mode: GET stream and subscriptions', () => {
  it('GET opens the session stream; a subscribed resource that changes is announced there, and no longer after unsubscribe', async () => {
    const sid = await openSession(http.url);
    const stream = await openStream(http.url, sid);
    closers.push(stream.close);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    // a second GET stream on the same session is refused (one standalone stream per session)
    const second = await fetch(http.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': INIT.params.protocolVersion } });
    expect(second.status).toBe(409);
    await second.body?.cancel();

    const sub = await rpc(http.url, { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: WATCHED_RESOURCE } }, sid);
    expect(sub.messages[0]!.result).toEqual({});
    const isUpdate = (m: { method?: string; params?: unknown }) => m.method === 'notifications/resources/updated';
    const update = await stream.next(isUpdate, WATCHED_PERIOD_MS * 3);
    expect(update.params).toEqual({ uri: WATCHED_RESOURCE });
    const read = await rpc(http.url, { jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: WATCHED_RESOURCE } }, sid);
    expect(JSON.stringify(read.messages[0]!.result)).toMatch(/revision [1-9]/);

    const unsub = await rpc(http.url, { jsonrpc: '2.0', id: 4, method: 'resources/unsubscribe', params: { uri: WATCHED_RESOURCE } }, sid);
    expect(unsub.messages[0]!.result).toEqual({});
    const before = (await rpc(http.url, { jsonrpc: '2.0', id: 5, method: 'resources/read', params: { uri: WATCHED_RESOURCE } }, sid)).messages[0]!.result;
    await sleep(WATCHED_PERIOD_MS * 2.5);
    const after = (await rpc(http.url, { jsonrpc: '2.0', id: 6, method: 'resources/read', params: { uri: WATCHED_RESOURCE } }, sid)).messages[0]!.result;
    expect(after).toEqual(before);
  });

  it('subscriptions are per session: another session is not told about updates', async () => {
    const [a, b] = await Promise.all([openSession(http.url), openSession(http.url)]);
    const streamB = await openStream(http.url, b);
    closers.push(streamB.close);
    const streamA = await openStream(http.url, a);
    closers.push(streamA.close);
    await rpc(http.url, { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: WATCHED_RESOURCE } }, a);
    await streamA.next((m) => m.method === 'notifications/resources/updated', WATCHED_PERIOD_MS * 3);
    await expect(streamB.next((m) => m.method === 'notifications/resources/updated', WATCHED_PERIOD_MS * 1.5)).rejects.toThrow(/no such message/);
  });

  it(`bad input: more than ${MAX_SUBSCRIPTIONS} subscriptions in one session is refused with Invalid params`, async () => {
    const sid = await openSession(http.url);
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) {
      const r = await rpc(http.url, { jsonrpc: '2.0', id: i + 10, method: 'resources/subscribe', params: { uri: `sop://runbook-${i}` } }, sid);
      expect(r.messages[0]!.result, `subscription ${i}`).toEqual({});
    }
    const over = await rpc(http.url, { jsonrpc: '2.0', id: 9999, method: 'resources/subscribe', params: { uri: 'sop://one-too-many' } }, sid);
    expect(over.messages[0]!.error).toMatchObject({ code: -32602, message: expect.stringMatching(/too many subscriptions/) });
  }, 60_000);

  it('sampling and elicitation reach the client of the session and its replies come back to the tool', async () => {
    const client = new Client({ name: 'sessions-test', version: '1' }, { capabilities: { sampling: {}, elicitation: { form: {} } } });
    client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `echo: ${(req.params.messages[0]!.content as { text: string }).text}` },
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { username: 'u1', email: 'u1@example.com' } }));
    const transport = new StreamableHTTPClientTransport(new URL(http.url));
    await client.connect(transport);
    closers.push(() => client.close());
    expect(transport.sessionId).toMatch(UUID);
    const s = (await client.callTool({ name: 'test_sampling', arguments: { prompt: 'why is the node NotReady?' } })) as CallToolResult;
    expect(s.isError).toBeFalsy();
    expect(s.content[0]).toEqual({ type: 'text', text: 'LLM response: echo: why is the node NotReady?' });
    const e = (await client.callTool({ name: 'test_elicitation', arguments: { message: 'who are you?' } })) as CallToolResult;
    expect(e.isError).toBeFalsy();
    expect((e.content[0] as { text: string }).text).toContain('"username":"u1"');
    // the real tools work in the session too
    const errors = (await client.callTool({ name: 'errors', arguments: { node: env.bundle.node, severity: ['critical'] } })) as CallToolResult;
    expect(errors.isError).toBeFalsy();
  });
});

describe('session mode: bounds', () => {
  it('a session idle longer than the timeout ends (404), while an open GET stream keeps it alive', async () => {
    const h = await another({ host: '127.0.0.1', port: 0, sessions: { idleTimeoutMs: 300 } });
    const idle = await openSession(h.url);
    const watched = await openSession(h.url);
    const stream = await openStream(h.url, watched);
    closers.push(stream.close);
    await sleep(800);
    expect((await rpc(h.url, toolsList(), idle)).status).toBe(404);
    expect((await rpc(h.url, toolsList(), watched)).status).toBe(200);
    // once the client leaves its stream, the session idles out too
    await stream.close();
    await sleep(800);
    expect((await rpc(h.url, toolsList(), watched)).status).toBe(404);
  });

  it('requests keep a session alive past the idle timeout', async () => {
    const h = await another({ host: '127.0.0.1', port: 0, sessions: { idleTimeoutMs: 400 } });
    const sid = await openSession(h.url);
    for (let i = 0; i < 5; i++) {
      await sleep(200);
      expect((await rpc(h.url, toolsList(i), sid)).status, `request ${i}`).toBe(200);
    }
  });

  it('a full session map ends the least recently used session to admit a new one', async () => {
    const h = await another({ host: '127.0.0.1', port: 0, sessions: { maxSessions: 2 } });
    const first = await openSession(h.url);
    const second = await openSession(h.url);
    // using `first` makes `second` the least recently used
    expect((await rpc(h.url, toolsList(), first)).status).toBe(200);
    const third = await openSession(h.url);
    expect((await rpc(h.url, toolsList(), second)).status).toBe(404);
    expect((await rpc(h.url, toolsList(), first)).status).toBe(200);
    expect((await rpc(h.url, toolsList(), third)).status).toBe(200);
  });

  it('shutting the server down ends the sessions and their open streams, and does not hang on them', async () => {
    const h = await startHttp(env.deps, { host: '127.0.0.1', port: 0, sessions: true });
    const sid = await openSession(h.url);
    const stream = await openStream(h.url, sid);
    closers.push(stream.close);
    const t0 = Date.now();
    await h.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await stream.ended()).toBe(true);
  });
});
