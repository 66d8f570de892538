import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { analyzePcap, type PcapAnalysis } from '../pcap/analyze.js';
import { type BundleStore, NotFoundError } from '../store/bundle-store.js';

/**
 * DESIGN.md §3: `captures/<node>/<captureId>/` holds the capture and its analysis. An imported file
 * is one `capture.pcap`; the capture runner writes numbered chunks (`capture-000001.pcap`, …, each a
 * whole pcap file) and a `capture.json` saying how it ran.
 */
export const captureKeys = (node: string, captureId: string) => {
  const base = `captures/${node}/${captureId}`;
  return {
    base,
    capture: `${base}/capture.pcap`,
    chunk: (index: number) => `${base}/capture-${String(index).padStart(6, '0')}.pcap`,
    meta: `${base}/capture.json`,
    analysis: `${base}/analysis.json`,
  };
};

const PCAP_KEY = /^captures\/[^/]+\/([^/]+)\/capture(?:-\d{6})?\.pcap$/;

/** What the runner records beside its chunks; `phase` Capturing means the chunks are not all there yet. */
export interface CaptureMeta {
  phase: 'Capturing' | 'Completed' | 'Failed';
  [k: string]: unknown;
}

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
    // capture.json alone: a capture still running (or one that failed), listed so callers hear why
    const m = PCAP_KEY.exec(o.key) ?? /^captures\/[^/]+\/([^/]+)\/capture\.json$/.exec(o.key);
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
  const meta = await store.getBuffer(keys.meta).then((b) => JSON.parse(b.toString('utf8')) as CaptureMeta, () => undefined);
  if (meta?.phase === 'Capturing') throw new UnknownCaptureError(`capture "${id}" of node "${node}" is still running; call again after it ends${typeof meta.endsBy === 'string' ? ` (by ${meta.endsBy})` : ''}`);
  if (meta?.phase === 'Failed' && !meta.chunks) throw new UnknownCaptureError(`capture "${id}" of node "${node}" failed and holds no packets: ${String(meta.error ?? 'no pcap data').slice(0, 300)}`);
  if (!force) {
    try {
      return { captureId: id, analysis: JSON.parse((await store.getBuffer(keys.analysis)).toString('utf8')) as PcapAnalysis };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  const parts: string[] = [];
  for await (const o of store.list(`${keys.base}/`)) if (PCAP_KEY.test(o.key)) parts.push(o.key);
  const analysis = await analyzePcap(chunksInOrder(store, parts.sort()));
  await store.put(keys.analysis, JSON.stringify(analysis));
  return { captureId: id, analysis };
}

/**
 * The chunks of one capture as one pcap stream: the first whole, the rest without their 24-byte file
 * header when it repeats the first one's (same magic and link type: the same tcpdump run), so the
 * analysers see every packet in capture order with one set of flow tables.
 */
async function* chunksInOrder(store: BundleStore, keys: string[]): AsyncIterable<Buffer> {
  let first: Buffer | undefined;
  for (const key of keys) {
    let head: Buffer | undefined = first ? Buffer.alloc(0) : undefined;
    for await (const c of (await store.get(key)) as AsyncIterable<Buffer>) {
      if (!first) {
        first = Buffer.from(c.subarray(0, 24));
        yield c;
        continue;
      }
      if (head) {
        // gather the header before deciding; it may arrive split across reads
        head = Buffer.concat([head, c]);
        if (head.length < 24) continue;
        const rest = head.subarray(0, 24).equals(first) ? head.subarray(24) : head;
        head = undefined;
        if (rest.length) yield rest;
        continue;
      }
      yield c;
    }
    if (head?.length) yield head;
  }
}
