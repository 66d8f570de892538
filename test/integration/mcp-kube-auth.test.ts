import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessReviewer } from '../../mcp-server/auth/subject-access.js';
import { TokenAuthenticator } from '../../mcp-server/auth/token-review.js';
import { startHttp } from '../../mcp-server/http.js';
import { kubeClients } from '../../mcp-server/kube/kube-client.js';
import { type ControlPlane, STATIC_USERS, startControlPlane } from '../env/kube.js';
import { bindNlcReaders, ensureNamespace } from '../helpers/kube-fixtures.js';
import { sampleStore } from '../mcp/mcp-fixture.js';

// The in-cluster MCP endpoint against a real kube-apiserver: TokenReview for who, RBAC through
// SubjectAccessReview for what, with static users (alice bound, mallory not) and service accounts.
const NS = 'enlm-mcp';

let cp: ControlPlane;
let kc: k8s.KubeConfig;
let env: Awaited<ReturnType<typeof sampleStore>>;
let http: Awaited<ReturnType<typeof startHttp>>;
const logLines: Array<Record<string, unknown>> = [];
const clients: Client[] = [];

async function connect(token: string | undefined): Promise<Client> {
  const client = new Client({ name: 'auth-test', version: '1' });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(http.url), { requestInit: { headers } }));
  clients.push(client);
  return client;
}
const call = (c: Client, name: string, args: Record<string, unknown>) => c.callTool({ name, arguments: args }) as Promise<CallToolResult>;
const post = (token: string | undefined, body: object) =>
  fetch(http.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
/** The SDK client's StreamableHTTPError for a refused POST: its HTTP status and the server's message. */
async function refusal(p: Promise<unknown>): Promise<{ code: unknown; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: (err as { code?: unknown }).code, message: (err as Error).message };
  }
  throw new Error('the call was not refused');
}
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

async function saToken(name: string): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name } } });
  // no audience: the API server's own, as `kubectl create token` issues them
  const tr = await core.createNamespacedServiceAccountToken({ namespace: NS, name, body: { spec: { audiences: [], expirationSeconds: 600 } } });
  return tr.status!.token!;
}

beforeAll(async () => {
  cp = await startControlPlane();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await ensureNamespace(kc, NS);
  await bindNlcReaders(kc, NS, [
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
    { kind: 'ServiceAccount', name: 'reader-bot', namespace: NS },
  ]);
  env = await sampleStore();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) logLines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const kube = kubeClients(kc);
  http = await startHttp({ ...env.deps, log }, {
    // a non-loopback bind is allowed only with auth; 0.0.0.0 here, reached over 127.0.0.1
    host: '0.0.0.0',
    port: 0,
    auth: { authenticator: new TokenAuthenticator({ authn: kube.authn, audiences: [], log }), access: new AccessReviewer({ authz: kube.authz }), namespace: NS },
  });
  http.url = http.url.replace('0.0.0.0', '127.0.0.1');
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await http?.close();
  await env?.cleanup();
  await cp?.stop();
});

describe('in-cluster MCP: authentication', () => {
  it('without a bearer token /mcp answers 401 with a Bearer challenge', async () => {
    const r = await post(undefined, INIT);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it('a token the API server does not know is 401 invalid_token, and is never echoed back', async () => {
    const bogus = 'enlm-not-a-real-token-7f3a9c';
    const r = await post(bogus, INIT);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(await r.text()).not.toContain(bogus);
    expect(JSON.stringify(logLines)).not.toContain(bogus);
  });

  it('without auth, a non-loopback bind is still refused (local mode is unchanged)', async () => {
    await expect(startHttp(env.deps, { host: '0.0.0.0', port: 0 })).rejects.toThrow(/loopback/);
  });
});

describe('in-cluster MCP: authorisation per tool call', () => {
  it('alice, bound to get nodelogcollections, calls errors and the handler sees her as the caller', async () => {
    const c = await connect(STATIC_USERS.alice.token);
    const r = await call(c, 'errors', { node: env.bundle.node, severity: ['critical'] });
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { findings: { code: string }[] }).findings[0]!.code).toBe('IPAMDNoIPs');
    expect(logLines.some((l) => l.msg === 'Tool call' && l.tool === 'errors' && l.user === 'alice')).toBe(true);
  });

  it('alice may not collect: 403 naming the missing create permission', async () => {
    const c = await connect(STATIC_USERS.alice.token);
    const r = await refusal(call(c, 'collect', { node: env.bundle.node }));
    expect(r.code).toBe(403);
    expect(r.message).toContain('create nodelogcollections.eksnodelog.io in namespace enlm-mcp');
  });

  it('mallory (no RBAC) is authenticated but gets 403 for errors, with the permission to ask for', async () => {
    const c = await connect(STATIC_USERS.mallory.token);
    const r = await refusal(call(c, 'errors', { node: env.bundle.node }));
    expect(r.code).toBe(403);
    expect(r.message).toMatch(/mallory may not call tool \\"errors\\".*get nodelogcollections\.eksnodelog\.io in namespace enlm-mcp/);
    // runbooks need only authentication
    const sops = await call(c, 'list_sops', {});
    expect(sops.isError).toBeFalsy();
  });

  it('mallory cannot read bundle resources either', async () => {
    const c = await connect(STATIC_USERS.mallory.token);
    expect((await refusal(c.readResource({ uri: `bundle://${env.bundle.node}/${env.bundle.bundleId}/manifest.json` }))).code).toBe(403);
  });

  it('a denied call inside a JSON-RPC batch refuses the whole request', async () => {
    const r = await post(STATIC_USERS.mallory.token, [
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_sops', arguments: {} } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'errors', arguments: { node: env.bundle.node } } },
    ]);
    expect(r.status).toBe(403);
  });

  it('an unknown tool name is refused to everyone (fail closed)', async () => {
    const r = await post(STATIC_USERS.admin.token, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'drop_everything', arguments: {} } });
    expect(r.status).toBe(403);
  });

  it('a service-account token works the same: bound SA reads, unbound SA gets 403', async () => {
    const bound = await connect(await saToken('reader-bot'));
    const ok = await call(bound, 'errors', { node: env.bundle.node, severity: ['critical'] });
    expect(ok.isError).toBeFalsy();
    expect(logLines.some((l) => l.msg === 'Tool call' && l.user === `system:serviceaccount:${NS}:reader-bot`)).toBe(true);
    const unbound = await connect(await saToken('stranger-bot'));
    expect((await refusal(call(unbound, 'errors', { node: env.bundle.node }))).code).toBe(403);
  });
});
