import { resolve } from 'node:path';
import type { BundleStore } from '../core/store/bundle-store.js';
import { FsBundleStore } from '../core/store/fs-store.js';
import { createS3Client, S3BundleStore } from '../core/store/s3-store.js';

export interface StoreUriOptions {
  region?: string;
  /** S3-compatible endpoint (tests); production uses AWS's */
  endpoint?: string;
  kmsKeyId?: string;
}

/**
 * `--store` accepts a directory (the embedded default) or `s3://bucket/prefix` (the hub). Returns the
 * store and the base that status URIs use for it (`store://` for a directory: a path inside the hub pod means nothing to a reader).
 */
export function openStore(uri: string, o: StoreUriOptions = {}): { store: BundleStore; uri: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(uri);
  if (uri.startsWith('s3://') && !m) throw new Error('--store s3://… needs a valid bucket name: s3://<bucket>[/<prefix>]');
  if (m) {
    if (!o.region) throw new Error('an s3:// store needs a region (--region or AWS_REGION)');
    const prefix = (m[2] ?? '').replace(/\/+$/, '');
    const store = new S3BundleStore({
      bucket: m[1]!,
      prefix: prefix || undefined,
      client: createS3Client({ region: o.region, endpoint: o.endpoint }),
      sse: o.kmsKeyId ? { kmsKeyId: o.kmsKeyId, bucketKeyEnabled: true } : undefined,
    });
    return { store, uri: `s3://${m[1]}${prefix ? `/${prefix}` : ''}` };
  }
  // status fields never show a pod's filesystem path: `store://<key>` names a key in the hub's store
  return { store: new FsBundleStore(resolve(uri)), uri: 'store://' };
}
