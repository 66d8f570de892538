import { describe, expect, it } from 'vitest';
import { parseOidcFlags } from './oidc-flags.js';

describe('serve --oidc-* flags', () => {
  it('without --oidc-issuer OIDC is off; another --oidc-* flag alone is an error', () => {
    expect(parseOidcFlags({})).toBeUndefined();
    expect(() => parseOidcFlags({ oidcClientId: ['abc'] })).toThrow(/oidcClientId need --oidc-issuer/);
  });

  it('a Cognito issuer with a client id gets RS256, the sub claim and no JWKS override by default', () => {
    const o = parseOidcFlags({ oidcIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC', oidcClientId: ['7abc'], oidcGroup: ['eks-node-log-mcp:gateway'] });
    expect(o).toEqual({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC', audiences: [], clientIds: ['7abc'], jwksUrl: undefined,
      algorithms: ['RS256'], usernameClaim: 'sub', groupsClaim: undefined, groups: ['eks-node-log-mcp:gateway'],
    });
  });

  it('refuses an issuer without audience or client id, plain http to a remote host, HS256, and system: groups', () => {
    expect(() => parseOidcFlags({ oidcIssuer: 'https://idp.example.com' })).toThrow(/at least one --oidc-audience or --oidc-client-id/);
    expect(() => parseOidcFlags({ oidcIssuer: 'http://idp.example.com', oidcAudience: ['a'] })).toThrow(/issuer: must be https/);
    expect(() => parseOidcFlags({ oidcIssuer: 'https://idp.example.com', oidcAudience: ['a'], oidcAlgorithm: ['HS256'] })).toThrow(/algorithms/);
    expect(() => parseOidcFlags({ oidcIssuer: 'https://idp.example.com', oidcAudience: ['a'], oidcGroup: ['system:masters'] })).toThrow(/system: groups/);
    expect(parseOidcFlags({ oidcIssuer: 'http://127.0.0.1:9999', oidcAudience: ['a'] })?.issuer).toBe('http://127.0.0.1:9999');
  });
});
