import { describe, expect, it } from 'vitest';
import { openStore } from './store-uri.js';

describe('openStore', () => {
  it('opens a directory as the filesystem store', () => {
    const s = openStore('/tmp/enlm-store-test');
    expect(s.store.kind).toBe('fs');
    expect(s.uri).toBe('store://');
  });
  it('opens s3://bucket/prefix as the S3 store', () => {
    const s = openStore('s3://my-logs/hub/', { region: 'us-east-1' });
    expect(s.store.kind).toBe('s3');
    expect(s.uri).toBe('s3://my-logs/hub');
  });
  it.each(['s3://', 's3://UPPER/x', 's3://a/x'])('rejects the bad bucket in %j', (u) => expect(() => openStore(u, { region: 'us-east-1' })).toThrow(/valid bucket/));
  it('needs a region for S3', () => expect(() => openStore('s3://my-logs')).toThrow(/region/));
});
