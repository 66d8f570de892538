import { describe, expect, it } from 'vitest';
import { boundNodeName, serviceAccountOf } from './caller.js';
import { bearerToken } from './token-review.js';
import { TtlCache } from './ttl-cache.js';

describe('bearerToken', () => {
  it('takes the token of a Bearer header, any case of the scheme', () => {
    expect(bearerToken('Bearer abc.def-ghi')).toBe('abc.def-ghi');
    expect(bearerToken('bearer abc')).toBe('abc');
  });
  it('refuses a missing header, another scheme, an empty token and a token with spaces', () => {
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Basic YWxpY2U6eA==')).toBeUndefined();
    expect(bearerToken('Bearer ')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });
});

describe('caller helpers', () => {
  it('reads a service account and the node a pod-bound token was issued on', () => {
    const c = { username: 'system:serviceaccount:kube-system:agent', groups: [], extra: { 'authentication.kubernetes.io/node-name': ['ip-10-0-1-2'] } };
    expect(serviceAccountOf(c)).toEqual({ namespace: 'kube-system', name: 'agent' });
    expect(boundNodeName(c)).toBe('ip-10-0-1-2');
    expect(serviceAccountOf({ username: 'alice', groups: [] })).toBeUndefined();
  });
});

describe('TtlCache', () => {
  it('forgets entries after their TTL and evicts the oldest beyond the cap', () => {
    let now = 0;
    const c = new TtlCache<number>(2, () => now);
    c.set('a', 1, 100);
    c.set('b', 2, 100);
    c.set('c', 3, 100);
    expect(c.get('a')).toBeUndefined();
    expect(c.get('b')).toBe(2);
    now = 100;
    expect(c.get('b')).toBeUndefined();
    expect(c.size).toBe(1);
  });
});
