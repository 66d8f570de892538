import { z } from 'zod';
import type { OidcOptions } from '../mcp-server/auth/oidc-token.js';

/** The `serve --in-cluster --oidc-*` flags as commander hands them over. */
export interface OidcFlags {
  oidcIssuer?: string;
  oidcAudience?: string[];
  oidcClientId?: string[];
  oidcJwksUrl?: string;
  oidcAlgorithm?: string[];
  oidcUsernameClaim?: string;
  oidcGroupsClaim?: string;
  oidcGroup?: string[];
}

/** Asymmetric algorithms only: with HS* the verification key is the signing key. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** https, or http to a loopback host (a test or development issuer): keys fetched in clear text could be swapped. */
const secureUrl = z.url().refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}, 'must be https (http only to a loopback host)');

const Schema = z
  .object({
    issuer: secureUrl,
    audiences: z.array(z.string().min(1)),
    clientIds: z.array(z.string().min(1)),
    jwksUrl: secureUrl.optional(),
    algorithms: z.array(z.enum(OIDC_ALGORITHMS)).min(1),
    usernameClaim: z.string().min(1),
    groupsClaim: z.string().min(1).optional(),
    groups: z.array(z.string().min(1).refine((g) => !g.startsWith('system:'), 'system: groups are the API server\'s own')),
  })
  .refine((o) => o.audiences.length + o.clientIds.length > 0, 'name at least one --oidc-audience or --oidc-client-id: a token for any client of the issuer must not pass');

/**
 * The OIDC options of the hub, or undefined when no issuer is configured (the feature is off).
 * Throws with the flag at fault; flags without --oidc-issuer are an error, not silently ignored.
 */
export function parseOidcFlags(f: OidcFlags): Omit<OidcOptions, 'log'> | undefined {
  if (!f.oidcIssuer) {
    const stray = Object.entries(f).filter(([k, v]) => k.startsWith('oidc') && v !== undefined).map(([k]) => k);
    if (stray.length) throw new Error(`${stray.join(', ')} need --oidc-issuer`);
    return undefined;
  }
  const r = Schema.safeParse({
    issuer: f.oidcIssuer,
    audiences: f.oidcAudience ?? [],
    clientIds: f.oidcClientId ?? [],
    jwksUrl: f.oidcJwksUrl,
    algorithms: f.oidcAlgorithm ?? ['RS256'],
    usernameClaim: f.oidcUsernameClaim ?? 'sub',
    groupsClaim: f.oidcGroupsClaim,
    groups: f.oidcGroup ?? [],
  });
  if (!r.success) throw new Error(`OIDC flags: ${r.error.issues.map((i) => `${i.path.join('.') || 'oidc'}: ${i.message}`).join('; ')}`);
  return r.data;
}
