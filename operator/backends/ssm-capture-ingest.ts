import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { captureAnalysis, captureKeys, type CaptureMeta } from '../../core/query/captures.js';
import type { PcapAnalysis } from '../../core/pcap/analyze.js';
import type { BundleStore } from '../../core/store/bundle-store.js';
import { captureObjectKey } from './ssm-capture.js';

// pcap (µs and ns, both byte orders) and pcapng section header block, as the hub accepts chunks
const MAGICS = ['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1', '0a0d0d0a'];

export class NotACaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotACaptureError';
  }
}

/**
 * What the SSM capture script leaves behind: one pcap at a key the operator chose
 * (captureObjectKey), copied into the hub store as chunk 1 of captures/<node>/<captureId>/ with a
 * Completed capture.json, then analysed like an agent's upload. The object stays in the bucket; the
 * results/ lifecycle rule expires it.
 */
export class SsmCaptureIngest {
  constructor(private readonly o: { s3: S3Client; bucket: string; prefix: string; store: BundleStore }) {}

  /** Undefined while the node has not uploaded yet. */
  async ingest(instanceId: string, captureId: string, node: string, meta: Record<string, unknown>): Promise<{ analysis: PcapAnalysis; bytes: number; key: string } | undefined> {
    const source = captureObjectKey(this.o.prefix, instanceId, captureId);
    let body: Readable;
    try {
      body = (await this.o.s3.send(new GetObjectCommand({ Bucket: this.o.bucket, Key: source }))).Body as Readable;
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey' || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    }
    const keys = captureKeys(node, captureId);
    const chunk = keys.chunk(1);
    const { size } = await this.o.store.put(chunk, body);
    const head = Buffer.concat((await (await this.o.store.getRange(chunk, 0, 4)).toArray()) as Buffer[]);
    if (!MAGICS.includes(head.toString('hex'))) {
      await this.o.store.delete(chunk);
      throw new NotACaptureError(`s3://${this.o.bucket}/${source} is not a pcap or pcapng file`);
    }
    const done: CaptureMeta = { phase: 'Completed', ...meta, method: 'ssm', chunks: 1, bytes: size };
    await this.o.store.put(keys.meta, JSON.stringify(done));
    let analysis: PcapAnalysis;
    try {
      ({ analysis } = await captureAnalysis(this.o.store, node, captureId, true));
    } catch (err) {
      throw new NotACaptureError(`the capture SSM uploaded (s3://${this.o.bucket}/${source}) could not be analysed: ${(err as Error).message.slice(0, 500)}`);
    }
    return { analysis, bytes: size, key: keys.base };
  }
}
