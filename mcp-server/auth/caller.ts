/** Who made a request, as the API server's TokenReview names them. */
export interface Caller {
  username: string;
  uid?: string;
  groups: string[];
  /** authenticator extras, e.g. the pod and node a projected service-account token is bound to */
  extra?: Record<string, string[]>;
}

/** The node a pod-bound service-account token was issued on (Kubernetes ≥ 1.30 adds it), if any. */
export function boundNodeName(c: Caller): string | undefined {
  return c.extra?.['authentication.kubernetes.io/node-name']?.[0];
}

/** `system:serviceaccount:<ns>:<name>` → {namespace, name}; undefined for other users. */
export function serviceAccountOf(c: Caller): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(c.username);
  return m ? { namespace: m[1]!, name: m[2]! } : undefined;
}
