import type * as k8s from '@kubernetes/client-node';
import type { Caller } from './caller.js';
import { TtlCache } from './ttl-cache.js';

export const API_GROUP = 'eksnodelog.io';

/** One Kubernetes permission on the project's custom resources. */
export interface Permission {
  verb: 'get' | 'list' | 'create';
  resource: 'nodelogcollections' | 'packetcaptures';
}

export const describePermission = (p: Permission, namespace: string) => `${p.verb} ${p.resource}.${API_GROUP} in namespace ${namespace}`;

export interface SubjectAccessOptions {
  authz: k8s.AuthorizationV1Api;
  now?: () => number;
  /** RBAC answers are cached briefly: a revoked RoleBinding takes effect within this time */
  ttlMs?: number;
}

/** May this user do this verb on this resource in this namespace? Asked with SubjectAccessReview (DESIGN.md §6). */
export class AccessReviewer {
  private readonly cache: TtlCache<boolean>;

  constructor(private readonly o: SubjectAccessOptions) {
    this.cache = new TtlCache(10_000, o.now ?? Date.now);
  }

  async allowed(user: Caller, p: Permission, namespace: string): Promise<boolean> {
    // everything the authoriser sees is in the key (extra too: a webhook authoriser may use it)
    const key = JSON.stringify([user.username, user.uid ?? '', [...user.groups].sort(), Object.entries(user.extra ?? {}).sort(), p.verb, p.resource, namespace]);
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const review = await this.o.authz.createSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username, uid: user.uid, groups: user.groups, extra: user.extra,
          resourceAttributes: { verb: p.verb, group: API_GROUP, resource: p.resource, namespace },
        },
      },
    });
    const ok = review.status?.allowed === true && review.status.denied !== true;
    this.cache.set(key, ok, this.o.ttlMs ?? 10_000);
    return ok;
  }
}
