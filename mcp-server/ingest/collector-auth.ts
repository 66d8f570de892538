import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { boundNodeName, type Caller } from '../auth/caller.js';
import { bearerToken, type TokenAuthenticator } from '../auth/token-review.js';
import { HttpError } from './http-error.js';

/** The audience the agent's projected token is issued for (the chart's agent DaemonSet asks for it). */
export const HUB_AUDIENCE = 'eks-node-log-mcp-hub';

const REALM = 'Bearer realm="eks-node-log-mcp-ingest"';

/**
 * Only the collectors may upload: a projected service-account token for the hub's audience
 * (TokenReview), whose user is one of the configured collector service accounts. A token issued
 * for the API server or any other audience is refused, so a stolen kubectl token cannot upload.
 */
export class CollectorAuth {
  private readonly allowed: Set<string>;

  constructor(private readonly authenticator: TokenAuthenticator, collectorServiceAccounts: readonly string[], private readonly log: Logger) {
    this.allowed = new Set(collectorServiceAccounts.map(serviceAccountUser));
  }

  async check(req: IncomingMessage): Promise<Caller> {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new HttpError(401, 'send Authorization: Bearer <projected service-account token for audience eks-node-log-mcp-hub>', { 'WWW-Authenticate': REALM });
    let caller: Caller | undefined;
    try {
      caller = await this.authenticator.authenticate(token);
    } catch (err) {
      this.log.error({ code: (err as { code?: unknown }).code }, 'TokenReview failed');
      throw new HttpError(503, 'cannot verify the token right now (Kubernetes API unavailable); retry', { 'Retry-After': '5' });
    }
    if (!caller) throw new HttpError(401, `token not accepted for audience ${HUB_AUDIENCE}`, { 'WWW-Authenticate': `${REALM}, error="invalid_token"` });
    if (!this.allowed.has(caller.username)) {
      this.log.warn({ user: caller.username }, 'Upload refused: not a collector service account');
      throw new HttpError(403, `${caller.username} is not a collector service account of this hub`);
    }
    return caller;
  }
}

/** A pod-bound token names its node: it may only upload for a collection that targets that node. */
export function assertSameNode(caller: Caller, targetNode: string | undefined): void {
  const bound = boundNodeName(caller);
  if (bound && targetNode && bound !== targetNode) {
    throw new HttpError(403, `the uploading pod runs on node ${bound}, but the resource targets ${targetNode}`);
  }
}

/** `ns:name` (the CLI form) or the full user name → `system:serviceaccount:ns:name`. */
export function serviceAccountUser(s: string): string {
  if (s.startsWith('system:serviceaccount:')) return s;
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(s);
  if (!m) throw new Error(`collector service account must be <namespace>:<name>, got ${JSON.stringify(s.slice(0, 100))}`);
  return `system:serviceaccount:${m[1]}:${m[3]}`;
}
