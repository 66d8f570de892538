import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, type BundleStore, NotFoundError, type ObjectInfo, type PutOptions } from './bundle-store.js';

export interface S3StoreOptions {
  bucket: string;
  /** Folder inside the bucket; callers never see it (keys in and out are relative to it). */
  prefix?: string;
  client: S3Client;
  sse?: { kmsKeyId?: string; bucketKeyEnabled?: boolean };
}

const PART_SIZE = 8 * 1024 * 1024;
// Two parts in flight bounds buffered memory to 16 MiB per upload while keeping the link busy.
const QUEUE_SIZE = 2;
// DeleteObjects accepts at most 1000 keys per request (S3 API limit).
const DELETE_BATCH = 1000;

/**
 * S3 adapter: the only file in core/ that imports the AWS SDK (DESIGN.md §2). Keys keep the same
 * layout as the filesystem store; the optional prefix lets several installations share a bucket.
 */
export class S3BundleStore implements BundleStore {
  readonly kind = 's3' as const;
  private readonly bucket: string;
  private readonly root: string;
  private readonly client: S3Client;
  private readonly sse: S3StoreOptions['sse'];

  constructor(opts: S3StoreOptions) {
    this.bucket = opts.bucket;
    this.client = opts.client;
    this.sse = opts.sse;
    const p = (opts.prefix ?? '').replace(/\/+$/, '');
    if (p) assertSafeKey(p);
    this.root = p ? `${p}/` : '';
  }

  private full(key: string): string {
    assertSafeKey(key);
    return this.root + key;
  }

  /** A prefix may end in '/' or in a partial segment; only the part before that must be safe. */
  private fullPrefix(prefix: string): string {
    if (prefix !== '') assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    return this.root + prefix;
  }

  private sseParams() {
    if (!this.sse) return {};
    return {
      ServerSideEncryption: 'aws:kms' as const,
      ...(this.sse.kmsKeyId !== undefined && { SSEKMSKeyId: this.sse.kmsKeyId }),
      ...(this.sse.bucketKeyEnabled !== undefined && { BucketKeyEnabled: this.sse.bucketKeyEnabled }),
    };
  }

  async put(key: string, body: Readable | Buffer | string, opts?: PutOptions): Promise<{ size: number }> {
    const params = {
      Bucket: this.bucket,
      Key: this.full(key),
      ...(opts?.contentType !== undefined && { ContentType: opts.contentType }),
      ...this.sseParams(),
    };
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      await this.client.send(new PutObjectCommand({ ...params, Body: buf }));
      return { size: buf.length };
    }
    // A stream's length is unknown up front, which PutObject cannot take; Upload buffers parts and
    // switches to multipart past one part. S3 only shows the object on Complete, so a failed
    // stream leaves nothing at the key (Upload aborts the multipart upload).
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const feeding = pipeline(body, counter);
    const upload = new Upload({
      client: this.client,
      params: { ...params, Body: counter },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
      leavePartsOnError: false,
    });
    // Wait for both sides to settle: Upload aborts its multipart upload before done() rejects, and
    // returning earlier would leave that abort racing the caller. A failed upload stops draining
    // the counter, so destroy it or the feeding pipeline would wait forever.
    const uploading = upload.done().catch((err: unknown) => {
      counter.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    });
    const [fed, uploaded] = await Promise.allSettled([feeding, uploading]);
    if (fed.status === 'rejected') throw fed.reason;
    if (uploaded.status === 'rejected') throw uploaded.reason;
    return { size };
  }

  async get(key: string): Promise<Readable> {
    const out = await this.getObject(key);
    return out.Body as Readable;
  }

  async getRange(key: string, start: number, end: number): Promise<Readable> {
    const k = this.full(key);
    if (end <= start) {
      // No bytes wanted, but a missing key must still say so, as on the filesystem.
      if (!(await this.head(key))) throw new NotFoundError(key);
      return Readable.from([]);
    }
    // S3 clamps the end itself; an open end avoids sending a non-integer past MAX_SAFE_INTEGER.
    const range = Number.isFinite(end) ? `bytes=${start}-${end - 1}` : `bytes=${start}-`;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: k, Range: range }));
      return out.Body as Readable;
    } catch (err) {
      // 416 InvalidRange: the object exists but ends before `start`, so the range is empty.
      if (status(err) === 416 || name(err) === 'InvalidRange') return Readable.from([]);
      throw this.mapNotFound(err, key);
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const out = await this.getObject(key);
    if (!out.Body) return Buffer.alloc(0);
    const bytes = await out.Body.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const k = this.full(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: k }));
      return { key, size: out.ContentLength ?? 0, ...(out.LastModified && { lastModified: out.LastModified }) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const full = this.fullPrefix(prefix);
    // ListObjectsV2 already returns keys in UTF-8 binary order, page after page.
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        const info = { key: o.Key.slice(this.root.length), size: o.Size ?? 0 };
        yield o.LastModified ? { ...info, lastModified: o.LastModified } : info;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for an absent key too, so NotFound needs no special case here.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.fullPrefix(prefix);
    let n = 0;
    let batch: string[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const Delete = { Objects: batch.map((Key) => ({ Key })), Quiet: true };
      const out = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete }));
      // DeleteObjects answers 200 even when single keys failed; those come back in Errors.
      const failed = out.Errors ?? [];
      if (failed[0]) {
        const { Code, Key } = failed[0];
        throw new Error(`deletePrefix: ${failed.length} of ${batch.length} deletes failed (first: ${Code} ${Key})`);
      }
      n += batch.length;
      batch = [];
    };
    // Keys are gathered from the listing before each batch is deleted; continuation tokens name
    // the last key returned, so deleting behind the cursor does not skip anything.
    for await (const o of this.list(prefix)) {
      batch.push(this.root + o.key);
      if (batch.length === DELETE_BATCH) await flush();
    }
    await flush();
    return n;
  }

  private async getObject(key: string): Promise<GetObjectCommandOutput> {
    const Key = this.full(key);
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      throw this.mapNotFound(err, key);
    }
  }

  private mapNotFound(err: unknown, key: string): unknown {
    return isNotFound(err) ? new NotFoundError(key) : err;
  }
}

const status = (err: unknown): number | undefined =>
  (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
const name = (err: unknown): string | undefined => (err as { name?: string } | undefined)?.name;
const isNotFound = (err: unknown): boolean =>
  name(err) === 'NoSuchKey' || name(err) === 'NotFound' || status(err) === 404;

export interface S3ClientOptions {
  region: string;
  /** An S3-compatible server (moto in tests); implies path-style addressing. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Explicit credentials (tests); production leaves this out and uses the default provider chain. */
  credentials?: S3ClientConfig['credentials'];
}

export function createS3Client(opts: S3ClientOptions): S3Client {
  const config: S3ClientConfig = { region: opts.region };
  if (opts.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(opts.endpoint);
    } catch {
      // The rejected string is not echoed: an endpoint is the one place a user might paste a secret.
      throw new Error('S3 endpoint is not a valid URL');
    }
    if (url.username || url.password) throw new Error('S3 endpoint must not carry credentials in its URL');
    config.endpoint = opts.endpoint;
    // The SDK picks path style by itself only for IP literals; for a host name (localhost, a
    // container name) virtual-hosted style would look up <bucket>.<host>, which does not resolve.
    config.forcePathStyle = true;
  } else if (opts.forcePathStyle !== undefined) {
    config.forcePathStyle = opts.forcePathStyle;
  }
  if (opts.credentials !== undefined) config.credentials = opts.credentials;
  return new S3Client(config);
}
