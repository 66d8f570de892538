import { describe, expect, it } from 'vitest';
import { serviceAccountUser } from './collector-auth.js';
import { HttpError } from './http-error.js';
import { parseIngestRoute } from './ingest-routes.js';

const status = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof HttpError) return err.status;
    throw err;
  }
  return 'no error';
};

describe('ingest routes', () => {
  it('parses the three routes', () => {
    expect(parseIngestRoute('PUT', '/ingest/v1/bundles/ns-1/nlc.a-b')).toEqual({ kind: 'bundle', namespace: 'ns-1', name: 'nlc.a-b' });
    expect(parseIngestRoute('PUT', '/ingest/v1/captures/ns/cap/chunks/12')).toEqual({ kind: 'chunk', namespace: 'ns', name: 'cap', seq: 12 });
    expect(parseIngestRoute('POST', '/ingest/v1/captures/ns/cap/complete?x=1')).toEqual({ kind: 'complete', namespace: 'ns', name: 'cap' });
  });

  it('when namespace or name hold .., an encoded slash, upper case or bad encoding, the request is 400', () => {
    for (const p of ['/ingest/v1/bundles/../x', '/ingest/v1/bundles/ns/..', '/ingest/v1/bundles/ns/a%2Fb', '/ingest/v1/bundles/ns%2F..%2Fkube-system/x',
      '/ingest/v1/bundles/ns/../../etc/passwd', '/ingest/v1/bundles/NS/x', '/ingest/v1/bundles/ns/%E0%A4%A', `/ingest/v1/bundles/${'a'.repeat(64)}/x`]) {
      expect(status(() => parseIngestRoute('PUT', p)), p).toBe(400);
    }
  });

  it('wrong method is 405, chunk 0 or past 999999 is 400, other paths are not routes', () => {
    expect(status(() => parseIngestRoute('POST', '/ingest/v1/bundles/ns/x'))).toBe(405);
    expect(status(() => parseIngestRoute('PUT', '/ingest/v1/captures/ns/c/chunks/0'))).toBe(400);
    expect(status(() => parseIngestRoute('PUT', '/ingest/v1/captures/ns/c/chunks/1000000'))).toBe(400);
    expect(parseIngestRoute('GET', '/metrics')).toBeUndefined();
    expect(parseIngestRoute('PUT', '/ingest/v1/bundles/ns')).toBeUndefined();
  });

  it('collector service accounts are given as ns:name or the full user name', () => {
    expect(serviceAccountUser('eks-node-log:agent')).toBe('system:serviceaccount:eks-node-log:agent');
    expect(serviceAccountUser('system:serviceaccount:a:b')).toBe('system:serviceaccount:a:b');
    expect(() => serviceAccountUser('agent')).toThrow(/namespace/);
  });
});
