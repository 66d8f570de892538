import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { ingestBundle, type IngestResult } from '../../core/ingest/ingest-bundle.js';
import type { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import type { BundleStore } from '../../core/store/bundle-store.js';

/** Keys of one instance's runbook archives (the archive is named eks_<instance-id>_<time>_<version>.tar.gz). */
export const archivePrefix = (instanceId: string) => `eks_${instanceId}_`;

/**
 * What AWSSupport-CollectEKSInstanceLogs leaves behind: an eks-log-collector.sh archive in the
 * root of the destination bucket (the runbook takes no key prefix), named eks_<instance-id>_<time>_<version>.tar.gz.
 * Found by listing that instance's keys only (the runbook's outputs name the object only in some
 * versions; when they do, that key wins), then streamed into ingest.
 */
export class SsmBundleIngest {
  constructor(
    private readonly o: { s3: S3Client; bucket: string; store: BundleStore; catalog: CompiledCatalog; now?: () => number },
  ) {}

  async findArchive(instanceId: string, notBeforeMs: number, outputs: Record<string, string[]>): Promise<string | undefined> {
    for (const vals of Object.values(outputs)) {
      for (const v of vals) {
        const m = /(?:s3:\/\/[^/]+\/)?([^\s]*eks_[^\s]*\.tar\.gz)$/.exec(v);
        if (m && m[1]!.includes(instanceId)) return m[1];
      }
    }
    let best: { key: string; at: number } | undefined;
    let token: string | undefined;
    do {
      // a prefixed listing: the operator's role may list only eks_i-* (infra/ssm-access.ts), and a
      // bucket holding the whole store would otherwise be paged through on every poll
      const page = await this.o.s3.send(new ListObjectsV2Command({ Bucket: this.o.bucket, Prefix: archivePrefix(instanceId), ContinuationToken: token }));
      for (const obj of page.Contents ?? []) {
        const at = obj.LastModified?.getTime() ?? 0;
        // one minute of slack: S3's LastModified and the start time come from different clocks
        if (obj.Key?.includes(instanceId) && /\.tar\.gz$/.test(obj.Key) && at >= notBeforeMs - 60_000 && (!best || at > best.at)) best = { key: obj.Key, at };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return best?.key;
  }

  async ingest(key: string, node: string, bundleId: string): Promise<IngestResult> {
    const obj = await this.o.s3.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: key }));
    const stream = obj.Body as Readable;
    return ingestBundle({ store: this.o.store, catalog: this.o.catalog, source: { kind: 'stream', stream, name: key.split('/').pop()!, bundleId }, node, method: 'ssm', now: this.o.now });
  }
}
