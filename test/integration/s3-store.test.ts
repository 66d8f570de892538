import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createS3Client, S3BundleStore, type S3StoreOptions } from '../../core/store/s3-store.js';
import { describeStoreContract } from '../../core/store/store-contract.js';

// moto accepts any credentials (auth is off unless INITIAL_NO_AUTH_ACTION_COUNT is set), but the
// SDK refuses to sign without some; passing them in the config keeps the host's AWS env out of it.
const client = (): S3Client =>
  createS3Client({
    region: 'us-east-1',
    endpoint: inject('motoEndpoint'),
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });

const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** A fresh bucket per suite, emptied and removed afterwards, so suites never see each other's keys. */
async function freshStore(opts: Omit<S3StoreOptions, 'bucket' | 'client'> = {}) {
  const s3 = client();
  const bucket = `nlm-test-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new S3BundleStore({ bucket, client: s3, ...opts });
  const cleanup = async () => {
    await new S3BundleStore({ bucket, client: s3 }).deletePrefix('');
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
  };
  return { store, cleanup, s3, bucket };
}

describeStoreContract('S3BundleStore on moto', () => freshStore());

describeStoreContract('S3BundleStore on moto, with a store prefix and SSE-KMS', () =>
  freshStore({ prefix: 'tenant-a/store', sse: { kmsKeyId: KEY_ARN, bucketKeyEnabled: true } }),
);

describe('S3BundleStore on moto: what the contract cannot see', () => {
  let env: Awaited<ReturnType<typeof freshStore>>;
  beforeAll(async () => {
    env = await freshStore({ prefix: 'tenant-a/store', sse: { kmsKeyId: KEY_ARN, bucketKeyEnabled: true } });
  });
  afterAll(async () => {
    await env?.cleanup();
  });
  const headRaw = (key: string) => env.s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: key }));

  // moto records SSE-KMS as object metadata only: it neither encrypts nor checks that the key
  // exists, so this proves the adapter sends the headers, not that S3 would accept the key.
  it('asks for SSE-KMS with the configured key on single-part and multipart puts', async () => {
    const createHeaders: Record<string, string>[] = [];
    env.s3.middlewareStack.add(
      (next, ctx) => async (args) => {
        const req = args.request as { headers?: Record<string, string> };
        if (ctx.commandName === 'CreateMultipartUploadCommand') createHeaders.push({ ...req.headers });
        return next(args);
      },
      { step: 'build', name: 'recordCreateMultipartHeaders' },
    );
    await env.store.put('sse/small.txt', 'hello');
    // 9 MiB from a stream: more than one 8 MiB part, so it goes through CreateMultipartUpload.
    const chunks = Array.from({ length: 9 }, () => randomBytes(1 << 20));
    expect(await env.store.put('sse/multi.bin', Readable.from(chunks))).toEqual({ size: 9 << 20 });
    env.s3.middlewareStack.remove('recordCreateMultipartHeaders');

    for (const key of ['sse/small.txt', 'sse/multi.bin']) {
      const head = await headRaw(`tenant-a/store/${key}`);
      expect(head.ServerSideEncryption, key).toBe('aws:kms');
      expect(head.SSEKMSKeyId, key).toBe(KEY_ARN);
    }
    expect((await headRaw('tenant-a/store/sse/small.txt')).BucketKeyEnabled).toBe(true);
    // moto 5.2.5 drops BucketKeyEnabled when it completes a multipart upload (FakeMultipart keeps
    // only the SSE type and key id), so check what the adapter sent on the wire instead.
    expect(createHeaders).toHaveLength(1);
    expect(createHeaders[0]).toMatchObject({
      'x-amz-server-side-encryption': 'aws:kms',
      'x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN,
      'x-amz-server-side-encryption-bucket-key-enabled': 'true',
    });
  });

  it('writes under the store prefix in the bucket but shows callers unprefixed keys', async () => {
    await env.store.put('bundles/n1/b1/manifest.json', '{}');
    const raw = await env.s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: 'tenant-a/store/bundles/' }));
    expect(raw.Contents?.map((o) => o.Key)).toEqual(['tenant-a/store/bundles/n1/b1/manifest.json']);
    const listed: string[] = [];
    for await (const o of env.store.list('bundles/')) listed.push(o.key);
    expect(listed).toEqual(['bundles/n1/b1/manifest.json']);
  });

  it('a stream put that fails midway rejects, leaves no object and aborts its multipart upload', async () => {
    let sent = 0;
    const body = new Readable({
      read() {
        // Past one part, so a multipart upload is already open when the source dies.
        if (sent++ < 10) this.push(randomBytes(1 << 20));
        else this.destroy(new Error('source connection reset'));
      },
    });
    await expect(env.store.put('crash/bundle.tar.gz', body)).rejects.toThrow('source connection reset');
    expect(await env.store.head('crash/bundle.tar.gz')).toBeUndefined();
    // An upload left open would keep its parts (and their cost) on real S3 until a lifecycle rule.
    const open = await env.s3.send(new ListMultipartUploadsCommand({ Bucket: env.bucket }));
    expect(open.Uploads ?? []).toEqual([]);
  });

  it('refuses an endpoint URL that carries credentials without echoing them', () => {
    expect(() => createS3Client({ region: 'us-east-1', endpoint: 'http://AKIDSECRET:hunter2@127.0.0.1:1' })).toThrow(
      /^S3 endpoint must not carry credentials in its URL$/,
    );
  });
});
