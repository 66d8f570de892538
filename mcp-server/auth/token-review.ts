import { createHash } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Caller } from './caller.js';
import { TtlCache } from './ttl-cache.js';

export interface TokenReviewOptions {
  authn: k8s.AuthenticationV1Api;
  /** audiences the token must be issued for; empty: the API server's own (as kubectl's tokens) */
  audiences: string[];
  log: Logger;
  now?: () => number;
  /** how long an accepted token is trusted without asking again */
  ttlMs?: number;
  /** how long a refused token is refused without asking again (spares the API server a flood) */
  negativeTtlMs?: number;
  maxEntries?: number;
}

/** A bearer longer than this is refused unseen: no real token is, and the API server would refuse it too. */
const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Bearer token → user, by TokenReview (DESIGN.md §6). The cache is keyed by sha256 of the token,
 * never the token itself, so a heap dump or a debug log of the cache holds no credential.
 */
export class TokenAuthenticator {
  private readonly cache: TtlCache<Caller | null>;
  private readonly now: () => number;

  constructor(private readonly o: TokenReviewOptions) {
    this.now = o.now ?? Date.now;
    this.cache = new TtlCache(o.maxEntries ?? 10_000, this.now);
  }

  /** The authenticated user, or undefined when the API server does not accept the token. */
  async authenticate(token: string): Promise<Caller | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const key = createHash('sha256').update(token).digest('hex');
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const review = await this.o.authn.createTokenReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: this.o.audiences.length ? this.o.audiences : undefined } },
    });
    const st = review.status;
    const accepted = st?.authenticated === true && !!st.user?.username && this.audienceOk(st.audiences);
    if (!accepted) {
      // the API server's error says why (expired, wrong audience) and never echoes the token
      this.o.log.info({ reason: st?.error ?? 'not authenticated', tokenSha256: key.slice(0, 12) }, 'Token refused');
      this.cache.set(key, null, this.o.negativeTtlMs ?? 5_000);
      return undefined;
    }
    const u = st.user!;
    const caller: Caller = { username: u.username!, uid: u.uid, groups: u.groups ?? [], extra: u.extra };
    this.cache.set(key, caller, this.o.ttlMs ?? 30_000);
    return caller;
  }

  /** The API server answers the audiences the token was valid for; one of ours must be among them. */
  private audienceOk(got: string[] | undefined): boolean {
    if (this.o.audiences.length === 0) return true;
    return (got ?? []).some((a) => this.o.audiences.includes(a));
  }
}

/** `Authorization: Bearer <token>` → the token; undefined for a missing or other scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}
