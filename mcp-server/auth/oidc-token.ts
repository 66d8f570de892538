import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import type { Logger } from 'pino';
import type { Caller } from './caller.js';

/** What an external gateway's tokens must look like (DESIGN.md §6: optional OIDC JWT validation). */
export interface OidcOptions {
  /** `iss` of the tokens, exactly; its discovery document names the JWKS unless jwksUrl is set */
  issuer: string;
  /** accepted `aud` values */
  audiences: string[];
  /** accepted `client_id` values: Cognito access tokens carry `client_id` and no `aud` */
  clientIds: string[];
  jwksUrl?: string;
  /** asymmetric only: a shared-secret HS256 key would let anyone holding it mint identities */
  algorithms: string[];
  /** the claim naming the user; `client_id` is used when it is missing */
  usernameClaim: string;
  /** a claim holding group names (string or string array); each gets the `oidc:` prefix */
  groupsClaim?: string;
  /** groups every accepted token's caller is in, unprefixed (e.g. `eks-node-log-mcp:gateway`) */
  groups: string[];
  log: Logger;
}

/**
 * Users and claim groups are prefixed, as the API server's own OIDC authenticator does with
 * --oidc-username-prefix / --oidc-groups-prefix: an issuer that puts `system:masters` in a groups
 * claim must not become cluster-admin in the SubjectAccessReview.
 */
export const OIDC_PREFIX = 'oidc:';

/** Why a token was refused: fixed words, safe to send back (the token itself never is). */
export type OidcRefusal = 'expired' | 'not yet valid' | 'wrong audience or client' | 'bad signature' | 'unknown signing key' | 'algorithm not allowed' | 'malformed' | 'no username claim';

const REFUSED_BY_CODE: Record<string, OidcRefusal> = {
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad signature',
  ERR_JWKS_NO_MATCHING_KEY: 'unknown signing key',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'unknown signing key',
  ERR_JOSE_ALG_NOT_ALLOWED: 'algorithm not allowed',
  ERR_JOSE_NOT_SUPPORTED: 'algorithm not allowed',
  ERR_JWS_INVALID: 'malformed',
  ERR_JWT_INVALID: 'malformed',
};

export type OidcResult = { caller: Caller } | { refused: OidcRefusal };

/**
 * Bearer JWT of one configured issuer → Kubernetes-style identity, so that SubjectAccessReview and
 * RBAC stay the one policy: `oidc:<sub>` with `oidc:`-prefixed claim groups plus the fixed groups.
 * Signature keys come from the issuer's JWKS (jose caches it and refetches on an unknown kid, with
 * a cool-down, so a forged kid cannot make the hub hammer the issuer).
 */
export class OidcAuthenticator {
  private jwks?: Promise<ReturnType<typeof createRemoteJWKSet>>;

  constructor(private readonly o: OidcOptions) {}

  get issuer(): string {
    return this.o.issuer;
  }

  /**
   * Is this bearer meant for us? Only a JWT whose unverified `iss` is our issuer is; everything
   * else (Kubernetes tokens, other issuers) goes to TokenReview. Routing only: nothing is trusted.
   */
  claims(token: string): boolean {
    try {
      return decodeJwt(token).iss === this.o.issuer;
    } catch {
      return false;
    }
  }

  /** Verifies signature, issuer, expiry, audience/client; throws only when the JWKS cannot be fetched. */
  async authenticate(token: string): Promise<OidcResult> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, await this.keys(), {
        issuer: this.o.issuer,
        algorithms: this.o.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: 30,
      }));
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      const claim = (err as { claim?: unknown }).claim;
      const reason: OidcRefusal | undefined =
        code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' ? (claim === 'nbf' || claim === 'iat' ? 'not yet valid' : 'malformed') : REFUSED_BY_CODE[code];
      if (!reason) throw err;
      return this.refuse(token, reason, code);
    }
    if (!this.forUs(payload)) return this.refuse(token, 'wrong audience or client', 'aud/client_id');
    const name = stringClaim(payload[this.o.usernameClaim]) ?? stringClaim(payload.client_id);
    if (!name) return this.refuse(token, 'no username claim', this.o.usernameClaim);
    const claimGroups = this.o.groupsClaim ? groupList(payload[this.o.groupsClaim]) : [];
    return { caller: { username: OIDC_PREFIX + name, groups: [...claimGroups.map((g) => OIDC_PREFIX + g), ...this.o.groups] } };
  }

  private forUs(p: JWTPayload): boolean {
    const aud = typeof p.aud === 'string' ? [p.aud] : (p.aud ?? []);
    if (aud.some((a) => this.o.audiences.includes(a))) return true;
    const clientId = stringClaim(p.client_id);
    return clientId !== undefined && this.o.clientIds.includes(clientId);
  }

  private refuse(token: string, reason: OidcRefusal, detail: string): OidcResult {
    const tokenSha256 = createHash('sha256').update(token).digest('hex').slice(0, 12);
    this.o.log.info({ reason, detail, tokenSha256 }, 'OIDC token refused');
    return { refused: reason };
  }

  /** The JWKS, found through discovery once (a failed discovery is retried on the next request). */
  private keys(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (!this.jwks) {
      const p = this.jwksUrl().then((u) => createRemoteJWKSet(new URL(u), { timeoutDuration: 5_000, cooldownDuration: 30_000 }));
      p.catch(() => {
        if (this.jwks === p) this.jwks = undefined;
      });
      this.jwks = p;
    }
    return this.jwks;
  }

  private async jwksUrl(): Promise<string> {
    if (this.o.jwksUrl) return this.o.jwksUrl;
    const url = `${this.o.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const r = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
    if (!r.ok) throw new Error(`OIDC discovery ${url} answered HTTP ${r.status}`);
    const doc = (await r.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one asked about
    if (doc.issuer !== this.o.issuer) throw new Error(`OIDC discovery ${url} names another issuer`);
    if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery ${url} has no jwks_uri`);
    return doc.jwks_uri;
  }
}

const stringClaim = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function groupList(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string' && g.length > 0) : [];
}
