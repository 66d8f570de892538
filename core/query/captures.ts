import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { analyzePcap, type PcapAnalysis } from '../pcap/analyze.js';
import { type BundleStore, NotFoundError } from '../store/bundle-store.js';

/** DESIGN.md §3: `captures/<node>/<captureId>/` holds the capture and its analysis. */
export const captureKeys = (node: string, captureId: string) => {
  const base = `captures/${node}/${captureId}`;
  return { base, capture: `${base}/capture.pcap`, analysis: `${base}/analysis.json` };
};

const SEGMENT = /^[A-Za-z0-9._-]{1,253}$/;

export class UnknownCaptureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownCaptureError';
  }
}

/** Capture ids of a node, newest first (ids sort by time like bundle ids). */
export async function listCaptures(store: BundleStore, node: string): Promise<string[]> {
  if (!SEGMENT.test(node)) throw new UnknownCaptureError(`"${node.slice(0, 80)}" is not a valid node name`);
  const ids = new Set<string>();
  for await (const o of store.list(`captures/${node}/`)) {
    const m = /^captures\/[^/]+\/([^/]+)\/capture\.pcap$/.exec(o.key);
    if (m) ids.add(m[1]!);
  }
  return [...ids].sort().reverse();
}

/**
 * Stores a capture file (pcap or pcapng) for a node; the id is its time plus a content hash, so the
 * same file imported twice is one capture. The local mode's way in until the capture runner exists.
 */
export async function importCapture(store: BundleStore, node: string, path: string): Promise<string> {
  if (!SEGMENT.test(node)) throw new UnknownCaptureError(`"${node.slice(0, 80)}" is not a valid node name`);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw new UnknownCaptureError(`no capture file at ${path}`);
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  const id = `${new Date(st.mtimeMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${h.digest('hex').slice(0, 10)}`;
  await store.put(captureKeys(node, id).capture, createReadStream(path));
  return id;
}

/** The stored analysis of a capture, computed once (streaming over the whole capture) and kept. */
export async function captureAnalysis(store: BundleStore, node: string, captureId: string | undefined, force = false): Promise<{ captureId: string; analysis: PcapAnalysis }> {
  const ids = await listCaptures(store, node);
  const id = captureId ?? ids[0];
  if (!id || !ids.includes(id)) {
    throw new UnknownCaptureError(
      ids.length ? `node "${node}" has no capture "${captureId}"; its captures: ${ids.slice(0, 10).join(', ')}` : `node "${node}" has no captures: import one (eks-node-log-mcp import-capture <file> --node ${node}) or call tcpdump_capture`,
    );
  }
  const keys = captureKeys(node, id);
  if (!force) {
    try {
      return { captureId: id, analysis: JSON.parse((await store.getBuffer(keys.analysis)).toString('utf8')) as PcapAnalysis };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  const analysis = await analyzePcap((await store.get(keys.capture)) as AsyncIterable<Buffer>);
  await store.put(keys.analysis, JSON.stringify(analysis));
  return { captureId: id, analysis };
}
