import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcAuthenticator } from './oidc-token.js';

// Discovery rules and routing; the accept/refuse matrix against a real API server is in
// test/integration/mcp-oidc-auth.test.ts.
let base: string;
let discoveredIssuer = '';
const server = createServer((req, res) => {
  if (req.url?.endsWith('/.well-known/openid-configuration')) res.end(JSON.stringify({ issuer: discoveredIssuer, jwks_uri: `${base}/gone/jwks.json` }));
  else res.writeHead(404).end();
});
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const authenticator = (issuer: string) =>
  new OidcAuthenticator({ issuer, audiences: ['hub'], clientIds: [], algorithms: ['RS256'], usernameClaim: 'sub', groups: [], log: pino({ level: 'silent' }) });
const token = async (iss: string) =>
  new SignJWT({ sub: 'x', aud: 'hub' }).setProtectedHeader({ alg: 'RS256', kid: 'k' }).setIssuer(iss).setExpirationTime('5m').sign((await generateKeyPair('RS256')).privateKey);

describe('OidcAuthenticator', () => {
  it('claims only JWTs whose iss is its issuer (Kubernetes tokens and other issuers go to TokenReview)', async () => {
    const a = authenticator(`${base}/pool`);
    expect(a.claims(await token(`${base}/pool`))).toBe(true);
    expect(a.claims(await token(`${base}/other`))).toBe(false);
    expect(a.claims('enlm-alice-token')).toBe(false);
  });

  it('a discovery document naming another issuer is an outage (throws, so the hub answers 503), not a refusal', async () => {
    discoveredIssuer = 'https://attacker.example.com';
    const a = authenticator(`${base}/pool`);
    await expect(a.authenticate(await token(`${base}/pool`))).rejects.toThrow(/names another issuer/);
  });

  it('a failed discovery is retried on the next request; an unreachable key set throws too', async () => {
    const a = authenticator(`${base}/pool`);
    discoveredIssuer = 'https://attacker.example.com';
    await expect(a.authenticate(await token(`${base}/pool`))).rejects.toThrow(/names another issuer/);
    discoveredIssuer = `${base}/pool`;
    // discovery now passes; the key set it names answers 404
    await expect(a.authenticate(await token(`${base}/pool`))).rejects.toThrow(/JSON Web Key Set|200/);
  });
});
