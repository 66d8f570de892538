import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessReviewer } from '../../mcp-server/auth/subject-access.js';
import { TokenAuthenticator } from '../../mcp-server/auth/token-review.js';
import { startHttp } from '../../mcp-server/http.js';
import { kubeClients } from '../../mcp-server/kube/kube-client.js';
import * as k8s from '@kubernetes/client-node';
import { type ControlPlane, STATIC_USERS, startControlPlane } from '../env/kube.js';
import { ensureNamespace } from '../helpers/kube-fixtures.js';
import { sampleStore } from './mcp-fixture.js';
import { headers, openSession, openStream, rpc } from './session-http.js';

// Session mode with in-cluster auth against a real kube-apiserver (static token users alice and
// mallory): a session belongs to the user who opened it, and its id is no credential.
const NS = 'enlm-mcp-sessions';
let cp: ControlPlane;
let env: Awaited<ReturnType<typeof sampleStore>>;
let http: Awaited<ReturnType<typeof startHttp>>;
const { alice, mallory } = STATIC_USERS;
const toolsList = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} };

beforeAll(async () => {
  cp = await startControlPlane();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await ensureNamespace(kc, NS);
  env = await sampleStore();
  const log = pino({ level: 'silent' });
  const kube = kubeClients(kc);
  http = await startHttp(env.deps, {
    host: '127.0.0.1',
    port: 0,
    sessions: true,
    auth: { authenticator: new TokenAuthenticator({ authn: kube.authn, audiences: [], log }), access: new AccessReviewer({ authz: kube.authz }), namespace: NS },
  });
}, 120_000);
afterAll(async () => {
  await http?.close();
  await env?.cleanup();
  await cp?.stop();
});

describe('session mode with in-cluster auth', () => {
  it('initialize without a token is 401, as in stateless mode', async () => {
    expect((await rpc(http.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: {} })).status).toBe(401);
  });

  it("another user's token with alice's session id gets 404 on POST, GET and DELETE; alice keeps her session", async () => {
    const sid = await openSession(http.url, alice.token);
    expect((await rpc(http.url, toolsList, sid, alice.token)).status).toBe(200);

    const stolen = await rpc(http.url, toolsList, sid, mallory.token);
    expect(stolen.status).toBe(404);
    expect(JSON.stringify(stolen.messages)).not.toContain('test_simple_text');
    expect(JSON.stringify(stolen.messages)).not.toContain('"errors"');
    const get = await fetch(http.url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': sid, authorization: `Bearer ${mallory.token}` } });
    expect(get.status).toBe(404);
    await get.body?.cancel();
    const del = await fetch(http.url, { method: 'DELETE', headers: headers(sid, mallory.token) });
    expect(del.status).toBe(404);

    // mallory's DELETE did not end it: alice still has her session and its stream
    expect((await rpc(http.url, toolsList, sid, alice.token)).status).toBe(200);
    const stream = await openStream(http.url, sid, alice.token);
    expect(stream.status).toBe(200);
    await stream.close();
  });

  it("alice's session id without any token is 401 (authentication comes before the session)", async () => {
    const sid = await openSession(http.url, alice.token);
    expect((await rpc(http.url, toolsList, sid)).status).toBe(401);
  });
});
