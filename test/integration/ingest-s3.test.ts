import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CreateBucketCommand, DeleteBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ingestBundle } from '../../core/ingest/ingest-bundle.js';
import { CompiledCatalog } from '../../core/rules/compiled-catalog.js';
import { bundleKeys } from '../../core/store/bundle-store.js';
import { FsBundleStore } from '../../core/store/fs-store.js';
import { createS3Client, S3BundleStore } from '../../core/store/s3-store.js';
import { writeSampleBundle } from '../fixtures/sample-bundle.js';

// The hub's path: the same streaming ingest, with S3 (a real moto server) as the store.
const s3 = createS3Client({ region: 'us-east-1', endpoint: inject('motoEndpoint'), credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
const bucket = `nlm-ingest-${randomUUID().slice(0, 8)}`;
const catalog = CompiledCatalog.load();
let work: string;
let archive: string;

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  work = await mkdtemp(join(tmpdir(), 'ingest-s3-'));
  archive = (await writeSampleBundle(work)).archive;
});
afterAll(async () => {
  await new S3BundleStore({ bucket, client: s3 }).deletePrefix('');
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('ingest into the S3 store', () => {
  it('writes the same findings to S3 as to the filesystem, and every file byte for byte', async () => {
    const store = new S3BundleStore({ bucket, client: s3, prefix: 'hub', sse: { kmsKeyId: 'alias/eks-node-logs' } });
    const r = await ingestBundle({ store, catalog, source: { kind: 'archive', path: archive } });
    const fs = new FsBundleStore(join(work, 'fs'));
    const f = await ingestBundle({ store: fs, catalog, source: { kind: 'archive', path: archive } });
    const keys = bundleKeys(r.node, r.bundleId);
    expect((await store.getBuffer(keys.findings)).equals(await fs.getBuffer(keys.findings))).toBe(true);
    const kub = await store.getBuffer(keys.file('kubelet/kubelet.log'));
    expect(kub.equals(await readFile(join(work, `${archive.split('/').pop()!.replace(/\.tar\.gz$/, '')}`, 'kubelet/kubelet.log')))).toBe(true);
    const events = gunzipSync(await store.getBuffer(keys.events)).toString().split('\n').filter(Boolean);
    expect(events.length).toBe(f.findings.findings.reduce((n, x) => n + x.occurrences, 0));
    const listed = [];
    for await (const o of store.list(keys.filesPrefix)) listed.push(o.key.slice(keys.filesPrefix.length));
    expect(listed.sort()).toEqual(r.manifest.files.map((x) => x.path).sort());
  });

  it('a range read of a stored file returns exactly those bytes (what `read` will use)', async () => {
    const store = new S3BundleStore({ bucket, client: s3, prefix: 'hub' });
    const r = await ingestBundle({ store, catalog, source: { kind: 'archive', path: archive } });
    const key = bundleKeys(r.node, r.bundleId).file('kubelet/kubelet.log');
    const whole = await store.getBuffer(key);
    const chunks: Buffer[] = [];
    for await (const c of await store.getRange(key, 100, 400)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(whole.subarray(100, 400))).toBe(true);
  });
});
