import type { IncomingMessage } from 'node:http';
import { collectionBundleId } from '../../core/bundle/bundle-id.js';
import { ingestBundle, PartialIngestError } from '../../core/ingest/ingest-bundle.js';
import { IngestError } from '../../core/ingest/limits.js';
import { bundleKeys } from '../../core/store/bundle-store.js';
import type { Caller } from '../auth/caller.js';
import { ByteCap, TooLargeError } from './byte-cap.js';
import { assertSameNode } from './collector-auth.js';
import { completedCollectionStatus, failedStatus } from '../../core/bundle/collection-status.js';
import { HttpError } from './http-error.js';
import type { IngestContext } from './ingest-context.js';

const GZIP_TYPES = new Set(['application/gzip', 'application/x-gzip']);
const TERMINAL = new Set(['Completed', 'Failed']);

export interface BundleUploadResult {
  bundleId: string;
  node: string;
  findings: { critical: number; high: number; warning: number; info: number; total: number };
}

/**
 * PUT /ingest/v1/bundles/{ns}/{name}: streams the tar.gz into the store and the scanner (never held
 * whole), then completes the collection's status. The bundle id comes from the collection (time +
 * UID), so a retried upload overwrites the same bundle: the endpoint is idempotent.
 */
export async function receiveBundle(ctx: IngestContext, req: IncomingMessage, caller: Caller, namespace: string, name: string): Promise<BundleUploadResult> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!GZIP_TYPES.has(type)) throw new HttpError(415, 'Content-Type must be application/gzip (a tar.gz bundle)');
  const nlc = await ctx.resources.get('nodelogcollections', namespace, name);
  if (!nlc) throw new HttpError(404, `no NodeLogCollection ${namespace}/${name}`);
  const phase = nlc.status?.phase;
  if (phase && TERMINAL.has(phase)) throw new HttpError(409, `NodeLogCollection ${namespace}/${name} is already ${phase}; create a new one to collect again`);
  // bundles are filed under the Kubernetes node name when there is one (the operator resolves instance ids)
  const node = nlc.spec.nodeName ?? nlc.status?.nodeName ?? nlc.spec.instanceId;
  if (!node) throw new HttpError(409, `NodeLogCollection ${namespace}/${name} names no target node`);
  assertSameNode(caller, nlc.spec.nodeName ?? nlc.status?.nodeName);

  const fail = (reason: string) => ctx.resources.patchStatus('nodelogcollections', namespace, name, failedStatus(reason, ctx.now()));
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > ctx.maxBundleBytes) {
    const e = new TooLargeError(ctx.maxBundleBytes);
    await fail(e.message);
    throw new HttpError(413, e.message);
  }
  const key = `nodelogcollections/${namespace}/${name}`;
  if (ctx.inFlight.has(key)) throw new HttpError(409, `an upload for ${namespace}/${name} is already in progress`, { 'Retry-After': '30' });
  ctx.inFlight.add(key);
  try {
    const bundleId = collectionBundleId(nlc.metadata.creationTimestamp, nlc.metadata.uid ?? '');
    // a retry must not leave files of an earlier, broken attempt beside the new ones
    await ctx.store.deletePrefix(`${bundleKeys(node, bundleId).base}/`);
    await ctx.resources.patchStatus('nodelogcollections', namespace, name, { phase: 'Ingesting', message: `receiving the bundle from ${caller.username}` });
    const cap = new ByteCap(ctx.maxBundleBytes);
    req.on('error', (err) => cap.destroy(err));
    req.pipe(cap);
    try {
      const r = await ingestBundle({
        store: ctx.store, catalog: ctx.catalog, node, now: ctx.now, limits: ctx.limits,
        method: nlc.status?.method ?? 'agent',
        source: { kind: 'stream', stream: cap, name: `${name}.tar.gz`, bundleId },
      });
      const status = completedCollectionStatus(r, cap.bytes, ctx.uriBase, ctx.now());
      await ctx.resources.complete('nodelogcollections', namespace, name, status, new Date(ctx.now()));
      ctx.log.info({ namespace, name, node, bundleId, bytes: cap.bytes, findings: status.findings?.total }, 'Ingested bundle');
      const s = r.findings.summary;
      return { bundleId, node: r.node, findings: { ...s, total: s.critical + s.high + s.warning + s.info } };
    } catch (err) {
      if (cap.tripped) {
        const msg = new TooLargeError(ctx.maxBundleBytes).message;
        await fail(msg);
        throw new HttpError(413, msg);
      }
      if (req.destroyed && !req.complete) {
        // the collector went away mid-upload: transient, it retries; the collection is not failed
        await ctx.resources.patchStatus('nodelogcollections', namespace, name, { message: 'upload interrupted; waiting for the collector to retry' }).catch(() => undefined);
        throw new HttpError(400, 'upload interrupted');
      }
      if (err instanceof IngestError) {
        const reason = err instanceof PartialIngestError ? `bundle is corrupt: ${err.message}` : `bundle rejected: ${err.message}`;
        await fail(reason);
        ctx.log.warn({ namespace, name, kind: err.kind }, 'Bundle rejected');
        throw new HttpError(422, reason);
      }
      throw err;
    }
  } finally {
    ctx.inFlight.delete(key);
  }
}
