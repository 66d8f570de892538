import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as k8s from '@kubernetes/client-node';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInCluster } from '../../cli/commands/serve-in-cluster.js';
import { type ControlPlane, startControlPlane } from '../env/kube.js';
import { bindNlcReaders, ensureNamespace } from '../helpers/kube-fixtures.js';
import { repoRoot, sampleStore } from '../mcp/mcp-fixture.js';

// The hub's optional OIDC path (an AgentCore gateway's Cognito tokens) end to end on this machine:
// a real local OIDC issuer (discovery + JWKS over HTTP, an RSA key pair made here), the hub started
// by the same function `serve --in-cluster` uses, and RBAC decided by a real kube-apiserver through
// SubjectAccessReview. Cognito itself is not played: only the token shape it issues.
const NS = 'enlm-mcp-oidc';
const GATEWAY_GROUP = 'eks-node-log-mcp:gateway';

let cp: ControlPlane;
let kc: k8s.KubeConfig;
let env: Awaited<ReturnType<typeof sampleStore>>;
let hub: Awaited<ReturnType<typeof startInCluster>>;
let issuerServer: Server;
let issuer: string;
let jwksFetches = 0;
let key: CryptoKeyPair;
const logLines: string[] = [];
const clients: Client[] = [];

async function sign(claims: JWTPayload, o: { key?: CryptoKey; kid?: string; expiresIn?: string | number } = {}): Promise<string> {
  return new SignJWT({ iss: issuer, token_use: 'access', scope: 'eks-node-log-mcp-hub/invoke', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? 'k1', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(o.expiresIn ?? '10m')
    .sign(o.key ?? key.privateKey);
}
const gatewayClaims = { sub: 'gateway-client', client_id: 'gateway-client' };

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const post = (token: string, body: object) =>
  fetch(hub.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'oidc-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(hub.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}
const errorsCall = (c: Client) => c.callTool({ name: 'errors', arguments: { node: env.bundle.node, severity: ['critical'] } }) as Promise<CallToolResult>;
async function refusedCode(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  throw new Error('the call was not refused');
}
/** A refused token: 401 invalid_token, the reason in fixed words, the token neither in the answer nor in a log line. */
async function expectRefused(token: string, reason: RegExp): Promise<void> {
  const r = await post(token, INIT);
  const body = await r.text();
  expect(r.status).toBe(401);
  expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
  expect(body).toMatch(reason);
  expect(body).not.toContain(token);
  expect(logLines.join('\n')).not.toContain(token);
}

beforeAll(async () => {
  key = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  issuerServer = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/pool/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
    else if (req.url === '/pool/jwks.json') {
      jwksFetches++;
      res.end(JSON.stringify({ keys: [jwk] }));
    } else res.writeHead(404).end('{}');
  });
  await new Promise<void>((r) => issuerServer.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}/pool`;

  cp = await startControlPlane();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await ensureNamespace(kc, NS);
  await bindNlcReaders(kc, NS, [
    { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'oidc:gateway-client' },
    { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'oidc:sre' },
    { kind: 'ServiceAccount', name: 'reader-bot', namespace: NS },
  ]);
  env = await sampleStore();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString('utf8'));
      cb();
    },
  });
  hub = await startInCluster(
    {
      store: env.storeDir, host: '127.0.0.1', port: 0, ingestPort: 0, sopsDir: `${repoRoot}/sops`, kubeconfig: cp.kubeconfigPath,
      namespace: NS, collectorSa: [`${NS}:enlm-agent`], audience: [],
      oidc: {
        issuer, audiences: [], clientIds: ['gateway-client', 'other-client', 'sre-client'], algorithms: ['RS256'],
        usernameClaim: 'sub', groupsClaim: 'cognito:groups', groups: [GATEWAY_GROUP],
      },
    },
    pino({ level: 'debug' }, sink),
  );
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await hub?.close();
  await env?.cleanup();
  await cp?.stop();
  await new Promise((r) => issuerServer?.close(r));
});

describe('hub with OIDC: accepted tokens, RBAC decides', () => {
  it('a valid gateway token (client_id accepted, oidc:gateway-client bound) reads findings; the key set came from discovery', async () => {
    const r = await errorsCall(await connect(await sign(gatewayClaims)));
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { findings: { code: string }[] }).findings[0]!.code).toBe('IPAMDNoIPs');
    expect(logLines.some((l) => l.includes('"msg":"Tool call"') && l.includes('"user":"oidc:gateway-client"'))).toBe(true);
    expect(jwksFetches).toBeGreaterThan(0);
  });

  it('a valid token whose identity has no RBAC is authenticated but gets 403 naming the permission', async () => {
    const c = await connect(await sign({ sub: 'other-client', client_id: 'other-client' }));
    expect(await refusedCode(errorsCall(c))).toBe(403);
    // authenticated: runbooks need no RBAC
    expect((await c.callTool({ name: 'list_sops', arguments: {} }) as CallToolResult).isError).toBeFalsy();
  });

  it('claim groups are prefixed: oidc:sre is bound and reads; system:masters in the claim grants nothing', async () => {
    const sre = await errorsCall(await connect(await sign({ sub: 'sre-client', client_id: 'sre-client', 'cognito:groups': ['sre'] })));
    expect(sre.isError).toBeFalsy();
    const masters = await connect(await sign({ sub: 'sre-client', client_id: 'sre-client', 'cognito:groups': ['system:masters'] }));
    expect(await refusedCode(errorsCall(masters))).toBe(403);
  });
});

describe('hub with OIDC: refused tokens are 401 and never echoed', () => {
  it('expired', async () => {
    await expectRefused(await sign(gatewayClaims, { expiresIn: Math.floor(Date.now() / 1000) - 600 }), /refused \(expired\)/);
  });

  it('wrong audience / client (a client of the same issuer the hub was not told to accept)', async () => {
    await expectRefused(await sign({ sub: 'agent-client', client_id: 'agent-client' }), /refused \(wrong audience or client\)/);
  });

  it('wrong issuer: not ours, so TokenReview decides, and the API server does not know it', async () => {
    const other = await new SignJWT({ ...gatewayClaims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://idp.example.com/elsewhere').setExpirationTime('10m').sign(key.privateKey);
    await expectRefused(other, /not accepted by the Kubernetes API/);
  });

  it('bad signature (another key under the known kid)', async () => {
    const forger = await generateKeyPair('RS256');
    await expectRefused(await sign(gatewayClaims, { key: forger.privateKey, kid: 'k1' }), /refused \(bad signature\)/);
  });

  it('alg none and HS256 are not allowed', async () => {
    const none = new UnsecuredJWT({ ...gatewayClaims }).setIssuer(issuer).setExpirationTime('10m').encode();
    await expectRefused(none, /refused \(algorithm not allowed\)/);
    const hs = await new SignJWT({ ...gatewayClaims }).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setIssuer(issuer).setExpirationTime('10m').sign(new TextEncoder().encode('a-shared-secret-anyone-could-hold'));
    await expectRefused(hs, /refused \(algorithm not allowed\)/);
  });

  it('unknown kid', async () => {
    const stranger = await generateKeyPair('RS256');
    await expectRefused(await sign(gatewayClaims, { key: stranger.privateKey, kid: 'not-in-the-jwks' }), /refused \(unknown signing key\)/);
  });
});

describe('hub with OIDC: Kubernetes tokens keep working', () => {
  it('a bound service-account token reads findings through TokenReview', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'reader-bot' } } });
    const tr = await core.createNamespacedServiceAccountToken({ namespace: NS, name: 'reader-bot', body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const r = await errorsCall(await connect(tr.status!.token!));
    expect(r.isError).toBeFalsy();
    expect(logLines.some((l) => l.includes(`"user":"system:serviceaccount:${NS}:reader-bot"`))).toBe(true);
  });
});
