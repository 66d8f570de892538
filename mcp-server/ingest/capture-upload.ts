import type { IncomingMessage } from 'node:http';
import { collectionBundleId } from '../../core/bundle/bundle-id.js';
import { captureAnalysis, captureKeys, type CaptureMeta } from '../../core/query/captures.js';
import type { PacketCapture } from '../../crds/types.js';
import { boundNodeName, type Caller } from '../auth/caller.js';
import { ByteCap, TooLargeError } from './byte-cap.js';
import { assertSameNode } from './collector-auth.js';
import { completedCaptureStatus, failedStatus, storeUri } from '../../core/bundle/collection-status.js';
import { HttpError } from './http-error.js';
import type { IngestContext } from './ingest-context.js';

const CHUNK_TYPES = new Set(['application/vnd.tcpdump.pcap', 'application/octet-stream', 'application/x-pcapng']);
const TERMINAL = new Set(['Completed', 'Failed']);
// pcap (µs and ns, both byte orders) and pcapng section header block
const MAGICS = ['a1b2c3d4', 'd4c3b2a1', 'a1b23c4d', '4d3cb2a1', '0a0d0d0a'];

interface Target {
  pc: PacketCapture;
  node: string;
  captureId: string;
}

/** The capture being uploaded: it must exist, not be finished, and its node must be known. */
async function target(ctx: IngestContext, caller: Caller, namespace: string, name: string): Promise<Target> {
  const pc = await ctx.resources.get('packetcaptures', namespace, name);
  if (!pc) throw new HttpError(404, `no PacketCapture ${namespace}/${name}`);
  const phase = pc.status?.phase;
  if (phase && TERMINAL.has(phase)) throw new HttpError(409, `PacketCapture ${namespace}/${name} is already ${phase}; create a new one to capture again`);
  // the operator resolves a pod target to its node (status.nodeName); a pod-bound token must name that node
  const resolved = pc.spec.nodeName ?? pc.status?.nodeName;
  assertSameNode(caller, resolved);
  const node = resolved ?? boundNodeName(caller);
  if (!node) throw new HttpError(409, `PacketCapture ${namespace}/${name} targets a pod the operator has not resolved to a node yet; retry once its status names the node`);
  return { pc, node, captureId: collectionBundleId(pc.metadata.creationTimestamp, pc.metadata.uid ?? '') };
}

/**
 * PUT /ingest/v1/captures/{ns}/{name}/chunks/{seq}: one rotated tcpdump file, stored as chunk `seq`
 * of the capture (captures/<node>/<captureId>/capture-<seq>.pcap). Re-sending a chunk replaces it.
 */
export async function receiveChunk(ctx: IngestContext, req: IncomingMessage, caller: Caller, namespace: string, name: string, seq: number): Promise<{ captureId: string; node: string; seq: number; bytes: number }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!CHUNK_TYPES.has(type)) throw new HttpError(415, 'Content-Type must be application/vnd.tcpdump.pcap (a pcap or pcapng file)');
  const t = await target(ctx, caller, namespace, name);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > ctx.maxChunkBytes) throw new HttpError(413, new TooLargeError(ctx.maxChunkBytes).message);
  const keys = captureKeys(t.node, t.captureId);
  if (seq === 1 || !(await ctx.store.head(keys.meta))) {
    // while chunks arrive, tcpdump_analyze says the capture is still running instead of analysing half of it
    const meta: CaptureMeta = { phase: 'Capturing', namespace, name };
    await ctx.store.put(keys.meta, JSON.stringify(meta));
  }
  const cap = new ByteCap(ctx.maxChunkBytes);
  req.on('error', (err) => cap.destroy(err));
  req.pipe(cap);
  const key = keys.chunk(seq);
  try {
    await ctx.store.put(key, cap);
  } catch (err) {
    if (cap.tripped) throw new HttpError(413, new TooLargeError(ctx.maxChunkBytes).message);
    throw err;
  }
  const head = await (await ctx.store.getRange(key, 0, 4)).toArray();
  if (!MAGICS.includes(Buffer.concat(head as Buffer[]).toString('hex'))) {
    await ctx.store.delete(key);
    throw new HttpError(422, `chunk ${seq} is not a pcap or pcapng file`);
  }
  if (seq === 1) await ctx.resources.patchStatus('packetcaptures', namespace, name, { phase: 'Ingesting', captureId: t.captureId, message: 'receiving capture chunks' });
  return { captureId: t.captureId, node: t.node, seq, bytes: cap.bytes };
}

/** POST /ingest/v1/captures/{ns}/{name}/complete: all chunks are in; analyse them as one capture and complete the status. */
export async function completeCapture(ctx: IngestContext, caller: Caller, namespace: string, name: string) {
  const t = await target(ctx, caller, namespace, name);
  const keys = captureKeys(t.node, t.captureId);
  let chunks = 0;
  let bytes = 0;
  for await (const o of ctx.store.list(`${keys.base}/`)) {
    if (/\/capture-\d{6}\.pcap$/.test(o.key)) {
      chunks++;
      bytes += o.size;
    }
  }
  if (chunks === 0) throw new HttpError(409, `PacketCapture ${namespace}/${name} has no uploaded chunks; PUT chunks/1 first`);
  const meta: CaptureMeta = { phase: 'Completed', namespace, name, chunks, bytes };
  await ctx.store.put(keys.meta, JSON.stringify(meta));
  let analysis;
  try {
    ({ analysis } = await captureAnalysis(ctx.store, t.node, t.captureId, true));
  } catch (err) {
    const reason = `capture analysis failed: ${(err as Error).message}`.slice(0, 1000);
    await ctx.resources.patchStatus('packetcaptures', namespace, name, failedStatus(reason, ctx.now()));
    ctx.log.warn({ namespace, name, err: (err as Error).message }, 'Capture rejected');
    throw new HttpError(422, reason);
  }
  const uri = storeUri(ctx.uriBase, `${keys.base}/`);
  await ctx.resources.complete('packetcaptures', namespace, name, completedCaptureStatus(analysis, t.captureId, bytes, uri, ctx.now()), new Date(ctx.now()));
  ctx.log.info({ namespace, name, node: t.node, captureId: t.captureId, chunks, packets: analysis.packets }, 'Ingested capture');
  return { captureId: t.captureId, node: t.node, chunks, packets: analysis.packets, bytes, anomalies: analysis.anomalies.length };
}
