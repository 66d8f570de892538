import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Caller } from './caller.js';
import type { OidcAuthenticator } from './oidc-token.js';
import { type AccessReviewer, describePermission, type Permission } from './subject-access.js';
import { bearerToken, type TokenAuthenticator } from './token-review.js';
import { resourcePermission, TOOL_PERMISSIONS } from './tool-permissions.js';

/** What the in-cluster MCP endpoint checks: who (TokenReview, or OIDC) and may they (SubjectAccessReview). */
export interface McpAuth {
  authenticator: TokenAuthenticator;
  /** optional: JWTs of one external issuer (an AgentCore gateway's Cognito), mapped to `oidc:` identities */
  oidc?: OidcAuthenticator;
  access: AccessReviewer;
  /** the namespace the custom resources live in: permissions are asked there */
  namespace: string;
}

const REALM = 'Bearer realm="eks-node-log-mcp"';
const rpcError = (res: Response, status: number, message: string, id: unknown = null) =>
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32001, message }, id });

/**
 * Express middleware for POST /mcp: authenticates once per request and authorises each
 * `tools/call` (and `resources/read`) in it before the MCP server sees it.
 *
 * A call the user may not make is answered with HTTP 403 and a JSON-RPC error that names the
 * missing permission (chosen over an MCP tool error so that gateways, audit logs and clients see a
 * refusal as a refusal; the message still tells the agent what RBAC to ask for). The caller is left
 * in `res.locals.caller` for the tool handlers (labels on created resources).
 */
export function mcpAuthMiddleware(auth: McpAuth, log: Logger) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) {
      res.set('WWW-Authenticate', REALM);
      const oidc = auth.oidc ? ` or an access token issued by ${auth.oidc.issuer}` : '';
      rpcError(res, 401, `authentication required: send Authorization: Bearer <Kubernetes token> (kubectl create token, or your kubeconfig token)${oidc}`);
      return;
    }
    const who = await identify(auth, token, log);
    if ('status' in who) {
      if (who.status === 401) res.set('WWW-Authenticate', `${REALM}, error="invalid_token"`);
      rpcError(res, who.status, who.message);
      return;
    }
    const caller = who.caller;
    for (const { permission, what, id } of neededPermissions(req.body)) {
      if (permission === undefined) {
        rpcError(res, 403, `${what} is not available in the in-cluster server`, id);
        return;
      }
      let ok: boolean;
      try {
        ok = await auth.access.allowed(caller, permission, auth.namespace);
      } catch (err) {
        log.error({ err: errSummary(err) }, 'SubjectAccessReview failed');
        rpcError(res, 503, 'cannot check permissions right now (Kubernetes API unavailable); retry shortly', id);
        return;
      }
      if (!ok) {
        const need = describePermission(permission, auth.namespace);
        log.info({ user: caller.username, what, need }, 'MCP call forbidden');
        rpcError(res, 403, `forbidden: ${caller.username} may not call ${what}; it needs RBAC permission to ${need} (ask a cluster admin for a Role/RoleBinding)`, id);
        return;
      }
    }
    res.locals.caller = caller;
    next();
  };
}

type Identified = { caller: Caller } | { status: 401 | 503; message: string };

/**
 * Who sent this token: a JWT whose `iss` is the configured OIDC issuer is verified locally (and
 * only so: it never reaches TokenReview); every other token goes to TokenReview. Messages name why
 * a token was refused in fixed words and never echo it.
 */
async function identify(auth: McpAuth, token: string, log: Logger): Promise<Identified> {
  if (auth.oidc?.claims(token)) {
    try {
      const r = await auth.oidc.authenticate(token);
      if ('caller' in r) return r;
      return { status: 401, message: `the bearer token was not accepted: OIDC token from ${auth.oidc.issuer} refused (${r.refused})` };
    } catch (err) {
      log.error({ err: errSummary(err) }, 'OIDC key set unavailable');
      return { status: 503, message: 'cannot verify the token right now (the OIDC issuer\'s key set is unreachable); retry shortly' };
    }
  }
  let caller: Caller | undefined;
  try {
    caller = await auth.authenticator.authenticate(token);
  } catch (err) {
    log.error({ err: errSummary(err) }, 'TokenReview failed');
    return { status: 503, message: 'cannot verify the token right now (Kubernetes API unavailable); retry shortly' };
  }
  if (caller) return { caller };
  return { status: 401, message: 'the bearer token was not accepted by the Kubernetes API (expired, revoked, or issued for another audience)' };
}

/** Each JSON-RPC message of the body that needs a permission, with that permission (undefined: unknown tool). */
function neededPermissions(body: unknown): Array<{ permission: Permission | undefined; what: string; id: unknown }> {
  const msgs = Array.isArray(body) ? body : [body];
  const out: Array<{ permission: Permission | undefined; what: string; id: unknown }> = [];
  for (const m of msgs) {
    const msg = m as { method?: unknown; params?: { name?: unknown; uri?: unknown }; id?: unknown } | null;
    if (!msg || typeof msg !== 'object') continue;
    if (msg.method === 'tools/call') {
      const name = String(msg.params?.name ?? '');
      const p = Object.hasOwn(TOOL_PERMISSIONS, name) ? TOOL_PERMISSIONS[name] : undefined;
      if (p !== null) out.push({ permission: p, what: `tool ${JSON.stringify(name.slice(0, 64))}`, id: msg.id ?? null });
    } else if (msg.method === 'resources/read') {
      const p = resourcePermission(String(msg.params?.uri ?? ''));
      if (p) out.push({ permission: p, what: 'resources/read', id: msg.id ?? null });
    }
  }
  return out;
}

/** Logs a client-node error by status and reason only: its body can echo request fields. */
function errSummary(err: unknown): { code?: unknown; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: e?.code, message: String(e?.message ?? err).slice(0, 200) };
}
